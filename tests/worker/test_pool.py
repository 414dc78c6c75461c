"""The embedded pool's watcher: the job of a worker process that died is handed back at once
and another process takes its place; a stale job of a worker elsewhere is taken over while
the pool runs, not only when it starts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedflow.db import Job, Result
from bedflow.db._base import utcnow
from bedflow.worker import WorkerPool
from tests.utils.db import make_user
from tests.utils.jobs import SLOW, job_bed, job_settings, queued_job, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]  # worker processes run jobs


def _finished(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


@contextmanager
def _pool(session: Session, tmp_path: Path, stale_s: float) -> Iterator[WorkerPool]:
    engine = session.get_bind().engine  # type: ignore[union-attr]
    settings = job_settings(tmp_path, engine).model_copy(update={"job_stale_seconds": stale_s})
    pool = WorkerPool(settings, size=1)
    pool.start()
    try:
        yield pool
    finally:
        pool.stop()


def test_embedded_worker_killed_mid_job_is_handed_back_at_once(
    session: Session, tmp_path: Path
) -> None:
    user = make_user(session)
    job = queued_job(session, user=user, bed=job_bed(session, user, SLOW, "slow"))
    engine = session.get_bind().engine  # type: ignore[union-attr]
    with _pool(session, tmp_path, stale_s=600) as pool:
        first = wait_for(engine, job.id, lambda j: j.status == "running" and j.progress > 3, 180)
        pool.processes[0].kill()
        # the bound is half the stale period (600 s), so only the hand-back can end this wait;
        # it includes starting a new process and running the job again on a busy machine
        done = wait_for(engine, job.id, _finished, 300)
    assert (done.status, done.error, done.attempts) == ("succeeded", None, 2)
    assert done.worker != first.worker
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Result)) == 1


def test_embedded_pool_takes_over_a_stale_job_while_it_runs(
    session: Session, tmp_path: Path
) -> None:
    engine = session.get_bind().engine  # type: ignore[union-attr]
    user = make_user(session)
    bed = job_bed(session, user)
    with _pool(session, tmp_path, stale_s=3):
        # left running by a worker on another host that stopped beating
        job = Job(
            user_id=user.id, bed_id=bed.id, type="pipeline", status="running", attempts=1,
            worker="elsewhere:1:embedded", heartbeat_at=utcnow() - timedelta(minutes=1),
            params={"force": True},
        )  # fmt: skip
        session.add(job)
        session.commit()
        done = wait_for(engine, job.id, _finished, 180)
    assert (done.status, done.attempts) == ("succeeded", 2)
