"""Real Celery workers for tests: a fresh PostgreSQL database, the real Redis, queues unique
to the run, and workers started (and killed) as separate process groups."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from celery import Celery  # type: ignore[import-untyped]
from sqlalchemy import Engine

from bedflow.db import crud, make_engine, make_sessionmaker, upgrade
from bedflow.worker._celery import make_celery, send_job
from tests.utils.db import make_user, postgres_database
from tests.utils.jobs import SECRET, celery_worker_command, job_bed

BROKER = os.environ.get("BEDFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
START_S = 60.0
"""How long a worker may take to come up before a test gives up."""


@dataclass
class Cluster:
    """Workers on one database and one queue prefix; ``app`` sends tasks and controls them."""

    engine: Engine
    prefix: str
    env: dict[str, str]
    workers: dict[str, subprocess.Popen[bytes]]
    logs: Path
    app: Celery

    def start_worker(
        self, name: str, queues: Sequence[str] = ("pack", "cfd"), *, beat: bool = False
    ) -> subprocess.Popen[bytes]:
        """Start worker ``name`` (its own process group), with Celery beat if ``beat``."""
        extra = ["--beat", f"--schedule={self.logs / name}-beat"] if beat else []
        with (self.logs / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                celery_worker_command(name, queues, *extra),
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.workers[name] = process
        return process

    def node(self, name: str) -> str:
        return f"{name}@{socket.gethostname()}"

    def wait_ready(self, *names: str) -> None:
        """Until workers ``names`` answer a ping."""
        deadline = time.monotonic() + START_S
        waiting = {self.node(n) for n in names}
        while waiting:
            for name in names:
                process = self.workers[name]
                assert process.poll() is None, (self.logs / f"{name}.log").read_text()
            replies = self.app.control.ping(destination=sorted(waiting), timeout=0.5)
            waiting -= {node for reply in replies for node in reply}
            assert time.monotonic() < deadline, f"workers {sorted(waiting)} did not start"

    def kill(self, name: str) -> None:
        """SIGKILL worker ``name``: its main process, pool processes and beat at once."""
        process = self.workers[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def holder(self, worker: str | None) -> str:
        """The name of the worker whose pool process is ``worker`` (a job's ``worker``)."""
        assert worker is not None
        group = os.getpgid(int(worker.split(":")[1]))
        return next(n for n, p in self.workers.items() if p.pid == group)

    def submit(self, text: str | None = None) -> uuid.UUID:
        """A pipeline job on a new bed (``text``, or the fast one), sent to the workers."""
        with make_sessionmaker(self.engine)() as session:
            user = make_user(session)
            bed = job_bed(session, user) if text is None else job_bed(session, user, text, "b")
            job = crud.create_job(
                session, user=user, type="pipeline", bed=bed, params={"force": True}
            )
        send_job(self.app, job.id, job.type)
        return job.id


@contextmanager
def celery_cluster(data: Path, **env: str) -> Iterator[Cluster]:
    """A fresh database and queue prefix; every worker started is stopped at the end.

    ``env`` adds to the workers' environment (``BEDFLOW_JOB_STALE_SECONDS="3"``, ...).
    """
    with postgres_database() as url:
        upgrade(url)
        prefix = f"t{uuid.uuid4().hex[:8]}-"
        environ = {
            **os.environ,
            "BEDFLOW_DATABASE_URL": url,
            "BEDFLOW_DATA_DIR": str(data),
            "BEDFLOW_SECRET_KEY": SECRET,
            "BEDFLOW_BROKER_URL": BROKER,
            "BEDFLOW_QUEUE_PREFIX": prefix,
            **env,
        }
        engine = make_engine(url)
        app = make_celery(BROKER, queue_prefix=prefix)
        cluster = Cluster(engine, prefix, environ, {}, data, app)
        try:
            yield cluster
        finally:
            for process in cluster.workers.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
            for process in cluster.workers.values():
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            app.close()
            engine.dispose()
            _forget(prefix)


def _forget(prefix: str) -> None:
    """Remove the run's keys from the shared Redis (a killed worker's unacknowledged task
    would stay there for ever: no worker of this prefix is left to restore it)."""
    client = redis.Redis.from_url(BROKER)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()
