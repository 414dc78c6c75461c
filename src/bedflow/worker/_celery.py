"""The Celery back end: the same :func:`execute_job` inside a task, safe under redelivery.

Late acknowledgement and ``reject_on_worker_lost`` give a job whose worker died to another
worker; the task claims the row first (a finished job is skipped, a running one whose
heartbeat is fresh is retried later, a stale one is taken over), and artifacts are stored
under keys derived from their stage keys, so a second run writes nothing twice. Every
worker's main process takes back the jobs of lost workers (see ``_takeover``); beat only
schedules cleanup.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from functools import lru_cache
from typing import Any

import redis
from celery import Celery, Task  # type: ignore[import-untyped]
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import Job, crud, make_engine, make_sessionmaker, utcnow
from bedflow.settings import Settings, get_settings
from bedflow.storage import Storage, StoreStageCache, get_stage_cache, get_storage
from bedflow.worker import _maintenance
from bedflow.worker._execute import EventPublisher, backoff_s, execute_job
from bedflow.worker._pool import worker_name
from bedflow.worker._queues import events_channel
from bedflow.worker._takeover import RUN_JOB, JobRequest, LostJobSweep, send_job

__all__ = ["CeleryDispatcher", "make_celery", "send_job", "stale_after"]

log = logging.getLogger(__name__)


def stale_after() -> timedelta:
    """A running job whose heartbeat is older than this lost its worker."""
    return timedelta(seconds=_context()[0].job_stale_seconds)


def make_celery(broker_url: str, *, queue_prefix: str = "", visibility: int = 3600) -> Celery:
    """The Celery app on ``broker_url``: acks late, one task at a time, queues pack and cfd.

    ``queue_prefix`` keeps installations (or test sessions) sharing a Redis apart: it starts
    every Redis key and channel of Celery's, not only the queues' (queue ``cfd`` is still the
    list ``<prefix>cfd``, as when the prefix was part of the queue names, so tasks queued
    before an upgrade are still found); ``visibility`` is when Redis redelivers a task whose
    worker died without acknowledging.
    """
    app = Celery("bedflow", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="cfd",
        task_routes={RUN_JOB: {"queue": "cfd"}},
        broker_transport_options={
            # Every key and channel Celery uses in Redis, not only the queues: remote control
            # addresses a worker by its node name, which installations may share, and the
            # unacknowledged tasks are one hash each installation restores after its own
            # visibility timeout. (Unprefixed, another installation's add_consumer reached this
            # one's "idle@host", which took that installation's tasks, found no such job in its
            # database and acknowledged them: their jobs stayed queued.)
            "global_keyprefix": queue_prefix,
            "visibility_timeout": visibility,
            # Sweep for tasks of dead workers every few seconds (kombu's default, 10 x 10 s,
            # would leave a killed worker's job waiting well past the visibility timeout).
            "unacked_restore_interval": max(1, min(10, visibility // 5)),
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "remove-orphan-objects": {"task": "bedflow.remove_orphan_objects", "schedule": 3600.0},
            "remove-expired-tokens": {"task": "bedflow.remove_expired_tokens", "schedule": 3600.0},
            # Commits sweep too; this bounds the cache's age when nothing is committed.
            "sweep-stage-cache": {"task": "bedflow.sweep_stage_cache", "schedule": 3600.0},
        },
    )
    app.steps["worker"].add(LostJobSweep)
    _register_tasks(app)
    return app


@lru_cache(maxsize=1)
def _context() -> tuple[Settings, sessionmaker[Session], Storage]:
    settings = get_settings()
    return settings, make_sessionmaker(make_engine(settings.database_url)), get_storage(settings)


@lru_cache(maxsize=1)
def _publisher() -> EventPublisher:
    """Announce new event rows on Redis (the rows stay the source of truth)."""
    settings = _context()[0]
    client = redis.Redis.from_url(settings.broker_url or "")
    channel = events_channel(settings)

    def publish(job_id: uuid.UUID, events: list[dict[str, Any]]) -> None:
        try:
            client.publish(channel, str(job_id))
        except redis.RedisError:
            log.warning("could not announce events of job %s; clients poll instead", job_id)

    return publish


CLAIM_RETRY_MAX_S = 30.0
"""Longest wait between two attempts to claim a job while the database does not answer."""


def run_job(task: Task, job_id: str) -> str:
    """The task body: claim the row, then the job runs exactly as in the embedded pool."""
    settings, sessions, storage = _context()
    name = worker_name("celery")
    try:
        with sessions() as session:
            job = crud.claim_job(
                session,
                worker=name,
                job_id=uuid.UUID(job_id),
                stale_before=utcnow() - stale_after(),
            )
            running = False
            if job is None:
                row = session.get(Job, uuid.UUID(job_id))
                running = row is not None and row.status == "running"
                session.rollback()
    except OperationalError as exc:
        # The database is away (a failover, a restart) and the job still queued: a task that
        # ended here would be acknowledged and the job left queued with no task to run it.
        wait_s = min(CLAIM_RETRY_MAX_S, 2.0 * (task.request.retries + 1))
        log.warning("job %s: database unavailable, claiming again in %.0f s", job_id, wait_s)
        raise task.retry(countdown=wait_s, max_retries=None) from exc
    if job is None:
        if running:
            # Redelivered while its first worker may still live: look again once it could
            # have gone stale; a live worker keeps the heartbeat fresh and this ends as skipped.
            raise task.retry(countdown=stale_after().total_seconds(), max_retries=None)
        return "skipped"
    outcome = execute_job(
        job.id,
        session_factory=sessions,
        storage=storage,
        settings=settings,
        publish=_publisher(),
    )
    if outcome == "retry":
        send_job(task.app, job.id, job.type, countdown=backoff_s(job.attempts))
    return outcome


def _remove_orphans_task() -> int:
    """Beat: remove objects no bed file refers to."""
    _, sessions, storage = _context()
    with sessions() as session:
        return len(_maintenance.remove_orphan_objects(session, storage=storage))


def _remove_tokens_task() -> int:
    """Beat: remove expired and revoked personal tokens."""
    _, sessions, _ = _context()
    with sessions() as session:
        return _maintenance.remove_expired_tokens(session)


def _sweep_stage_cache_task() -> int:
    """Beat: remove the shared stage cache's entries past its age or size limits."""
    settings, _, storage = _context()
    cache = get_stage_cache(settings, storage)
    return len(cache.evict()) if isinstance(cache, StoreStageCache) else 0


def _register_tasks(app: Celery) -> None:
    app.task(
        name=RUN_JOB, bind=True, acks_late=True, reject_on_worker_lost=True, Request=JobRequest
    )(run_job)
    app.task(name="bedflow.remove_orphan_objects")(_remove_orphans_task)
    app.task(name="bedflow.remove_expired_tokens")(_remove_tokens_task)
    app.task(name="bedflow.sweep_stage_cache")(_sweep_stage_cache_task)


class CeleryDispatcher:
    """Sends each submitted job to its Celery queue; the workers run elsewhere."""

    def __init__(self, settings: Settings) -> None:
        assert settings.broker_url
        self.app = make_celery(
            settings.broker_url,
            queue_prefix=settings.queue_prefix,
            visibility=settings.celery_visibility_timeout,
        )

    def start(self) -> None:
        """Nothing to start: ``bedflow worker`` runs the workers."""

    def submit(self, job: Job) -> None:
        send_job(self.app, job.id, job.type)

    def stop(self) -> None:
        self.app.close()
