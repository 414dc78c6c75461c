"""The embedded back end: worker processes that claim queued jobs from the database.

No broker: the database is the queue. ``bedflow serve`` starts a :class:`WorkerPool` in the
app's lifespan when ``BEDFLOW_BROKER_URL`` is unset; a submit wakes a worker through a
process-shared queue, and workers also poll, so jobs written by another API process or left
queued before a restart run too. A thread of the pool watches its processes: the job of one
that dies is handed back at once and another process takes its place; the same thread
takes back the jobs of lost workers elsewhere (stale heartbeat) every few seconds.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.synchronize
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import Job, crud, make_engine, make_sessionmaker, utcnow
from bedflow.settings import Settings
from bedflow.storage import get_storage
from bedflow.worker._liveness import heartbeat_interval_s

__all__ = ["WorkerPool", "recover_jobs", "worker_name"]

log = logging.getLogger(__name__)

POLL_S = 0.5
"""An idle worker looks for queued jobs at least this often."""
RESPAWN_S = 1.0
"""A worker process that died is replaced after this pause (no busy loop of crashes)."""


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


def _dead_local_workers(session: Session) -> list[str]:
    """Names of the workers of this host's processes that are gone but hold running jobs."""
    host = socket.gethostname()
    workers = session.scalars(
        select(Job.worker).where(Job.status == "running", Job.worker.is_not(None)).distinct()
    ).all()
    session.rollback()
    dead = []
    for name in workers:
        parts = (name or "").split(":")
        local = len(parts) == 3 and parts[0] == host and parts[1].isdigit()
        if local and not _pid_alive(int(parts[1])):
            dead.append(name or "")
    return dead


def _take_back(
    sessions: sessionmaker[Session],
    settings: Settings,
    dead: Sequence[str] = (),
    *,
    local: bool = False,
) -> list[uuid.UUID]:
    """Requeue the jobs of dead workers: ``dead``, stale ones and, with ``local``, those of
    this host's processes that are gone."""
    with sessions() as session:
        if local:
            dead = [*dead, *_dead_local_workers(session)]
        ids = crud.requeue_stale_jobs(
            session,
            stale_before=utcnow() - timedelta(seconds=settings.job_stale_seconds),
            dead_workers=dead,
        )
    if ids:
        log.warning("took back %d job(s) of a lost worker: %s", len(ids), [str(i) for i in ids])
    return ids


def recover_jobs(settings: Settings) -> list[uuid.UUID]:
    """Requeue jobs left running by dead workers: this host's dead processes, stale heartbeats.

    Run when a pool starts; a requeued job is retried (it counts an attempt when claimed).
    """
    engine = make_engine(settings.database_url)
    try:
        return _take_back(make_sessionmaker(engine), settings, local=True)
    finally:
        engine.dispose()


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
        self._closing = threading.Event()
        self._interrupt: tuple[int, int] | None = None
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        """Requeue what dead workers left, then start the processes and their watcher."""
        recover_jobs(self.settings)
        self.processes = [self._spawn(i) for i in range(self.size)]
        self._interrupt = os.pipe()
        self._watcher = threading.Thread(target=self._watch, name="bedflow-pool", daemon=True)
        self._watcher.start()

    def _spawn(self, i: int) -> SpawnProcess:
        process = self._ctx.Process(
            target=_worker_main,
            args=(self.settings, self._wake, self._stop, self.poll_s, os.getpid()),
            name=f"bedflow-worker-{i}",
            daemon=True,
        )
        process.start()
        return process

    def _watch(self) -> None:
        """Hand back the job of a process that died and start another in its place; take back
        the jobs of lost workers elsewhere every ``heartbeat_interval_s``."""
        engine = make_engine(self.settings.database_url)
        sessions = make_sessionmaker(engine)
        every = heartbeat_interval_s(self.settings)
        next_sweep = time.monotonic() + every  # start() has just swept
        assert self._interrupt is not None
        try:
            while not self._closing.is_set():
                timeout = max(0.0, next_sweep - time.monotonic())
                watched = [self._interrupt[0], *(p.sentinel for p in self.processes)]
                ready = set(wait(watched, timeout))
                if self._closing.is_set():
                    return
                dead = [i for i, p in enumerate(self.processes) if p.sentinel in ready]
                try:
                    if dead:
                        names = [_embedded_name(self.processes[i].pid) for i in dead]
                        log.warning("worker process(es) %s died", names)
                        self._requeued(_take_back(sessions, self.settings, names))
                    if time.monotonic() >= next_sweep:
                        next_sweep = time.monotonic() + every
                        self._requeued(_take_back(sessions, self.settings))
                except Exception:  # the database blinked: the stale sweep catches up
                    log.warning("taking back lost jobs failed", exc_info=True)
                for i in dead:
                    self.processes[i].join()
                    if self._closing.wait(RESPAWN_S):
                        return
                    self.processes[i] = self._spawn(i)
        finally:
            engine.dispose()

    def _requeued(self, ids: list[uuid.UUID]) -> None:
        for _ in ids:
            self.notify()

    def notify(self) -> None:
        """Wake an idle worker: a job was queued."""
        self._wake.put_nowait(1)

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the workers: idle ones exit, busy ones are killed after ``timeout`` and their
        jobs go back to the queue (they run again here after a restart, or elsewhere)."""
        self._closing.set()  # first: a worker that exits now is not replaced
        self._stop.set()
        if self._interrupt is not None:
            os.write(self._interrupt[1], b"x")
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        deadline = time.monotonic() + timeout
        killed = []
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
                killed.append(_embedded_name(process.pid))
        self.processes.clear()
        self._wake.close()
        if self._interrupt is not None:
            for fd in self._interrupt:
                os.close(fd)
            self._interrupt = None
        if killed:
            engine = make_engine(self.settings.database_url)
            try:
                _take_back(make_sessionmaker(engine), self.settings, killed)
            except Exception:  # they are taken back when the pool starts again
                log.warning("could not requeue the jobs of stopped workers", exc_info=True)
            finally:
                engine.dispose()


def _embedded_name(pid: int | None) -> str:
    """The name :func:`worker_name` gives the worker process ``pid``."""
    return f"{socket.gethostname()}:{pid}:embedded"
