"""Meshes of a packed bed: watertight parts, sphere accuracy, column, lids, fluid cavity.

Small beds keep this fast: the hexagonal arrangement of 5 mm spheres in a 25 mm column
(instantaneous) and hand-placed cylinders, cubes and box columns.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from bedflow import BedValidationError, dsl
from bedflow.dsl import BedSpec
from bedflow.geometry import BedGeometry, PackedBed, build_geometry, pack
from bedflow.geometry._mesh import (
    column_sections,
    quaternion_matrices,
    sphere_subdivisions,
)
from bedflow.geometry._packed import column_of

HEX = "bed {{ diameter = 25 mm; height = 30 mm }} particles {{ count = 30 }} {extra}"


def hex_spec(extra: str = "") -> BedSpec:
    return dsl.parse(HEX.format(extra=extra))


@pytest.fixture(scope="module")
def hex_bed() -> PackedBed:
    return pack(hex_spec(), engine="hexagonal_3d")


@pytest.fixture(scope="module")
def cavity(hex_bed: PackedBed) -> BedGeometry:
    spec = hex_spec("export { fluid_mode = cavity }")
    return build_geometry(hex_bed, spec, subdivisions=3)


def placed(spec: BedSpec, centers: list[list[float]], quats: list[list[float]]) -> PackedBed:
    """A PackedBed of hand-placed particles of ``spec`` (no engine)."""
    part = spec.particles
    d, length = part.diameter, part.length
    if part.kind == "sphere":
        r = 0.5 * d
    elif part.kind == "cube":
        r = 0.5 * math.sqrt(3.0) * d
    else:
        r = 0.5 * math.hypot(d, length if length is not None else d)
    n = len(centers)
    return PackedBed(
        centers=np.asarray(centers, dtype=np.float64),
        radii=np.full(n, r),
        orientations=np.asarray(quats, dtype=np.float64),
        kind=part.kind,
        particle_diameter=d,
        particle_length=length,
        column=column_of(spec),
        engine="hand",
        engine_version="0",
        seed=0,
        settled=True,
        simulated_time=0.0,
        wall_time=0.0,
        spec_hash="",
        rest_velocity=0.01,
    )


@pytest.mark.parametrize(
    "extra",
    [
        "export { wall_mode = solid }",
        "export { wall_mode = surface }",
        "export { wall_mode = none }",
        "lids { top_type = hemispherical; bottom_type = hemispherical }",
        "lids { top_type = none; bottom_type = flat; seal_clearance = 0.2 mm }",
    ],
)
def test_closed_parts_are_watertight(hex_bed: PackedBed, extra: str) -> None:
    spec = hex_spec(extra)
    geo = build_geometry(hex_bed, spec, subdivisions=2)
    assert geo.problems() == []
    tight = geo.watertight()
    assert tight["particles"]
    assert ("wall" in geo.parts) == (spec.export.wall_mode != "none")
    if spec.export.wall_mode == "solid":
        assert tight["wall"] and "wall" in geo.closed
    if "lids" in geo.parts:
        assert tight["lids"]
    # inlet and outlet are open discs by design
    assert not tight["inlet"] and not tight["outlet"]
    assert "inlet" not in geo.closed


def test_surface_wall_inlet_and_outlet_close_the_fluid_region(hex_bed: PackedBed) -> None:
    """The three CFD patches share their rim vertices exactly: together they are closed and
    enclose the column interior (a polygon of ``wall_sections`` sides, height H)."""
    geo = build_geometry(hex_bed, hex_spec("export { wall_mode = surface }"), subdivisions=2)
    boundary = trimesh.util.concatenate([geo["wall"], geo["inlet"], geo["outlet"]])
    boundary.merge_vertices()
    assert boundary.is_watertight
    n, r, h = geo.wall_sections, 0.0125, hex_bed.column.height
    polygon = 0.5 * n * r * r * math.sin(2.0 * math.pi / n)
    assert boundary.volume == pytest.approx(polygon * h, rel=1e-9)
    assert geo["inlet"].bounds[:, 2].tolist() == [0.0, 0.0]
    assert geo["outlet"].bounds[:, 2] == pytest.approx([h, h])


@pytest.mark.parametrize(("subdivisions", "tolerance"), [(2, 0.035), (3, 0.009), (4, 0.0023)])
def test_sphere_mesh_volume(hex_bed: PackedBed, subdivisions: int, tolerance: float) -> None:
    """The icosphere is inscribed (vertices on the sphere), so its volume is below 4/3 pi r^3
    by a deficit ~ (edge / r)^2 that falls 4 times per subdivision: 3.4 %, 0.86 %, 0.22 %."""
    geo = build_geometry(hex_bed, hex_spec(), subdivisions=subdivisions)
    exact = hex_bed.count * 4.0 / 3.0 * math.pi * 0.0025**3
    ratio = geo["particles"].volume / exact
    assert 1.0 - tolerance < ratio < 1.0


def test_subdivision_follows_the_particle_count() -> None:
    """Face budget: ~2e6 triangles; never coarser than 2 nor finer than 4."""
    assert [sphere_subdivisions(n) for n in (1, 100, 1000, 5000, 20000)] == [4, 4, 3, 2, 2]
    assert column_sections() % 4 == 0 and column_sections() >= 64


def test_parts_sit_where_the_spec_puts_them(hex_bed: PackedBed) -> None:
    """Flat lids just outside 0 <= z <= H; a solid wall spans them, thickness wall_thickness."""
    spec = hex_spec()
    geo = build_geometry(hex_bed, spec, subdivisions=2)
    h = hex_bed.column.height
    assert h == pytest.approx(spec.inner_height)
    lo, hi = geo["lids"].bounds
    assert lo[2] == pytest.approx(-0.002) and hi[2] == pytest.approx(h + 0.002)
    wall_lo, wall_hi = geo["wall"].bounds
    assert wall_hi[0] == pytest.approx(0.0125 + 0.002)
    assert wall_hi[2] - wall_lo[2] == pytest.approx(spec.bed.height)
    assert geo["particles"].bounds[0][2] >= 0.0


def test_hemispherical_lids_are_shells_outside_the_interior(hex_bed: PackedBed) -> None:
    spec = hex_spec("lids { top_type = hemispherical; bottom_type = hemispherical }")
    geo = build_geometry(hex_bed, spec, subdivisions=2)
    lids = geo["lids"]
    r, t, h = 0.0125, 0.002, hex_bed.column.height
    shell = 2.0 * (2.0 / 3.0 * math.pi * ((r + t) ** 3 - r**3))  # two half shells
    assert lids.volume == pytest.approx(shell, rel=0.01)
    assert lids.bounds[0][2] == pytest.approx(-(r + t), rel=1e-3)
    assert lids.bounds[1][2] == pytest.approx(h + r + t, rel=1e-3)


def test_fluid_cavity_is_column_minus_particles(hex_bed: PackedBed, cavity: BedGeometry) -> None:
    """Exact for the meshes: cavity = polygonal interior - particle meshes, up to the slivers
    of the wall spheres that poke through the polygon's flats (a flat lies at most
    r (1 - cos(pi/n)) = 5e-4 r inside the circle). Against the analytical volumes the
    difference is the discretisation: the polygon's area deficit (6.6e-4 of the column at
    100 sections) and the icospheres' volume deficit (0.86 % of the particles at
    subdivision 3)."""
    fluid, particles = cavity["fluid"], cavity["particles"]
    assert fluid.is_watertight
    n, r, h = cavity.wall_sections, 0.0125, hex_bed.column.height
    interior = 0.5 * n * r * r * math.sin(2.0 * math.pi / n) * h
    assert fluid.volume == pytest.approx(interior - particles.volume, rel=2e-4)
    column = math.pi * r * r * h
    spheres = hex_bed.count * 4.0 / 3.0 * math.pi * 0.0025**3
    deficit = (column - interior) + 0.0087 * spheres
    assert abs(fluid.volume - (column - spheres)) <= deficit


def test_fluid_cavity_bounds_are_the_interior(hex_bed: PackedBed, cavity: BedGeometry) -> None:
    lo, hi = cavity["fluid"].bounds
    assert lo[2] == pytest.approx(0.0, abs=1e-12)
    assert hi[2] == pytest.approx(hex_bed.column.height)
    assert hi[0] == pytest.approx(0.0125)


def test_quaternions_rotate_cylinders_and_cubes() -> None:
    """A cylinder turned 90 degrees about x lies along y; a cube turned 45 degrees about z is
    sqrt(2) d wide. Volumes: cube exactly d^3, cylinder a 24-gon prism."""
    spec = dsl.parse(
        "bed { diameter = 50 mm } particles { kind = cylinder; diameter = 4 mm; "
        "length = 8 mm; count = 2 } packing { method = rigid_body }"
    )
    s = math.sqrt(0.5)
    bed = placed(spec, [[0.0, 0.0, 0.01], [0.01, 0.0, 0.01]], [[1, 0, 0, 0], [s, s, 0, 0]])
    geo = build_geometry(bed, spec)
    parts = geo["particles"].split(only_watertight=True)
    assert len(parts) == 2 and geo["particles"].is_watertight
    upright, lying = sorted(parts, key=lambda m: float(m.centroid[0]))
    assert np.ptp(upright.vertices[:, 2]) == pytest.approx(0.008)
    assert np.ptp(lying.vertices[:, 1]) == pytest.approx(0.008)
    assert np.ptp(lying.vertices[:, 2]) == pytest.approx(0.004, rel=1e-2)
    prism = 0.5 * 24 * 0.002**2 * math.sin(2 * math.pi / 24) * 0.008
    assert upright.volume == pytest.approx(prism, rel=1e-9)

    cubes = dsl.parse(
        "bed { diameter = 50 mm } particles { kind = cube; diameter = 4 mm; count = 1 } "
        "packing { method = rigid_body }"
    )
    c, sn = math.cos(math.pi / 8), math.sin(math.pi / 8)
    cube = build_geometry(placed(cubes, [[0.0, 0.0, 0.01]], [[c, 0, 0, sn]]), cubes)
    assert cube["particles"].volume == pytest.approx(0.004**3, rel=1e-9)
    assert np.ptp(cube["particles"].vertices[:, 0]) == pytest.approx(math.sqrt(2) * 0.004)


def test_quaternion_matrices_are_rotations() -> None:
    rng = np.random.default_rng(3)
    q = rng.normal(size=(50, 4))
    m = quaternion_matrices(q)
    eye = np.broadcast_to(np.eye(3), m.shape)
    assert np.allclose(m @ np.transpose(m, (0, 2, 1)), eye)
    assert np.allclose(np.linalg.det(m), 1.0)


def test_box_column_with_solid_wall_and_cavity() -> None:
    spec = dsl.parse(
        "bed { shape = box; diameter = 20 mm; width = 30 mm; height = 30 mm } "
        "particles { count = 2 } export { fluid_mode = cavity }"
    )
    bed = placed(spec, [[0.0, 0.0, 0.0025], [0.01, 0.0, 0.0025]], [[1, 0, 0, 0]] * 2)
    geo = build_geometry(bed, spec, subdivisions=3)
    assert geo.problems() == []
    assert geo["wall"].is_watertight
    t = spec.bed.wall_thickness
    assert np.ptp(geo["wall"].vertices[:, 0]) == pytest.approx(0.030 + 2 * t)
    assert np.ptp(geo["wall"].vertices[:, 1]) == pytest.approx(0.020 + 2 * t)
    interior = 0.030 * 0.020 * spec.inner_height
    assert geo["fluid"].volume == pytest.approx(interior - geo["particles"].volume, rel=1e-9)


def test_box_column_hemispherical_lid_is_a_noted_flat_plate() -> None:
    spec = dsl.parse(
        "bed { shape = box; diameter = 20 mm } particles { count = 1 } "
        "lids { top_type = hemispherical }"
    )
    geo = build_geometry(placed(spec, [[0.0, 0.0, 0.0025]], [[1, 0, 0, 0]]), spec)
    assert any("hemispherical" in note for note in geo.notes)
    assert geo["lids"].is_watertight


def _chord_errors(packed: PackedBed, geo: BedGeometry) -> float:
    """The largest gap between a sphere and the planes of its triangles, over the diameter."""
    mesh = geo["particles"]
    per = len(mesh.faces) // packed.count
    tri = np.asarray(mesh.triangles).reshape(packed.count, per, 3, 3)
    normal = np.cross(tri[:, :, 1] - tri[:, :, 0], tri[:, :, 2] - tri[:, :, 0])
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    centers = np.asarray(packed.centers)[:, None, :]
    dist = np.abs(np.einsum("npk,npk->np", normal, tri[:, :, 0] - centers))
    r = np.asarray(packed.radii)[:, None]
    return float(((r - dist) / (2 * r)).max())


@pytest.mark.parametrize("chord_error", [0.02, 0.005, 0.001])
def test_export_tessellation_follows_the_chord_error(
    hex_bed: PackedBed, chord_error: float
) -> None:
    """Exported spheres were icospheres of 5120 triangles whenever a bed had fewer than ~390
    of them (bed-particles.stl: 30.7 MB for 120 spheres). Now export.chord_error decides: the
    coarsest geodesic sphere whose triangles lie within that fraction of the diameter of the
    sphere, closed."""
    spec = hex_spec(f"export {{ chord_error = {chord_error} }}")
    geo = build_geometry(hex_bed, spec)
    measured = _chord_errors(hex_bed, geo)
    assert measured <= chord_error
    assert measured == pytest.approx(geo.tessellation.chord_error, rel=1e-6)
    assert geo["particles"].is_watertight
    if chord_error * 2 <= 0.02:
        coarser = build_geometry(hex_bed, hex_spec(f"export {{ chord_error = {chord_error * 2} }}"))
        assert len(coarser["particles"].faces) < len(geo["particles"].faces)


def test_default_export_of_a_thousand_spheres_is_tens_of_megabytes() -> None:
    """1000 spheres at the default chord error (0.5% of d): 720 triangles a sphere, a 36 MB
    binary STL (84 bytes + 50 a triangle); it was 64 MB at 1280 and 30.7 MB for 120 spheres."""
    spec = dsl.parse(
        "bed { diameter = 50 mm; height = 100 mm } particles { diameter = 5 mm; count = 1000 }"
    )
    bed = pack(spec, engine="hexagonal_3d")
    geo = build_geometry(bed, spec)
    assert bed.count == 1000 and geo.tessellation.sphere_triangles == 720
    assert 84 + 50 * len(geo["particles"].faces) == 36_000_084


def test_face_budget_coarsens_a_huge_bed_and_says_so() -> None:
    from bedflow.geometry._tessellation import export_tessellation

    tess, note = export_tessellation(0.001, 20000)
    assert tess.sphere_triangles == 320 and note is not None and "0.001" in note
    assert export_tessellation(0.005, 120) == (export_tessellation(0.005, 1)[0], None)


@pytest.mark.parametrize("value", ["0.0001", "0.05"])
def test_chord_error_out_of_range_is_refused(value: str) -> None:
    with pytest.raises(BedValidationError, match="chord_error"):
        hex_spec(f"export {{ chord_error = {value} }}")


def test_cylinder_sides_follow_the_chord_error() -> None:
    """A polygon of n sides lies within (1 - cos(pi / n)) / 2 of the diameter of its circle."""
    from bedflow.geometry._tessellation import cylinder_sections

    for c in (0.0005, 0.005, 0.02):
        n = cylinder_sections(c)
        assert (1 - math.cos(math.pi / n)) / 2 <= c and n % 4 == 0
