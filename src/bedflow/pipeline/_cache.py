"""Artifacts of pipeline stages, kept by the key of their inputs so unchanged stages are reused.

The pipeline takes any :class:`StageCache`: stages always read and write local folders, and a
cache says where an entry's folder is (fetching it first when it lives elsewhere) and seals a
stage's fresh folder as the entry of its key. :class:`ArtifactCache`, a local folder, is the
CLI's and the embedded server's; the platform's workers share one in the object store
(``bedflow.storage.StoreStageCache``), which keeps its local copies in an ArtifactCache.

An entry of an ArtifactCache is a directory ``ROOT/STAGE/KEY/`` holding the stage's files and a
``provenance.json`` (inputs, engine and version, seed, files with sha256). Entries are written
to a temporary directory and renamed into place, so a crash never leaves a half entry that
looks complete.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from bedflow._version import __version__

__all__ = ["ArtifactCache", "CacheEntry", "StageCache", "stage_key"]

PROVENANCE = "provenance.json"


def stage_key(stage: str, inputs: Mapping[str, Any]) -> str:
    """sha256 (hex) of a stage's name and everything its output depends on."""
    text = json.dumps({"stage": stage, **inputs}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A complete entry: the local folder holding its files, and its provenance."""

    directory: Path
    provenance: dict[str, Any]


class StageCache(Protocol):
    """Where a pipeline keeps its stages' artifacts, by :func:`stage_key`."""

    def fetch(self, stage: str, key: str) -> CacheEntry | None:
        """The complete entry of ``key`` in a local folder, or None (none, or damaged)."""
        ...

    def begin(self, stage: str) -> Path:
        """A fresh local folder to write a stage's files into."""
        ...

    def commit(self, tmp: Path, stage: str, key: str, provenance: Mapping[str, Any]) -> CacheEntry:
        """Seal ``tmp`` (from :meth:`begin`) as the entry of ``key``."""
        ...

    def discard(self, tmp: Path) -> None:
        """Remove a folder from :meth:`begin` that will not be committed."""
        ...


class ArtifactCache:
    """A folder of stage outputs keyed by :func:`stage_key` (a :class:`StageCache`).

    >>> cache = ArtifactCache("~/.cache/bedflow")  # doctest: +SKIP
    >>> run_pipeline(text, cache=cache)  # doctest: +SKIP
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def directory(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def lookup(self, stage: str, key: str) -> dict[str, Any] | None:
        """The provenance of a complete entry, or None when there is none (or it is damaged)."""
        where = self.directory(stage, key)
        try:
            provenance: dict[str, Any] = json.loads((where / PROVENANCE).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        files = provenance.get("files", {})
        if not all((where / name).is_file() for name in files):
            return None
        return provenance

    def fetch(self, stage: str, key: str) -> CacheEntry | None:
        provenance = self.lookup(stage, key)
        return None if provenance is None else CacheEntry(self.directory(stage, key), provenance)

    def begin(self, stage: str) -> Path:
        """A fresh temporary directory to write a stage's files into."""
        tmp = self.root / stage / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        return tmp

    def commit(self, tmp: Path, stage: str, key: str, provenance: Mapping[str, Any]) -> CacheEntry:
        """Seal ``tmp`` as the entry for ``key``, with the full provenance written."""
        record = {
            **provenance,
            "stage": stage,
            "key": key,
            "bedflow_version": __version__,
            "created_at": datetime.now(UTC).isoformat(),
            "files": {
                p.name: {"size": p.stat().st_size, "sha256": _sha256(p)}
                for p in sorted(tmp.iterdir())
                if p.is_file()
            },
        }
        return self.place(tmp, stage, key, record)

    def place(
        self,
        tmp: Path,
        stage: str,
        key: str,
        record: Mapping[str, Any],
        *,
        replace: bool = True,
    ) -> CacheEntry:
        """Seal ``tmp`` as the entry for ``key`` with ``record`` as its provenance, as it is
        (an entry fetched from elsewhere keeps the provenance it was made with). Without
        ``replace`` a complete entry already there is kept (another process may be reading
        it) and ``tmp`` is discarded."""
        if not replace and (there := self.fetch(stage, key)) is not None:
            self.discard(tmp)
            return there
        (tmp / PROVENANCE).write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        final = self.directory(stage, key)
        try:
            _swap_in(tmp, final)  # a stale or concurrent entry: the newest complete one wins
        except OSError:  # another process placed it meanwhile
            shutil.rmtree(tmp, ignore_errors=True)
            if self.lookup(stage, key) is None:
                raise
        return CacheEntry(final, dict(record))

    def discard(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux's renameat2 with RENAME_EXCHANGE); False where the
    C library or the file system has no such call."""
    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None:
        return False
    if rename(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    if err == errno.ENOENT:
        raise FileNotFoundError(err, os.strerror(err), str(b))
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, final: Path) -> None:
    """Put the folder ``tmp`` at ``final``. A complete entry already there is exchanged with
    it in one step and then removed, so a stage reading ``final`` (another job that just
    placed the same key) never finds it missing: removing it first, as before, made such a
    reader fail with "No such file or directory". Without an exchange call the old entry is
    renamed aside first, which leaves only the moment between two renames."""
    if not final.exists():
        os.rename(tmp, final)  # fails when another process placed it meanwhile
        return
    try:
        exchanged = _exchange(tmp, final)
    except FileNotFoundError:  # the old entry went meanwhile
        os.rename(tmp, final)
        return
    if exchanged:
        shutil.rmtree(tmp, ignore_errors=True)  # the old entry, now at tmp
        return
    aside = final.with_name(f"{final.name}.old-{uuid.uuid4().hex}")
    os.rename(final, aside)
    try:
        os.rename(tmp, final)
    finally:
        shutil.rmtree(aside, ignore_errors=True)
