"""The `.bed` language: parse, validate, format and describe packed-bed specifications.

>>> from bedflow import dsl
>>> spec = dsl.parse('''
... bed { diameter = 50 mm; height = 0.1 m; }
... particles { kind = sphere; diameter = 5mm; count = 1000 }
... ''')
>>> spec.particles.count, spec.bed.diameter
(1000, 0.05)
>>> print(dsl.format_spec(spec).splitlines()[1])
    diameter = 50 mm;
"""

from bedflow.dsl._compile import Compiled, apply_settings, load, parse, parse_with_diagnostics
from bedflow.dsl._format import format_setting, format_spec, format_text
from bedflow.dsl._reference import json_schema, reference_markdown
from bedflow.dsl._spec import (
    PACKING_SECTIONS,
    SECTIONS,
    BedSpec,
    CfdSpec,
    ColumnSpec,
    ExportSpec,
    LidsSpec,
    MeshLevels,
    PackingSpec,
    ParticleSpec,
    SpecProblem,
    canonical_json,
    packing_hash,
    packing_sections,
    spec_hash,
)

__all__ = [
    "PACKING_SECTIONS",
    "SECTIONS",
    "BedSpec",
    "CfdSpec",
    "ColumnSpec",
    "Compiled",
    "ExportSpec",
    "LidsSpec",
    "MeshLevels",
    "PackingSpec",
    "ParticleSpec",
    "SpecProblem",
    "apply_settings",
    "canonical_json",
    "format_setting",
    "format_spec",
    "format_text",
    "json_schema",
    "load",
    "packing_hash",
    "packing_sections",
    "parse",
    "parse_with_diagnostics",
    "reference_markdown",
    "spec_hash",
]
