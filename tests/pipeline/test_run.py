"""The pipeline: stages in order, events, caching by inputs, provenance, cancel and errors."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from bedflow import BedValidationError, Cancelled, EngineUnavailable, UsageError
from bedflow.pipeline import STAGES, Event, run_pipeline

BED = """name = "p"
bed { diameter = 25 mm; height = 50 mm }
particles { count = 40; seed = 1 }
packing { method = hexagonal_3d }
export { formats = ["stl"] }
cfd { solver = correlation; inlet_velocity = 5 mm/s }
"""


def run(text: str, cache: Path, **kwargs: object) -> tuple[object, list[Event]]:
    events: list[Event] = []
    result = run_pipeline(text, cache_dir=cache, on_event=events.append, **kwargs)  # type: ignore[arg-type]
    return result, events


def test_every_stage_runs_in_order_and_reports(tmp_path: Path) -> None:
    result, events = run(BED, tmp_path)
    assert list(result.stages) == list(STAGES)  # type: ignore[attr-defined]
    done = [e.stage for e in events if e.kind == "stage_complete"]
    assert done == list(STAGES)
    overall = [e.overall for e in events if e.kind in ("status", "stage_complete")]
    assert overall == sorted(overall) and overall[-1] == pytest.approx(100)
    assert events[-1].kind == "complete" and events[-1].status == "succeeded"
    lines = [e.line for e in events if e.kind == "log"]
    assert any(line.startswith("[INFO] [PACK] ") for line in lines)
    summary = result.summary  # type: ignore[attr-defined]
    assert summary["solver"] == "correlation" and summary["pressure_drop_per_length"] > 0


def test_unchanged_stages_are_reused_and_changed_ones_rerun(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, _ = run(BED, tmp_path)
    with caplog.at_level(logging.DEBUG, logger="bedflow.pipeline._run"):
        again, events = run(BED, tmp_path)
    # the log a job's user sees says "reused", never where the server keeps its cache
    lines = [e.line for e in events if e.kind == "log"]
    assert any("inputs unchanged: reused from the cache" in line for line in lines), lines
    assert not any(str(tmp_path) in line for line in lines), lines
    assert str(tmp_path) in caplog.text  # the folders stay in the server's debug log
    assert {k: v.status for k, v in again.stages.items()} == {  # type: ignore[attr-defined]
        "compile": "ran",
        "pack": "reused",
        "export": "reused",
        "simulate": "reused",
        "postprocess": "ran",
    }
    faster, _ = run(BED.replace("5 mm/s", "10 mm/s"), tmp_path)
    status = {k: v.status for k, v in faster.stages.items()}  # type: ignore[attr-defined]
    assert (status["pack"], status["export"], status["simulate"]) == ("reused", "reused", "ran")
    other, _ = run(BED.replace("count = 40", "count = 41"), tmp_path)
    assert other.stages["pack"].status == "ran"  # type: ignore[attr-defined]
    forced, _ = run(BED, tmp_path, force=True)
    assert all(v.status == "ran" for v in forced.stages.values())  # type: ignore[attr-defined]
    assert first.stages["pack"].key == forced.stages["pack"].key  # type: ignore[attr-defined]


def test_provenance_records_inputs_engine_and_file_hashes(tmp_path: Path) -> None:
    result, _ = run(BED, tmp_path)
    pack = result.stages["pack"]  # type: ignore[attr-defined]
    prov = json.loads((Path(pack.directory) / "provenance.json").read_text())
    assert prov["engine"] == "hexagonal_3d" and prov["engine_version"]
    assert prov["seed"] == 1 and prov["spec_hash"] == result.spec_hash  # type: ignore[attr-defined]
    for name, info in prov["files"].items():
        data = (Path(pack.directory) / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"]


def test_cancel_stops_the_run_and_leaves_no_half_entry(tmp_path: Path) -> None:
    text = BED.replace("method = hexagonal_3d", "method = dem")
    with pytest.raises(Cancelled):
        run_pipeline(text, cache_dir=tmp_path, cancel=lambda: True)
    events: list[Event] = []
    calls = {"n": 0}

    def later() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        run_pipeline(text, cache_dir=tmp_path, cancel=later, on_event=events.append)
    assert events[-1].status == "cancelled"
    assert not list((tmp_path / "pack").glob(".tmp-*"))
    assert not any((tmp_path / "pack").glob("*/provenance.json"))


def test_bad_input_is_reported_and_raised(tmp_path: Path) -> None:
    events: list[Event] = []
    with pytest.raises(BedValidationError):
        run_pipeline(
            "bed { diamter = 5 cm } particles { }", cache_dir=tmp_path, on_event=events.append
        )
    assert any(e.level == "ERROR" and e.stage == "compile" for e in events)
    assert events[-1].status == "failed"


def test_a_partial_pipeline_runs_only_its_stages(tmp_path: Path) -> None:
    result, _ = run(BED, tmp_path, stages=("compile", "pack"))
    assert list(result.stages) == ["compile", "pack"]  # type: ignore[attr-defined]


def test_later_stages_take_a_cached_packing(tmp_path: Path) -> None:
    """Regression: `--stages compile,simulate` raised "stage simulate needs the pack stage"
    even with the pack cached; now the cached stage is taken, or UsageError before any work."""
    with pytest.raises(UsageError, match=r"needs the pack stage.*add pack to the stages"):
        run(BED, tmp_path, stages=("compile", "simulate"))
    assert not (tmp_path / "simulate").exists()
    first, _ = run(BED, tmp_path, stages=("compile", "pack"))
    result, events = run(BED, tmp_path, stages=("compile", "simulate"))
    assert list(result.stages) == ["compile", "pack", "simulate"]  # type: ignore[attr-defined]
    lines = [e.line for e in events if e.kind == "log"]
    assert any("the pack stage: reused from the cache" in line for line in lines), lines
    pack = result.stages["pack"]  # type: ignore[attr-defined]
    assert (pack.status, pack.directory) == ("reused", first.stages["pack"].directory)  # type: ignore[attr-defined]
    assert [e.stage for e in events if e.kind == "stage_complete"] == ["compile", "simulate"]
    assert result.flow.solver == "correlation"  # type: ignore[attr-defined]
    summary, _ = run(BED, tmp_path, stages=("compile", "postprocess"))
    assert summary.summary["pressure_drop_per_length"] == result.flow.pressure_drop_per_length  # type: ignore[attr-defined]
    exported, _ = run(BED, tmp_path, stages=("compile", "export"))
    assert exported.stages["export"].status == "ran"  # type: ignore[attr-defined]


def test_a_solver_that_cannot_run_fails_before_packing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without OpenFOAM on PATH the run stops at once with how to install it, instead of
    packing first and losing the unrun case with the stage's temporary folder."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(EngineUnavailable, match="apt-get install openfoam"):
        run(BED, tmp_path, solver="openfoam")
    assert not (tmp_path / "pack").exists()


def test_non_spheres_pack_and_log_their_unmeasured_overlap(tmp_path: Path) -> None:
    """Regression: cubes and cylinders (no overlap measure) ended the pack stage in
    "unsupported format string passed to NoneType.__format__"."""
    pytest.importorskip("pybullet", reason="the rigid_body engine needs pybullet")
    text = BED.replace("count = 40", "kind = cube; count = 12").replace(
        "hexagonal_3d", "rigid_body"
    )
    result, events = run(text, tmp_path, stages=("compile", "pack"))
    assert result.stages["pack"].status == "ran"  # type: ignore[attr-defined]
    assert any("max overlap not measured" in e.message for e in events)


def test_the_artifact_names_the_docs_promise_are_the_stages_outputs(tmp_path: Path) -> None:
    """`bedflow pack`, `simulate` and `run` all write the stages' files: the names the docs
    describe are the ones each stage declares (and is checked to write)."""
    from bedflow.pipeline import PIPELINE

    docs = Path(__file__).parents[2] / "docs"
    assert PIPELINE["pack"].outputs == (
        "packing.npz",
        "packing.json",
        "metrics.json",
        "profiles.png",
    )
    packing_format = (docs / "packing-format.md").read_text()
    for name in PIPELINE["pack"].outputs[:3]:
        assert f"`{name}`" in packing_format, name
    result, _ = run(BED, tmp_path)
    for name, stage in PIPELINE.items():
        if stage.outputs:
            assert set(stage.outputs) <= set(result.stages[name].files), name  # type: ignore[attr-defined]


def test_the_flow_is_one_typed_result_whether_run_or_reused(tmp_path: Path) -> None:
    """Regression: the flow came back from result.json as a dict and was copied by string
    keys; it is the solver's FlowResult, read back unchanged when the stage is reused."""
    from bedflow.cfd import FlowResult

    ran, _ = run(BED, tmp_path)
    reused, _ = run(BED, tmp_path)
    assert reused.stages["simulate"].status == "reused"  # type: ignore[attr-defined]
    assert isinstance(ran.flow, FlowResult) and reused.flow == ran.flow  # type: ignore[attr-defined]
    ratios = ran.flow.ratio_to_correlations  # type: ignore[attr-defined]
    assert ran.summary["ratio_to_correlations"] == ratios  # type: ignore[attr-defined]
    assert ratios["ergun"] == 1.0  # the correlation solver is Ergun
