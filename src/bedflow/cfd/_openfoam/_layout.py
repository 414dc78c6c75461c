"""Where things go in an OpenFOAM case of a bed: background grid, ``locationInMesh``, planes.

Coordinates are SI (m), the column floor at z = 0 and its axis at x = y = 0, as in
:class:`~bedflow.geometry.PackedBed`. The background ``blockMesh`` is a box of cubic-ish cells
around the cylinder from the floor (``inlet``) to the column top (``outlet``); snappyHexMesh
refines it ``levels.particles`` times at the particles, which gives ``cells_per_dp`` cells
per particle diameter there, and ``levels.walls`` times at the column wall.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bedflow.cfd._openfoam._constants import (
    LOCATION_CANDIDATES,
    MIN_CELLS_PER_DP,
    WALL_SAGITTA_FRACTION,
    WALL_SECTIONS_MIN,
)
from bedflow.cfd._region import measurement_slab, too_shallow
from bedflow.cfd._types import FloatArray
from bedflow.geometry import slab_solid_volume

__all__ = [
    "CaseLayout",
    "Point",
    "find_location",
    "layout_case",
    "location_problems",
    "too_coarse",
    "wall_sections",
]

Point = tuple[float, float, float]


@dataclass(frozen=True)
class CaseLayout:
    """The numbers a case is written from (lengths in m).

    ``box_min``/``box_max`` bound the background mesh of ``cells`` cells; ``fine`` is the cell
    size (x, y, z) at the finest refinement level ``max(levels)``; ``location`` is the
    ``locationInMesh``, the centre of a finest cell with ``clearance`` to every surface;
    ``planes`` are the heights of the two pressure planes inside the packed region (those of
    ``slab``, the slab every solver measures, each moved to the middle of its finest cell),
    ``slab_from`` which rule chose that slab.
    """

    radius: float
    height: float
    particle_diameter: float
    mesh_diameter: float
    box_min: Point
    box_max: Point
    cells: tuple[int, int, int]
    level_particles: int
    level_walls: int
    fine: Point
    location: Point
    clearance: float
    planes: tuple[float, float]
    bed_top: float
    porosity_domain: float
    porosity_slab: float
    wall_sections: int
    slab_from: str = ""
    """Which rule chose the slab between the planes (:mod:`bedflow.cfd._region`)."""
    layers: int = 0
    """Prism layers snappyHexMesh adds at the particles and the wall (0: none)."""
    fill: bool = False
    """Whether the whole packed region (floor to bed top, wall to wall) is refined to the
    particles' level, not only the cells at the particles' surfaces."""

    @property
    def background_cell(self) -> Point:
        """Size (x, y, z) of a background cell, m."""
        n = self.cells
        return tuple(  # type: ignore[return-value]
            (hi - lo) / k for lo, hi, k in zip(self.box_min, self.box_max, n, strict=True)
        )

    @property
    def slab_length(self) -> float:
        """Distance between the two pressure planes, m."""
        return self.planes[1] - self.planes[0]

    @property
    def cross_section(self) -> float:
        """Area of the column's cross-section, m2."""
        return math.pi * self.radius**2


def wall_sections(radius: float) -> int:
    """Sections of the polygonal column wall (a multiple of 4)."""
    del radius  # the count depends on the relative sagitta only
    n = math.ceil(math.pi / math.acos(1.0 - WALL_SAGITTA_FRACTION))
    return max(WALL_SECTIONS_MIN, 4 * math.ceil(n / 4))


def _clearance(
    points: FloatArray, centers: FloatArray, radii: FloatArray, radius: float, height: float
) -> FloatArray:
    """Distance (m) from each point ``(k, 3)`` to the nearest surface: a sphere, the wall, the
    floor or the top; negative inside a sphere or outside the column."""
    out = np.minimum.reduce(
        [
            radius - np.hypot(points[:, 0], points[:, 1]),
            points[:, 2],
            height - points[:, 2],
        ]
    )
    for start in range(0, centers.shape[0], 2048):
        c = centers[start : start + 2048]
        r = radii[start : start + 2048]
        d = np.linalg.norm(points[:, None, :] - c[None, :, :], axis=2) - r[None, :]
        out = np.minimum(out, d.min(axis=1))
    result: FloatArray = out
    return result


def location_problems(
    point: Point,
    centers: FloatArray,
    radii: FloatArray,
    *,
    radius: float,
    height: float,
    origin: Point,
    fine: Point,
    margin: float = 0.0,
) -> list[str]:
    """Why ``point`` is not a valid ``locationInMesh`` (empty when it is).

    Valid: inside the column (``r < radius``, ``0 < z < height``), at least ``margin`` (m)
    outside every sphere ``centers : (n, 3) float, m``, ``radii : (n,) float, m``, the wall, the
    floor and the top, and not on a face of the background mesh at any refinement level
    (its coordinates relative to ``origin`` are odd multiples of half the ``fine`` size).
    """
    p = np.asarray(point, dtype=np.float64).reshape(1, 3)
    out: list[str] = []
    rho = float(np.hypot(p[0, 0], p[0, 1]))
    if rho >= radius - margin:
        out.append(f"r = {rho:.6g} m is not inside the column (radius {radius:.6g} m)")
    if not margin < p[0, 2] < height - margin:
        out.append(f"z = {p[0, 2]:.6g} m is not between the floor and the top ({height:.6g} m)")
    if centers.shape[0]:
        gap = np.linalg.norm(centers - p, axis=1) - radii
        worst = int(np.argmin(gap))
        if gap[worst] <= margin:
            out.append(
                f"inside or within {margin:.3g} m of particle {worst} "
                f"(distance to its surface {gap[worst]:.3g} m)"
            )
    for axis, name in enumerate("xyz"):
        units = (p[0, axis] - origin[axis]) / fine[axis]
        if abs(units - math.floor(units) - 0.5) > 1e-6:
            out.append(f"{name} = {p[0, axis]:.6g} m is not at the centre of a finest cell")
    return out


def _finest_centres(
    rng: np.random.Generator, count: int, origin: Point, fine: Point, n_fine: tuple[int, ...]
) -> FloatArray:
    idx = np.column_stack([rng.integers(0, n, size=count) for n in n_fine])
    out: FloatArray = np.asarray(origin) + (idx + 0.5) * np.asarray(fine)
    return out


def find_location(
    centers: FloatArray,
    radii: FloatArray,
    *,
    radius: float,
    height: float,
    origin: Point,
    fine: Point,
    n_fine: tuple[int, int, int],
) -> tuple[Point, float]:
    """A ``locationInMesh`` and its clearance (m) for spheres in a cylinder.

    Of ``LOCATION_CANDIDATES`` centres of finest cells (``n_fine`` cells of size ``fine`` from
    ``origin``) the one farthest from every sphere, the wall, the floor and the top wins
    (deterministic: a fixed seed). The polygonal wall lies inside the circle by its sagitta and
    the icospheres inside the spheres, so the clearance to the true shapes bounds the
    clearance to the meshed ones. Raises ValueError when even the best point is closer than
    half a finest cell's diagonal to a surface (the cell around it would not be wholly fluid).
    """
    rng = np.random.default_rng(0)
    cand = _finest_centres(rng, LOCATION_CANDIDATES, origin, fine, n_fine)
    wall = radius * (1.0 - WALL_SAGITTA_FRACTION)
    clear = _clearance(cand, centers, radii, wall, height)
    best = int(np.argmax(clear))
    location: Point = (float(cand[best, 0]), float(cand[best, 1]), float(cand[best, 2]))
    margin = 0.5 * math.sqrt(3.0) * max(fine)
    problems = location_problems(
        location, centers, radii, radius=wall, height=height, origin=origin, fine=fine,
        margin=margin,
    )  # fmt: skip
    if problems:
        raise ValueError(
            "no point of the fluid is far enough from every surface for locationInMesh: "
            + "; ".join(problems)
        )
    return location, float(clear[best])


def too_coarse(cells_per_dp: int) -> str | None:
    """Why snappyHexMesh cannot mesh a bed at ``cells_per_dp`` cells per particle diameter,
    or None when it can."""
    if cells_per_dp >= MIN_CELLS_PER_DP:
        return None
    return (
        f"cells_per_dp = {cells_per_dp} is below {MIN_CELLS_PER_DP}: snappyHexMesh closes "
        "pores or loses the outlet at that resolution; use at least "
        f"{MIN_CELLS_PER_DP} cells per particle diameter"
    )


def layout_case(
    centers: FloatArray,
    radii: FloatArray,
    *,
    column_diameter: float,
    column_height: float,
    particle_diameter: float,
    mesh_diameter: float,
    cells_per_dp: int,
    level_particles: int,
    level_walls: int,
    layers: int = 0,
    slab: tuple[float, float, str] | None = None,
    solid_volume: Callable[[float, float], float] | None = None,
    fill: bool = False,
) -> CaseLayout:
    """The layout of a case for spheres ``centers : (n, 3) float, m`` with ``radii : (n,)``
    (the radii as meshed) in a cylinder; raises ValueError when the bed cannot be measured.

    ``slab`` (m, m, where from) is where the pressure planes go, by default the slab every
    solver measures (:func:`~bedflow.cfd._region.measurement_slab` of the meshed bed's top).
    ``solid_volume(z_lo, z_hi)`` (m3) is the meshed solid between two planes when it is not
    just the spheres (bridges at the contacts); the slab's porosity is taken from it.

    The background cell is ``particle_diameter / cells_per_dp * 2**level_particles`` (made to
    divide the box and the height exactly), so the particles' surface cells are
    ``particle_diameter / cells_per_dp``.
    """
    coarse = too_coarse(cells_per_dp)
    if coarse is not None:
        raise ValueError(coarse)
    radius, height = 0.5 * column_diameter, column_height
    h0 = particle_diameter / cells_per_dp * 2.0**level_particles
    n_xy = max(2, math.ceil((2.0 * radius + h0) / h0))
    half = 0.5 * n_xy * h0
    n_z = max(1, math.ceil(height / h0))
    box_min: Point = (-half, -half, 0.0)
    box_max: Point = (half, half, height)
    finest = max(level_particles, level_walls)
    split = 2**finest
    fine: Point = (2.0 * half / (n_xy * split), 2.0 * half / (n_xy * split), height / (n_z * split))

    centers = np.asarray(centers, dtype=np.float64).reshape(-1, 3)
    radii_ = np.asarray(radii, dtype=np.float64).reshape(-1)
    bed_top = float(np.max(centers[:, 2] + radii_)) if centers.shape[0] else 0.0

    # the pressure planes, each at the middle of a finest cell so that no face lies in them
    def mid(z: float) -> float:
        return (math.floor(z / fine[2]) + 0.5) * fine[2]

    if slab is None:
        shared = measurement_slab(bed_top, particle_diameter)
        if shared is None:
            raise ValueError(too_shallow(bed_top, particle_diameter))
        slab = (shared.z_min, shared.z_max, shared.source)
    z1, z2 = mid(slab[0]), mid(slab[1])
    if not 0.0 < z1 < z2 < height:
        raise ValueError(
            f"the pressure planes {slab[0]:.4g}-{slab[1]:.4g} m do not lie in order inside the "
            f"column (0-{height:.4g} m)"
        )

    n_fine = (n_xy * split, n_xy * split, n_z * split)
    location, clearance = find_location(
        centers, radii_, radius=radius, height=height, origin=box_min, fine=fine, n_fine=n_fine
    )

    area = math.pi * radius**2
    if solid_volume is None:
        solid = float(np.sum(4.0 / 3.0 * math.pi * radii_**3))
    else:
        solid = solid_volume(0.0, height)
    if solid_volume is None:
        between = slab_solid_volume(centers, radii_, z1, z2)
    else:
        between = solid_volume(z1, z2)
    return CaseLayout(
        radius=radius,
        height=height,
        particle_diameter=particle_diameter,
        mesh_diameter=mesh_diameter,
        box_min=box_min,
        box_max=box_max,
        cells=(n_xy, n_xy, n_z),
        level_particles=level_particles,
        level_walls=level_walls,
        fine=fine,
        location=location,
        clearance=clearance,
        planes=(z1, z2),
        bed_top=bed_top,
        porosity_domain=1.0 - solid / (area * height),
        porosity_slab=1.0 - between / (area * (z2 - z1)),
        wall_sections=wall_sections(radius),
        slab_from=slab[2],
        layers=layers,
        fill=fill,
    )
