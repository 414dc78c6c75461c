"""What a random pour of a bed is expected to reach, known before any engine runs.

Its own module because both `pack` and the engines it calls read it (in `_pack` it closed an
import cycle through the engine table).
"""

from __future__ import annotations

from bedflow.dsl import BedSpec
from bedflow.geometry._constants import (
    BENYAHIA_ONEILL_CYLINDER_MIN_RATIO,
    TYPICAL_POURED_POROSITY,
)
from bedflow.geometry._correlations import (
    benyahia_oneill_cylinder_porosity,
    dixon_porosity,
    volume_equivalent_diameter,
)

__all__ = ["expected_porosity"]


def expected_porosity(spec: BedSpec) -> float:
    """Porosity a random pour of this bed is expected to reach, before packing it.

    Spheres in a cylinder: Dixon (1988) for the column-to-particle ratio; cylinders in a
    cylinder: Benyahia & O'Neill (2005) for the column over the volume-equivalent diameter,
    within the fit's range; cubes, boxes and narrower tubes: a typical poured value (see
    ``TYPICAL_POURED_POROSITY``).
    """
    part = spec.particles
    if spec.bed.shape == "cylinder" and part.kind == "sphere":
        return dixon_porosity(spec.bed.diameter / part.diameter)
    if spec.bed.shape == "cylinder" and part.kind == "cylinder":
        ratio = spec.bed.diameter / volume_equivalent_diameter(
            part.diameter, part.length or part.diameter
        )
        if ratio >= BENYAHIA_ONEILL_CYLINDER_MIN_RATIO:  # below, the fit runs past porosity 1
            return benyahia_oneill_cylinder_porosity(ratio)
    return TYPICAL_POURED_POROSITY[part.kind]
