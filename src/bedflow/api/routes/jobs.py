"""Jobs: start (whole pipeline or some stages), list, read, cancel, re-run, logs, and the
server-sent events of one job."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from bedflow.api._errors import ApiError
from bedflow.api._jobs import EventHub, event_hub, lost_before, submit_job
from bedflow.api._sse import job_event_stream
from bedflow.api._state import AppState
from bedflow.api.deps import (
    BearerToken,
    CurrentUser,
    OwnedJob,
    SessionDep,
    StateDep,
    recheck_interval,
    release_session,
    user_for_token,
    write_limited,
)
from bedflow.api.schemas import (
    ErrorBody,
    JobCreate,
    JobEventPublic,
    JobEventsPublic,
    JobPublic,
    JobRerun,
    JobsPublic,
)
from bedflow.api.schemas.common import Instant
from bedflow.db import Job, JobStatus, User, crud
from bedflow.pipeline import JobParams

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/jobs",
    tags=["jobs"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


def _may_change(session: Session, user: User, job: Job) -> bool:
    return (
        job.user_id == user.id
        or user.is_admin
        or (
            job.bed_id is not None
            and crud.get_bed(session, user=user, bed_id=job.bed_id, write=True) is not None
        )
    )


@router.post("", status_code=202, responses={403: {"model": ErrorBody}})
def create_job(
    session: SessionDep, state: StateDep, user: CurrentUser, body: JobCreate
) -> JobPublic:
    """Queue the pipeline on a bed (all stages, or the ones named and what they need)."""
    bed = crud.get_bed(session, user=user, bed_id=body.bed_id)
    if bed is None:
        raise ApiError(404, "bed not found")
    if crud.get_bed(session, user=user, bed_id=bed.id, write=True) is None:
        raise ApiError(403, "this bed is shared with you read-only")
    params = JobParams.model_validate(body.model_dump(exclude={"bed_id"}))
    job = submit_job(session, state, user=user, bed=bed, type="pipeline", params=params)
    return JobPublic.model_validate(job)


@router.get("")
def list_jobs(
    session: SessionDep,
    user: CurrentUser,
    status: JobStatus | None = None,
    bed_id: uuid.UUID | None = None,
    user_id: Annotated[uuid.UUID | None, Query(description="admins: jobs of this user")] = None,
    created_after: Annotated[Instant | None, Query(description="with offset: ...Z")] = None,
    created_before: Annotated[Instant | None, Query(description="with offset: ...Z")] = None,
    mine: Annotated[bool, Query(description="only the jobs I started")] = False,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: Literal["created_at", "-created_at", "status", "-status", "progress", "-progress"] = (
        "-created_at"
    ),
) -> JobsPublic:
    """The jobs the user started or that run on beds they see, newest first."""
    if user_id is not None and not user.is_admin and user_id != user.id:
        raise ApiError(403, "only an admin may list another user's jobs")
    page = crud.list_jobs(
        session,
        user=user,
        status=status,
        bed_id=bed_id,
        mine_only=mine,
        user_id=user_id,
        created_after=created_after,
        created_before=created_before,
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
def cancel_job(session: SessionDep, state: StateDep, user: CurrentUser, job: OwnedJob) -> JobPublic:
    """Stop a job: a queued one is cancelled at once; a running one is asked to stop, its
    worker stops within a second and the job ends cancelled. A running job whose worker is
    gone (no heartbeat for `BEDFLOW_JOB_STALE_SECONDS`) is cancelled at once."""
    if not _may_change(session, user, job):
        raise ApiError(403, "only whoever started the job or may change its bed can cancel it")
    if job.status not in ("queued", "running"):
        raise ApiError(409, f"the job is {job.status} already")
    crud.request_cancel(session, job=job, stale_before=lost_before(state.settings))
    crud.record_activity(
        session, user=user, action="job.cancel", subject_type="job", subject_id=job.id
    )
    return JobPublic.model_validate(job)


@router.post("/{job_id}/rerun", status_code=202, responses={403: {"model": ErrorBody}})
def rerun_job(
    session: SessionDep,
    state: StateDep,
    user: CurrentUser,
    job: OwnedJob,
    body: JobRerun | None = None,
) -> JobPublic:
    """A new job with the same parameters (``force`` may be changed)."""
    if not _may_change(session, user, job):
        raise ApiError(403, "only whoever started the job or may change its bed can re-run it")
    bed = crud.get_bed(session, user=user, bed_id=job.bed_id) if job.bed_id else None
    if bed is None:
        raise ApiError(409, "the job's bed is gone")
    params = JobParams.model_validate(job.params)
    if body is not None and body.force is not None:
        params = params.model_copy(update={"force": body.force})
    new = submit_job(
        session, state, user=user, bed=bed, type=job.type, params=params,
        max_attempts=job.max_attempts,
    )  # fmt: skip
    return JobPublic.model_validate(new)


@router.get("/{job_id}/logs")
def job_logs(
    session: SessionDep,
    job: OwnedJob,
    after: Annotated[int, Query(ge=0, le=2**31, description="the last seq already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> JobEventsPublic:
    """The job's events (log lines, status, completion) after ``after``, oldest first."""
    events = crud.list_job_events(session, job_id=job.id, after=after, limit=limit)
    return JobEventsPublic(
        data=[JobEventPublic.model_validate(e) for e in events],
        next_after=events[-1].seq if events else after,
    )


def _still_allowed(state: AppState, token: str, job_id: uuid.UUID) -> User | None:
    """The user of ``token`` if it still holds and they may still see the job, else None."""
    with state.read_sessions() as session:
        user = user_for_token(session, state, token)
        if user is None or crud.get_job(session, user=user, job_id=job_id) is None:
            return None
        return user


_SSE_EXAMPLE = (
    'id: 42\nevent: status\ndata: {"id": 42, "type": "status", "job_id": "...", '
    '"seq": 7, "stage": "pack", "progress": 35.0, ...}\n\n'
)


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A stream of server-sent events, ending after `job_complete`.",
            "content": {
                "text/event-stream": {"schema": {"type": "string"}, "example": _SSE_EXAMPLE}
            },
        }
    },
)
def job_events(
    session: SessionDep,
    state: StateDep,
    user: CurrentUser,
    job: OwnedJob,
    hub: Annotated[EventHub, Depends(event_hub)],
    token: BearerToken,
    last_event_id: Annotated[
        int | None, Query(ge=0, le=2**62, description="resume after this event id")
    ] = None,
    last_event_id_header: Annotated[
        int | None,
        Header(alias="Last-Event-ID", ge=0, le=2**62, description="as sent by EventSource"),
    ] = None,
) -> StreamingResponse:
    """The job's events as server-sent events (`text/event-stream`), a fallback for clients
    that cannot open the WebSocket: every event is `id: EVENT_ID`, `event: log`, `status` or
    `job_complete`, and `data:` the same JSON message as on the WebSocket. The stream sends
    what is stored first, then live events, and ends after `job_complete` (at once for a job
    that ended before `Last-Event-ID`). It resumes after the `Last-Event-ID` header, which
    browsers' `EventSource` sends on reconnecting, or the `last_event_id` parameter; without
    either it starts at the job's first event. Comments (`: keep-alive`) mark idle stretches.
    The token is checked again every few seconds while the stream lasts: once it is revoked,
    the password changed, the user deactivated or the job no longer visible to them, the
    stream sends `event: unauthorized` and ends.

        curl -N -H "Authorization: Bearer $TOKEN" $SERVER/api/v1/jobs/$JOB/events
    """
    release_session(session)  # the stream may last minutes: give the connection back now
    after = last_event_id_header if last_event_id_header is not None else last_event_id
    job_id = job.id

    async def recheck() -> User | None:
        try:
            return await anyio.to_thread.run_sync(_still_allowed, state, token or "", job_id)
        except Exception:  # the database blinked: keep streaming, ask again next time
            log.warning("re-checking an event stream's token failed", exc_info=True)
            return user

    stream = job_event_stream(
        hub,
        state.read_sessions,
        user=user,
        job_id=job_id,
        after=after or 0,
        recheck=recheck,
        recheck_s=recheck_interval(state),
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
