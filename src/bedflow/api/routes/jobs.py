"""Jobs: list, read, cancel (the job runner, issue 6, creates and runs them)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, OwnedJob, SessionDep, write_limited
from bedflow.api.schemas import ErrorBody, JobPublic, JobsPublic
from bedflow.db import JobStatus, crud

router = APIRouter(
    prefix="/jobs",
    tags=["jobs"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


@router.get("")
def list_jobs(
    session: SessionDep,
    user: CurrentUser,
    status: JobStatus | None = None,
    bed_id: uuid.UUID | None = None,
    mine: Annotated[bool, Query(description="only the jobs I started")] = False,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: Literal["created_at", "-created_at", "status", "-status", "progress", "-progress"] = (
        "-created_at"
    ),
) -> JobsPublic:
    """The jobs the user started or that run on beds they see, newest first."""
    page = crud.list_jobs(
        session,
        user=user,
        status=status,
        bed_id=bed_id,
        mine_only=mine,
        offset=offset,
        limit=limit,
        sort=sort,
    )
    return JobsPublic(data=[JobPublic.model_validate(j) for j in page.data], count=page.count)


@router.get("/{job_id}")
def read_job(job: OwnedJob) -> JobPublic:
    """One job with its progress."""
    return JobPublic.model_validate(job)


@router.post("/{job_id}/cancel", responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def cancel_job(session: SessionDep, user: CurrentUser, job: OwnedJob) -> JobPublic:
    """Ask a queued or running job to stop: it is marked cancelled, and its worker stops at
    the next progress report."""
    may_change = (
        job.user_id == user.id
        or user.is_admin
        or (
            job.bed_id is not None
            and crud.get_bed(session, user=user, bed_id=job.bed_id, write=True) is not None
        )
    )
    if not may_change:
        raise ApiError(403, "only whoever started the job or may change its bed can cancel it")
    if job.status not in ("queued", "running"):
        raise ApiError(409, f"the job is {job.status} already")
    crud.update_job(session, job=job, status="cancelled")
    crud.record_activity(
        session, user=user, action="job.cancel", subject_type="job", subject_id=job.id
    )
    return JobPublic.model_validate(job)
