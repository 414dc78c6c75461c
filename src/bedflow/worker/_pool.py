"""The embedded back end: worker processes that claim queued jobs from the database.

No broker: the database is the queue. ``bedflow serve`` starts a :class:`WorkerPool` in the
app's lifespan when ``BEDFLOW_BROKER_URL`` is unset; a submit wakes a worker through a
process-shared queue, and workers also poll, so jobs written by another API process or left
queued before a restart run too.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.synchronize
import os
import queue
import socket
import time
import uuid
from datetime import timedelta
from multiprocessing.context import SpawnProcess

from sqlalchemy import select

from bedflow.db import Job, crud, make_engine, make_sessionmaker
from bedflow.db._base import utcnow
from bedflow.settings import Settings
from bedflow.storage import get_storage

__all__ = ["WorkerPool", "recover_jobs", "worker_name"]

log = logging.getLogger(__name__)

POLL_S = 0.5
"""An idle worker looks for queued jobs at least this often."""
STALE_AFTER = timedelta(minutes=2)
"""A running job whose heartbeat is older than this lost its worker."""


def worker_name(role: str = "embedded") -> str:
    """``host:pid:role``: recovery tells a dead local worker from a live one by it."""
    return f"{socket.gethostname()}:{os.getpid()}:{role}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_jobs(settings: Settings) -> list[uuid.UUID]:
    """Requeue jobs left running by dead workers: this host's dead processes, stale heartbeats.

    Run when a pool starts; a requeued job is retried (it counts an attempt when claimed).
    """
    engine = make_engine(settings.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            host = socket.gethostname()
            workers = session.scalars(
                select(Job.worker).where(Job.status == "running", Job.worker.is_not(None))
            ).all()
            session.rollback()
            dead = []
            for name in set(workers):
                parts = (name or "").split(":")
                local = len(parts) == 3 and parts[0] == host and parts[1].isdigit()
                if local and not _pid_alive(int(parts[1])):
                    dead.append(name or "")
            ids = crud.requeue_stale_jobs(
                session, stale_before=utcnow() - STALE_AFTER, dead_workers=dead
            )
    finally:
        engine.dispose()
    if ids:
        log.warning("requeued %d job(s) left running by a dead worker", len(ids))
    return ids


def _worker_main(
    settings: Settings,
    wake: multiprocessing.Queue[int],
    stop: multiprocessing.synchronize.Event,
    poll_s: float,
    parent: int,
) -> None:
    """One worker process: claim, execute, repeat until ``stop`` or until the process that
    started it (``parent``, a pid) is gone: a server killed without its shutdown (SIGKILL,
    the OOM killer) cannot set ``stop``, and its workers must not live on as orphans."""
    from bedflow.worker._execute import execute_job  # numerics load in workers, not the API

    logging.basicConfig(level=logging.INFO)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    storage = get_storage(settings)
    name = worker_name()
    log.info("embedded worker %s started", name)
    try:
        while not stop.is_set():
            if os.getppid() != parent:
                log.warning("embedded worker %s stops: its server process %d is gone", name, parent)
                break
            with sessions() as session:
                job = crud.claim_job(session, worker=name)
            if job is None:
                with contextlib.suppress(queue.Empty):
                    wake.get(timeout=poll_s)
                continue
            log.info("worker %s runs job %s", name, job.id)
            execute_job(job.id, session_factory=sessions, storage=storage, settings=settings)
    finally:
        engine.dispose()


class WorkerPool:
    """``size`` worker processes (spawned, not forked: no inherited connections or threads).

    >>> pool = WorkerPool(settings, size=2); pool.start()  # doctest: +SKIP
    >>> pool.notify()  # a job was queued  # doctest: +SKIP
    >>> pool.stop()  # doctest: +SKIP
    """

    def __init__(self, settings: Settings, *, size: int = 1, poll_s: float = POLL_S) -> None:
        self.settings = settings
        self.size = size
        self.poll_s = poll_s
        self._ctx = multiprocessing.get_context("spawn")
        self._wake: multiprocessing.Queue[int] = self._ctx.Queue()
        self._stop = self._ctx.Event()
        self.processes: list[SpawnProcess] = []

    def start(self) -> None:
        """Requeue what dead workers left, then start the processes."""
        recover_jobs(self.settings)
        for i in range(self.size):
            process = self._ctx.Process(
                target=_worker_main,
                args=(self.settings, self._wake, self._stop, self.poll_s, os.getpid()),
                name=f"bedflow-worker-{i}",
                daemon=True,
            )
            process.start()
            self.processes.append(process)

    def notify(self) -> None:
        """Wake an idle worker: a job was queued."""
        self._wake.put_nowait(1)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the workers: idle ones exit, busy ones are killed after ``timeout``; their
        jobs stay ``running`` and are requeued by the next start (they survive a restart)."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        self.processes.clear()
        self._wake.close()
