"""Jobs whose worker is gone: taken back by whichever process notices first, exactly once.

Every worker (Celery's main processes, the embedded pool) sweeps for ``running`` jobs whose
heartbeat went stale or whose worker process is known to be dead, and a cancel looks at the
job it cancels. Each lost job is taken back by one conditional UPDATE that names the worker
it had and checks again that the job is still running and still lost, so of several sweepers
(or a sweeper and a cancel) exactly one changes the row, on SQLite and PostgreSQL alike. A
lost job goes back to the queue, or ends ``cancelled`` (a cancel was asked) or ``failed`` (no
attempts left) with its last event, the ``complete`` event its followers wait for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from bedflow.db._base import utcnow
from bedflow.db._beds import Job, JobEvent
from bedflow.db._types import JobStatus

__all__ = ["record_end", "requeue_stale_jobs"]


def record_end(
    session: Session, *, job_id: uuid.UUID, status: JobStatus, stage: str, progress: float,
    message: str = "", level: str = "INFO",
) -> None:  # fmt: skip
    """Add the job's ``complete`` event (not committed): the last event its followers get.

    For jobs ended by someone other than their worker (a cancel, a sweep); call it in the
    transaction whose write ended the job, so that only the one that ended it records it.
    """
    last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)) or 0
    session.add(
        JobEvent(
            job_id=job_id, seq=last + 1, kind="complete", stage=stage[:64], level=level[:8],
            message=message, progress=progress, status=status, created_at=utcnow(),
        )
    )  # fmt: skip


def _lost(stale_before: datetime | None, dead_workers: Sequence[str]) -> ColumnElement[bool] | None:
    conditions: list[ColumnElement[bool]] = []
    if stale_before is not None:
        conditions.append(or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale_before))
    if dead_workers:
        conditions.append(Job.worker.in_([w[:255] for w in dead_workers]))
    return or_(*conditions) if conditions else None


def requeue_stale_jobs(
    session: Session,
    *,
    stale_before: datetime | None = None,
    dead_workers: Sequence[str] = (),
    job_ids: Sequence[uuid.UUID] | None = None,
) -> list[uuid.UUID]:
    """Jobs left ``running`` by a dead worker go back to the queue (or end, see the module).

    A worker is dead when its name is in ``dead_workers`` or its heartbeat is older than
    ``stale_before``; ``job_ids`` limits the sweep to those jobs. Returns the ids of the jobs
    this call took back (requeued, cancelled or failed), none that another sweeper took.
    """
    lost = _lost(stale_before, dead_workers)
    if lost is None:
        return []
    candidates = select(Job.id, Job.worker).where(Job.status == "running", lost)
    if job_ids is not None:
        candidates = candidates.where(Job.id.in_(list(job_ids)))
    rows = session.execute(candidates).all()
    session.rollback()  # end the read: each take-back below begins with its write
    return [job_id for job_id, worker in rows if _take_back(session, job_id, worker, lost)]


def _take_back(
    session: Session, job_id: uuid.UUID, worker: str | None, lost: ColumnElement[bool]
) -> bool:
    """Requeue one lost job if it is still running, still ``worker``'s and still lost."""
    same_worker = Job.worker.is_(None) if worker is None else Job.worker == worker
    taken = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running", same_worker, lost)
        .values(status="queued", worker=None, run_after=None)
        .returning(Job.cancel_requested, Job.attempts, Job.max_attempts, Job.stage, Job.progress)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:  # it beat again, ended, or another sweeper took it first
        session.rollback()
        return False
    cancel, attempts, max_attempts, stage, progress = taken
    if cancel or attempts >= max_attempts:
        status: JobStatus = "cancelled" if cancel else "failed"
        values: dict[str, object] = {"status": status, "worker": worker, "finished_at": utcnow()}
        if not cancel:
            values["error"] = f"worker {worker} was lost and no attempts are left"
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        message = f"worker {worker} was lost; " + ("cancelled" if cancel else "no attempts left")
        record_end(
            session, job_id=job_id, status=status, stage=stage, progress=float(progress),
            message=message, level="WARNING",
        )  # fmt: skip
    session.commit()
    return True
