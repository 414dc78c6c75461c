"""`--converge`: a grid convergence study from the command line, and the uncertainty every
printed pressure drop carries (or says it lacks)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app

runner = CliRunner()
# A small bed, fast at 8, 6 and 4 cells per diameter (the LBM's levels of cells_per_dp = 8).
# Re_p = 2.5: at 4 cells per diameter tau is 0.524, room for the interpolated walls (at Re_p 5
# it would sit on their floor, 0.512, where this narrow bed's peaks trip the Mach guard).
BED = """bed { diameter = 15 mm; height = 30 mm }
particles { count = 20; diameter = 5 mm; seed = 2 }
cfd { inlet_velocity = 0.5 mm/s; cells_per_dp = 8; fluid_density = 1000 kg/m3;
      fluid_viscosity = 1 mPa.s }
"""


@pytest.fixture
def bed(tmp_path: Path) -> Path:
    path = tmp_path / "b.bed"
    path.write_text(BED)
    return path


@pytest.mark.slow
def test_simulate_converge_keeps_three_runs_and_reports_dp_with_its_gci(
    bed: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out), "--converge"])
    assert result.exit_code == 0, result.stderr
    data = json.loads((out / "result.json").read_text())
    study = data["uncertainty"]
    assert study["cells_per_dp"] == [8.0, 6.0, 4.0]
    assert study["safety_factor"] in (1.25, 3.0) and study["uncertainty"] > 0
    # every run is kept whole, in its own folder, its value the study's
    for n, value in zip((8, 6, 4), study["values"], strict=True):
        run = json.loads((out / f"grid-{n}" / "result.json").read_text())
        assert run["domain"]["cells_per_dp"] == n and run["uncertainty"] is None
        assert run["pressure_drop_per_length"] == value
    assert data["pressure_drop_per_length"] == study["values"][0]  # the finest run's
    assert json.loads((out / "summary.json").read_text())["uncertainty"] == study
    line = next(li for li in result.stdout.splitlines() if li.startswith("dp/L = "))
    assert " ± " in line and line.endswith(("(GCI, 3 grids)", "3 x their spread)"))
    assert "grid study: dp/L = " in result.stdout
    assert "grid-4/, grid-6/, grid-8/" in result.stderr  # what was written
    # `run` takes the same study from the cache and prints it the same way
    again = runner.invoke(
        app,
        ["run", str(bed), "--stages", "compile,pack,simulate,postprocess", "--converge",
         "-o", str(tmp_path / "r")],
    )  # fmt: skip
    assert again.exit_code == 0, again.stderr
    assert "pack reused, simulate reused" in again.stdout
    assert line.removeprefix("dp/L = ").split(" Pa/m")[0] in again.stdout


@pytest.mark.slow
def test_a_single_grid_says_its_uncertainty_is_unknown(bed: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["simulate", str(bed), "-o", str(tmp_path / "o"), "--set", "cfd.cells_per_dp=4"]
    )
    assert result.exit_code == 0, result.stderr
    assert "uncertainty unknown (single grid; use --converge)" in result.stdout
    assert json.loads((tmp_path / "o" / "result.json").read_text())["uncertainty"] is None


def test_converge_refuses_the_correlation_solver_before_packing(bed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["simulate", str(bed), "-o", str(out), "--converge", "--solver", "correlation"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: --converge: the correlation solver has no grid to refine"
    )
    assert not out.exists()  # nothing was packed
    ran = runner.invoke(app, ["run", str(bed), "--converge", "--solver", "correlation"])
    assert ran.exit_code == 2 and "--converge: the correlation solver" in ran.stderr
    packing_only = runner.invoke(app, ["run", str(bed), "--converge", "--stages", "compile,pack"])
    assert packing_only.exit_code == 2
    assert "--converge: a grid convergence study needs the simulate stage" in packing_only.stderr


def test_converge_refuses_a_resolution_whose_coarsest_run_the_solver_refuses(
    bed: Path, tmp_path: Path
) -> None:
    """OpenFOAM meshes at 8 cells per diameter or more: a study of 8 would run at 4."""
    result = runner.invoke(
        app, ["simulate", str(bed), "-o", str(tmp_path / "o"), "--converge", "-s", "openfoam"]
    )
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert f"{bed}:3:" in result.stderr  # at cfd.cells_per_dp, where the file sets it
    assert "a study needs cfd.cells_per_dp = 15 or more" in result.stderr


@pytest.mark.slow  # three OpenFOAM meshes and solves: minutes
@pytest.mark.skipif(shutil.which("simpleFoam") is None, reason="OpenFOAM is not installed")
def test_openfoam_study_takes_its_grid_sizes_from_the_cell_counts(tmp_path: Path) -> None:
    """OpenFOAM's mesh is snapped and refined: its grid size is Celik's (V/N)^(1/3), so the
    study's coarser resolutions are the finest one scaled by the cube root of the counts."""
    bed = _foam_bed(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out), "--converge"])
    assert result.exit_code == 0, result.stderr
    study = json.loads((out / "result.json").read_text())["uncertainty"]
    counts = [
        json.loads((out / f"grid-{n}" / "result.json").read_text())["domain"]["cells"]
        for n in (15, 11, 8)
    ]
    assert study["cells_per_dp"][0] == 15.0
    for resolution, count in zip(study["cells_per_dp"][1:], counts[1:], strict=True):
        assert resolution == pytest.approx(15.0 * (count / counts[0]) ** (1 / 3))
    assert all((out / f"grid-{n}" / "openfoam").is_dir() for n in (15, 11, 8))
    assert " ± " in result.stdout


def test_compare_refuses_a_solver_without_a_grid_before_packing(bed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["compare", str(bed), "-o", str(out), "--solvers", "lbm,correlation"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --solvers: the correlation solver has no grid")
    assert not out.exists()
    same = runner.invoke(app, ["compare", str(bed), "--solvers", "lbm,lbm"])
    assert same.exit_code == 2 and "two different solvers" in same.stderr


def test_compare_refuses_a_resolution_openfoam_cannot_study(bed: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(bed), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "a study needs cfd.cells_per_dp = 15 or more" in result.stderr
    assert not (tmp_path / "o").exists()


def _foam_bed(tmp_path: Path) -> Path:
    bed = tmp_path / "b.bed"
    bed.write_text(
        BED.replace("height = 30 mm", "height = 50 mm")
        .replace("count = 20", "count = 40")
        .replace("seed = 2 }", "seed = 2 }\npacking { method = hexagonal_3d }")
        .replace(
            "cells_per_dp = 8",
            "cells_per_dp = 15; solver = openfoam; max_iterations = 500;\n"
            # no prism layers: these tests check the study's plumbing, and layers would add
            # a minute to each of their three meshes (test_openfoam_run meshes the defaults)
            "      mesh_levels = { walls = 2; particles = 2 }; mesh_layers = 0",
        )
    )
    return bed


@pytest.mark.slow  # three OpenFOAM meshes and three LBM runs: minutes
@pytest.mark.skipif(shutil.which("simpleFoam") is None, reason="OpenFOAM is not installed")
def test_compare_runs_both_studies_on_one_packing(tmp_path: Path, own_cache: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(_foam_bed(tmp_path)), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    record = json.loads((out / "comparison.json").read_text())
    assert set(record["solvers"]) == {"lbm", "openfoam"}
    assert len(list((own_cache / "pack").glob("*/provenance.json"))) == 1  # packed once
    lbm, foam = (record["solvers"][s] for s in ("lbm", "openfoam"))
    verdict = record["agreement"]
    assert verdict["difference"] == pytest.approx(
        foam["pressure_drop_per_length"] - lbm["pressure_drop_per_length"]
    )
    combined = lbm["uncertainty"]["uncertainty"] ** 2 + foam["uncertainty"]["uncertainty"] ** 2
    assert verdict["combined"] == pytest.approx(combined**0.5)
    assert ("they agree within it" in result.stdout) == verdict["agree"]
