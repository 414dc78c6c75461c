"""The sections of a `.bed` file as pydantic models: one field per key, SI units.

Every key has a default, a description and (for physical quantities) its SI unit in the JSON
Schema; the language reference in ``docs/bed-language.md`` is generated from these models.
How a key is declared is in :mod:`bedflow.dsl._keys`; the sections themselves are in
:mod:`bedflow.dsl._bed_sections` (column, lids, particles, packing) and
:mod:`bedflow.dsl._cfd_sections` (export, cfd). This module gathers them in file order.
"""

from __future__ import annotations

from bedflow.dsl._bed_sections import (
    ORDERED_METHODS,
    ColumnSpec,
    LidsSpec,
    PackingSpec,
    ParticleSpec,
)
from bedflow.dsl._cfd_sections import CfdSpec, ExportSpec, MeshLevels
from bedflow.dsl._keys import (
    DEPRECATED,
    ONE_LINE,
    TEXT,
    PackingMethod,
    Registered,
    Section,
    quantity,
    registered,
)

__all__ = [
    "DEPRECATED",
    "ONE_LINE",
    "ORDERED_METHODS",
    "SECTIONS",
    "TEXT",
    "CfdSpec",
    "ColumnSpec",
    "ExportSpec",
    "LidsSpec",
    "MeshLevels",
    "PackingMethod",
    "PackingSpec",
    "ParticleSpec",
    "Registered",
    "quantity",
    "registered",
]

SECTIONS: dict[str, type[Section]] = {
    "bed": ColumnSpec,
    "lids": LidsSpec,
    "particles": ParticleSpec,
    "packing": PackingSpec,
    "export": ExportSpec,
    "cfd": CfdSpec,
}
