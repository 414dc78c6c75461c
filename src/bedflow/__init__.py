"""bedflow: packed-bed CFD studies, from a `.bed` description to a pressure drop.

>>> import bedflow
>>> spec = bedflow.dsl.parse("bed { diameter = 50 mm; } particles { count = 100; }")
>>> spec.bed.diameter
0.05
"""

from bedflow import dsl
from bedflow._exceptions import (
    BedflowError,
    BedInputError,
    BedSyntaxError,
    BedValidationError,
    BedWarning,
    Cancelled,
    CfdInputError,
    Diagnostic,
    EngineError,
    EngineUnavailable,
    PackingIncomplete,
    UsageError,
)
from bedflow._version import __version__

__all__ = [
    "BedInputError",
    "BedSyntaxError",
    "BedValidationError",
    "BedWarning",
    "BedflowError",
    "Cancelled",
    "CfdInputError",
    "Diagnostic",
    "EngineError",
    "EngineUnavailable",
    "PackingIncomplete",
    "UsageError",
    "__version__",
    "dsl",
]
