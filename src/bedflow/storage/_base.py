"""The storage interface, object keys built by the server, and the streaming copy."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from bedflow._exceptions import ObjectKeyError, UploadTooLargeError

__all__ = [
    "CHUNK_SIZE",
    "Readable",
    "Storage",
    "StoredObject",
    "copy_stream",
    "make_key",
    "validate_key",
]

CHUNK_SIZE = 1024 * 1024
"""Bytes read or written at a time: memory use stays at a few chunks whatever the file size."""

MAX_KEY_LENGTH = 1024
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")

KIND_EXTENSIONS = {"foam": "tar.gz", "other": "bin"}
"""File extension of each file kind where it differs from the kind's name."""


class Readable(Protocol):
    """Anything with ``read(n) -> bytes``: an open file, a spooled upload, a socket reader."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class StoredObject:
    """An object written to the store: its key, size (bytes) and sha256 (hex)."""

    key: str
    size: int
    sha256: str


class Storage(Protocol):
    """An object store: streamed writes and reads under validated keys."""

    def put_stream(
        self,
        key: str,
        fileobj: Readable,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Write ``fileobj`` to ``key`` chunk by chunk; past ``max_bytes`` nothing is kept."""
        ...

    def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes, chunk by chunk; NotFoundError when there is none."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes; NotFoundError when there is none."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing one that is not there is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys that start with ``prefix``, sorted."""
        ...


def validate_key(key: str, *, prefix: bool = False) -> str:
    """``key`` if it is a safe relative key (``beds/<id>/<name>.stl``), else ObjectKeyError.

    Refused: empty, absolute, ``..``/``.``/hidden segments, backslashes, NUL and other
    characters outside ``[A-Za-z0-9._-]``. With ``prefix``, empty and a trailing ``/`` are fine.
    """
    if not isinstance(key, str):
        raise ObjectKeyError(f"object key must be a string, not {type(key).__name__}")
    if prefix and key in ("", "/"):
        return ""
    body = key[:-1] if prefix and key.endswith("/") else key
    if not body or len(key) > MAX_KEY_LENGTH:
        raise ObjectKeyError(f"object key must have 1 to {MAX_KEY_LENGTH} characters")
    for segment in body.split("/"):
        if not _SEGMENT.fullmatch(segment):
            raise ObjectKeyError(f"unsafe object key {key!r}: bad segment {segment!r}")
    return key


def make_key(*, bed_id: uuid.UUID, kind: str) -> str:
    """A fresh key for a file of ``kind`` of bed ``bed_id``, built by the server only.

    >>> make_key(bed_id=uuid.UUID(int=1), kind="stl")  # doctest: +ELLIPSIS
    'beds/00000000-0000-0000-0000-000000000001/....stl'
    """
    ext = KIND_EXTENSIONS.get(kind, kind)
    return validate_key(f"beds/{bed_id}/{uuid.uuid4().hex}.{ext}")


def copy_stream(
    source: Readable,
    write: Callable[[bytes], object],
    *,
    max_bytes: int | None,
    chunk_size: int = CHUNK_SIZE,
) -> tuple[int, str]:
    """Copy ``source`` to ``write`` chunk by chunk; returns (size, sha256 hex).

    Raises UploadTooLargeError as soon as more than ``max_bytes`` have been read; the caller
    removes what was written.
    """
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(chunk_size):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise UploadTooLargeError(max_bytes)
        digest.update(chunk)
        write(chunk)
    return size, digest.hexdigest()
