"""`bedflow run`: the whole pipeline from the command line, reusing unchanged stages."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bedflow.cli import app

runner = CliRunner()
BED = """name = "cli-run"
bed { diameter = 25 mm; height = 50 mm }
particles { count = 40 }
packing { method = hexagonal_3d }
cfd { solver = correlation }
"""


def test_run_writes_every_artifact_and_the_summary(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    args = ["run", str(bed), "-o", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["name"] == "cli-run" and summary["solver"] == "correlation"
    for name in (
        "packing.npz",
        "metrics.json",
        "result.json",
        "bed-particles.stl",
        "provenance-pack.json",
    ):
        assert (out / name).is_file(), name
    again = runner.invoke(app, args)
    assert again.exit_code == 0
    assert "pack reused" in again.stdout


def test_run_rejects_unknown_stages_and_bad_files(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    assert runner.invoke(app, ["run", str(bed), "--stages", "compile,mesh"]).exit_code == 2
    bed.write_text("bed { diamter = 1 }\nparticles { }\n")
    result = runner.invoke(app, ["run", str(bed), "--cache", str(tmp_path / "c")])
    assert result.exit_code == 1 and "diamter" in result.stderr
