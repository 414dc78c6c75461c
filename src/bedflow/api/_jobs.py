"""Submitting jobs: the row is written queued, then the back end is told (pool or Celery)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bedflow.api._state import AppState
from bedflow.db import Bed, Job, User, crud

__all__ = ["submit_job"]


def submit_job(
    session: Session,
    state: AppState,
    *,
    user: User,
    bed: Bed,
    type: str,
    params: dict[str, Any],
    max_attempts: int = 3,
) -> Job:
    """Queue a job of ``type`` on ``bed`` and hand it to the back end."""
    clean = {k: v for k, v in params.items() if v is not None}
    session.commit()  # end the request's reads: SQLite cannot upgrade a stale read to a write
    job = crud.create_job(
        session, user=user, type=type, bed=bed, params=clean, max_attempts=max_attempts
    )
    crud.record_activity(
        session, user=user, action="job.create", subject_type="job", subject_id=job.id
    )
    if state.dispatcher is not None:
        state.dispatcher.submit(job)
    return job
