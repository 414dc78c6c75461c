"""What a random pour of a bed is expected to reach, known before any engine runs.

Its own module because both `pack` and the engines it calls read it (in `_pack` it closed an
import cycle through the engine table).
"""

from __future__ import annotations

from bedflow.dsl import BedSpec
from bedflow.geometry._constants import TYPICAL_POURED_POROSITY
from bedflow.geometry._correlations import dixon_porosity

__all__ = ["expected_porosity"]


def expected_porosity(spec: BedSpec) -> float:
    """Porosity a random pour of this bed is expected to reach, before packing it.

    Spheres in a cylinder: Dixon (1988) for the column-to-particle ratio; other shapes and
    boxes: a typical poured value (see ``TYPICAL_POURED_POROSITY``).
    """
    if spec.particles.kind == "sphere" and spec.bed.shape == "cylinder":
        return dixon_porosity(spec.bed.diameter / spec.particles.diameter)
    return TYPICAL_POURED_POROSITY[spec.particles.kind]
