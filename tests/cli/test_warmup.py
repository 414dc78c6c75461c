"""`bedflow warm-up` runs the tiny bed through every default stage and leaves nothing behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app
from bedflow.cli._warmup import WARM_UP_BED
from bedflow.dsl import parse

pytestmark = pytest.mark.slow  # every default stage, kernels compiled


def test_warm_up_bed_is_valid_and_tiny() -> None:
    spec = parse(WARM_UP_BED)
    assert spec.particles.count == 20 and spec.cfd.solver == "lbm"
    assert spec.cfd.cells_per_dp <= 8 and spec.cfd.max_iterations <= 100


def test_warm_up_runs_and_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(app, ["warm-up"])
    assert result.exit_code == 0, result.output
    assert "kernels ready" in result.output
    assert list(tmp_path.iterdir()) == []
