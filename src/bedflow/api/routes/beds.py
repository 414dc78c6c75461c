"""Beds: create from a spec or `.bed` text, list with filters, read, change, delete, download."""

from __future__ import annotations

import uuid
from typing import Annotated, Unpack

from fastapi import APIRouter, Depends, Query, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from bedflow.api._bodies import BED_BODY_OPENAPI, read_spec, spec_from_text
from bedflow.api._download import content_disposition
from bedflow.api._errors import ApiError
from bedflow.api._jobs import submit_job
from bedflow.api._state import AppState
from bedflow.api.deps import (
    CurrentUser,
    OwnedBed,
    SessionDep,
    StateDep,
    StorageDep,
    WritableBed,
    write_limited,
)
from bedflow.api.schemas import BedPublic, BedsPublic, BedUpdate, ErrorBody, JobOptions, JobPublic
from bedflow.api.schemas.beds import BedSort
from bedflow.db import Bed, User, crud
from bedflow.dsl import BedSpec, canonical_json

router = APIRouter(
    prefix="/beds",
    tags=["beds"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

SpecBody = Annotated[BedSpec, Depends(read_spec)]
Length = Annotated[float | None, Query(ge=0, le=1e6, allow_inf_nan=False)]
Count = Annotated[int | None, Query(ge=0, le=2**31 - 1)]
Word = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


def _use_project(session: Session, user: User, project_id: uuid.UUID) -> None:
    """404 when the user cannot see the project, 403 when they may not add beds to it."""
    project = crud.get_project(session, user=user, project_id=project_id)
    if project is None:
        raise ApiError(404, "project not found")
    if crud.project_role(session, user=user, project=project) not in ("admin", "owner", "editor"):
        raise ApiError(403, "only the project's owner and editors may add beds to it")


def _record(session: Session, user: User, action: str, bed: Bed) -> None:
    crud.record_activity(
        session,
        user=user,
        action=action,
        subject_type="bed",
        subject_id=bed.id,
        detail={"name": bed.name},
    )


@router.post("", status_code=201, openapi_extra=BED_BODY_OPENAPI)
def create_bed(
    session: SessionDep,
    user: CurrentUser,
    spec: SpecBody,
    project_id: Annotated[uuid.UUID | None, Query()] = None,
) -> BedPublic:
    """Create a bed from a BedSpec, ``{"text": ...}``, or `.bed` source sent as text/plain.

    ``curl -H 'Content-Type: text/plain' --data-binary @bed.bed .../api/v1/beds``
    """
    if project_id is not None:
        _use_project(session, user, project_id)
    bed = crud.create_bed(session, owner=user, spec=spec, project_id=project_id)
    _record(session, user, "bed.create", bed)
    return BedPublic.model_validate(bed)


@router.get("", response_model=BedsPublic)
async def list_beds(
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    sort: BedSort = "-created_at",
    q: Annotated[
        str | None, Query(max_length=200, pattern=r"^[^\x00]*$", description="name contains")
    ] = None,
    project_id: uuid.UUID | None = None,
    mine: Annotated[bool, Query(description="only the beds I own")] = False,
    kind: Word = None,
    method: Word = None,
    solver: Word = None,
    spec_hash: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    diameter_min: Length = None,
    diameter_max: Length = None,
    height_min: Length = None,
    height_max: Length = None,
    particle_diameter_min: Length = None,
    particle_diameter_max: Length = None,
    count_min: Count = None,
    count_max: Count = None,
) -> Response:
    """The beds the user may see, filtered (lengths in m, ranges inclusive), sorted, one page.

    ``/beds?diameter_min=0.04&diameter_max=0.06&kind=sphere&sort=-particle_count&limit=20``
    """
    # Async, with the query and the rows' conversion in one worker-thread call: a sync
    # endpoint takes two (the call, then the response's validation), and under load each
    # round trip to a worker thread costs a few tenths of a millisecond of CPU. The page is
    # built and serialized once, as BedsPublic, instead of validated again as the response.
    return await run_in_threadpool(
        _list_beds,
        session,
        user,
        offset=offset,
        limit=limit,
        sort=sort,
        name_contains=q,
        project_id=project_id,
        owner_id=user.id if mine else None,
        particle_kind=kind,
        packing_method=method,
        solver=solver,
        spec_hash=spec_hash,
        diameter_min=diameter_min,
        diameter_max=diameter_max,
        height_min=height_min,
        height_max=height_max,
        particle_diameter_min=particle_diameter_min,
        particle_diameter_max=particle_diameter_max,
        count_min=count_min,
        count_max=count_max,
    )


def _list_beds(
    session: Session,
    user: User,
    *,
    offset: int,
    limit: int,
    sort: str,
    **filters: Unpack[crud.BedFilters],
) -> Response:
    page = crud.list_bed_summaries(
        session, user=user, offset=offset, limit=limit, sort=sort, **filters
    )
    # Done with the database: closing here, in this worker thread, spares the session's
    # dependency a second worker-thread call to close it after the response.
    session.close()
    body = BedsPublic(
        data=[BedPublic.model_validate(row, from_attributes=True) for row in page.data],
        count=page.count,
    )
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/{bed_id}")
def read_bed(bed: OwnedBed) -> BedPublic:
    """One bed."""
    return BedPublic.model_validate(bed)


@router.put("/{bed_id}", openapi_extra=BED_BODY_OPENAPI, responses={403: {"model": ErrorBody}})
def replace_bed(
    session: SessionDep, user: CurrentUser, bed: WritableBed, spec: SpecBody
) -> BedPublic:
    """Replace the bed's spec (name and description come from the new spec)."""
    crud.update_bed(session, bed=bed, spec=spec)
    _record(session, user, "bed.replace", bed)
    return BedPublic.model_validate(bed)


@router.patch("/{bed_id}", responses={403: {"model": ErrorBody}})
def update_bed(
    session: SessionDep, user: CurrentUser, bed: WritableBed, body: BedUpdate
) -> BedPublic:
    """Rename, redescribe, move to or out of a project (``"project_id": null``), or replace
    the spec by `.bed` text; fields left out stay as they are."""
    spec = spec_from_text(body.text) if body.text is not None else None
    clear = "project_id" in body.model_fields_set and body.project_id is None
    if body.project_id is not None:
        _use_project(session, user, body.project_id)
    crud.update_bed(
        session,
        bed=bed,
        spec=spec,
        name=body.name,
        description=body.description,
        project_id=body.project_id,
        clear_project=clear,
    )
    _record(session, user, "bed.update", bed)
    return BedPublic.model_validate(bed)


@router.delete("/{bed_id}", status_code=204, responses={403: {"model": ErrorBody}})
def delete_bed(
    session: SessionDep, user: CurrentUser, bed: WritableBed, storage: StorageDep
) -> None:
    """Delete the bed with its files, simulations and results."""
    _record(session, user, "bed.delete", bed)
    crud.delete_bed(session, bed=bed, storage=storage)


@router.get(
    "/{bed_id}/text",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def download_text(bed: OwnedBed) -> Response:
    """The bed as `.bed` source in canonical form."""
    return Response(
        bed.bed_text,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": content_disposition(f"{bed.name}.bed", fallback="bed.bed")},
    )


@router.get(
    "/{bed_id}/spec",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/BedSpec"}}}}
    },
)
def download_spec(bed: OwnedBed, download: bool = False) -> Response:
    """The bed's full spec as JSON (SI units, every default filled in, keys sorted)."""
    headers = {}
    if download:
        headers["Content-Disposition"] = content_disposition(
            f"{bed.name}.json", fallback="bed.json"
        )
    return Response(
        canonical_json(crud.bed_spec(bed)), media_type="application/json", headers=headers
    )


@router.post("/{bed_id}/generate", status_code=202, responses={403: {"model": ErrorBody}})
def generate_bed(
    session: SessionDep,
    state: StateDep,
    user: CurrentUser,
    bed: WritableBed,
    body: JobOptions | None = None,
) -> JobPublic:
    """Queue packing and geometry export of the bed (a ``generate`` job)."""
    return _queue(session, state, user, bed, body, "generate")


@router.post("/{bed_id}/simulate", status_code=202, responses={403: {"model": ErrorBody}})
def simulate_bed(
    session: SessionDep,
    state: StateDep,
    user: CurrentUser,
    bed: WritableBed,
    body: JobOptions | None = None,
) -> JobPublic:
    """Queue the flow simulation of the bed (packing first when not cached)."""
    return _queue(session, state, user, bed, body, "simulate")


def _queue(
    session: Session, state: AppState, user: User, bed: Bed, body: JobOptions | None, type: str
) -> JobPublic:
    params = (body or JobOptions()).model_dump()
    return JobPublic.model_validate(
        submit_job(session, state, user=user, bed=bed, type=type, params=params)
    )
