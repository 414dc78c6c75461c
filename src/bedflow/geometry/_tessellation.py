"""How finely curved particle surfaces are drawn: for export, from the accuracy a viewer needs;
for the CFD solvers, as fine as the triangle budget allows.

The accuracy is the chord error: the largest gap between the true surface and the flat
triangles (or the polygon around a cylinder), relative to the particle diameter. Export
spheres are geodesic spheres of frequency n (each face of the icosahedron cut into n^2
triangles, 20 n^2 in all, vertices on the sphere), so the triangle count can follow the
chord error in small steps:

========= =========== ==================== ================ =====================
frequency triangles   chord error / d      volume deficit   binary STL / sphere
========= =========== ==================== ================ =====================
4         320         0.89 %               3.4 %            16 kB
5         500         0.57 %               2.2 %            25 kB
6         720         0.39 %               1.5 %            36 kB
8         1280        0.23 %               0.86 %           64 kB
16        5120        0.057 %              0.22 %           256 kB
========= =========== ==================== ================ =====================

The solvers' surface (:func:`solver_tessellation`) stays what it was before export had its
own setting: icospheres of trimesh at the finest subdivision within
``PARTICLE_FACE_BUDGET``, so no export setting changes a pressure drop.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import trimesh

from bedflow.geometry._types import FloatArray, IntArray

__all__ = [
    "Tessellation",
    "export_tessellation",
    "geodesic_sphere",
    "solver_tessellation",
    "sphere_subdivisions",
]

#: Total triangles aimed at for the particles: ~2e6 keeps a 1000-sphere bed at subdivision 3
#: (1.3e6 triangles, a 64 MB binary STL) and the boolean for the fluid at seconds.
PARTICLE_FACE_BUDGET: Final = 2_000_000
#: Icosphere subdivisions allowed for the solvers: below 2 a sphere loses more than 12 % of
#: its volume; above 4 a mesh is finer than any CFD mesh of the bed resolves.
MIN_SUBDIVISIONS: Final = 2
MAX_SUBDIVISIONS: Final = 4
#: Sections around a cylinder particle in the solvers' surface.
PARTICLE_CYLINDER_SECTIONS: Final = 24
#: Geodesic frequencies export may use (``export.chord_error``, 0.0005-0.02, needs 3-18);
#: the face budget never forces spheres below BUDGET_MIN_FREQUENCY.
MIN_FREQUENCY: Final = 3
BUDGET_MIN_FREQUENCY: Final = 4
MAX_FREQUENCY: Final = 24


@dataclass(frozen=True)
class Tessellation:
    """How particles are drawn: spheres as trimesh icospheres of ``level`` subdivisions or
    geodesic spheres of frequency ``level``; cylinders with ``cylinder_sections`` sides."""

    sphere: Literal["icosphere", "geodesic"]
    level: int
    cylinder_sections: int

    @functools.cached_property
    def unit_sphere(self) -> trimesh.Trimesh:
        """The sphere of radius 1 at the origin."""
        if self.sphere == "geodesic":
            return geodesic_sphere(self.level)
        mesh = trimesh.creation.icosphere(subdivisions=self.level, radius=1.0)
        if not isinstance(mesh, trimesh.Trimesh):
            raise TypeError(f"expected a Trimesh, got {type(mesh).__name__}")
        return mesh

    @property
    def sphere_triangles(self) -> int:
        """Triangles per sphere."""
        return 20 * (4**self.level if self.sphere == "icosphere" else self.level**2)

    @property
    def chord_error(self) -> float:
        """Largest gap between a sphere and its triangles, relative to the diameter."""
        return _chord_error(self.sphere, self.level)


def geodesic_sphere(frequency: int) -> trimesh.Trimesh:
    """A closed geodesic sphere of radius 1: each icosahedron face cut into ``frequency^2``
    triangles, the points projected onto the sphere.

    >>> m = geodesic_sphere(6); len(m.faces), m.is_watertight
    (720, True)
    """
    verts, faces = _geodesic(frequency)
    return trimesh.Trimesh(verts.copy(), faces.copy(), process=False)


@functools.lru_cache(maxsize=32)
def _geodesic(n: int) -> tuple[FloatArray, IntArray]:
    if n < 1:
        raise ValueError(f"a geodesic sphere needs a frequency of 1 or more, got {n}")
    ico = trimesh.creation.icosahedron()
    corners = np.asarray(ico.vertices, dtype=np.float64)
    corners /= np.linalg.norm(corners, axis=1, keepdims=True)
    i, j = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    keep = i + j <= n
    i, j = i[keep], j[keep]
    index = -np.ones((n + 1, n + 1), dtype=np.int64)
    index[i, j] = np.arange(i.size)
    # the triangles of one face's grid: (i, j) (i+1, j) (i, j+1), and the other way round
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    up = a + b <= n - 1
    down = a + b <= n - 2
    local = np.concatenate([
        np.stack([index[a[up], b[up]], index[a[up] + 1, b[up]], index[a[up], b[up] + 1]], 1),
        np.stack([
            index[a[down] + 1, b[down]],
            index[a[down] + 1, b[down] + 1],
            index[a[down], b[down] + 1],
        ], 1),
    ])  # fmt: skip
    points = []
    faces = []
    for k, (p, q, r) in enumerate(np.asarray(ico.faces)):
        pts = corners[p] + np.outer(i / n, corners[q] - corners[p])
        pts += np.outer(j / n, corners[r] - corners[p])
        points.append(pts)
        faces.append(local + k * i.size)
    pts = np.concatenate(points)
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    # points on shared edges and corners appear once per face: weld them
    _, first, inverse = np.unique(
        np.round(pts * 1e12).astype(np.int64), axis=0, return_index=True, return_inverse=True
    )
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    verts = pts[first[order]]
    tris = rank[inverse.reshape(-1)][np.concatenate(faces)]
    return verts, tris


@functools.lru_cache(maxsize=64)
def _chord_error(kind: str, level: int) -> float:
    if kind == "geodesic":
        verts, faces = _geodesic(level)
    else:
        ico = trimesh.creation.icosphere(subdivisions=level, radius=1.0)
        verts, faces = np.asarray(ico.vertices), np.asarray(ico.faces)
    tri = verts[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    # the point of each face nearest the centre is inside it (the faces are near equilateral)
    nearest = np.abs(np.einsum("ij,ij->i", normal, tri[:, 0])).min()
    return float(1.0 - nearest) / 2.0


def sphere_subdivisions(count: int) -> int:
    """Icosphere subdivision of the solvers' surface for ``count`` spheres: the finest within
    the face budget.

    >>> sphere_subdivisions(100), sphere_subdivisions(1000), sphere_subdivisions(20000)
    (4, 3, 2)
    """
    per_sphere = PARTICLE_FACE_BUDGET / max(count, 1) / 20.0
    finest = math.floor(math.log(per_sphere, 4)) if per_sphere >= 1.0 else 0
    return min(max(finest, MIN_SUBDIVISIONS), MAX_SUBDIVISIONS)


def solver_tessellation(count: int) -> Tessellation:
    """The particles as the CFD solvers mesh them (OpenFOAM's STL), whatever ``export`` says."""
    return Tessellation("icosphere", sphere_subdivisions(count), PARTICLE_CYLINDER_SECTIONS)


def cylinder_sections(chord_error: float) -> int:
    """Sides of a cylinder whose polygon lies within ``chord_error`` (relative to the diameter)
    of its circle, a multiple of 4, at least 8.

    >>> cylinder_sections(0.005)
    24
    """
    n = math.pi / math.acos(1.0 - 2.0 * chord_error)
    return max(8, 4 * math.ceil(n / 4 - 1e-9))


def export_tessellation(chord_error: float, count: int) -> tuple[Tessellation, str | None]:
    """The coarsest tessellation within ``chord_error`` (relative to the diameter) for
    ``count`` particles, and a note when the face budget made it coarser than asked.

    >>> t, note = export_tessellation(0.005, 1000)
    >>> t.level, t.sphere_triangles, t.cylinder_sections, note
    (6, 720, 24, None)
    """
    wanted = next(
        (n for n in range(MIN_FREQUENCY, MAX_FREQUENCY + 1)
         if _chord_error("geodesic", n) <= chord_error),
        MAX_FREQUENCY,
    )  # fmt: skip
    budget = math.floor(math.sqrt(PARTICLE_FACE_BUDGET / max(count, 1) / 20.0))
    level = min(wanted, max(budget, BUDGET_MIN_FREQUENCY))
    note = None
    if level < wanted:
        note = (
            f"export.chord_error = {chord_error:g} needs {20 * wanted**2} triangles a sphere; "
            f"{count} spheres within the budget of {PARTICLE_FACE_BUDGET:,} triangles get "
            f"{20 * level**2} (chord error {_chord_error('geodesic', level):.2%} of d)"
        )
    return Tessellation("geodesic", level, cylinder_sections(chord_error)), note
