"""The job runner's persistence: claiming jobs atomically, events, cancel requests, recovery.

A job is claimed by one conditional UPDATE (``WHERE status = 'queued'``, or a ``running`` job
whose heartbeat went stale): whichever worker's UPDATE changes the row owns it, on SQLite and
PostgreSQL alike, so two workers never run the same attempt.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from bedflow.db._accounts import User
from bedflow.db._base import utcnow
from bedflow.db._beds import Job, JobEvent
from bedflow.db._types import FINISHED, JobStatus
from bedflow.db.crud._access import visible_jobs_query
from bedflow.db.crud._recovery import record_end, requeue_stale_jobs

__all__ = [
    "NewEvent",
    "add_job_events",
    "claim_job",
    "finish_job",
    "heartbeat",
    "job_cancel_requested",
    "list_job_events",
    "list_user_events",
    "request_cancel",
    "requeue_job",
]


@dataclass(frozen=True)
class NewEvent:
    """An event to record: ``kind`` log/status/stage_complete/complete."""

    kind: str
    stage: str = ""
    level: str = "INFO"
    message: str = ""
    progress: float = 0.0
    status: str = ""


def claim_job(
    session: Session,
    *,
    worker: str,
    job_id: uuid.UUID | None = None,
    types: Sequence[str] | None = None,
    stale_before: datetime | None = None,
) -> Job | None:
    """Take a queued job (the oldest, or ``job_id``) for ``worker``: it becomes running.

    With ``stale_before``, a ``running`` job whose heartbeat is older is taken over too (its
    worker died). None when there was nothing to claim or another worker was first.
    """
    now = utcnow()
    claimable: ColumnElement[bool] = and_(
        Job.status == "queued", or_(Job.run_after.is_(None), Job.run_after <= now)
    )
    if stale_before is not None:
        claimable = or_(
            claimable,
            and_(
                Job.status == "running",
                or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before),
            ),
        )
    target: ColumnElement[bool]
    if job_id is None:
        pick = select(Job.id).where(claimable).order_by(Job.created_at, Job.id).limit(1)
        if types:
            pick = pick.where(Job.type.in_(list(types)))
        if session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        target = Job.id == pick.scalar_subquery()
    else:
        target = Job.id == job_id
    # One statement, a write from its start: SQLite takes its write lock (waiting its busy
    # timeout) instead of failing to upgrade a read snapshot that another writer made stale.
    claimed = session.scalar(
        update(Job)
        .where(target, claimable)
        .values(
            status="running",
            worker=worker[:255],
            attempts=Job.attempts + 1,
            started_at=func.coalesce(Job.started_at, now),
            heartbeat_at=now,
            run_after=None,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if claimed is None:
        return None
    job_id = claimed
    job = session.get(Job, job_id, populate_existing=True)
    session.commit()  # end the read: an open SQLite snapshot would hide later writes
    return job


def _owned(job_id: uuid.UUID, worker: str | None) -> ColumnElement[bool]:
    """The row of ``job_id``, and only while ``worker`` (when given) holds it."""
    if worker is None:
        return Job.id == job_id
    return and_(Job.id == job_id, Job.worker == worker[:255])


def heartbeat(
    session: Session,
    *,
    job_id: uuid.UUID,
    progress: int | None = None,
    stage: str | None = None,
    worker: str | None = None,
) -> bool:
    """Record that the job's worker is alive (and its progress); False when no longer running.

    With ``worker``, only that worker's claim is refreshed: False tells a worker whose job was
    taken over (its heartbeat had gone stale) that the job is no longer its own.
    """
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if progress is not None:
        values["progress"] = max(0, min(100, progress))
    if stage is not None:
        values["stage"] = stage[:64]
    changed = session.execute(
        update(Job)
        .where(_owned(job_id, worker), Job.status == "running")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(changed, "rowcount", 0))


def job_cancel_requested(session: Session, *, job_id: uuid.UUID, worker: str | None = None) -> bool:
    """Whether the job was asked to stop (or is no longer running, or no longer ``worker``'s)."""
    row = session.execute(
        select(Job.cancel_requested, Job.status, Job.worker).where(Job.id == job_id)
    ).first()
    session.rollback()  # end the read transaction: the next poll must see fresh data
    if row is None or bool(row[0]) or row[1] != "running":
        return True
    return worker is not None and row[2] != worker[:255]


def request_cancel(session: Session, *, job: Job, stale_before: datetime | None = None) -> Job:
    """Cancel a queued job at once; ask a running one to stop (its worker ends it cancelled).

    With ``stale_before``, a running job whose heartbeat is older (its worker is gone, none
    will end it) is ended cancelled at once too.
    """
    ended = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == "queued")
        .values(status="cancelled", cancel_requested=True, finished_at=utcnow())
        .returning(Job.stage, Job.progress)
        .execution_options(synchronize_session=False)
    ).first()
    if ended is not None:
        stage, progress = ended
        record_end(session, job_id=job.id, status="cancelled", stage=stage, progress=progress)
    session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == "running")
        .values(cancel_requested=True)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if stale_before is not None:
        requeue_stale_jobs(session, stale_before=stale_before, job_ids=[job.id])
    session.refresh(job)
    return job


def finish_job(
    session: Session,
    *,
    job_id: uuid.UUID,
    status: JobStatus,
    error: str | None = None,
    simulation_id: uuid.UUID | None = None,
    worker: str | None = None,
) -> bool:
    """End a running job as succeeded, failed or cancelled (no-op when it is finished).

    With ``worker``, only while that worker holds the job. True when this call ended it.
    """
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "heartbeat_at": utcnow()}
    if status == "succeeded":
        values["progress"] = 100
    if error is not None:
        values["error"] = error[:10_000]
    if simulation_id is not None:
        values["simulation_id"] = simulation_id
    changed = session.execute(
        update(Job)
        .where(_owned(job_id, worker), Job.status.not_in(FINISHED))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(changed, "rowcount", 0))


def requeue_job(
    session: Session,
    *,
    job_id: uuid.UUID,
    delay_s: float,
    error: str,
    worker: str | None = None,
) -> bool:
    """Put a running job back in the queue after a transient error, not before ``delay_s``."""
    changed = session.execute(
        update(Job)
        .where(_owned(job_id, worker), Job.status == "running")
        .values(
            status="queued",
            worker=None,
            error=error[:10_000],
            run_after=utcnow() + timedelta(seconds=delay_s),
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(getattr(changed, "rowcount", 0))


def add_job_events(session: Session, *, job_id: uuid.UUID, events: Sequence[NewEvent]) -> int:
    """Append events to the job's log in order; returns the last sequence number."""
    last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)) or 0
    # End the read before writing (SQLite cannot upgrade a stale snapshot); one worker writes
    # a job's events at a time, so the sequence stays gapless.
    session.rollback()
    now = utcnow()
    for i, event in enumerate(events, start=last + 1):
        session.add(
            JobEvent(
                job_id=job_id,
                seq=i,
                kind=event.kind[:16],
                stage=event.stage[:64],
                level=event.level[:8],
                message=event.message,
                progress=event.progress,
                status=event.status[:16],
                created_at=now,
            )
        )
    session.commit()
    return last + len(events)


def list_job_events(
    session: Session, *, job_id: uuid.UUID, after: int = 0, limit: int = 100
) -> list[JobEvent]:
    """The job's events with ``seq`` after ``after``, oldest first."""
    stmt = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def list_user_events(
    session: Session, *, user: User, after_id: int = 0, limit: int = 500
) -> list[JobEvent]:
    """Events of the jobs ``user`` may see, with ``id`` after ``after_id``, in id order."""
    jobs = visible_jobs_query(user).with_only_columns(Job.id)
    stmt = (
        select(JobEvent)
        .where(JobEvent.id > after_id, JobEvent.job_id.in_(jobs))
        .order_by(JobEvent.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))
