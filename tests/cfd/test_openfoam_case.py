"""Writing OpenFOAM cases: dictionaries, patches, viscosity, locationInMesh; no OpenFOAM needed.

The dictionaries are read back with a small parser of OpenFOAM's dictionary syntax (comments,
sub-dictionaries, quoted regex keys, lists) so that the checks are about keys and values, not
about text layout.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh
from hypothesis import given, settings
from hypothesis import strategies as st

from bedflow import dsl
from bedflow._exceptions import CfdInputError, EngineUnavailable
from bedflow.cfd._openfoam import (
    OpenFoamCase,
    OpenFoamError,
    detect_version,
    location_problems,
    run_case,
    write_case,
)
from bedflow.cfd._openfoam._constants import MIN_CELLS_PER_DP
from bedflow.cfd._openfoam._layout import find_location, wall_sections
from bedflow.cfd._openfoam._logs import (
    SolverLog,
    parse_boundary,
    parse_check_mesh,
    read_dat,
    read_scalar_field,
)
from bedflow.cfd._openfoam._run import _clean, _last
from bedflow.cfd._openfoam._version import ESI_V1912, ORG_11, parse_banner
from bedflow.cfd._region import measurement_slab
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed, pack, slab_solid_volume

# -- a small reader of OpenFOAM dictionaries ---------------------------------------------------

_TOKEN = re.compile(r'"[^"]*"|[{}();\[\]]|[^\s{}();\[\]"]+')


def _tokens(text: str) -> list[str]:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", " ", text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    return _TOKEN.findall(text)


def _parse_dict(tokens: list[str], i: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    while i < len(tokens) and tokens[i] != "}":
        key = tokens[i].strip('"')
        i += 1
        if tokens[i] == "{":
            out[key], i = _parse_dict(tokens, i + 1)
            i += 1  # the closing brace
            continue
        value: list[str] = []
        depth = 0
        while depth or tokens[i] != ";":
            depth += tokens[i] in "([{"
            depth -= tokens[i] in ")]}"
            value.append(tokens[i])
            i += 1
        out[key] = value
        i += 1  # the semicolon
    return out, i


def foam_dict(path: Path) -> dict[str, Any]:
    """An OpenFOAM dictionary file as nested dicts; an entry's value is its list of tokens."""
    parsed, _ = _parse_dict(_tokens(path.read_text(encoding="utf-8")), 0)
    return parsed


def scalar(value: list[str]) -> float:
    """The number an entry ends with (``nu [0 2 -1 0 0 0 0] 1e-06;`` -> 1e-06)."""
    return float(value[-1])


def vector(value: list[str]) -> tuple[float, ...]:
    return tuple(float(t) for t in value if t not in "()")


# -- beds --------------------------------------------------------------------------------------

SPEC_TEXT = """
bed {{ diameter = 25 mm; height = 30 mm }}
particles {{ diameter = 5 mm; count = 80; seed = 1 }}
cfd {{
    solver = openfoam; inlet_velocity = 5 mm/s;
    fluid_density = 1000 kg/m3; fluid_viscosity = 1e-3 Pa.s;
    cells_per_dp = 8; max_iterations = 700; convergence_criteria = 2e-4;
    mesh_levels = {{ walls = 1; particles = 2 }}
    {extra}
}}
"""


def make_spec(extra: str = "") -> BedSpec:
    return dsl.parse(SPEC_TEXT.format(extra=extra))


@pytest.fixture(scope="module")
def packed() -> PackedBed:
    return pack(make_spec())


@pytest.fixture(scope="module")
def esi_case(packed: PackedBed, tmp_path_factory: pytest.TempPathFactory) -> OpenFoamCase:
    return write_case(packed, make_spec(), tmp_path_factory.mktemp("esi"), version=ESI_V1912)


@pytest.fixture(scope="module")
def org_case(packed: PackedBed, tmp_path_factory: pytest.TempPathFactory) -> OpenFoamCase:
    return write_case(packed, make_spec(), tmp_path_factory.mktemp("org"), version=ORG_11)


# -- physics written into the case -------------------------------------------------------------


@pytest.mark.parametrize("flavour", ["esi", "org"])
def test_viscosity_is_kinematic(
    flavour: str, esi_case: OpenFoamCase, org_case: OpenFoamCase
) -> None:
    """nu = mu / rho = 1e-3 Pa s / 1000 kg/m3 = 1e-6 m2/s, never the dynamic 1e-3."""
    case = esi_case if flavour == "esi" else org_case
    name = "transportProperties" if flavour == "esi" else "physicalProperties"
    d = foam_dict(case.directory / "constant" / name)
    assert d["nu"][:9] == ["[", "0", "2", "-1", "0", "0", "0", "0", "]"]
    assert scalar(d["nu"]) == pytest.approx(1e-6, rel=1e-9)
    assert case.nu == pytest.approx(1e-6, rel=1e-12)
    other = "physicalProperties" if flavour == "esi" else "transportProperties"
    assert not (case.directory / "constant" / other).exists()


def test_inlet_outlet_and_walls(esi_case: OpenFoamCase) -> None:
    """blockMesh makes inlet (z = 0) and outlet (z = top); every field has a condition for them
    and for the walls; fixed flow rate in, fixed pressure 0 out, no slip on walls."""
    root = esi_case.directory
    block = foam_dict(root / "system" / "blockMeshDict")
    entries = block["boundary"]  # a list: ( name { ... } name { ... } )
    names = [entries[i - 1] for i, t in enumerate(entries) if t == "{"]
    assert names == ["inlet", "outlet", "sides"]
    u = foam_dict(root / "0" / "U")["boundaryField"]
    p = foam_dict(root / "0" / "p")["boundaryField"]
    lay = esi_case.layout
    assert u["inlet"]["type"] == ["flowRateInletVelocity"]
    assert scalar(u["inlet"]["volumetricFlowRate"]) == pytest.approx(
        0.005 * math.pi * 0.0125**2, rel=1e-9
    )
    assert vector(u["inlet"]["value"][1:]) == pytest.approx((0.0, 0.0, 0.005))
    assert p["outlet"]["type"] == ["fixedValue"]
    assert p["outlet"]["value"] == ["uniform", "0"]
    assert u["(wall|particles|sides)"]["type"] == ["noSlip"]
    # the box spans the column; z from the floor to the column's inner top
    assert lay.box_min[2] == 0.0
    assert lay.box_max[2] == pytest.approx(esi_case.layout.height)
    assert -lay.box_min[0] >= lay.radius and lay.box_max[1] >= lay.radius


def test_background_cell_follows_cells_per_dp_and_levels(esi_case: OpenFoamCase) -> None:
    """Background cell d / cells_per_dp * 2**level_particles (8 cells per d at level 2:
    2.5 mm), refined to d / 8 = 0.625 mm at the particles and once at the wall."""
    lay = esi_case.layout
    assert lay.background_cell[0] == pytest.approx(0.005 / 8 * 4)
    assert lay.background_cell[2] <= 0.005 / 8 * 4 + 1e-12
    snappy = foam_dict(esi_case.directory / "system" / "snappyHexMeshDict")
    surfaces = snappy["castellatedMeshControls"]["refinementSurfaces"]
    assert surfaces["particles"]["level"] == ["(", "2", "2", ")"]
    assert surfaces["wall"]["level"] == ["(", "1", "1", ")"]
    assert lay.fine[0] == pytest.approx(0.005 / 8)


def test_snappy_has_the_blocks_v1912_insists_on(esi_case: OpenFoamCase) -> None:
    snappy = foam_dict(esi_case.directory / "system" / "snappyHexMeshDict")
    quality = snappy["meshQualityControls"]
    assert "nSmoothScale" in quality and "errorReduction" in quality
    assert "addLayersControls" in snappy
    assert snappy["addLayers"] == ["true"]  # two prism layers by default
    assert esi_case.layout.layers == 2
    assert set(snappy["geometry"]) == {"particles.stl", "wall.stl", "bed"}
    for name in ("particles.stl", "wall.stl"):
        stl = esi_case.directory / "constant" / "triSurface" / name
        assert not stl.read_bytes()[:5].lower().startswith(b"solid")  # binary, read as such


@pytest.mark.parametrize("version", [ESI_V1912, ORG_11], ids=["esi", "org"])
def test_prism_layers_at_the_particles_and_the_wall(
    packed: PackedBed, tmp_path: Path, version: Any
) -> None:
    case = write_case(packed, make_spec(), tmp_path / "case", version=version, layers=2)
    snappy = foam_dict(case.directory / "system" / "snappyHexMeshDict")
    assert snappy["addLayers"] == ["true"]
    controls = snappy["addLayersControls"]
    assert controls["layers"] == {
        "particles": {"nSurfaceLayers": ["2"]},
        "wall": {"nSurfaceLayers": ["2"]},
    }
    assert controls["relativeSizes"] == ["true"] and controls["expansionRatio"] == ["1.2"]
    assert case.layout.layers == 2
    with pytest.raises(CfdInputError, match="layers must lie between 0 and 10"):
        write_case(packed, make_spec(), tmp_path / "bad", version=version, layers=-1)


def test_prism_layers_from_the_spec(packed: PackedBed, tmp_path: Path) -> None:
    spec = make_spec("mesh_layers = 3;")
    case = write_case(packed, spec, tmp_path / "spec", version=ESI_V1912)
    snappy = foam_dict(case.directory / "system" / "snappyHexMeshDict")
    assert snappy["addLayersControls"]["layers"]["wall"] == {"nSurfaceLayers": ["3"]}
    assert case.layout.layers == 3
    off = write_case(packed, spec, tmp_path / "off", version=ESI_V1912, layers=0)
    assert off.layout.layers == 0  # an explicit argument wins over the spec
    assert foam_dict(off.directory / "system" / "snappyHexMeshDict")["addLayers"] == ["false"]


def test_location_in_mesh_is_in_the_fluid(esi_case: OpenFoamCase, packed: PackedBed) -> None:
    """The point written is the layout's, inside the column, outside every sphere by more
    than half a finest cell's diagonal, at the centre of a finest cell. It is also outside
    every bridge: a rod's part outside the spheres lies within about 0.02 d of them (half the
    widest gap bridged plus the wedge at the rim, bedflow.geometry._bridges), and the point is
    farther than 0.03 d."""
    snappy = foam_dict(esi_case.directory / "system" / "snappyHexMeshDict")
    point = vector(snappy["castellatedMeshControls"]["locationInMesh"])
    lay = esi_case.layout
    assert point == pytest.approx(lay.location, abs=1e-12)
    gap = np.linalg.norm(packed.centers - np.asarray(point), axis=1) - packed.radii
    assert gap.min() > 0.5 * math.sqrt(3) * max(lay.fine)
    assert gap.min() > 0.03 * 0.005
    assert math.hypot(point[0], point[1]) < lay.radius
    assert 0 < point[2] < lay.height
    assert (
        location_problems(
            lay.location,
            packed.centers,
            packed.radii,
            radius=lay.radius,
            height=lay.height,
            origin=lay.box_min,
            fine=lay.fine,
        )
        == []
    )


def test_location_problems_names_a_point_inside_a_sphere(packed: PackedBed) -> None:
    fine = (0.001, 0.001, 0.001)
    x, y, z = (float(c) for c in packed.centers[0])
    problems = location_problems(
        (x, y, z),
        packed.centers,
        packed.radii,
        radius=0.0125,
        height=0.026,
        origin=(0.0, 0.0, 0.0),
        fine=fine,
    )
    assert any("particle 0" in p for p in problems)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    count=st.integers(1, 400),
    radius_fraction=st.floats(0.05, 0.3),
    cells=st.integers(4, 40),
)
def test_location_is_never_inside_a_sphere(
    seed: int, count: int, radius_fraction: float, cells: int
) -> None:
    """Property: for random (even overlapping) spheres in a cylinder the chosen point lies
    inside the column, outside every sphere by half a cell diagonal, at a cell centre, or no
    point is returned at all."""
    rng = np.random.default_rng(seed)
    radius, height = 0.0125, 0.03
    r = radius_fraction * radius
    rho = (radius - r) * np.sqrt(rng.random(count))
    phi = 2 * np.pi * rng.random(count)
    z = r + (height - 2 * r) * rng.random(count)
    centers = np.column_stack([rho * np.cos(phi), rho * np.sin(phi), z])
    radii = np.full(count, r)
    n = (cells, cells, cells)
    fine = (2 * radius / cells, 2 * radius / cells, height / cells)
    origin = (-radius, -radius, 0.0)
    try:
        point, clearance = find_location(
            centers, radii, radius=radius, height=height, origin=origin, fine=fine, n_fine=n
        )
    except ValueError:
        return  # no point was good enough: write_case refuses with CfdInputError
    p = np.asarray(point)
    assert np.all(np.linalg.norm(centers - p, axis=1) - radii >= clearance - 1e-15)
    assert clearance >= 0.5 * math.sqrt(3) * max(fine)
    assert math.hypot(p[0], p[1]) < radius - clearance * 0.999
    assert clearance <= p[2] <= height - clearance
    units = (p - np.asarray(origin)) / np.asarray(fine)
    assert np.allclose(units - np.floor(units), 0.5)


def test_planes_lie_in_the_packed_region(esi_case: OpenFoamCase, packed: PackedBed) -> None:
    """The planes bound the slab every solver measures (here a shallow bed's: 1 d above the
    floor to 1.5 d below the top of the highest particle), each at the middle of a finest
    cell; both sampled by function objects."""
    lay = esi_case.layout
    z1, z2 = lay.planes
    d = 0.005
    slab = measurement_slab(packed.metrics.bed_height, d)
    assert slab is not None and slab.source.startswith("shallow bed")
    assert lay.slab_from == slab.source
    assert z1 == pytest.approx(slab.z_min, abs=0.5 * lay.fine[2])
    assert z2 == pytest.approx(slab.z_max, abs=0.5 * lay.fine[2])
    assert z1 == pytest.approx(d, abs=0.5 * lay.fine[2])
    assert z2 == pytest.approx(packed.metrics.bed_height - 1.5 * d, abs=0.5 * lay.fine[2])
    assert z2 - z1 >= d
    # bridged (the default): the spheres keep their size
    assert lay.bed_top == pytest.approx(float(np.max(packed.centers[:, 2] + packed.radii)))
    functions = foam_dict(esi_case.directory / "system" / "controlDict")["functions"]
    for name, z in (("pPlane1", z1), ("pPlane2", z2)):
        fo = functions[name]
        assert fo["type"] == ["surfaceFieldValue"]
        assert fo["regionType"] == ["sampledSurface"]
        assert fo["operation"] == ["areaAverage"]
        plane = fo["sampledSurfaceDict"]
        assert plane["type"] == ["cuttingPlane"]
        assert vector(plane["pointAndNormalDict"]["point"]) == pytest.approx((0, 0, z))
    assert functions["pInlet"]["name"] == ["inlet"]
    assert functions["pOutlet"]["name"] == ["outlet"]


def test_geometric_porosity_is_that_of_the_shrunk_spheres(
    packed: PackedBed, tmp_path: Path
) -> None:
    case = write_case(packed, make_spec(), tmp_path / "s", version=ESI_V1912, contacts="shrink")
    lay = case.layout
    solid = 80 * 4 / 3 * math.pi * (0.99 * 0.0025) ** 3
    assert lay.porosity_domain == pytest.approx(1 - solid / (math.pi * 0.0125**2 * lay.height))
    assert 0.35 < lay.porosity_slab < 0.6


def test_solver_controls(esi_case: OpenFoamCase) -> None:
    control = foam_dict(esi_case.directory / "system" / "controlDict")
    assert control["application"] == ["simpleFoam"]
    assert control["endTime"] == ["700"]
    simple = foam_dict(esi_case.directory / "system" / "fvSolution")["SIMPLE"]
    assert scalar(simple["residualControl"]["p"]) == pytest.approx(2e-4)
    assert scalar(simple["residualControl"]["U"]) == pytest.approx(2e-4)
    turb = foam_dict(esi_case.directory / "constant" / "turbulenceProperties")
    assert turb["simulationType"] == ["laminar"]
    assert (esi_case.directory / "case.foam").is_file()


def test_org_dialect(org_case: OpenFoamCase) -> None:
    """openfoam.org 11: foamRun -solver incompressibleFluid, physicalProperties,
    momentumTransport, surfaces in constant/geometry, insidePoint, select/cutPlane."""
    root = org_case.directory
    control = foam_dict(root / "system" / "controlDict")
    assert control["application"] == ["foamRun"]
    assert control["solver"] == ["incompressibleFluid"]
    assert foam_dict(root / "constant" / "momentumTransport")["simulationType"] == ["laminar"]
    assert not (root / "constant" / "turbulenceProperties").exists()
    snappy = foam_dict(root / "system" / "snappyHexMeshDict")
    assert vector(snappy["castellatedMeshControls"]["insidePoint"]) == pytest.approx(
        org_case.layout.location
    )
    assert "locationInMesh" not in snappy["castellatedMeshControls"]
    assert snappy["geometry"]["particles"]["file"] == ['"particles.stl"']
    assert (root / "constant" / "geometry" / "particles.stl").is_file()
    fo = control["functions"]
    assert fo["pInlet"]["select"] == ["patch"] and fo["pInlet"]["patch"] == ["inlet"]
    plane = fo["pPlane2"]["sampledSurfaceDict"]
    assert plane["type"] == ["cutPlane"]
    assert vector(plane["point"]) == pytest.approx((0, 0, org_case.layout.planes[1]))
    assert "foamRun -solver incompressibleFluid" in (root / "Allrun").read_text()


@pytest.mark.parametrize(
    ("model", "name", "fields"),
    [
        ("k_epsilon", "kEpsilon", {"k", "epsilon", "nut"}),
        ("realizable_k_epsilon", "realizableKE", {"k", "epsilon", "nut"}),
        ("k_omega", "kOmega", {"k", "omega", "nut"}),
        ("k_omega_sst", "kOmegaSST", {"k", "omega", "nut"}),
    ],
)
@pytest.mark.parametrize("version", [ESI_V1912, ORG_11])
def test_rans_models(
    model: str, name: str, fields: set[str], version: Any, packed: PackedBed, tmp_path: Path
) -> None:
    spec = make_spec(f"regime = turbulent_rans; turbulence_model = {model}")
    case = write_case(packed, spec, tmp_path, version=version)
    if version.flavour == "esi":
        ras = foam_dict(tmp_path / "constant" / "turbulenceProperties")["RAS"]["RASModel"]
    else:
        ras = foam_dict(tmp_path / "constant" / "momentumTransport")["RAS"]["model"]
    assert ras == [name]
    written = {p.name for p in (tmp_path / "0").iterdir()}
    assert written == {"U", "p"} | fields
    walls = {"k": "kqRWallFunction", "epsilon": "epsilonWallFunction"}
    walls |= {"omega": "omegaWallFunction", "nut": "nutkWallFunction"}
    for f in fields:
        bf = foam_dict(tmp_path / "0" / f)["boundaryField"]
        assert bf["(wall|particles|sides)"]["type"] == [walls[f]]
    k = foam_dict(tmp_path / "0" / "k")["boundaryField"]["inlet"]
    assert scalar(k["value"]) == pytest.approx(1.5 * (0.05 * 0.005) ** 2)  # 5 % intensity
    assert case.turbulence_model == model


def test_parallel_case(packed: PackedBed, tmp_path: Path) -> None:
    case = write_case(packed, make_spec(), tmp_path, cores=4, version=ESI_V1912)
    d = foam_dict(tmp_path / "system" / "decomposeParDict")
    assert d["numberOfSubdomains"] == ["4"]
    assert d["method"] == ["simple"]
    assert vector(d["simpleCoeffs"]["n"]) == (2, 2, 1)
    allrun = (tmp_path / "Allrun").read_text()
    assert "decomposePar" in allrun and "--allow-run-as-root" in allrun
    assert "reconstructPar" in allrun
    assert case.cores == 4
    if shutil.which("bash"):
        subprocess.run(["bash", "-n", str(tmp_path / "Allrun")], check=True)


def test_refuses_too_coarse_and_too_shallow(packed: PackedBed, tmp_path: Path) -> None:
    coarse = make_spec().model_copy(deep=True)
    coarse = coarse.model_copy(
        update={"cfd": coarse.cfd.model_copy(update={"cells_per_dp": MIN_CELLS_PER_DP - 1})}
    )
    with pytest.raises(CfdInputError, match="cells_per_dp"):
        write_case(packed, coarse, tmp_path / "coarse")
    shallow = dataclasses.replace(packed, centers=packed.centers[:10], radii=packed.radii[:10])
    with pytest.raises(CfdInputError, match="too shallow"):
        write_case(shallow, make_spec(), tmp_path / "shallow")


def test_wall_is_closed_around_the_axis(esi_case: OpenFoamCase) -> None:
    assert esi_case.layout.wall_sections == wall_sections(0.0125) == 100


def test_without_openfoam_run_says_how(
    esi_case: OpenFoamCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EngineUnavailable, match=r"apt-get install openfoam.*Allrun"):
        run_case(esi_case)
    assert detect_version() is None


def test_an_org_case_runs_the_org_tools(packed: PackedBed, tmp_path: Path) -> None:
    """openfoam.org 11 has no ``postProcess`` (it is ``foamPostProcess``): fake tools on PATH
    record each command line; the post-processing step fails on purpose, ending the run."""
    case = write_case(packed, make_spec(), tmp_path / "case", version=ORG_11)
    tools, calls = tmp_path / "bin", tmp_path / "calls.txt"
    tools.mkdir()
    boundary = "inlet\\n{\\n nFaces 4;\\n}\\noutlet\\n{\\n nFaces 4;\\n}\\n"
    scripts = {
        "blockMesh": "",
        "snappyHexMesh": f"/bin/mkdir -p constant/polyMesh\nprintf '{boundary}' > "
        "constant/polyMesh/boundary",
        "checkMesh": "echo '    cells:            1000'\necho 'Mesh OK.'",
        "foamPostProcess": "exit 3",
        "foamRun": "",
    }
    for tool, body in scripts.items():
        fake = tools / tool
        fake.write_text(f'#!/bin/sh\necho "{tool} $*" >> {calls}\n{body}\n', encoding="utf-8")
        fake.chmod(0o755)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", str(tools))
        with pytest.raises(OpenFoamError, match=r"foamPostProcess .*failed"):
            run_case(case)
    lines = calls.read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in lines] == [
        "blockMesh",
        "snappyHexMesh",
        "checkMesh",
        "foamPostProcess",
    ]
    assert lines[-1] == "foamPostProcess -funcs (writeCellVolumes writeCellCentres) -time 0"


# -- version detection and log reading --------------------------------------------------------


def test_version_banners() -> None:
    esi = parse_banner("Build  : _abc\nUsing: OpenFOAM- (1912) - visit www.openfoam.com\n")
    assert esi is not None and (esi.flavour, esi.version, esi.major) == ("esi", "v1912", 1912)
    v2312 = parse_banner("Using: OpenFOAM-v2312 (2312) - visit www.openfoam.com")
    assert v2312 is not None and v2312.version == "v2312"
    org = parse_banner("Using: OpenFOAM-11 (see https://openfoam.org)")
    assert org is not None and (org.flavour, org.major) == ("org", 11)
    assert org.solver_argv == ["foamRun", "-solver", "incompressibleFluid"]
    assert (org.post_process, esi.post_process) == ("foamPostProcess", "postProcess")
    assert parse_banner("no banner here") is None


@pytest.mark.parametrize(
    ("tool", "banner", "flavour"),
    [
        ("simpleFoam", "Using: OpenFOAM- (1912) - visit www.openfoam.com", "esi"),
        ("foamRun", "Using: OpenFOAM-11 (see https://openfoam.org)", "org"),
    ],
)
def test_detect_version_from_binaries(
    tool: str, banner: str, flavour: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / tool
    fake.write_text(f"#!/bin/sh\necho '{banner}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("WM_PROJECT_VERSION", raising=False)
    found = detect_version()
    assert found is not None and found.flavour == flavour and found.source == "banner"
    monkeypatch.setenv("WM_PROJECT_VERSION", "v2406")
    found = detect_version()
    assert found is not None and (found.version, found.source) == ("v2406", "WM_PROJECT_VERSION")


SOLVER_LOG = """
Time = 1

smoothSolver:  Solving for Ux, Initial residual = 1, Final residual = 0.05, No Iterations 2
GAMG:  Solving for p, Initial residual = 0.9, Final residual = 0.01, No Iterations 5
GAMG:  Solving for p, Initial residual = 0.2, Final residual = 0.01, No Iterations 5
ExecutionTime = 0.1 s  ClockTime = 0 s

Time = 2

smoothSolver:  Solving for Ux, Initial residual = 0.5, Final residual = 0.05, No Iterations 2
GAMG:  Solving for p, Initial residual = 4e-05, Final residual = 1e-6, No Iterations 5

SIMPLE solution converged in 2 iterations
"""


def test_solver_log() -> None:
    log = SolverLog("simpleFoam")
    for line in SOLVER_LOG.splitlines(keepends=True):
        log.feed(line)
    assert log.iteration == 2 and log.converged
    assert log.history == [(1, {"Ux": 1.0, "p": 0.9}), (2, {"Ux": 0.5, "p": 4e-5})]
    assert log.residuals == {"Ux": 0.5, "p": 4e-5}
    log.feed("Time = 3s\n")  # openfoam.org 11 prints the unit
    assert log.iteration == 3 and log.residuals == {"Ux": 0.5, "p": 4e-5}


def test_check_mesh_verdicts() -> None:
    ok = parse_check_mesh(
        "    cells:            44639\n    Min volume = 8e-12. Max volume = 8e-09.  "
        "Total volume = 7.29026308e-06.  Cell volumes OK.\n\nMesh OK.\n"
    )
    assert ok.ok and ok.cells == 44639 and ok.volume == pytest.approx(7.29026308e-06)
    bad = parse_check_mesh(
        "    cells:   12\n ***Max skewness = 7.2, 8 highly skew faces detected\n"
        "Failed 1 mesh checks.\n"
    )
    assert not bad.ok and bad.failed == ("Max skewness = 7.2, 8 highly skew faces detected",)
    assert bad.verdict.startswith("failed: Max skewness")


def test_boundary_dat_and_field_readers(tmp_path: Path) -> None:
    boundary = (
        "4\n(\n    inlet\n    {\n        type patch;\n        nFaces 1041;\n"
        "        startFace 9;\n    }\n    outlet { type patch; nFaces 0; startFace 9; }\n)\n"
    )
    assert parse_boundary(boundary) == {"inlet": 1041, "outlet": 0}
    dat = tmp_path / "surfaceFieldValue.dat"
    dat.write_text("# Region type : patch inlet\n# Time  areaAverage(p)\n1\t0.5\n2\t0.25\n")
    it, values = read_dat(dat)
    assert it.tolist() == [1.0, 2.0] and values.tolist() == [0.5, 0.25]
    field = tmp_path / "V"
    field.write_text("internalField   nonuniform List<scalar> \n3\n(\n1e-9\n2e-9\n3e-9\n)\n;\n")
    assert read_scalar_field(field, 3).tolist() == [1e-9, 2e-9, 3e-9]
    field.write_text("internalField   uniform 8e-09;\n")
    assert read_scalar_field(field, 2).tolist() == [8e-9, 8e-9]


def test_function_object_output_read_from_its_first_time_folder(
    packed: PackedBed, tmp_path: Path
) -> None:
    """A function object writes into a folder named after the time of its first write (0 for
    a fresh run; openfoam.org 11 then adds a row for the initial fields, which is not an
    iteration and is left out of the history); a case restarted at 40 writes into 40."""
    case = write_case(packed, make_spec(), tmp_path, version=ORG_11)
    out = tmp_path / "postProcessing" / "pPlane1"
    (out / "0").mkdir(parents=True)
    (out / "0" / "surfaceFieldValue.dat").write_text(
        "# Time  areaAverage(p)\n0\t0\n1\t0.5\n2\t0.25\n", encoding="utf-8"
    )
    last, history = _last(case, "pPlane1")
    assert last == 0.25 and history.tolist() == [0.5, 0.25]
    shutil.rmtree(out / "0")
    (out / "40").mkdir()
    (out / "40" / "surfaceFieldValue.dat").write_text("# Time p\n41\t0.75\n", encoding="utf-8")
    assert _last(case, "pPlane1")[0] == 0.75
    with pytest.raises(OpenFoamError, match="function object pPlane2 did not run"):
        _last(case, "pPlane2")


def test_rerun_starts_from_a_clean_case(packed: PackedBed, tmp_path: Path) -> None:
    """What a previous run left is removed before running again; the written case stays."""
    case = write_case(packed, make_spec(), tmp_path, version=ESI_V1912)
    for d in ("postProcessing/pPlane1/0", "processor0/constant", "36", "constant/polyMesh"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "log.solver").write_text("old")
    (tmp_path / "0" / "V").write_text("old")
    _clean(case)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["0", "Allrun", "bedflow-case.json", "case.foam", "constant", "system"]
    assert sorted(p.name for p in (tmp_path / "0").iterdir()) == ["U", "p"]
    assert (tmp_path / "constant" / "triSurface" / "particles.stl").is_file()


def test_solver_surface_does_not_depend_on_the_export_setting(
    packed: PackedBed, esi_case: OpenFoamCase, tmp_path: Path
) -> None:
    """particles.stl came from the same geometry code as the exported files, so a lighter
    export would have changed the surface OpenFOAM meshes, and its pressure drop. It is the
    solvers' own surface now: the same bytes whatever export.chord_error says, and the
    icospheres it always was (the subdivision the face budget allows for the count)."""
    from bedflow.geometry._tessellation import sphere_subdivisions

    def particles_stl(chord_error: float) -> bytes:
        spec = make_spec()
        export = spec.export.model_copy(update={"chord_error": chord_error})
        case = write_case(
            packed,
            spec.model_copy(update={"export": export}),
            tmp_path / f"c{chord_error}",
            version=ESI_V1912,
        )
        return (case.directory / ESI_V1912.surface_dir / "particles.stl").read_bytes()

    default = (esi_case.directory / ESI_V1912.surface_dir / "particles.stl").read_bytes()
    assert particles_stl(0.02) == default == particles_stl(0.0005)
    icospheres = packed.count * 20 * 4 ** sphere_subdivisions(packed.count)
    # bridged (the default): the union of the icospheres and the rods, a few faces more
    triangles = int(np.frombuffer(default[80:84], dtype="<u4")[0])
    assert icospheres < triangles < 1.2 * icospheres
    shrunk = write_case(packed, make_spec(), tmp_path / "s", version=ESI_V1912, contacts="shrink")
    stl = (shrunk.directory / ESI_V1912.surface_dir / "particles.stl").read_bytes()
    assert int(np.frombuffer(stl[80:84], dtype="<u4")[0]) == icospheres


def test_bridges_at_the_contacts_keep_the_porosity(packed: PackedBed, tmp_path: Path) -> None:
    """``contacts="bridges"``: the spheres keep their size, joined by thin rods where they
    touch (one closed surface); the slab's porosity is that of the bridged solid, within
    0.003 of the exact spheres' (icospheres lose about 0.1 % of the solid, the rods add
    about 0.2 %: bedflow.geometry.bridged_spheres), while a 1 % shrink moves it by 0.015.
    ``fill`` refines the whole packed region to the particles' level."""
    spec = make_spec()
    case = write_case(
        packed, spec, tmp_path / "b", version=ESI_V1912, contacts="bridges", fill=True
    )
    shrunk = write_case(packed, spec, tmp_path / "s", version=ESI_V1912, contacts="shrink")
    assert (case.contacts, case.shrink, shrunk.contacts, shrunk.shrink) == (
        "bridges", 0.0, "shrink", 0.01,
    )  # fmt: skip
    assert case.bridges > packed.count and shrunk.bridges == 0
    lay = case.layout
    assert lay.mesh_diameter == 0.005 and lay.fill
    z1, z2 = lay.planes
    exact = 1 - slab_solid_volume(packed.centers, packed.radii, z1, z2) / (
        math.pi * 0.0125**2 * (z2 - z1)
    )
    assert lay.porosity_slab == pytest.approx(exact, abs=0.003)
    assert shrunk.layout.porosity_slab - exact > 0.01
    # closed as written (float32): vertices joined only where they are equal, since
    # trimesh's tolerant merge welds a few distinct vertices at the rods' rims
    soup = trimesh.load(case.directory / "constant" / "triSurface" / "particles.stl", process=False)
    verts, index = np.unique(np.asarray(soup.vertices), axis=0, return_inverse=True)
    faces = index.reshape(-1)[np.asarray(soup.faces)]
    assert trimesh.Trimesh(verts, faces, process=False).is_watertight
    summary = json.loads((case.directory / "bedflow-case.json").read_text())
    assert summary["contacts"] == "bridges" and summary["bridges"] == case.bridges
    snappy = foam_dict(case.directory / "system" / "snappyHexMeshDict")
    bed = snappy["geometry"]["bed"]
    assert bed["type"] == ["searchableCylinder"]
    assert vector(bed["point2"])[2] == pytest.approx(lay.bed_top + 0.0025)
    region = snappy["castellatedMeshControls"]["refinementRegions"]["bed"]
    assert region["mode"] == ["inside"] and region["levels"] == ["(", "(", "1e15", "2", ")", ")"]
    with pytest.raises(CfdInputError, match="contacts must be one of bridges, shrink"):
        write_case(packed, spec, tmp_path / "x", version=ESI_V1912, contacts="glue")


def test_the_outlet_lies_two_diameters_above_a_short_bed(packed: PackedBed, tmp_path: Path) -> None:
    """In a column much taller than its bed the mesh ends OUTLET_ABOVE_BED diameters above the
    top particle (the free column holds no pressure drop); the planes are those of the full
    column; ``outlet_above=None`` meshes up to the column's top."""
    tall = dataclasses.replace(packed, column=dataclasses.replace(packed.column, height=0.06))
    top = float(np.max(packed.centers[:, 2] + packed.radii))
    case = write_case(tall, make_spec(), tmp_path / "t", version=ESI_V1912)
    full = write_case(tall, make_spec(), tmp_path / "f", version=ESI_V1912, outlet_above=None)
    assert case.layout.height == pytest.approx(top + 2 * 0.005)
    assert full.layout.height == pytest.approx(0.06)
    assert case.layout.planes == pytest.approx(full.layout.planes, abs=0.5 * full.layout.fine[2])
    box = foam_dict(case.directory / "system" / "blockMeshDict")["vertices"]
    assert max(float(t) for t in box if t not in "()") == pytest.approx(top + 0.01)
    # a column no taller than that keeps its top
    assert write_case(packed, make_spec(), tmp_path / "s", version=ESI_V1912).layout.height == (
        pytest.approx(packed.column.height)
    )
    with pytest.raises(CfdInputError, match="outlet_above must be at least 1 diameter"):
        write_case(tall, make_spec(), tmp_path / "x", version=ESI_V1912, outlet_above=0.5)
