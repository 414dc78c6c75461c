"""Simulations keep a history per bed; jobs report progress; results sit next to correlations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bedflow._exceptions import UsageError
from bedflow.db import crud
from bedflow.db._base import utcnow
from tests.utils.db import make_bed, make_user
from tests.utils.results import flow_result, store_result


def test_simulation_history_of_a_bed_newest_first(session: Session) -> None:
    user = make_user(session)
    bed, other = make_bed(session, owner=user), make_bed(session, owner=user)
    sims = [crud.create_simulation(session, bed=bed, solver=s) for s in ("lbm", "openfoam")]
    crud.create_simulation(session, bed=other, solver="lbm")
    history = crud.list_simulations(session, user=user, bed_id=bed.id)
    assert history.count == 2 and [s.id for s in history.data] == [s.id for s in reversed(sims)]

    crud.update_simulation(session, simulation=sims[0], status="running")
    crud.update_simulation(session, simulation=sims[0], status="succeeded")
    assert sims[0].duration_s is not None and sims[0].duration_s >= 0
    assert crud.list_simulations(session, user=user, status="succeeded").count == 1


def test_job_progress_attempts_and_timestamps(session: Session) -> None:
    user = make_user(session)
    job = crud.create_job(session, user=user, type="pack", bed=make_bed(session, owner=user))
    assert (job.status, job.progress, job.attempts) == ("queued", 0, 0)
    crud.update_job(session, job=job, status="running", worker="w1", stage="pack")
    crud.update_job(session, job=job, progress=40)
    assert (job.attempts, job.progress, job.stage) == (1, 40, "pack")
    assert job.started_at is not None and job.heartbeat_at is not None
    crud.update_job(session, job=job, status="failed", error="boom")
    assert job.finished_at is not None and job.error == "boom"
    with pytest.raises(UsageError):
        crud.update_job(session, job=job, progress=101)
    with pytest.raises(UsageError):
        crud.update_job(session, job=job, status="done")  # type: ignore[arg-type]


def test_jobs_per_user_and_status_and_usage_counts(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    for status in ("succeeded", "succeeded", "failed"):
        job = crud.create_job(session, user=alice, type="simulate")
        crud.update_job(session, job=job, status=status)
    crud.create_job(session, user=bob, type="simulate")
    assert crud.list_jobs(session, user=alice, status="succeeded").count == 2
    since = utcnow() - timedelta(hours=1)
    assert crud.job_counts(session, since=since, user=alice)["succeeded"] == 2
    counts = crud.job_counts(session, since=since)
    assert (counts["queued"], counts["failed"], counts["running"]) == (1, 1, 0)
    assert sum(crud.job_counts(session, since=utcnow() + timedelta(hours=1)).values()) == 0


def test_results_compare_side_by_side(session: Session) -> None:
    user = make_user(session)
    bed = make_bed(session, owner=user)
    a, b = (crud.create_simulation(session, bed=bed, solver="lbm") for _ in range(2))
    ra = store_result(session, a, flow_result(porosity=0.4, dp=1200.0))
    rb = store_result(session, b, flow_result(porosity=0.41))
    both = crud.list_results(session, user=user, result_ids=[ra.id, rb.id])
    assert {r.porosity for r in both} == {0.4, 0.41}
    (stored,) = crud.list_results(session, user=user, simulation_id=a.id)
    assert (stored.iterations, stored.flow.iterations, stored.solver) == (900, 900, "lbm")
    assert len(crud.list_results(session, user=user, bed_id=bed.id)) == 2
