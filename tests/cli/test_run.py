"""`bedflow run`: the whole pipeline from the command line, reusing unchanged stages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app
from bedflow.cli._stages import link_outputs
from bedflow.dsl import parse
from bedflow.pipeline import PipelineResult, StageOutcome

pytestmark = pytest.mark.slow  # whole pipeline runs

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
    result = runner.invoke(app, ["run", str(bed), "--stages", "compile,mesh"])
    assert result.exit_code == 2 and result.stderr.startswith("error: --stages: unknown stage")
    bed.write_text("bed { diamter = 1 }\nparticles { }\n")
    result = runner.invoke(app, ["run", str(bed), "--cache", str(tmp_path / "c")])
    assert result.exit_code == 1 and "diamter" in result.stderr


def test_run_takes_a_cached_pack_stage_or_says_in_one_line_it_has_none(tmp_path: Path) -> None:
    """Regression: `--stages compile,simulate` was a BedflowError traceback, pack cached or not."""
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    base = ["run", str(bed), "--cache", str(tmp_path / "cache"), "-o", str(tmp_path / "out")]
    result = runner.invoke(app, [*base, "--stages", "compile,simulate"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "error: --stages: stage simulate needs the pack stage, and no cached pack of this bed "
        "was found: add pack to the stages"
    )
    assert runner.invoke(app, [*base, "--stages", "compile,pack"]).exit_code == 0
    for stages in ("compile,simulate", "compile,export", "compile,postprocess"):
        result = runner.invoke(app, [*base, "--stages", stages])
        assert result.exit_code == 0, (stages, result.stderr)
        assert "pack reused" in result.stdout


def test_run_refuses_unknown_engines_and_solvers_before_any_work(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    base = ["run", str(bed), "--cache", str(tmp_path / "cache"), "-o", str(tmp_path / "out")]
    result = runner.invoke(app, [*base, "--solver", "nosuch"])
    assert result.exit_code == 2 and result.stderr.startswith("error: --solver: unknown solver")
    result = runner.invoke(app, [*base, "--engine", "nosuch"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --engine: unknown packing engine")
    assert not (tmp_path / "cache").exists() and not (tmp_path / "out").exists()


def test_a_folder_a_stage_wrote_reaches_the_output(tmp_path: Path) -> None:
    """Regression: `simulate --solver openfoam` wrote its case into OUT/openfoam/; run through
    the pipeline the case lies in the stage's cache folder, and linking the stage's files
    alone left it behind."""
    stage = tmp_path / "cache" / "simulate" / "key"
    (stage / "openfoam" / "system").mkdir(parents=True)
    (stage / "openfoam" / "system" / "controlDict").write_text("FoamFile {}\n")
    (stage / "result.json").write_text("{}\n")
    (stage / "provenance.json").write_text("{}\n")
    result = PipelineResult(spec=parse(BED), spec_hash="h")
    result.stages["simulate"] = StageOutcome("simulate", "ran", "key", str(stage), ("result.json",))
    assert link_outputs(result, tmp_path / "out") == ["result.json"]
    assert (tmp_path / "out" / "openfoam" / "system" / "controlDict").read_text() == "FoamFile {}\n"
    assert (tmp_path / "out" / "provenance-simulate.json").is_file()
