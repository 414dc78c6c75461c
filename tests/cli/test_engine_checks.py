"""Each engine's and solver's own check runs before any work: in `bedflow check`, and in
`simulate` before packing; a plugin's as a built-in's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app
from tests.utils.plugins import installed

runner = CliRunner()

FOAM = (
    "bed { diameter = 25 mm; height = 50 mm }\n"
    "particles { diameter = 5 mm; count = 20 }\n"
    "packing { method = hexagonal_3d }\n"
    "cfd {\n"
    "    solver = openfoam\n"
    "    cells_per_dp = 6\n"
    "}\n"
)
PLUGGED = FOAM.replace("hexagonal_3d", "cubic").replace("openfoam", "potential")


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), prog_name="bedflow")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def plugin() -> Iterator[None]:
    with installed():
        yield


def test_check_reports_openfoams_minimum_resolution_where_it_was_written(tmp_path: Path) -> None:
    """Regression: `bedflow check` said ok; the worker found cells_per_dp below OpenFOAM's
    minimum only after packing."""
    bed = tmp_path / "foam.bed"
    bed.write_text(FOAM)
    code, out, err = run("check", str(bed))
    assert code == 1 and "ok" not in out
    assert f"{bed}:6:5: error: 'cells_per_dp' in cfd: cells_per_dp = 6 is below 8" in err


def test_simulate_refuses_a_solvers_limit_before_packing(tmp_path: Path) -> None:
    bed, out_dir = tmp_path / "foam.bed", tmp_path / "out"
    bed.write_text(FOAM)
    code, _, err = run("simulate", str(bed), "-o", str(out_dir))
    assert code == 1 and f"{bed}:6:5: error: 'cells_per_dp' in cfd" in err
    assert not (out_dir / "packing.npz").exists()


def test_check_and_simulate_find_a_plugin(plugin: None, tmp_path: Path) -> None:
    bed = tmp_path / "plugged.bed"
    bed.write_text(PLUGGED.replace("cells_per_dp = 6", "cells_per_dp = 30"))
    code, _, err = run("check", str(bed))
    assert code == 1
    assert f"{bed}:6:5: error: 'cells_per_dp' in cfd: the potential solver resolves at most" in err
    bed.write_text(PLUGGED.replace("cells_per_dp = 6", "cells_per_dp = 12"))
    code, out, _ = run("check", str(bed))
    assert code == 0 and "cubic packing, potential solver" in out
    code, out, _ = run("simulate", str(bed), "-o", str(tmp_path / "out"))
    assert code == 0 and "flow through the bed (potential)" in out


def test_an_unknown_solver_option_lists_the_plugins_too(plugin: None, tmp_path: Path) -> None:
    bed = tmp_path / "plugged.bed"
    bed.write_text(PLUGGED.replace("cells_per_dp = 6", "cells_per_dp = 12"))
    code, _, err = run("simulate", str(bed), "--solver", "potental")
    assert code == 2 and "did you mean 'potential'?" in err
    assert "(choose one of correlation, lbm, openfoam, potential)" in err
