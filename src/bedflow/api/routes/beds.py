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
from bedflow.api._exports import queue_export
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
from bedflow.api.schemas.beds import BedListQuery
from bedflow.db import Bed, User, crud
from bedflow.dsl import BedSpec, canonical_json
from bedflow.pipeline import JobParams
from bedflow.worker import ExportDestination

router = APIRouter(
    prefix="/beds",
    tags=["beds"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

SpecBody = Annotated[BedSpec, Depends(read_spec)]


def _use_project(session: Session, user: User, project_id: uuid.UUID) -> None:
    """404 when the user cannot see the project, 403 when they may not add beds to it (only
    its owner, its editors and admins may)."""
    project = crud.get_project(session, user=user, project_id=project_id)
    if project is None:
        raise ApiError(404, "project not found")
    if crud.project_role(session, user=user, project=project) not in ("admin", "owner", "editor"):
        raise ApiError(403, "only the project's owner and editors may add beds to it")


def _may_move(session: Session, user: User, bed: Bed, target: uuid.UUID | None) -> None:
    """Moving a bed into, between or out of projects changes who may read and change it: only
    its owner (or an admin) may, and only into a project where they may add beds. A project
    editor may change the bed but not carry it off into a project of their own (where they
    would keep it after being removed from this one)."""
    if bed.owner_id != user.id and not user.is_admin:
        raise ApiError(403, "only the bed's owner may move it to another project")
    if target is not None:
        _use_project(session, user, target)


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
    state: StateDep,
    query: Annotated[BedListQuery, Query()],
) -> Response:
    """The beds the user may see, filtered (lengths in m, ranges inclusive), sorted, one page.

    ``/beds?diameter_min=0.04&diameter_max=0.06&kind=sphere&sort=-particle_count&limit=20``
    """
    filters = crud.BedFilters(
        name_contains=query.q,
        project_id=query.project_id,
        owner_id=user.id if query.mine else None,
        particle_kind=query.kind,
        packing_method=query.method,
        solver=query.solver,
        spec_hash=query.spec_hash,
        diameter_min=query.diameter_min,
        diameter_max=query.diameter_max,
        height_min=query.height_min,
        height_max=query.height_max,
        particle_diameter_min=query.particle_diameter_min,
        particle_diameter_max=query.particle_diameter_max,
        count_min=query.count_min,
        count_max=query.count_max,
    )
    # Async, with the query and the rows' conversion in one worker-thread call: a sync
    # endpoint takes two (the call, then the response's validation), and under load each
    # round trip to a worker thread costs a few tenths of a millisecond of CPU. The page is
    # built and serialized once, as BedsPublic, instead of validated again as the response.
    return await run_in_threadpool(
        _list_beds,
        session,
        state,
        user,
        offset=query.offset,
        limit=query.limit,
        sort=query.sort,
        **filters,
    )


def _list_beds(
    session: Session,
    state: AppState,
    user: User,
    *,
    offset: int,
    limit: int,
    sort: str,
    **filters: Unpack[crud.BedFilters],
) -> Response:
    # Later pages of the same filters reuse the count of an earlier one (see _counts).
    key = (user.id, user.is_admin, *sorted((k, v) for k, v in filters.items() if v is not None))
    known, generation = state.counts.get(key)
    page = crud.list_bed_summaries(
        session, user=user, offset=offset, limit=limit, sort=sort, count=known, **filters
    )
    # Done with the database: closing here, in this worker thread, spares the session's
    # dependency a second worker-thread call to close it after the response.
    session.close()
    if known is None:
        state.counts.remember(key, page.count, generation)
    # Validated from plain dicts in one call: half the CPU of one model per row from its
    # attributes.
    rows = [{name: row[name] for name in _PUBLIC_FIELDS} for row in (r._mapping for r in page.data)]
    body = BedsPublic.model_validate({"data": rows, "count": page.count})
    return Response(body.model_dump_json(), media_type="application/json")


_PUBLIC_FIELDS = tuple(BedPublic.model_fields)


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
    if (body.project_id is not None and body.project_id != bed.project_id) or (
        clear and bed.project_id is not None
    ):
        _may_move(session, user, bed, body.project_id)
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


@router.post(
    "/{bed_id}/export",
    status_code=202,
    responses={403: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)
def export_bed(
    session: SessionDep, state: StateDep, user: CurrentUser, bed: OwnedBed, body: ExportDestination
) -> JobPublic:
    """Copy the bed's files and ``bed.json`` (the bed and its spec) to the user's own S3
    bucket, with one of their stored credentials (service ``s3``), as a job. Whoever may
    read the bed may export it, to their own bucket only."""
    job = queue_export(
        session, state, user=user, bed=bed, destination=body, subject_type="bed", subject_id=bed.id
    )
    return JobPublic.model_validate(job)


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
    params = JobParams.model_validate((body or JobOptions()).model_dump())
    return JobPublic.model_validate(
        submit_job(session, state, user=user, bed=bed, type=type, params=params)
    )
