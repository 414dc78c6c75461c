"""Files of a bed: streamed upload, list, streamed download, delete."""

from __future__ import annotations

import itertools
from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from bedflow.api._download import content_disposition, safe_media_type
from bedflow.api._upload import UPLOAD_OPENAPI, open_upload
from bedflow.api.deps import (
    CurrentUser,
    OwnedBed,
    OwnedFile,
    SessionDep,
    SettingsDep,
    StateDep,
    StorageDep,
    WritableBed,
    WritableFile,
    gated_session,
    release_session,
    write_limited,
)
from bedflow.api.schemas import ErrorBody, FilePublic, FilesPublic
from bedflow.db import BedFile, FileKind, crud

router = APIRouter(
    tags=["files"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


@router.post(
    "/beds/{bed_id}/files",
    status_code=201,
    openapi_extra=UPLOAD_OPENAPI,
    responses={403: {"model": ErrorBody}, 413: {"model": ErrorBody}, 415: {"model": ErrorBody}},
)
async def upload_file(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    bed: WritableBed,
    storage: StorageDep,
    settings: SettingsDep,
    state: StateDep,
    kind: FileKind = "other",
) -> FilePublic:
    """Upload a file to a bed (multipart, part ``file``), streamed to the object store.

    ``curl -F file=@bed.stl '.../api/v1/beds/{id}/files?kind=stl'``. The client's file name
    is kept for display only; the object's key is built by the server.
    """
    upload = await open_upload(request)
    bed_id, content_type = bed.id, safe_media_type(upload.content_type)
    # The body streams into the store for as long as the client sends it: hold neither a
    # connection nor a database slot meanwhile, and take them again for the row.
    await anyio.to_thread.run_sync(release_session, session)
    stored = await anyio.to_thread.run_sync(
        partial(
            crud.put_file_object,
            storage,
            bed_id=bed_id,
            upload=upload,
            kind=kind,
            content_type=content_type,
            max_bytes=settings.max_upload_bytes,
        )
    )

    def record(again: Session) -> BedFile:  # the row and its activity: one worker-thread call
        row = crud.record_file(
            again,
            storage=storage,
            bed_id=bed_id,
            stored=stored,
            kind=kind,
            filename=upload.filename,
            content_type=content_type,
        )
        crud.record_activity(
            again,
            user=user,
            action="file.upload",
            subject_type="file",
            subject_id=row.id,
            detail={"bed_id": str(bed_id), "size": row.size},
        )
        return row

    async with gated_session(state.db_gate, state.sessions) as again:
        row = await anyio.to_thread.run_sync(record, again)
    return FilePublic.model_validate(row)


@router.get("/beds/{bed_id}/files")
def list_files(session: SessionDep, user: CurrentUser, bed: OwnedBed) -> FilesPublic:
    """The files of a bed, oldest first."""
    rows = crud.list_files(session, user=user, bed_id=bed.id)
    return FilesPublic(data=[FilePublic.model_validate(r) for r in rows], count=len(rows))


@router.get("/files/{file_id}")
def read_file(file: OwnedFile) -> FilePublic:
    """A file's metadata."""
    return FilePublic.model_validate(file)


@router.get(
    "/files/{file_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            }
        },
        503: {"model": ErrorBody},
    },
)
def download_file(session: SessionDep, file: OwnedFile, storage: StorageDep) -> StreamingResponse:
    """The file's bytes, streamed, with its content type, length and a safe file name."""
    release_session(session)  # a large file streams for minutes: no connection held meanwhile
    chunks = storage.open_stream(file.object_key)
    first = next(chunks, b"")  # a missing object or a failing store answers before streaming
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type=file.content_type,
        headers={
            "Content-Length": str(file.size),
            "Content-Disposition": content_disposition(file.filename, fallback=f"file.{file.kind}"),
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{file.sha256}"',
        },
    )


@router.delete("/files/{file_id}", status_code=204, responses={403: {"model": ErrorBody}})
def delete_file(
    session: SessionDep, user: CurrentUser, file: WritableFile, storage: StorageDep
) -> None:
    """Delete a file and its object."""
    crud.record_activity(
        session,
        user=user,
        action="file.delete",
        subject_type="file",
        subject_id=file.id,
        detail={"bed_id": str(file.bed_id)},
    )
    crud.delete_file(session, file=file, storage=storage)
