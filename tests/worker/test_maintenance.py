"""The maintenance tasks beat schedules, and the claim/requeue rules they rely on."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow.db import ApiToken, Job, crud
from bedflow.db._base import utcnow
from bedflow.storage import LocalStorage
from bedflow.worker import backoff_s
from bedflow.worker._maintenance import (
    remove_expired_tokens,
    remove_orphan_objects,
    requeue_stale,
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
    assert set(requeue_stale(session, stale_after=timedelta(minutes=2))) == {stale.id, spent.id}
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
