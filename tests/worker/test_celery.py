"""Real Celery workers on the real Redis and PostgreSQL: a job completes, and survives a
worker killed with SIGKILL mid-job (another worker completes it, nothing duplicated)."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from bedflow.db import BedFile, Job, Result, crud, make_engine, make_sessionmaker, upgrade
from bedflow.worker._celery import make_celery, send_job
from tests.utils.db import make_user, postgres_database
from tests.utils.jobs import SECRET, SLOW, celery_worker_command, job_bed, wait_for
from tests.utils.procs import stop_group

pytestmark = [pytest.mark.services, pytest.mark.slow]  # Redis and a Celery worker

BROKER = os.environ.get("BEDFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Cluster:
    engine: Engine
    prefix: str
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]]
    logs: Path

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                celery_worker_command(name),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers.append(process)
        return process


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two Celery workers on a fresh PostgreSQL database and queues unique to this run."""
    data = tmp_path_factory.mktemp("celery")
    with postgres_database() as url:
        upgrade(url)
        prefix = f"t{uuid.uuid4().hex[:8]}-"
        env = {
            **os.environ,
            "BEDFLOW_DATABASE_URL": url,
            "BEDFLOW_DATA_DIR": str(data),
            "BEDFLOW_SECRET_KEY": SECRET,
            "BEDFLOW_BROKER_URL": BROKER,
            "BEDFLOW_QUEUE_PREFIX": prefix,
            "BEDFLOW_JOB_STALE_SECONDS": "3",
            "BEDFLOW_CELERY_VISIBILITY_TIMEOUT": "5",
        }
        engine = make_engine(url)
        c = Cluster(engine, prefix, env, [], data)
        c.start_worker("w1")
        c.start_worker("w2")
        try:
            yield c
        finally:
            for process in c.workers:
                stop_group(process)
            engine.dispose()


def _submit(cluster: Cluster, text: str | None = None) -> uuid.UUID:
    with make_sessionmaker(cluster.engine)() as session:
        user = make_user(session)
        bed = job_bed(session, user) if text is None else job_bed(session, user, text, "slow")
        job = crud.create_job(session, user=user, type="pipeline", bed=bed, params={"force": True})
    app = make_celery(BROKER, queue_prefix=cluster.prefix)
    try:
        send_job(app, job.id, job.type)
    finally:
        app.close()
    return job.id


def _count(engine: Engine, model: type, job_bed_of: uuid.UUID) -> int:
    with make_sessionmaker(engine)() as session:
        job = session.get(Job, job_bed_of)
        assert job is not None
        if model is Result:
            stmt = select(func.count()).select_from(Result)
            stmt = stmt.where(Result.simulation_id == job.simulation_id)
        else:
            stmt = select(func.count()).select_from(BedFile).where(BedFile.bed_id == job.bed_id)
        return session.scalar(stmt) or 0


def test_celery_worker_completes_a_job(cluster: Cluster) -> None:
    job_id = _submit(cluster)
    job = wait_for(cluster.engine, job_id, lambda j: j.status in ("succeeded", "failed"), 120)
    assert (job.status, job.error) == ("succeeded", None)
    assert job.worker and job.worker.endswith(":celery")
    assert _count(cluster.engine, Result, job_id) == 1
    assert _count(cluster.engine, BedFile, job_id) >= 5


def test_worker_killed_mid_job_leaves_it_to_the_other(cluster: Cluster) -> None:
    job_id = _submit(cluster, SLOW)
    job = wait_for(cluster.engine, job_id, lambda j: j.status == "running" and j.progress > 3, 60)
    first_worker = job.worker
    assert first_worker is not None
    pid = int(first_worker.split(":")[1])  # the pool process; kill its whole worker
    victim = next(p for p in cluster.workers if os.getpgid(pid) == p.pid)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    done = wait_for(cluster.engine, job_id, lambda j: j.status in ("succeeded", "failed"), 120)
    assert (done.status, done.error) == ("succeeded", None)
    assert done.worker != first_worker and done.attempts == 2
    assert _count(cluster.engine, Result, job_id) == 1
    with make_sessionmaker(cluster.engine)() as session:
        files = session.scalars(select(BedFile).where(BedFile.bed_id == done.bed_id)).all()
        names = [f.filename for f in files]
        assert len(names) == len(set(names)) >= 5
