"""The simulate stage as a grid convergence study: events per run, cancel, jobs' params."""

from __future__ import annotations

from pathlib import Path

import pytest

from bedflow import Cancelled, UsageError
from bedflow.pipeline import Event, JobParams, run_pipeline

# hexagonal_3d packs at once; the LBM at 8, 6 and 4 cells per diameter takes a second or two.
BED = """name = "c"
bed { diameter = 15 mm; height = 30 mm }
particles { count = 20; diameter = 5 mm; seed = 2 }
packing { method = hexagonal_3d }
cfd { inlet_velocity = 1 mm/s; cells_per_dp = 8; fluid_density = 1000 kg/m3;
      fluid_viscosity = 1 mPa.s }
"""
STAGES = ("compile", "pack", "simulate", "postprocess")


@pytest.mark.slow
def test_a_study_reports_each_run_and_stores_its_uncertainty(tmp_path: Path) -> None:
    events: list[Event] = []
    result = run_pipeline(
        BED, cache_dir=tmp_path, stages=STAGES, converge=True, on_event=events.append
    )
    assert result.flow is not None and result.flow.uncertainty is not None
    assert result.flow.uncertainty.cells_per_dp == (8.0, 6.0, 4.0)
    runs = [e.data for e in events if e.kind == "status" and "grids" in e.data]
    assert [d["cells_per_dp"] for d in runs if d["fraction"] == 1.0] == [4, 6, 8]
    progress = [e.progress for e in events if e.kind == "status" and e.stage == "simulate"]
    assert progress == sorted(progress)  # the three runs make one stage's progress
    folder = Path(result.stages["simulate"].directory)
    assert {p.name for p in folder.iterdir() if p.is_dir()} == {"grid-8", "grid-6", "grid-4"}
    assert result.summary["uncertainty"]["values"] == list(result.flow.uncertainty.values)
    log = "\n".join(result.log)
    assert "grid convergence study with lbm at 8, 6, 4 cells per diameter" in log
    assert "(GCI, 3 grids)" in log or "3 x their spread" in log
    # a single run is another artifact: it runs, and says it has no uncertainty
    single = run_pipeline(BED, cache_dir=tmp_path, stages=STAGES)
    assert single.stages["pack"].status == "reused" and single.stages["simulate"].status == "ran"
    assert single.flow is not None and single.flow.uncertainty is None
    assert "uncertainty unknown (single grid; use --converge)" in "\n".join(single.log)


def test_cancel_between_the_runs_of_a_study_leaves_no_entry(tmp_path: Path) -> None:
    """Cancelled once the coarsest run is done: the next run sees it and stops."""
    events: list[Event] = []
    first_done = False

    def sink(event: Event) -> None:
        nonlocal first_done
        events.append(event)
        if event.data.get("grid") == 0 and event.data.get("fraction") == 1.0:
            first_done = True

    with pytest.raises(Cancelled):
        run_pipeline(
            BED,
            cache_dir=tmp_path,
            stages=STAGES,
            converge=True,
            on_event=sink,
            cancel=lambda: first_done,
        )
    assert events[-1].status == "cancelled"
    assert not any(e.data.get("grid") == 1 and e.data.get("fraction") == 1.0 for e in events)
    assert not list((tmp_path / "simulate").glob("*/provenance.json"))


def test_a_study_of_the_correlations_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no grid to refine"):
        run_pipeline(BED, cache_dir=tmp_path, stages=STAGES, converge=True, solver="correlation")
    assert not (tmp_path / "pack").exists()


def test_job_params_carry_the_study() -> None:
    assert JobParams(converge=True).stored() == {"converge": True}
    assert JobParams.model_validate({}).converge is False  # params stored before it
