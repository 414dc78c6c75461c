"""Settings of the OpenFOAM engine that are choices rather than inputs, with the reasons."""

from __future__ import annotations

from typing import Final

__all__ = [
    "BRIDGE_REACH",
    "CONTACTS",
    "DEFAULT_PROJECT_DIR",
    "DEFAULT_SHRINK",
    "FOAM_CELLS_PER_DP",
    "LOCATION_CANDIDATES",
    "MIN_CELLS_PER_DP",
    "OUTLET_ABOVE_BED",
    "PROGRESS_INTERVAL_S",
    "STOP_GRACE_S",
    "TURBULENCE_INTENSITY",
    "TURBULENCE_LENGTH_FRACTION",
    "WALL_SAGITTA_FRACTION",
    "WALL_SECTIONS_MIN",
]

DEFAULT_PROJECT_DIR: Final = "/usr/share/openfoam"
"""``WM_PROJECT_DIR`` of Debian's ``openfoam`` package (v1912); its tools need it set."""

CONTACTS: Final = ("bridges", "shrink")
"""How touching particles are made meshable: joined by thin cylinders at the contacts
(:func:`bedflow.geometry.bridged_spheres`), or all shrunk by ``DEFAULT_SHRINK``
(``cfd.mesh_contacts``)."""

BRIDGE_REACH: Final = 0.03
"""Bound (fraction of d) on how far a bridge's solid outside the spheres reaches from them:
half the widest gap bridged (0.01 d) plus the wedge at a rod's rim (0.01 d), with margin.
``locationInMesh`` must be farther than this from every sphere."""

DEFAULT_SHRINK: Final = 0.01
"""With ``mesh_contacts = shrink``, particles are shrunk by this fraction of their radius
about their centres before meshing: touching spheres meet in points that snappyHexMesh can
only close with degenerate cells. 1 % is the usual choice in packed-bed CFD (Dixon &
Nijemeisland 2001; Eppinger et al. 2011, Chem. Eng. J. 166, 324-331) and shifts the porosity
by ~3 % of the solid fraction, which is why bridges are the default."""

MIN_CELLS_PER_DP: Final = 8
"""Below about 8 cells per particle diameter the castellated mesh closes pores (the mesh
porosity reads low and the pressure drop far too high) or loses the outlet (issue 4;
bench/bench_openfoam.py prints both per resolution, docs/benchmarks.md has the figures)."""

FOAM_CELLS_PER_DP: Final = 21
"""The resolution from which OpenFOAM's defaults (bridges, two prism layers) are shown to give
a pressure drop within about 5% of their grid limit (issue 13's 80-sphere bed, a three-grid
study at 21, 16 and 12 cells per diameter; docs/flow.md). ``bedflow check`` warns below it."""

OUTLET_ABOVE_BED: Final = 2.0
"""OpenFOAM's outlet lies this many particle diameters above the top of the bed when the column
is taller: the measured slab ends at least 1.5 d below the top, so the outlet is 3.5 d or more
beyond it, where a bed's pressure disturbances have decayed (they fall off within about a
diameter in a packed bed); the free column above holds no pressure drop worth meshing."""

LOCATION_CANDIDATES: Final = 4096
"""Candidate points tried for ``locationInMesh``; the one farthest from every surface wins."""

TURBULENCE_INTENSITY: Final = 0.05
"""Inlet turbulence intensity u'/U of RANS runs (a calm feed pipe)."""

TURBULENCE_LENGTH_FRACTION: Final = 0.1
"""Inlet turbulence length scale as a fraction of the particle diameter (pore scale)."""

WALL_SAGITTA_FRACTION: Final = 5e-4
"""Largest gap between the polygonal column wall and the circle, as a fraction of the radius
(the same as the geometry export): 100 sections, an area 0.07 % short of the circle."""

WALL_SECTIONS_MIN: Final = 64

PROGRESS_INTERVAL_S: Final = 0.5
"""Progress is reported at least this often while a tool runs (and on every new iteration)."""

STOP_GRACE_S: Final = 1.0
"""After SIGTERM a cancelled tool gets this long before SIGKILL (the whole group is gone in
under 2 s)."""
