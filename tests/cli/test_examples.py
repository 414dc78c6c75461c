"""Every example the README ships runs end to end with `bedflow run` (in a small variant).

Regression: `run examples/compact-box.bed` and `examples/cylinders.bed` ended in a TypeError
in the pack stage (a metric that is None for non-spheres).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow import cfd, geometry
from bedflow.cli import app
from bedflow.dsl import load
from tests.utils.beds import EXAMPLES

pytestmark = pytest.mark.slow  # every example packed and solved end to end

runner = CliRunner()

# Settings that make each example take seconds: fewer particles and, for the LBM, a coarser
# lattice; the engines and solvers stay those the example names.
SMALL = {
    "compact-box.bed": ["particles.count=30", "bed.height=30 mm"],
    "cylinders.bed": ["particles.count=20", "bed.height=40 mm"],
    "quick-test.bed": ["particles.count=40", "cfd.cells_per_dp=6"],
    "spheres-d10.bed": [
        "particles.count=60",
        "bed.diameter=25 mm",
        "bed.height=40 mm",
        "cfd.cells_per_dp=6",
        "cfd.inlet_velocity=1 mm/s",
    ],
}


def test_every_example_has_a_small_variant() -> None:
    assert sorted(SMALL) == sorted(p.name for p in EXAMPLES)


def _missing(path: Path) -> str | None:
    """Why this example cannot run here (its engine or solver is not installed), else None."""
    spec = load(path)
    engine = geometry.engines()[spec.packing_method]
    solver = cfd.solvers()[spec.cfd.solver]
    return engine.unavailable() or getattr(solver, "cannot_run", lambda: None)()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_end_to_end(example: Path, tmp_path: Path) -> None:
    settings = [a for s in SMALL[example.name] for a in ("--set", s)]
    args = ["run", str(example), *settings]
    args += ["-o", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    why = _missing(example)
    result = runner.invoke(app, args)
    if why is not None:
        # One line saying how to install what is missing, before any work.
        assert result.exit_code == 1
        assert result.stderr.strip().splitlines() == [f"error: {why}"]
        assert not (tmp_path / "cache" / "pack").exists()
        pytest.skip(f"{example.name} needs what is not installed here: {why}")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["pressure_drop_per_length"] > 0
    assert summary["solver"] == load(example).cfd.solver
    assert "Traceback" not in result.stderr


def test_an_example_whose_solver_is_missing_still_packs_and_exports(tmp_path: Path) -> None:
    """cylinders.bed with another solver: its rigid-body packing of cylinders and its
    exports run with any solver."""
    pytest.importorskip("pybullet", reason="the rigid_body engine needs pybullet")
    example = next(p for p in EXAMPLES if p.name == "cylinders.bed")
    settings = [a for s in SMALL[example.name] for a in ("--set", s)]
    args = ["run", str(example), *settings, "--solver", "correlation"]
    args += ["-o", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "bed-particles.stl").stat().st_size > 0
    assert (tmp_path / "out" / "bed.obj").stat().st_size > 0
