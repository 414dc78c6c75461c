"""Export: every format written and read back with trimesh, units and scale, named STL
solids, the watertightness report, Blender, and the porosity-profile PNG."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh

from bedflow import EngineUnavailable, dsl
from bedflow._exceptions import BedValidationError
from bedflow.dsl import BedSpec
from bedflow.geometry import (
    BedGeometry,
    PackedBed,
    build_geometry,
    export_formats,
    export_geometry,
    pack,
    plot_profiles,
)

BED = (
    "bed {{ diameter = 25 mm; height = 30 mm }} particles {{ count = 30 }} "
    "export {{ units = {units}; fluid_mode = cavity }}"
)
BED_PARTS = ["particles", "wall", "lids", "inlet", "outlet"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def spec_in(units: str) -> BedSpec:
    return dsl.parse(BED.format(units=units))


@pytest.fixture(scope="module")
def bed() -> PackedBed:
    return pack(spec_in("mm"), engine="hexagonal_3d")


@pytest.fixture(scope="module")
def geometry(bed: PackedBed) -> BedGeometry:
    # subdivision 2 keeps the files small; the meshes are tested in test_mesh.py
    return build_geometry(bed, spec_in("mm"), subdivisions=2)


def read_parts(files: list[Path], fmt: str) -> dict[str, trimesh.Trimesh]:
    """Every part found in the files, by name (named objects, or bed-<part>.<ext>)."""
    out: dict[str, trimesh.Trimesh] = {}
    for path in files:
        if fmt in ("stl", "stl_binary", "ply"):
            mesh = trimesh.load_mesh(path, process=False)
            out[path.stem.removeprefix("bed-")] = mesh
            continue
        options = {"split_objects": True, "group_material": False} if fmt == "obj" else {}
        scene = trimesh.load_scene(path, **options)
        for name, mesh in scene.geometry.items():
            out[str(name)] = mesh
    return out


def test_every_format_is_registered() -> None:
    assert set(export_formats()) == {
        "stl",
        "stl_binary",
        "stl_ascii",
        "obj",
        "ply",
        "glb",
        "gltf",
        "blend",
    }


@pytest.mark.parametrize("fmt", ["stl", "stl_binary", "stl_ascii", "obj", "ply", "glb", "gltf"])
def test_format_reads_back_in_millimetres(geometry: BedGeometry, tmp_path: Path, fmt: str) -> None:
    """All parts come back with their triangle counts; a 25 mm column spans 25 mm units."""
    report = export_geometry(geometry, spec_in("mm"), tmp_path, formats=[fmt])
    assert report.files and all(p.parent == tmp_path and p.is_file() for p in report.files)
    assert report.factor == 1000.0 and report.warnings == ()
    parts = read_parts(list(report.files), fmt)
    assert sorted(parts) == sorted([*BED_PARTS, "fluid"])
    for name, mesh in parts.items():
        assert len(mesh.faces) == len(geometry[name].faces), name
    inlet_lo, inlet_hi = parts["inlet"].bounds
    assert inlet_hi[0] - inlet_lo[0] == pytest.approx(25.0, rel=1e-6)
    wall_lo, wall_hi = parts["wall"].bounds
    assert wall_hi[0] - wall_lo[0] == pytest.approx(29.0, rel=1e-6)  # 2 mm wall each side
    assert wall_hi[2] - wall_lo[2] == pytest.approx(30.0, rel=1e-6)  # the column's height
    assert parts["particles"].bounds[1][2] == pytest.approx(
        1000.0 * float(geometry["particles"].bounds[1][2]), rel=1e-6
    )


@pytest.mark.parametrize("fmt", ["ply", "glb"])
def test_vertex_counts_survive(geometry: BedGeometry, tmp_path: Path, fmt: str) -> None:
    """Formats with indexed vertices keep every vertex when nothing is merged; the default
    merge distance (1e-7 m) only welds the vertices that touching spheres share at their
    contact points (a few per sphere in the hexagonal arrangement)."""
    exact = dsl.parse(
        BED.format(units="mm").replace("fluid_mode", "merge_distance = 0 m; fluid_mode")
    )
    report = export_geometry(geometry, exact, tmp_path / "exact", formats=[fmt])
    for name, mesh in read_parts(list(report.files), fmt).items():
        assert len(mesh.vertices) == len(geometry[name].vertices), name
    merged = export_geometry(geometry, spec_in("mm"), tmp_path / "merged", formats=[fmt])
    particles = read_parts(list(merged.files), fmt)["particles"]
    welded = len(geometry["particles"].vertices) - len(particles.vertices)
    assert 0 < welded <= 6 * geometry["particles"].body_count
    assert len(particles.faces) == len(geometry["particles"].faces)


def test_ascii_stl_has_named_solids(geometry: BedGeometry, tmp_path: Path) -> None:
    """snappyHexMesh tells patches apart by the names of the solids of one ASCII STL."""
    report = export_geometry(geometry, spec_in("m"), tmp_path, formats=["stl_ascii"])
    assert [p.name for p in report.files] == ["bed.stl", "bed-fluid.stl"]
    lines = (tmp_path / "bed.stl").read_text(encoding="ascii").splitlines()
    solids = [line for line in lines if line.startswith(("solid", "endsolid"))]
    assert solids == [f"{kw} {name}" for name in BED_PARTS for kw in ("solid", "endsolid")]
    facets = sum(1 for line in lines if line.startswith("facet normal"))
    assert facets == sum(len(geometry[name].faces) for name in BED_PARTS)


def test_binary_stl_writes_one_file_per_part(geometry: BedGeometry, tmp_path: Path) -> None:
    report = export_geometry(geometry, spec_in("m"), tmp_path, formats=["stl", "stl_binary"])
    names = [p.name for p in report.files]
    assert names == [f"bed-{name}.stl" for name in [*BED_PARTS, "fluid"]]
    data = (tmp_path / "bed-particles.stl").read_bytes()
    (count,) = struct.unpack("<I", data[80:84])
    assert count == len(geometry["particles"].faces) and len(data) == 84 + 50 * count


@pytest.mark.parametrize(("units", "scale", "factor"), [("m", 1.0, 1.0), ("cm", 2.0, 200.0)])
def test_units_and_scale(
    geometry: BedGeometry, tmp_path: Path, units: str, scale: float, factor: float
) -> None:
    spec = dsl.parse(BED.format(units=units).replace("fluid_mode", f"scale = {scale}; fluid_mode"))
    report = export_geometry(geometry, spec, tmp_path, formats=["ply"])
    assert report.factor == factor and report.units == units
    inlet = trimesh.load_mesh(tmp_path / "bed-inlet.ply")
    assert np.ptp(inlet.vertices[:, 0]) == pytest.approx(0.025 * factor, rel=1e-6)  # float32


def test_file_names_come_from_part_names_only(geometry: BedGeometry, tmp_path: Path) -> None:
    spec = dsl.parse('name = "../../etc/passwd"\n' + BED.format(units="mm"))
    report = export_geometry(geometry, spec, tmp_path, formats=["glb", "ply"])
    assert {p.name for p in report.files} == {"bed.glb", "bed-fluid.glb"} | {
        f"bed-{name}.ply" for name in [*BED_PARTS, "fluid"]
    }
    assert sorted(tmp_path.iterdir()) == sorted(report.files)


def test_non_watertight_part_is_reported(geometry: BedGeometry, tmp_path: Path) -> None:
    """manifold_check reports a closed part with a hole as a warning, and says nothing
    about the open inlet and outlet discs."""
    particles = geometry["particles"]
    holed = trimesh.Trimesh(particles.vertices, particles.faces[1:], process=False)
    broken = BedGeometry(
        parts={**geometry.parts, "particles": holed},
        closed=geometry.closed,
        tessellation=geometry.tessellation,
        wall_sections=geometry.wall_sections,
    )
    report = export_geometry(broken, spec_in("mm"), tmp_path, formats=["ply"])
    assert report.watertight["particles"] is False
    assert report.watertight["inlet"] is False
    assert len(report.warnings) == 1 and "'particles'" in report.warnings[0]

    unchecked = dsl.parse(
        BED.format(units="mm").replace("fluid_mode", "manifold_check = false; fluid_mode")
    )
    quiet = export_geometry(broken, unchecked, tmp_path, formats=["ply"])
    assert quiet.warnings == () and dict(quiet.watertight) == {}


def test_unknown_format_is_refused(geometry: BedGeometry, tmp_path: Path) -> None:
    with pytest.raises(BedValidationError, match="unknown export format 'step'"):
        export_geometry(geometry, spec_in("mm"), tmp_path, formats=["step"])
    assert list(tmp_path.iterdir()) == []


def test_blend_without_blender_says_how_to_install(
    geometry: BedGeometry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked before anything is written, so no format is half-exported."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(EngineUnavailable, match="blender"):
        export_geometry(geometry, spec_in("mm"), tmp_path, formats=["stl", "blend"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("blender") is None, reason="needs the blender executable")
def test_blend_is_written_by_blender(geometry: BedGeometry, tmp_path: Path) -> None:
    small = BedGeometry(
        parts={k: v for k, v in geometry.parts.items() if k != "fluid"},
        closed=geometry.closed - {"fluid"},
        tessellation=geometry.tessellation,
        wall_sections=geometry.wall_sections,
    )
    report = export_geometry(small, spec_in("mm"), tmp_path, formats=["blend"])
    assert [p.name for p in report.files] == ["bed.blend"]
    assert (tmp_path / "bed.blend").read_bytes()[:7] == b"BLENDER"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bed.blend"]


def test_profile_plot_is_a_png(bed: PackedBed, tmp_path: Path) -> None:
    path = plot_profiles(bed, tmp_path / "plots" / "porosity.png")
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])  # IHDR follows the signature
    assert data[12:16] == b"IHDR" and width > 400 and height > 200
