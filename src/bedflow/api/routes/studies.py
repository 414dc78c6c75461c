"""Parameter studies: one pipeline job per point of a grid of settings, tracked as a group."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from bedflow._exceptions import BedInputError
from bedflow.api._engines import check_job
from bedflow.api._errors import ApiError
from bedflow.api._exports import queue_export
from bedflow.api._jobs import lost_before
from bedflow.api.deps import CurrentUser, OwnedStudy, SessionDep, StateDep, write_limited
from bedflow.api.schemas import (
    ErrorBody,
    JobPublic,
    ResultFigures,
    StudiesPublic,
    StudyCreate,
    StudyDetail,
    StudyPoint,
    StudyPublic,
)
from bedflow.db import JobStatus, Study, User, crud
from bedflow.pipeline import JobParams, check_grid
from bedflow.worker import ExportDestination

router = APIRouter(
    prefix="/studies",
    tags=["studies"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


def _status(counts: dict[JobStatus, int]) -> JobStatus:
    pending = counts["queued"] + counts["running"]
    if pending:
        return "queued" if pending == counts["queued"] == sum(counts.values()) else "running"
    if counts["failed"]:
        return "failed"
    if counts["cancelled"]:
        return "cancelled"
    return "succeeded"


def _public(study: Study, counts: dict[JobStatus, int]) -> StudyPublic:
    return StudyPublic(
        id=study.id,
        user_id=study.user_id,
        bed_id=study.bed_id,
        name=study.name,
        grid=study.grid,
        params=JobParams.model_validate(study.params),
        created_at=study.created_at,
        points=sum(counts.values()),
        status=_status(counts),
        counts=dict(counts),
    )


def _detail(session: Session, study: Study) -> StudyDetail:
    counts = crud.study_counts(session, study_ids=[study.id])[study.id]
    table: list[StudyPoint] = []
    for job, result in crud.study_rows(session, study=study):
        params = JobParams.model_validate(job.params)
        table.append(
            StudyPoint(
                index=len(table) if params.point_index is None else params.point_index,
                parameters=params.point,
                job_id=job.id,
                status=job.status,
                progress=job.progress,
                error=job.error,
                simulation_id=job.simulation_id,
                result=ResultFigures.from_row(result) if result else None,
            )
        )
    return StudyDetail(**_public(study, counts).model_dump(), table=table)


def _may_change(session: Session, user: User, study: Study) -> bool:
    return (
        study.user_id == user.id
        or user.is_admin
        or crud.get_bed(session, user=user, bed_id=study.bed_id, write=True) is not None
    )


def _grid_error(exc: BedInputError) -> ApiError:
    first = exc.diagnostics[0] if exc.diagnostics else None
    where = f"{first.location}: " if first else ""
    return ApiError(
        422,
        f"invalid study grid: {where}{first.message if first else exc}",
        code="bed_validation",
        details=[
            {
                "where": d.filename,
                "line": d.line,
                "column": d.column,
                "message": d.message,
                "path": list(d.path),
                "source": d.source_line or "",
            }
            for d in exc.diagnostics
        ],
    )


@router.post("", status_code=202, responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}})
def create_study(
    session: SessionDep, state: StateDep, user: CurrentUser, body: StudyCreate
) -> StudyDetail:
    """Queue one pipeline job per point of the grid (every combination of its values).

    Every value, and every point, is checked on the bed's spec before anything is created;
    a wrong value answers 422 naming the setting, the value's index, line and column.
    """
    bed = crud.get_bed(session, user=user, bed_id=body.bed_id)
    if bed is None:
        raise ApiError(404, "bed not found")
    if crud.get_bed(session, user=user, bed_id=bed.id, write=True) is None:
        raise ApiError(403, "this bed is shared with you read-only")
    try:
        points = check_grid(crud.bed_spec(bed), body.grid)
    except BedInputError as exc:
        raise _grid_error(exc) from exc
    params = JobParams.model_validate(body.model_dump(include={"force", "engine", "solver"}))
    base = crud.bed_spec(bed)
    for point in points:  # every point's engine and solver: known, enabled, able
        check_job(
            session, bed, point.spec_for(base),
            engine=params.engine, solver=params.solver, simulate=True,
        )  # fmt: skip
    session.commit()  # end the request's reads: SQLite cannot upgrade a stale read to a write
    study, jobs = crud.create_study(
        session, user=user, bed=bed, name=body.name, grid=body.grid, params=params, points=points
    )
    crud.record_activity(
        session, user=user, action="study.create", subject_type="study", subject_id=study.id
    )
    if state.dispatcher is not None:
        for job in jobs:
            state.dispatcher.submit(job)
    return _detail(session, study)


@router.get("")
def list_studies(
    session: SessionDep,
    user: CurrentUser,
    bed_id: uuid.UUID | None = None,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: Literal["created_at", "-created_at", "name", "-name"] = "-created_at",
) -> StudiesPublic:
    """The studies the user started or that run on beds they see, newest first."""
    page = crud.list_studies(
        session, user=user, bed_id=bed_id, offset=offset, limit=limit, sort=sort
    )
    counts = crud.study_counts(session, study_ids=[s.id for s in page.data])
    return StudiesPublic(data=[_public(s, counts[s.id]) for s in page.data], count=page.count)


@router.get("/{study_id}")
def read_study(session: SessionDep, study: OwnedStudy) -> StudyDetail:
    """The study, its status counts and its table: per point the settings, the status and
    the result's figures (porosity, Reynolds number, pressure drop per length, the
    correlations', the ratios to them and the uncertainty)."""
    return _detail(session, study)


@router.post("/{study_id}/cancel", responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}})
def cancel_study(
    session: SessionDep, state: StateDep, user: CurrentUser, study: OwnedStudy
) -> StudyDetail:
    """Cancel the study's queued points at once and stop its running ones (at once those
    whose worker is gone)."""
    if not _may_change(session, user, study):
        raise ApiError(403, "only whoever started the study or may change its bed can cancel it")
    stale_before = lost_before(state.settings)
    if crud.cancel_study(session, study=study, stale_before=stale_before) == 0:
        raise ApiError(409, "the study has no queued or running points")
    crud.record_activity(
        session, user=user, action="study.cancel", subject_type="study", subject_id=study.id
    )
    return _detail(session, study)


@router.post(
    "/{study_id}/export",
    status_code=202,
    responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def export_study(
    session: SessionDep,
    state: StateDep,
    user: CurrentUser,
    study: OwnedStudy,
    body: ExportDestination,
) -> JobPublic:
    """Copy the study's results (``study.json``) and its bed's files to the user's own S3
    bucket, with one of their stored credentials (service ``s3``), as a job.

    The credential's secret is JSON (``access_key_id``, ``secret_access_key``, optional
    ``endpoint_url`` and ``region``); it is read by the worker only, never returned. An
    ``endpoint_url`` must be one of ``BEDFLOW_EXPORT_S3_ENDPOINTS`` (422 otherwise).
    """
    bed = crud.get_bed(session, user=user, bed_id=study.bed_id)
    if bed is None:
        raise ApiError(404, "bed not found")
    job = queue_export(
        session,
        state,
        user=user,
        bed=bed,
        destination=body,
        subject_type="study",
        subject_id=study.id,
    )
    return JobPublic.model_validate(job)
