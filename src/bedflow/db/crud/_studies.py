"""Parameter studies: a group of jobs, one per point of a grid, and their results.

A study is visible to whoever started it and to those who see its bed, like its jobs.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from bedflow.db._accounts import User
from bedflow.db._base import utcnow
from bedflow.db._beds import Bed, Job, Result, Study
from bedflow.db._types import JOB_STATUSES, JobStatus
from bedflow.db.crud._access import visible_bed_ids
from bedflow.db.crud._common import Page, paginate
from bedflow.db.crud._recovery import record_end, requeue_stale_jobs
from bedflow.pipeline import JobParams

__all__ = [
    "cancel_study",
    "create_study",
    "get_study",
    "list_studies",
    "study_counts",
    "study_rows",
    "visible_studies_query",
]


def visible_studies_query(user: User) -> Select[Study]:
    """The studies ``user`` may read: their own, and those on beds they see."""
    stmt = select(Study)
    if user.is_admin:
        return stmt
    return stmt.where(or_(Study.user_id == user.id, Study.bed_id.in_(visible_bed_ids(user))))


def create_study(
    session: Session,
    *,
    user: User,
    bed: Bed,
    name: str,
    grid: Mapping[str, Sequence[str]],
    params: JobParams | Mapping[str, Any],
    points: Sequence[JobParams | Mapping[str, str]],
    max_attempts: int = 3,
) -> tuple[Study, list[Job]]:
    """A study and its queued jobs, one per point, in one commit.

    Each job's params are the study's ``params`` (stages, force, engine, solver) with its
    point: index, settings (``{"cfd.inlet_velocity": "0.01 m/s"}``) and, from
    :func:`bedflow.pipeline.check_grid`, the values the worker applies to the bed's spec.
    A point given as a plain mapping of settings is compiled when its job runs.
    """
    options = JobParams.model_validate(params)
    study = Study(
        user_id=user.id,
        bed_id=bed.id,
        name=name,
        grid={k: list(v) for k, v in grid.items()},
        params=options.stored(),
    )
    session.add(study)
    session.flush()
    jobs = [
        Job(
            user_id=user.id,
            bed_id=bed.id,
            study_id=study.id,
            type="pipeline",
            max_attempts=max_attempts,
            params=_point(options, i, point).stored(),
        )
        for i, point in enumerate(points)
    ]
    session.add_all(jobs)
    session.commit()
    return study, jobs


def _point(options: JobParams, index: int, point: JobParams | Mapping[str, str]) -> JobParams:
    if isinstance(point, JobParams):
        return options.model_copy(
            update={"point_index": index, "point": point.point, "values": point.values}
        )
    return options.model_copy(update={"point_index": index, "point": dict(point)})


def get_study(session: Session, *, user: User, study_id: uuid.UUID) -> Study | None:
    """The study if ``user`` may see it, else None."""
    return session.scalar(visible_studies_query(user).where(Study.id == study_id))


def list_studies(
    session: Session,
    *,
    user: User,
    bed_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: str = "-created_at",
) -> Page[Study]:
    """The studies ``user`` may see, newest first."""
    stmt = visible_studies_query(user)
    if bed_id is not None:
        stmt = stmt.where(Study.bed_id == bed_id)
    sortable = {"created_at": Study.created_at, "name": Study.name}
    return paginate(
        session, stmt, offset=offset, limit=limit, sort=sort, sortable=sortable, tiebreak=Study.id
    )


def study_counts(
    session: Session, *, study_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[JobStatus, int]]:
    """How many jobs of each study are in each status (every status present)."""
    counts: dict[uuid.UUID, dict[JobStatus, int]] = {
        i: dict.fromkeys(JOB_STATUSES, 0) for i in study_ids
    }
    if not study_ids:
        return counts
    stmt = (
        select(Job.study_id, Job.status, func.count())
        .where(Job.study_id.in_(list(study_ids)))
        .group_by(Job.study_id, Job.status)
    )
    for study_id, status, n in session.execute(stmt):
        if study_id is not None:
            counts[study_id][status] = n
    return counts


def study_rows(session: Session, *, study: Study) -> list[tuple[Job, Result | None]]:
    """The study's jobs in grid order, each with its result once it succeeded."""
    stmt = (
        select(Job, Result)
        .outerjoin(Result, Result.simulation_id == Job.simulation_id)
        .where(Job.study_id == study.id)
    )
    rows: list[tuple[Job, Result | None]] = [(job, result) for job, result in session.execute(stmt)]
    rows.sort(key=lambda r: (int(r[0].params.get("point_index", 0)), r[0].created_at))
    return rows


def cancel_study(session: Session, *, study: Study, stale_before: datetime | None = None) -> int:
    """Cancel the study's queued jobs at once and ask its running ones to stop.

    With ``stale_before``, running jobs whose heartbeat is older (their worker is gone) are
    ended cancelled at once too. Returns how many jobs were cancelled or asked to stop.
    """
    queued = session.execute(
        update(Job)
        .where(Job.study_id == study.id, Job.status == "queued")
        .values(status="cancelled", cancel_requested=True, finished_at=utcnow())
        .returning(Job.id, Job.stage, Job.progress)
        .execution_options(synchronize_session=False)
    ).all()
    for job_id, stage, progress in queued:
        record_end(session, job_id=job_id, status="cancelled", stage=stage, progress=progress)
    running = session.scalars(
        update(Job)
        .where(Job.study_id == study.id, Job.status == "running")
        .values(cancel_requested=True)
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    if stale_before is not None and running:
        requeue_stale_jobs(session, stale_before=stale_before, job_ids=running)
    return len(queued) + len(running)
