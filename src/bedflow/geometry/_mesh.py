"""`build_geometry(packed, spec)`: triangle meshes of a packed bed, its column, lids and fluid.

Coordinates are SI (m), the column floor at z = 0 and its axis at x = y = 0, as in
:class:`~bedflow.geometry.PackedBed`. Parts:

``particles``
    Every particle, one closed mesh per particle, all in one :class:`trimesh.Trimesh`.
    Curved surfaces are drawn within ``export.chord_error`` of the true one (relative to the
    diameter; see :mod:`bedflow.geometry._tessellation`): spheres are geodesic spheres with
    their vertices on the sphere (inscribed), cylinders (axis along the particle's local z)
    polygons of as many sides; cubes are exact. They are placed with ``packed.orientations``.
    The CFD solvers mesh their own, finer surface (:func:`solver_particles`), so the export
    setting never changes a pressure drop.
``wall``
    ``export.wall_mode``: ``surface`` is the open inner side surface of the column (with
    ``inlet`` and ``outlet`` it closes the fluid region exactly, vertex for vertex); ``solid``
    a closed tube of ``bed.wall_thickness`` spanning the lids; ``none`` leaves it out.
``lids``
    Flat discs of their thickness just outside the interior (bottom ``-t <= z <= 0``, top
    ``H <= z <= H + t``, narrower by ``seal_clearance``), or hemispherical shells of their
    thickness closing the ends, both lids in one mesh.
``inlet``, ``outlet``
    The bottom (z = 0) and top (z = H) discs of the fluid region: CFD patches.
``fluid``
    With ``export.fluid_mode = cavity``: the column interior (0 <= z <= H) minus the
    particles, by manifold3d booleans (exact, robust to touching and overlapping particles).
"""

from __future__ import annotations

import importlib
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import trimesh

from bedflow.dsl import BedSpec
from bedflow.geometry._packed import Column, PackedBed
from bedflow.geometry._rotation import quaternion_matrices
from bedflow.geometry._tessellation import (
    PARTICLE_CYLINDER_SECTIONS,
    Tessellation,
    export_tessellation,
    solver_tessellation,
    sphere_subdivisions,
)
from bedflow.geometry._types import FloatArray, IntArray

__all__ = [
    "PART_NAMES",
    "BedGeometry",
    "Tessellation",
    "build_geometry",
    "column_sections",
    "quaternion_matrices",
    "solver_particles",
    "sphere_subdivisions",
]

logger = logging.getLogger(__name__)

# manifold3d ships no type information: its objects are Any at this boundary
manifold3d: Any = importlib.import_module("manifold3d")

#: Names of the parts, in the order they are written.
PART_NAMES: Final = ("particles", "wall", "lids", "inlet", "outlet", "fluid")
#: Largest gap between the polygonal column wall and the true circle, as a fraction of the
#: radius (1 - cos(pi / n)); 5e-4 gives 100 sections, an area 0.07 % short of the circle.
WALL_SAGITTA_FRACTION: Final = 5e-4
MIN_WALL_SECTIONS: Final = 64


@dataclass(frozen=True, eq=False)
class BedGeometry:
    """The meshes of a bed, by part name (see the module docstring), in metres.

    ``closed`` names the parts meant to be closed solids (checked by :meth:`problems`); the
    ``inlet``, ``outlet`` and a ``surface`` wall are open by design.

    >>> from bedflow import dsl
    >>> from bedflow.geometry import build_geometry, pack
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 30 }")
    >>> geo = build_geometry(pack(spec, engine="hexagonal_3d"), spec)
    >>> sorted(geo.parts), geo.problems()
    (['inlet', 'lids', 'outlet', 'particles', 'wall'], [])
    """

    parts: Mapping[str, trimesh.Trimesh]
    closed: frozenset[str]
    tessellation: Tessellation
    wall_sections: int
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> trimesh.Trimesh:
        return self.parts[name]

    def watertight(self) -> dict[str, bool]:
        """Whether each part is watertight (every edge shared by exactly two triangles)."""
        return {name: bool(mesh.is_watertight) for name, mesh in self.parts.items()}

    def problems(self) -> list[str]:
        """Closed parts that are not watertight, each as a sentence."""
        return [
            f"part {name!r} should be closed but is not watertight"
            for name, ok in self.watertight().items()
            if name in self.closed and not ok
        ]


def column_sections() -> int:
    """Sections of the polygonal column circle (a multiple of 4). The gap to the circle is
    relative to the radius, so the count is the same for every column."""
    n = math.ceil(math.pi / math.acos(1.0 - WALL_SAGITTA_FRACTION))
    return max(MIN_WALL_SECTIONS, 4 * math.ceil(n / 4))


# -- construction helpers ---------------------------------------------------------------------


def _mesh(vertices: Any, faces: Any) -> trimesh.Trimesh:
    """A mesh taken as built: no vertex merging, which could weld touching particles."""
    return trimesh.Trimesh(
        vertices=np.asarray(vertices, dtype=np.float64),
        faces=np.asarray(faces, dtype=np.int64),
        process=False,
    )


def _as_mesh(mesh: Any) -> trimesh.Trimesh:
    """``mesh``, typed (trimesh's creation functions are partly annotated)."""
    if not isinstance(mesh, trimesh.Trimesh):
        raise TypeError(f"expected a Trimesh, got {type(mesh).__name__}")
    return mesh


def _from_manifold(solid: Any) -> trimesh.Trimesh:
    status = solid.status()
    if status != manifold3d.Error.NoError:
        raise RuntimeError(f"manifold3d boolean failed: {status}")
    out = solid.to_mesh64()
    return _mesh(np.asarray(out.vert_properties)[:, :3], np.asarray(out.tri_verts))


def _to_manifold(vertices: FloatArray, faces: IntArray) -> Any:
    return manifold3d.Manifold(
        manifold3d.Mesh64(
            vert_properties=np.ascontiguousarray(vertices, dtype=np.float64),
            tri_verts=np.ascontiguousarray(faces, dtype=np.uint64),
        )
    )


def _concatenate(meshes: list[trimesh.Trimesh]) -> trimesh.Trimesh:
    verts: list[FloatArray] = []
    faces: list[IntArray] = []
    offset = 0
    for m in meshes:
        verts.append(np.asarray(m.vertices, dtype=np.float64))
        faces.append(np.asarray(m.faces, dtype=np.int64) + offset)
        offset += len(m.vertices)
    return _mesh(np.concatenate(verts), np.concatenate(faces))


def _particle_template(packed: PackedBed, tess: Tessellation) -> trimesh.Trimesh:
    """The particle shape at the origin in its own frame, in metres (spheres: radius 1)."""
    d = packed.particle_diameter
    if packed.kind == "sphere":
        return tess.unit_sphere
    if packed.kind == "cylinder":
        length = packed.particle_length if packed.particle_length is not None else d
        return _as_mesh(
            trimesh.creation.cylinder(
                radius=0.5 * d, height=length, sections=tess.cylinder_sections
            )
        )
    if packed.kind == "cube":
        return _as_mesh(trimesh.creation.box(extents=(d, d, d)))
    raise ValueError(f"unknown particle kind {packed.kind!r}")


def _particle_arrays(packed: PackedBed, tess: Tessellation) -> tuple[FloatArray, IntArray]:
    """Vertices ``(n, v, 3)`` (m) of every particle and the faces ``(f, 3)`` of one."""
    template = _particle_template(packed, tess)
    base = np.asarray(template.vertices, dtype=np.float64)
    centers = np.asarray(packed.centers, dtype=np.float64).reshape(-1, 3)
    if packed.kind == "sphere":
        radii = np.asarray(packed.radii, dtype=np.float64).reshape(-1)
        verts = centers[:, None, :] + radii[:, None, None] * base[None, :, :]
    else:
        rot = quaternion_matrices(packed.orientations)
        verts = centers[:, None, :] + np.einsum("nij,vj->nvi", rot, base)
    return verts, np.asarray(template.faces, dtype=np.int64)


def _particles_mesh(verts: FloatArray, faces: IntArray) -> trimesh.Trimesh:
    n, v = verts.shape[0], verts.shape[1]
    offsets = (np.arange(n, dtype=np.int64) * v)[:, None, None]
    return _mesh(verts.reshape(-1, 3), (faces[None, :, :] + offsets).reshape(-1, 3))


def solver_particles(packed: PackedBed) -> trimesh.Trimesh:
    """Every particle as the CFD solvers mesh it (OpenFOAM's ``particles.stl``), in metres:
    icospheres at the finest subdivision within the face budget and cylinders of 24 sides,
    whatever the ``export`` section says.

    >>> from bedflow import dsl
    >>> from bedflow.geometry import pack
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 30 }")
    >>> len(solver_particles(pack(spec, engine="hexagonal_3d")).faces) // 30
    5120
    """
    return _particles_mesh(*_particle_arrays(packed, solver_tessellation(packed.count)))


def _interior(column: Column, sections: int) -> trimesh.Trimesh:
    """The closed column interior, 0 <= z <= H."""
    h = column.height
    if column.shape == "cylinder":
        m = trimesh.creation.cylinder(radius=0.5 * column.diameter, height=h, sections=sections)
    else:
        m = trimesh.creation.box(extents=(column.width, column.depth, h))
    m.apply_translation((0.0, 0.0, 0.5 * h))
    return _mesh(m.vertices, m.faces)


def _split_boundary(interior: trimesh.Trimesh) -> dict[str, trimesh.Trimesh]:
    """The interior's surface split into wall (sides), inlet (z = 0) and outlet (z = H)."""
    nz = np.asarray(interior.face_normals)[:, 2]
    out: dict[str, trimesh.Trimesh] = {}
    for name, mask in (("wall", np.abs(nz) < 0.5), ("inlet", nz <= -0.5), ("outlet", nz >= 0.5)):
        sub = _mesh(interior.vertices, np.asarray(interior.faces)[mask])
        sub.remove_unreferenced_vertices()
        out[name] = sub
    return out


def _solid_wall(
    column: Column, thickness: float, z_lo: float, z_hi: float, sections: int
) -> trimesh.Trimesh:
    h = z_hi - z_lo
    if column.shape == "cylinder":
        r = 0.5 * column.diameter
        tube = trimesh.creation.annulus(r_min=r, r_max=r + thickness, height=h, sections=sections)
        tube.apply_translation((0.0, 0.0, 0.5 * (z_lo + z_hi)))
        return _mesh(tube.vertices, tube.faces)
    outer = manifold3d.Manifold.cube(
        (column.width + 2 * thickness, column.depth + 2 * thickness, h), center=True
    )
    inner = manifold3d.Manifold.cube((column.width, column.depth, 2 * h), center=True)
    return _from_manifold((outer - inner).translate((0.0, 0.0, 0.5 * (z_lo + z_hi))))


def _flat_lid(
    column: Column, clearance: float, z_lo: float, z_hi: float, sections: int
) -> trimesh.Trimesh:
    h = z_hi - z_lo
    if column.shape == "cylinder":
        m = trimesh.creation.cylinder(
            radius=0.5 * column.diameter - clearance, height=h, sections=sections
        )
    else:
        m = trimesh.creation.box(
            extents=(column.width - 2 * clearance, column.depth - 2 * clearance, h)
        )
    m.apply_translation((0.0, 0.0, 0.5 * (z_lo + z_hi)))
    return _mesh(m.vertices, m.faces)


def _dome(radius: float, thickness: float, z0: float, up: bool, sections: int) -> trimesh.Trimesh:
    """A hemispherical shell (inner radius ``radius``) closing the end at ``z0``."""
    shell = manifold3d.Manifold.sphere(radius + thickness, sections) - manifold3d.Manifold.sphere(
        radius, sections
    )
    half = shell.trim_by_plane((0.0, 0.0, 1.0 if up else -1.0), 0.0)
    return _from_manifold(half.translate((0.0, 0.0, z0)))


def _lids(spec: BedSpec, column: Column, sections: int, notes: list[str]) -> trimesh.Trimesh | None:
    lids = spec.lids
    h = column.height
    pieces: list[trimesh.Trimesh] = []
    for end, kind, t in (
        ("bottom", lids.bottom_type, lids.bottom_thickness),
        ("top", lids.top_type, lids.top_thickness),
    ):
        if kind == "none":
            continue
        if t <= 0.0:
            notes.append(f"the {end} lid has no thickness and is left out")
            continue
        up = end == "top"
        if kind == "hemispherical" and column.shape == "cylinder":
            pieces.append(_dome(0.5 * column.diameter, t, h if up else 0.0, up, sections))
            continue
        if kind == "hemispherical":
            notes.append(f"a box column has no hemispherical {end} lid: drawn as a flat plate")
        z_lo, z_hi = (h, h + t) if up else (-t, 0.0)
        pieces.append(_flat_lid(column, lids.seal_clearance, z_lo, z_hi, sections))
    return _concatenate(pieces) if pieces else None


def _fluid(interior: trimesh.Trimesh, verts: FloatArray, faces: IntArray) -> trimesh.Trimesh:
    """Interior minus every particle. Particles may touch or overlap, so each is its own
    manifold and manifold3d subtracts them all at once (batch boolean)."""
    start = time.perf_counter()
    solids = [
        _to_manifold(np.asarray(interior.vertices), np.asarray(interior.faces, dtype=np.int64))
    ]
    solids.extend(_to_manifold(v, faces) for v in verts)
    cavity = manifold3d.Manifold.batch_boolean(solids, manifold3d.OpType.Subtract)
    out = _from_manifold(cavity)
    logger.info(
        "fluid cavity: %d particles subtracted in %.2f s, %d triangles",
        len(verts),
        time.perf_counter() - start,
        len(out.faces),
    )
    return out


def build_geometry(
    packed: PackedBed, spec: BedSpec, *, subdivisions: int | None = None
) -> BedGeometry:
    """The meshes of a packed bed: particles, wall, lids, inlet, outlet and the fluid cavity.

    Curved particles are drawn within ``spec.export.chord_error`` of their surface (a
    fraction of the diameter; geodesic spheres, within the face budget);
    ``subdivisions`` draws spheres as trimesh icospheres of that subdivision instead.

    >>> from bedflow import dsl
    >>> from bedflow.geometry import pack
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 30 }")
    >>> geo = build_geometry(pack(spec, engine="hexagonal_3d"), spec)
    >>> geo["particles"].is_watertight, geo.tessellation.sphere_triangles
    (True, 720)
    """
    start = time.perf_counter()
    column = packed.column
    notes: list[str] = []
    if subdivisions is not None:
        tess = Tessellation("icosphere", subdivisions, PARTICLE_CYLINDER_SECTIONS)
    else:
        tess, note = export_tessellation(spec.export.chord_error, packed.count)
        if note is not None and packed.kind == "sphere":
            notes.append(note)
    sections = column_sections()
    parts: dict[str, trimesh.Trimesh] = {}
    closed = {"particles", "lids", "fluid"}

    verts, faces = _particle_arrays(packed, tess)
    parts["particles"] = _particles_mesh(verts, faces)

    interior = _interior(column, sections)
    boundary = _split_boundary(interior)
    mode = spec.export.wall_mode
    thickness = spec.bed.wall_thickness
    if mode == "solid" and thickness <= 0.0:
        notes.append("wall_mode = solid with no wall_thickness: the wall is drawn as a surface")
        mode = "surface"
    if mode == "surface":
        parts["wall"] = boundary["wall"]
    elif mode == "solid":
        lids = spec.lids
        z_lo = -lids.bottom_thickness if lids.bottom_type == "flat" else 0.0
        z_hi = column.height + (lids.top_thickness if lids.top_type == "flat" else 0.0)
        parts["wall"] = _solid_wall(column, thickness, z_lo, z_hi, sections)
        closed.add("wall")

    lid_mesh = _lids(spec, column, sections, notes)
    if lid_mesh is not None:
        parts["lids"] = lid_mesh
    parts["inlet"] = boundary["inlet"]
    parts["outlet"] = boundary["outlet"]
    if spec.export.fluid_mode == "cavity":
        parts["fluid"] = _fluid(interior, verts, faces)

    for note in notes:
        logger.warning("%s", note)
    logger.info(
        "geometry of %d %ss built in %.2f s: %s",
        packed.count,
        packed.kind,
        time.perf_counter() - start,
        ", ".join(f"{k} {len(v.faces)} triangles" for k, v in parts.items()),
    )
    ordered: dict[str, trimesh.Trimesh] = {n: parts[n] for n in PART_NAMES if n in parts}
    return BedGeometry(
        parts=ordered,
        closed=frozenset(closed & set(ordered)),
        tessellation=tess,
        wall_sections=sections,
        notes=tuple(notes),
    )
