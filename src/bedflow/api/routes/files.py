"""Files of a bed: streamed upload, list, streamed download, delete."""

from __future__ import annotations

import itertools
from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from bedflow.api._download import content_disposition, safe_media_type
from bedflow.api._upload import UPLOAD_OPENAPI, open_upload
from bedflow.api.deps import (
    CurrentUser,
    OwnedBed,
    OwnedFile,
    SessionDep,
    SettingsDep,
    StorageDep,
    WritableBed,
    WritableFile,
    write_limited,
)
from bedflow.api.schemas import ErrorBody, FilePublic, FilesPublic
from bedflow.db import FileKind, crud

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
    kind: FileKind = "other",
) -> FilePublic:
    """Upload a file to a bed (multipart, part ``file``), streamed to the object store.

    ``curl -F file=@bed.stl '.../api/v1/beds/{id}/files?kind=stl'``. The client's file name
    is kept for display only; the object's key is built by the server.
    """
    upload = await open_upload(request)
    row = await anyio.to_thread.run_sync(
        partial(
            crud.store_file,
            session,
            storage=storage,
            bed=bed,
            upload=upload,
            kind=kind,
            filename=upload.filename,
            content_type=safe_media_type(upload.content_type),
            max_bytes=settings.max_upload_bytes,
        )
    )
    await anyio.to_thread.run_sync(
        partial(
            crud.record_activity,
            session,
            user=user,
            action="file.upload",
            subject_type="file",
            subject_id=row.id,
            detail={"bed_id": str(bed.id), "size": row.size},
        )
    )
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
def download_file(file: OwnedFile, storage: StorageDep) -> StreamingResponse:
    """The file's bytes, streamed, with its content type, length and a safe file name."""
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
