"""The maintenance tasks beat schedules, and the claim/requeue rules of job recovery."""

from __future__ import annotations

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow.db import ApiToken, Job, JobEvent, crud, make_sessionmaker
from bedflow.db._base import utcnow
from bedflow.storage import LocalStorage
from bedflow.worker import backoff_s
from bedflow.worker._maintenance import (
    remove_expired_tokens,
    remove_orphan_objects,
)
from tests.utils.db import make_user
from tests.utils.jobs import job_bed


def test_stale_running_jobs_are_requeued_or_failed(session: Session) -> None:
    user = make_user(session)
    bed = job_bed(session, user)
    old = utcnow() - timedelta(minutes=10)
    stale = Job(user_id=user.id, bed_id=bed.id, type="pipeline", status="running",
                attempts=1, heartbeat_at=old)  # fmt: skip
    spent = Job(user_id=user.id, bed_id=bed.id, type="pipeline", status="running",
                attempts=3, max_attempts=3, heartbeat_at=old)  # fmt: skip
    alive = Job(user_id=user.id, bed_id=bed.id, type="pipeline", status="running",
                attempts=1, heartbeat_at=utcnow())  # fmt: skip
    session.add_all([stale, spent, alive])
    session.commit()
    stale_before = utcnow() - timedelta(minutes=2)
    assert set(crud.requeue_stale_jobs(session, stale_before=stale_before)) == {stale.id, spent.id}
    session.rollback()
    status = {row.id: row.status for row in session.execute(select(Job.id, Job.status))}
    assert status == {stale.id: "queued", spent.id: "failed", alive.id: "running"}
    # a redelivered task takes over a stale running job, never a live one
    assert crud.claim_job(session, worker="w", job_id=alive.id) is None
    took = crud.claim_job(session, worker="w", job_id=alive.id, stale_before=utcnow())
    assert took is not None and took.attempts == 2


def test_retry_waits_for_its_backoff(session: Session) -> None:
    user = make_user(session)
    job = crud.create_job(session, user=user, type="pipeline", bed=job_bed(session, user))
    assert crud.claim_job(session, worker="w") is not None
    assert crud.requeue_job(session, job_id=job.id, delay_s=60, error="OSError: disk")
    assert crud.claim_job(session, worker="w") is None  # not before its time
    assert [backoff_s(n) for n in (1, 2, 3, 10)] == [2, 4, 8, 60]


def test_orphan_objects_and_expired_tokens_are_removed(session: Session, tmp_path: Path) -> None:
    user = make_user(session)
    bed = job_bed(session, user)
    store = LocalStorage(tmp_path)
    kept = crud.store_file(session, storage=store, bed=bed, upload=io.BytesIO(b"x"), kind="json")
    store.put_stream(f"beds/{bed.id}/orphan.json", io.BytesIO(b"y"))
    assert remove_orphan_objects(session, storage=store) == [f"beds/{bed.id}/orphan.json"]
    assert list(store.list("beds/")) == [kept.object_key]

    crud.create_api_token(session, user=user, name="old", expires_at=utcnow() - timedelta(days=1))
    crud.create_api_token(session, user=user, name="live", expires_at=utcnow() + timedelta(days=1))
    assert remove_expired_tokens(session) == 1
    session.rollback()
    assert session.scalars(select(ApiToken.name)).all() == ["live"]


def _stale_job(session: Session, **values: object) -> Job:
    user = make_user(session)
    fields: dict[str, object] = {
        "status": "running", "attempts": 1, "worker": "gone:1:celery",
        "heartbeat_at": utcnow() - timedelta(minutes=10), **values,
    }  # fmt: skip
    job = Job(user_id=user.id, bed_id=job_bed(session, user).id, type="pipeline", **fields)
    session.add(job)
    session.commit()
    return job


def _ends(session: Session, job: Job) -> list[str]:
    session.rollback()
    stmt = select(JobEvent.status).where(JobEvent.job_id == job.id, JobEvent.kind == "complete")
    return list(session.scalars(stmt))


def test_a_lost_job_is_taken_back_by_one_sweeper_only(session: Session) -> None:
    job = _stale_job(session)
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    start = threading.Barrier(4)

    def sweep() -> list[uuid.UUID]:
        with sessions() as own:
            start.wait()
            return crud.requeue_stale_jobs(own, stale_before=utcnow())

    with ThreadPoolExecutor(4) as pool:
        taken = [f.result() for f in [pool.submit(sweep) for _ in range(4)]]
    assert sorted(taken) == [[], [], [], [job.id]]
    session.rollback()
    row = session.get(Job, job.id, populate_existing=True)
    assert row is not None and (row.status, row.worker, row.attempts) == ("queued", None, 1)


def test_a_lost_job_that_is_ended_records_its_complete_event(session: Session) -> None:
    spent = _stale_job(session, max_attempts=1)
    cancelled = _stale_job(session, cancel_requested=True)
    assert set(crud.requeue_stale_jobs(session, stale_before=utcnow())) == {spent.id, cancelled.id}
    assert _ends(session, spent) == ["failed"] and _ends(session, cancelled) == ["cancelled"]
    assert crud.requeue_stale_jobs(session, stale_before=utcnow()) == []  # once
    assert len(_ends(session, spent)) == 1


def test_cancel_of_a_job_whose_worker_is_gone_ends_it(session: Session) -> None:
    job = _stale_job(session)
    crud.request_cancel(session, job=job, stale_before=utcnow() - timedelta(minutes=2))
    assert (job.status, job.cancel_requested) == ("cancelled", True)
    assert _ends(session, job) == ["cancelled"]
    # a heartbeat still fresh: asked to stop; once stale, any sweep ends it cancelled
    live = _stale_job(session, heartbeat_at=utcnow())
    crud.request_cancel(session, job=live, stale_before=utcnow() - timedelta(minutes=2))
    assert (live.status, live.cancel_requested) == ("running", True)
    assert crud.requeue_stale_jobs(session, stale_before=utcnow() + timedelta(seconds=1)) == [
        live.id
    ]
    assert _ends(session, live) == ["cancelled"]


def test_cancel_of_a_queued_job_records_its_complete_event(session: Session) -> None:
    user = make_user(session)
    job = crud.create_job(session, user=user, type="pipeline", bed=job_bed(session, user))
    crud.request_cancel(session, job=job)
    assert job.status == "cancelled" and _ends(session, job) == ["cancelled"]


def test_study_cancel_ends_the_points_whose_worker_is_gone(session: Session) -> None:
    user = make_user(session)
    points = [{"cfd.inlet_velocity": v} for v in ("0.01 m/s", "0.02 m/s", "0.03 m/s")]
    study, (lost, live, queued) = crud.create_study(
        session, user=user, bed=job_bed(session, user), name="s",
        grid={"cfd.inlet_velocity": [p["cfd.inlet_velocity"] for p in points]},
        params={}, points=points,
    )  # fmt: skip
    for job, beat in ((lost, utcnow() - timedelta(minutes=10)), (live, utcnow())):
        job.status, job.worker, job.attempts, job.heartbeat_at = "running", "w:1:celery", 1, beat
    session.commit()
    stale_before = utcnow() - timedelta(minutes=2)
    assert crud.cancel_study(session, study=study, stale_before=stale_before) == 3
    session.rollback()
    status = {j.id: (j.status, j.cancel_requested) for j in session.scalars(select(Job))}
    assert status == {
        lost.id: ("cancelled", True), live.id: ("running", True), queued.id: ("cancelled", True)
    }  # fmt: skip
    assert _ends(session, lost) == _ends(session, queued) == ["cancelled"]
    assert _ends(session, live) == []
