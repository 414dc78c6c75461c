"""The one region of a bed every solver measures dp/L across by default, and its porosity.

Each solver used to choose its own: the LBM the bulk band (or the whole bed, mirrored, when
the bed was too shallow for one), OpenFOAM planes 1 d above the floor and 1.5 d below the top,
the correlation solver the bulk band's porosity. Their default outputs read different slabs
of different porosity, so they could not be compared (issue 13). Now all three take
:func:`measurement_slab`, and the correlations beside each result use the porosity of that
slab.

The slab, for a bed of top ``h`` (the top of its highest particle) and particle diameter d:

1. the bulk band, ``BULK_DIAMETERS`` d (2 d) above the floor to 2 d below the top, away from
   the ordered floor layer and the loose top layer, when it is at least ``MIN_SLAB_DIAMETERS``
   (1 d) tall; past ``MAX_SLAB_DIAMETERS`` (6 d) its middle 6 d (a taller slab adds cost, not
   information: the bulk of a poured bed is statistically uniform along z);
2. else, in a shallow bed, ``SHALLOW_BOTTOM_DIAMETERS`` (1 d) above the floor to
   ``SHALLOW_TOP_DIAMETERS`` (1.5 d) below the top, when at least 1 d tall (a bed of at least
   3.5 d);
3. else none: the bed is too shallow to hold a slab with bed on both sides. The LBM then
   simulates the whole bed, mirrored, and says so; OpenFOAM refuses; the correlation solver
   reads the whole bed's porosity.

Both rules leave at least ``LBM_BUFFER_DIAMETERS`` (0.5 d) of bed beyond each end, which the
LBM simulates so that its planes see bed on both sides, as OpenFOAM's do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from bedflow.geometry import PackedBed, slab_solid_volume, voxelize

__all__ = [
    "MAX_SLAB_DIAMETERS",
    "MeasurementSlab",
    "measurement_slab",
    "slab_porosity",
    "too_shallow",
]

BULK_DIAMETERS: Final = 2.0
"""The bulk band starts this many diameters above the floor and ends as many below the top
(as :attr:`bedflow.geometry.BedMetrics.bulk_band`)."""

MIN_SLAB_DIAMETERS: Final = 1.0
"""A measured slab is at least this many diameters tall."""

MAX_SLAB_DIAMETERS: Final = 6.0
"""A measured slab is at most this many diameters tall, the middle of a taller bulk band:
enough for several pores along the flow while bounding the cost of tall beds."""

SHALLOW_BOTTOM_DIAMETERS: Final = 1.0
"""In a bed too shallow for a bulk band, the slab starts this many diameters above the floor:
the first layer is ordered by the flat floor (porosity near 1 at the floor)."""

SHALLOW_TOP_DIAMETERS: Final = 1.5
"""... and ends this many diameters below the top of the highest particle: the loose top layer
is not part of the packed region."""


@dataclass(frozen=True)
class MeasurementSlab:
    """Heights (m) of the slab dp/L is measured across, and which rule chose it."""

    z_min: float
    z_max: float
    source: str

    @property
    def length(self) -> float:
        """Height of the slab, m."""
        return self.z_max - self.z_min


def measurement_slab(bed_top: float, particle_diameter: float) -> MeasurementSlab | None:
    """The slab every solver measures across in a bed whose highest particle ends at
    ``bed_top`` (m), of particle diameter ``particle_diameter`` (m); None when the bed is too
    shallow for one (under 3.5 d).

    >>> measurement_slab(0.1, 0.005)  # 20 d: the middle 6 d of the bulk band
    MeasurementSlab(z_min=0.035, z_max=0.065, source='bulk band, middle 6 d')
    >>> s = measurement_slab(0.0225, 0.005)  # 4.5 d: no bulk band 1 d tall
    >>> print(f"{s.z_min * 1e3:.2f}-{s.z_max * 1e3:.2f} mm, {s.source}")
    5.00-15.00 mm, shallow bed: 1 d above the floor to 1.5 d below the top
    >>> measurement_slab(0.015, 0.005) is None  # 3 d
    True
    """
    d = particle_diameter
    if not (math.isfinite(bed_top) and d > 0.0):
        return None
    lo, hi = BULK_DIAMETERS * d, bed_top - BULK_DIAMETERS * d
    if hi - lo >= MIN_SLAB_DIAMETERS * d:
        if hi - lo <= MAX_SLAB_DIAMETERS * d:
            return MeasurementSlab(lo, hi, "bulk band")
        mid, half = 0.5 * (lo + hi), 0.5 * MAX_SLAB_DIAMETERS * d
        where = f"bulk band, middle {MAX_SLAB_DIAMETERS:g} d"
        return MeasurementSlab(mid - half, mid + half, where)
    lo, hi = SHALLOW_BOTTOM_DIAMETERS * d, bed_top - SHALLOW_TOP_DIAMETERS * d
    if hi - lo >= MIN_SLAB_DIAMETERS * d:
        return MeasurementSlab(
            lo,
            hi,
            f"shallow bed: {SHALLOW_BOTTOM_DIAMETERS:g} d above the floor to "
            f"{SHALLOW_TOP_DIAMETERS:g} d below the top",
        )
    return None


def too_shallow(bed_top: float, particle_diameter: float) -> str:
    """Why a bed of top ``bed_top`` (m) holds no measured slab (for an error or a note)."""
    d = particle_diameter
    return (
        f"the bed is too shallow to measure a pressure drop between planes with bed on both "
        f"sides: its top is at {bed_top / d:.2f} d, and a slab from "
        f"{SHALLOW_BOTTOM_DIAMETERS:g} d above the floor to {SHALLOW_TOP_DIAMETERS:g} d below "
        f"the top needs a bed of at least "
        f"{SHALLOW_BOTTOM_DIAMETERS + SHALLOW_TOP_DIAMETERS + MIN_SLAB_DIAMETERS:g} d"
    )


def slab_porosity(packed: PackedBed, z_min: float, z_max: float, cells_per_dp: int) -> float:
    """Porosity of the column between ``z_min`` and ``z_max`` (m): exact for spheres (sphere
    slab volumes); for other shapes the particles' volumes when none is cut by the slab's
    ends, else counted on a grid of ``cells_per_dp`` cells per diameter (the LBM's grid)."""
    col = packed.column
    area = math.pi * col.diameter**2 / 4.0 if col.shape == "cylinder" else col.width * col.depth
    if packed.kind == "sphere":
        solid = slab_solid_volume(packed.centers, packed.radii, z_min, z_max)
        return 1.0 - solid / (area * (z_max - z_min))
    vox = voxelize(packed, cells_per_dp=cells_per_dp, z_range=(z_min, z_max))
    return vox.geometric_porosity if math.isfinite(vox.geometric_porosity) else vox.porosity
