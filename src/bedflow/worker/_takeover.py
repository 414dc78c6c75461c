"""Jobs whose worker is gone, taken back from the main process of every Celery worker.

A job's process goes away in one of two ways:

- The pool process running it dies (killed, out of memory) while the worker lives: the main
  process learns at once (billiard reports ``WorkerLostError``) and :class:`JobRequest` hands
  the job back before the task's message is requeued, so the redelivered task claims it
  straight away instead of waiting for its heartbeat to go stale.
- The whole worker dies (its main process, and beat if it ran there): every worker's
  :class:`LostJobSweep` looks for running jobs whose heartbeat went stale, takes each back
  (exactly one sweeper does, see ``crud.requeue_stale_jobs``) and sends its task again. The
  dead worker's unacknowledged message, redelivered after the visibility timeout, then finds
  the job finished (or running elsewhere) and is skipped.

The main process has a database engine of its own, without a pool: it forks the pool
processes, and a forked child must never share a pooled connection with its parent.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import redis
from billiard.einfo import ExceptionWithTraceback  # type: ignore[import-untyped]
from billiard.exceptions import WorkerLostError  # type: ignore[import-untyped]
from celery import Celery, bootsteps  # type: ignore[import-untyped]
from celery.worker.request import Request  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from bedflow.db import Job, crud, make_engine, make_sessionmaker, utcnow
from bedflow.settings import get_settings
from bedflow.worker._liveness import Sweeper, heartbeat_interval_s
from bedflow.worker._queues import events_channel, queue_for

__all__ = ["RUN_JOB", "JobRequest", "LostJobSweep", "send_job", "take_back"]

log = logging.getLogger(__name__)

RUN_JOB = "bedflow.run_job"


def send_job(app: Celery, job_id: uuid.UUID, job_type: str, countdown: float = 0.0) -> None:
    """Queue the task of a job on its queue (``pack`` or ``cfd``)."""
    app.send_task(RUN_JOB, args=[str(job_id)], queue=queue_for(job_type), countdown=countdown)


@lru_cache(maxsize=1)
def _sessions() -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(get_settings().database_url, poolclass=NullPool))


def take_back(
    app: Celery | None, *, stale_before: datetime | None = None, dead_workers: Sequence[str] = ()
) -> list[uuid.UUID]:
    """Take back the jobs of dead workers (see ``crud.requeue_stale_jobs``); with ``app``, the
    task of each job put back in the queue is sent again. Returns the jobs taken back."""
    with _sessions()() as session:
        ids = crud.requeue_stale_jobs(session, stale_before=stale_before, dead_workers=dead_workers)
        if not ids:
            return []
        queued = session.execute(
            select(Job.id, Job.type).where(Job.id.in_(ids), Job.status == "queued")
        ).all()
        session.rollback()
    log.warning("took back %d job(s) of a lost worker: %s", len(ids), [str(i) for i in ids])
    if app is not None:
        for job_id, job_type in queued:
            send_job(app, job_id, job_type)
    _announce(ids)
    return ids


def _announce(ids: Sequence[uuid.UUID]) -> None:
    """Wake the API processes' event readers: a job ended here has a new ``complete`` event."""
    settings = get_settings()
    if not settings.broker_url:
        return
    client = redis.Redis.from_url(settings.broker_url)
    try:
        for job_id in ids:
            client.publish(events_channel(settings), str(job_id))
    except redis.RedisError:
        log.warning("could not announce the jobs taken back; clients poll instead")
    finally:
        client.close()


class JobRequest(Request):  # type: ignore[misc]
    """The job task's request in the main process: when the pool process running the job
    dies, the job is handed back at once, then the message is requeued as usual."""

    def on_failure(self, exc_info: Any, send_failed_event: bool = True, return_ok: bool = False):  # type: ignore[no-untyped-def]
        exc = exc_info.exception
        if isinstance(exc, ExceptionWithTraceback):
            exc = exc.exc
        lost = isinstance(exc, WorkerLostError) or (
            # billiard may report the exit itself; Celery then treats it as a lost worker
            isinstance(exc, SystemExit | KeyboardInterrupt)
            and not (self._already_cancelled or self._already_revoked)
        )
        if lost and self.worker_pid:
            name = f"{socket.gethostname()}:{self.worker_pid}:celery"  # see worker_name
            try:
                take_back(None, dead_workers=[name])
            except Exception:  # the sweep takes it back once its heartbeat is stale
                log.exception("could not hand back the job of lost process %s", name)
        return super().on_failure(exc_info, send_failed_event, return_ok)


class LostJobSweep(bootsteps.StartStopStep):  # type: ignore[misc]
    """A thread in every worker's main process that takes back the jobs of lost workers
    every ``min(5 s, BEDFLOW_JOB_STALE_SECONDS / 4)``: recovery needs no beat."""

    label = "bedflow lost-job sweep"
    requires = ("celery.worker.components:Pool",)

    def create(self, parent: Any) -> Sweeper:
        """The sweeper thread: Celery starts it with the worker and stops it on shutdown."""
        settings = get_settings()
        stale = timedelta(seconds=settings.job_stale_seconds)
        app = parent.app

        def sweep() -> None:
            take_back(app, stale_before=utcnow() - stale)

        return Sweeper(sweep, heartbeat_interval_s(settings), name="bedflow-sweep")
