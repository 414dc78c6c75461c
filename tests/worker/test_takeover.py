"""Jobs whose worker is gone, on real Celery workers, Redis and PostgreSQL: taken over by
another worker without beat, ended by a cancel, handed back at once when only the job's pool
process dies. The visibility timeout is an hour, so Redis redelivering the dead worker's task
is never what rescues a job here."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bedflow.db import BedFile, Job, JobEvent, Result, crud, make_sessionmaker
from bedflow.db._base import utcnow
from bedflow.db._types import FINISHED
from bedflow.worker._celery import make_celery
from tests.utils.cluster import BROKER, Cluster, celery_cluster
from tests.utils.jobs import LBM_LONG, SLOW, wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]  # worker processes killed

HOUR = "3600"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A worker that runs beat and takes every job, and an idle one that takes none yet;
    a heartbeat goes stale after 3 s."""
    with celery_cluster(
        tmp_path_factory.mktemp("takeover"),
        BEDFLOW_JOB_STALE_SECONDS="3",
        BEDFLOW_CELERY_VISIBILITY_TIMEOUT=HOUR,
    ) as c:
        c.start_worker("beat", beat=True)
        c.start_worker("idle", queues=["spare"])
        c.wait_ready("beat", "idle")
        yield c


def _results(cluster: Cluster, job: Job) -> int:
    with make_sessionmaker(cluster.engine)() as session:
        stmt = select(func.count()).select_from(Result)
        return session.scalar(stmt.where(Result.simulation_id == job.simulation_id)) or 0


def _complete_events(cluster: Cluster, job_id: uuid.UUID) -> list[str]:
    with make_sessionmaker(cluster.engine)() as session:
        stmt = select(JobEvent.status).where(JobEvent.job_id == job_id, JobEvent.kind == "complete")
        return list(session.scalars(stmt))


def test_beat_worker_killed_mid_job_is_taken_over_by_the_other(cluster: Cluster) -> None:
    job_id = cluster.submit(SLOW)
    job = wait_for(cluster.engine, job_id, lambda j: j.status == "running" and j.progress > 3, 60)
    assert cluster.holder(job.worker) == "beat"
    # the idle worker now consumes the job's queue too, and is the only one left
    replies = cluster.app.control.add_consumer(
        "cfd", destination=[cluster.node("idle")], reply=True, timeout=10
    )
    assert replies, "the idle worker did not answer"
    cluster.kill("beat")
    done = wait_for(cluster.engine, job_id, lambda j: j.status in ("succeeded", "failed"), 60)
    assert (done.status, done.error, done.attempts) == ("succeeded", None, 2)
    assert done.worker != job.worker
    assert _results(cluster, done) == 1
    assert _complete_events(cluster, job_id) == ["succeeded"]
    with make_sessionmaker(cluster.engine)() as session:
        names = session.scalars(select(BedFile.filename).where(BedFile.bed_id == done.bed_id))
        files = list(names)
        assert len(files) == len(set(files)) >= 5


def test_cancel_of_a_job_whose_worker_was_killed_ends_it(cluster: Cluster) -> None:
    cluster.start_worker("second")
    cluster.wait_ready("second")
    job_id = cluster.submit(LBM_LONG)
    job = wait_for(cluster.engine, job_id, lambda j: j.status == "running", 60)
    cluster.kill(cluster.holder(job.worker))
    with make_sessionmaker(cluster.engine)() as session:  # what the cancel route does
        row = session.get(Job, job_id)
        assert row is not None
        crud.request_cancel(session, job=row, stale_before=utcnow() - timedelta(seconds=3))
    done = wait_for(cluster.engine, job_id, lambda j: j.status in FINISHED, 30)
    assert (done.status, done.simulation_id) == ("cancelled", None)
    assert _complete_events(cluster, job_id) == ["cancelled"]


@pytest.fixture(scope="module")
def patient_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One worker; a heartbeat goes stale only after 10 minutes, so no sweep rescues a job
    within a test."""
    with celery_cluster(
        tmp_path_factory.mktemp("child"),
        BEDFLOW_JOB_STALE_SECONDS="600",
        BEDFLOW_CELERY_VISIBILITY_TIMEOUT=HOUR,
    ) as c:
        c.start_worker("only")
        c.wait_ready("only")
        yield c


def test_another_installation_on_the_redis_cannot_reach_these_workers(
    patient_cluster: Cluster,
) -> None:
    """Regression: installations (test sessions) on one Redis name their workers alike
    ("idle@host"); another one's add_consumer reached this one's worker, which then took that
    installation's tasks, found no such job here and acknowledged them: their jobs stayed
    queued for ever (this module's takeover failed whenever two sessions ran it at once)."""
    cluster, node = patient_cluster, patient_cluster.node("only")
    assert cluster.app.control.ping(destination=[node], timeout=10)  # reachable from its own
    other = make_celery(BROKER, queue_prefix=f"t{uuid.uuid4().hex[:8]}-")
    try:
        assert other.control.ping(destination=[node], timeout=1) == []
        control = other.control
        assert control.add_consumer("cfd", destination=[node], reply=True, timeout=1) == []
    finally:
        other.close()


def test_job_whose_pool_process_died_is_handed_back_at_once(patient_cluster: Cluster) -> None:
    cluster = patient_cluster
    job_id = cluster.submit(SLOW)
    job = wait_for(cluster.engine, job_id, lambda j: j.status == "running" and j.progress > 3, 60)
    assert job.worker is not None
    os.kill(int(job.worker.split(":")[1]), signal.SIGKILL)  # the pool process only
    # the bound is far below the stale period (600 s): only the hand-back can end this wait
    done = wait_for(cluster.engine, job_id, lambda j: j.status in ("succeeded", "failed"), 60)
    assert (done.status, done.error, done.attempts) == ("succeeded", None, 2)
    assert done.worker != job.worker and cluster.holder(done.worker) == "only"
    assert _results(cluster, done) == 1
    assert _complete_events(cluster, job_id) == ["succeeded"]
