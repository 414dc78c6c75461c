"""A local folder as the object store (the embedded default)."""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from bedflow._exceptions import NotFoundError, ObjectKeyError
from bedflow._private import PRIVATE_DIR, PRIVATE_FILE, make_private_dirs, tighten
from bedflow.storage._base import (
    CHUNK_SIZE,
    Readable,
    StoredObject,
    copy_stream,
    validate_key,
)

__all__ = ["LocalStorage"]

log = logging.getLogger(__name__)

INCOMING = ".incoming"
"""Folder of partial uploads; keys cannot start with a dot, so it never clashes with one."""


class LocalStorage:
    """Objects as files under ``root``; a write goes to a temporary file, then is renamed.
    Folders are 0700 and files 0600: readable by the server's user only.

    >>> store = LocalStorage("/var/lib/bedflow/objects")  # doctest: +SKIP
    >>> with open("bed.stl", "rb") as f:  # doctest: +SKIP
    ...     store.put_stream("beds/1/a.stl", f, content_type="model/stl")
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        make_private_dirs(self.root)
        tighten(self.root, PRIVATE_DIR)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        path = (self.root / validate_key(key)).resolve()
        # The key rules already forbid escaping; this also catches a symlink planted inside.
        if not path.is_relative_to(self.root):
            raise ObjectKeyError(f"object key {key!r} leaves the store")
        return path

    def put_stream(
        self,
        key: str,
        fileobj: Readable,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Write ``fileobj`` to ``key`` (atomically: readers never see a partial file)."""
        target = self._path(key)
        incoming = make_private_dirs(self.root / INCOMING)
        temp = incoming / f"{uuid.uuid4().hex}.part"
        try:
            # 0600 from the start; the rename keeps it (the umask's 0644 let anyone read).
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
            with os.fdopen(fd, "wb") as out:
                size, sha256 = copy_stream(fileobj, out.write, max_bytes=max_bytes)
                out.flush()
                os.fsync(out.fileno())
            make_private_dirs(target.parent)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        log.debug("stored %s (%d bytes)", key, size)
        return StoredObject(key=key, size=size, sha256=sha256)

    def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes, chunk by chunk."""
        path = self._path(key)
        try:
            f = path.open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise NotFoundError(f"no object {key!r}") from exc
        return _chunks(f, chunk_size)

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        path = self._path(key)
        if not path.is_file():
            raise NotFoundError(f"no object {key!r}")
        return path.stat().st_size

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove the object and the folders it leaves empty."""
        path = self._path(key)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root:
            with contextlib.suppress(OSError):  # not empty (or gone): stop pruning there
                parent.rmdir()
                parent = parent.parent
                continue
            break

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with ``prefix``, sorted."""
        prefix = validate_key(prefix, prefix=True)
        base = prefix.rpartition("/")[0]
        start = self._path(base) if base else self.root
        if not start.is_dir():
            return iter(())
        keys = (
            p.relative_to(self.root).as_posix()
            for p in start.rglob("*")
            if p.is_file() and not p.relative_to(self.root).as_posix().startswith(".")
        )
        return iter(sorted(k for k in keys if k.startswith(prefix)))


def _chunks(f: BinaryIO, chunk_size: int) -> Iterator[bytes]:
    with f:
        while chunk := f.read(chunk_size):
            yield chunk
