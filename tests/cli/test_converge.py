"""`--converge`: a grid convergence study from the command line, and the uncertainty every
printed pressure drop carries (or says it lacks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app

runner = CliRunner()
# A small bed, fast at 8, 6 and 4 cells per diameter (the LBM's levels of cells_per_dp = 8).
BED = """bed { diameter = 15 mm; height = 30 mm }
particles { count = 20; diameter = 5 mm; seed = 2 }
cfd { inlet_velocity = 1 mm/s; cells_per_dp = 8; fluid_density = 1000 kg/m3;
      fluid_viscosity = 1 mPa.s }
"""


@pytest.fixture
def bed(tmp_path: Path) -> Path:
    path = tmp_path / "b.bed"
    path.write_text(BED)
    return path


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
