"""Bed files: the object is written first, the row after, and neither outlives the other."""

from __future__ import annotations

import logging
import re
import uuid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import NotFoundError, RequestError
from bedflow.db._accounts import User
from bedflow.db._beds import Bed, BedFile
from bedflow.db._types import FILE_KINDS, FileKind
from bedflow.db.crud._access import visible_files_query
from bedflow.storage import Readable, Storage, StoredObject, make_key

__all__ = [
    "delete_file",
    "display_filename",
    "get_file",
    "list_files",
    "put_file_object",
    "record_file",
    "store_file",
]

log = logging.getLogger(__name__)

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def display_filename(name: str) -> str:
    """A client's file name made safe to show: last path part, no control characters."""
    base = re.split(r"[/\\]", name)[-1]
    return _UNPRINTABLE.sub("", base).strip()[:255]


def store_file(
    session: Session,
    *,
    storage: Storage,
    bed: Bed,
    upload: Readable,
    kind: FileKind,
    filename: str = "",
    content_type: str = "application/octet-stream",
    max_bytes: int | None = None,
) -> BedFile:
    """Stream ``upload`` into the store under a server-built key, then record it.

    A failed upload (too large, store error) writes no row; a failed row write removes the
    object. ``filename`` is only kept for display.

    >>> store_file(session, storage=store, bed=bed, upload=f, kind="stl")  # doctest: +SKIP
    """
    stored = put_file_object(
        storage,
        bed_id=bed.id,
        upload=upload,
        kind=kind,
        content_type=content_type,
        max_bytes=max_bytes,
    )
    return record_file(
        session,
        storage=storage,
        bed_id=bed.id,
        stored=stored,
        kind=kind,
        filename=filename,
        content_type=content_type,
    )


def put_file_object(
    storage: Storage,
    *,
    bed_id: uuid.UUID,
    upload: Readable,
    kind: FileKind,
    content_type: str = "application/octet-stream",
    max_bytes: int | None = None,
) -> StoredObject:
    """The first half of :func:`store_file`: stream ``upload`` into the store (no database);
    follow with :func:`record_file`, which removes the object when the row cannot be written."""
    if kind not in FILE_KINDS:
        raise RequestError(f"unknown file kind {kind!r}; use one of {', '.join(FILE_KINDS)}")
    key = make_key(bed_id=bed_id, kind=kind)
    return storage.put_stream(key, upload, content_type=content_type, max_bytes=max_bytes)


def record_file(
    session: Session,
    *,
    storage: Storage,
    bed_id: uuid.UUID,
    stored: StoredObject,
    kind: FileKind,
    filename: str = "",
    content_type: str = "application/octet-stream",
) -> BedFile:
    """The second half of :func:`store_file`: the row of an object already stored.

    A failed write removes the object; a bed deleted meanwhile answers NotFoundError."""
    row = BedFile(
        bed_id=bed_id,
        kind=kind,
        filename=display_filename(filename),
        object_key=stored.key,
        size=stored.size,
        sha256=stored.sha256,
        content_type=content_type[:255],
    )
    try:
        session.add(row)
        session.commit()
    except BaseException as exc:
        session.rollback()
        _delete_quietly(storage, stored.key)
        if isinstance(exc, IntegrityError) and session.get(Bed, bed_id) is None:
            raise NotFoundError("bed not found") from exc
        raise
    return row


def _delete_quietly(storage: Storage, key: str) -> None:
    try:
        storage.delete(key)
    except Exception:
        log.exception("could not remove object %s after a failed database write", key)


def get_file(session: Session, *, user: User, file_id: uuid.UUID) -> BedFile | None:
    """The file if ``user`` may see its bed, else None."""
    return session.scalar(visible_files_query(user).where(BedFile.id == file_id))


def list_files(session: Session, *, user: User, bed_id: uuid.UUID) -> list[BedFile]:
    """The files of a bed ``user`` may see, oldest first."""
    stmt = visible_files_query(user).where(BedFile.bed_id == bed_id)
    return list(session.scalars(stmt.order_by(BedFile.created_at, BedFile.id)))


def delete_file(session: Session, *, file: BedFile, storage: Storage) -> None:
    """Delete the row, then the object (a left-over object is logged, never a dangling row)."""
    key = file.object_key
    session.delete(file)
    session.commit()
    _delete_quietly(storage, key)
