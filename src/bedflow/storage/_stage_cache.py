"""The pipeline's stage cache in the object store, shared by every worker of an installation.

Workers on different hosts would otherwise each recompute the stages the others already ran.
An entry lives under ``stage-cache/<stage>/<key>/`` (the key is the pipeline's stage key, as
in the local cache):

- ``used-<ms>-<bytes>``: an empty object whose name says when the entry was last written or
  read (milliseconds) and how many bytes it owns, so that a sweep learns both from listing
  the cache (a thousand keys per request on S3) without reading an object; written first, so
  that even a half-written entry is accounted for and ages out;
- the stage's files, named ``<sha256[:16]>-<name>`` (two workers committing the same key at
  once never overwrite each other's bytes);
- ``entry.json``, written last: the provenance and the object key of every file. Without it
  there is no entry.

Once a job has stored a stage's files as its bed's files, :meth:`StoreStageCache.adopt` points
the entry at those objects and removes the cache's own copies: one copy of each artifact. The
cache never removes an object it does not own; an entry whose adopted object is gone (its bed
was deleted) is a miss and is dropped.

Stages read and write local folders, so an entry is fetched into a local
:class:`~bedflow.pipeline.ArtifactCache` (the worker's copy) before the stage reads it.

Eviction keeps the store bounded: entries unused for ``max_age_s`` are removed, then the least
recently used ones until the cache owns at most ``max_bytes``. Each worker's local copies are
trimmed by the same rule when it sweeps (by the time its copies were last used).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from bedflow._exceptions import NotFoundError, StorageError
from bedflow.pipeline import ArtifactCache, CacheEntry
from bedflow.storage._base import Storage, validate_key

__all__ = ["PREFIX", "EvictedEntry", "StoreStageCache"]

log = logging.getLogger(__name__)

PREFIX = "stage-cache"
USED = "used-"
MANIFEST = "entry.json"
EVICT_EVERY_S = 300.0
"""A worker sweeps the cache after a commit at most this often (a sweep lists the cache)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class EvictedEntry:
    """An entry a sweep removed, and why: ``age`` or ``size``."""

    stage: str
    key: str
    reason: str


class StoreStageCache:
    """A :class:`~bedflow.pipeline.StageCache` in ``storage``, with local copies in ``local``.

    ``clock`` gives the time in seconds (``time.time``; tests pass their own).

    >>> local = ArtifactCache("/var/cache/bedflow")  # doctest: +SKIP
    >>> cache = StoreStageCache(get_storage(settings), local)  # doctest: +SKIP
    >>> run_pipeline(text, cache=cache)  # doctest: +SKIP
    """

    _last_sweeps: ClassVar[dict[str, float]] = {}
    """When this process last swept each store (a throttle: losing it costs one sweep)."""

    def __init__(
        self,
        storage: Storage,
        local: ArtifactCache,
        *,
        max_bytes: int = 10 * 1024**3,
        max_age_s: float = 30 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage, self.local = storage, local
        self.max_bytes, self.max_age_s, self.clock = max_bytes, max_age_s, clock

    def __repr__(self) -> str:
        return f"StoreStageCache({self.storage!r}, local={self.local.root})"

    # -- the StageCache protocol ---------------------------------------------------------

    def fetch(self, stage: str, key: str) -> CacheEntry | None:
        """The entry from the local copy, else from the store (copied locally first)."""
        here = self.local.fetch(stage, key)
        if here is not None:
            _mark_used(here.directory, self.clock())
            self._touch(stage, key, only_if_stored=True)
            return here
        tmp: Path | None = None
        try:
            manifest = self._manifest(stage, key)
            if manifest is None:
                return None
            record, objects = manifest["provenance"], manifest["objects"]
            tmp = self.local.begin(stage)
            for name, info in record["files"].items():
                if not _download(self.storage, objects[name], tmp / name, info["sha256"]):
                    log.warning("stage cache: %s of %s/%s is gone; dropped", name, stage, key)
                    self.local.discard(tmp)
                    self._remove(stage, key)
                    return None
        except StorageError as exc:
            # A read that failed (the store away, a body cut short) is a miss, not the job's
            # failure: the stage runs again. The entry stays; it may be whole.
            log.warning("stage cache: could not read %s/%s: %s; a miss", stage, key, exc)
            if tmp is not None:
                self.local.discard(tmp)
            return None
        except BaseException:
            if tmp is not None:
                self.local.discard(tmp)
            raise
        entry = self.local.place(tmp, stage, key, record, replace=False)
        _mark_used(entry.directory, self.clock())
        self._touch(stage, key)
        return entry

    def begin(self, stage: str) -> Path:
        return self.local.begin(stage)

    def discard(self, tmp: Path) -> None:
        self.local.discard(tmp)

    def commit(self, tmp: Path, stage: str, key: str, provenance: Mapping[str, Any]) -> CacheEntry:
        """Seal the entry locally, then share it in the store (a failure to share is logged:
        the stage's result stands, other workers recompute it)."""
        entry = self.local.commit(tmp, stage, key, provenance)
        _mark_used(entry.directory, self.clock())
        try:
            self._publish(stage, key, entry)
        except (StorageError, OSError) as exc:
            log.warning("stage cache: could not share %s/%s: %s", stage, key, exc)
            return entry
        now = self.clock()
        # Per process and store, not per cache object: a worker makes one for each job.
        last = self._last_sweeps.get(repr(self.storage))
        if last is None or now - last >= EVICT_EVERY_S:
            self._last_sweeps[repr(self.storage)] = now
            try:
                self.evict()
            except (StorageError, OSError) as exc:
                log.warning("stage cache: the sweep failed: %s", exc)
            self.trim_local(keep=entry.directory)
        return entry

    # -- sharing with the jobs' own objects ----------------------------------------------

    def adopt(self, stage: str, key: str, objects: Mapping[str, str]) -> int:
        """Point the entry's files at objects the platform stores anyway (``name``: object
        key, the same bytes) and remove the cache's own copies; returns how many it took.

        A failure of the store is logged, not raised: the job's own files are stored already,
        the cache keeps the copies it could not hand over, and it never fails a job."""
        try:
            return self._adopt(stage, key, objects)
        except StorageError as exc:
            log.warning("stage cache: could not adopt the files of %s/%s: %s", stage, key, exc)
            return 0

    def _adopt(self, stage: str, key: str, objects: Mapping[str, str]) -> int:
        manifest = self._manifest(stage, key)
        if manifest is None:
            return 0
        record, current = manifest["provenance"], dict(manifest["objects"])
        owned = _entry_prefix(stage, key)
        taken: list[str] = []
        for name, object_key in objects.items():
            info = record["files"].get(name)
            was = current.get(name)
            if info is None or was is None or not was.startswith(owned) or was == object_key:
                continue
            try:
                if self.storage.size(object_key) != info["size"]:
                    continue
            except NotFoundError:
                continue
            current[name] = object_key
            taken.append(was)
        if not taken:
            return 0
        self._write_manifest(stage, key, record, current)
        for old in taken:
            self.storage.delete(old)
        size = self._owned_bytes(stage, key, {"provenance": record, "objects": current})
        self._put_stamp(stage, key, size)
        return len(taken)

    # -- eviction ------------------------------------------------------------------------

    def evict(self) -> list[EvictedEntry]:
        """Remove the entries unused for ``max_age_s``, then the least recently used until the
        cache owns at most ``max_bytes``; returns what was removed."""
        now = self.clock()
        entries: dict[tuple[str, str], list[str]] = {}
        for object_key in self.storage.list(f"{PREFIX}/"):
            parts = object_key.split("/")
            if len(parts) >= 4:
                entries.setdefault((parts[1], parts[2]), []).append(object_key)
        removed: list[EvictedEntry] = []
        alive: list[tuple[float, int, str, str]] = []
        for (stage, key), keys in entries.items():
            used, size = _latest_stamp(keys)
            if used is None or now - used > self.max_age_s:
                self._remove(stage, key, keys)
                removed.append(EvictedEntry(stage, key, "age"))
            else:
                alive.append((used, size, stage, key))
        total = sum(size for _, size, _, _ in alive)
        for _used, size, stage, key in sorted(alive):
            if total <= self.max_bytes:
                break
            self._remove(stage, key, entries[(stage, key)])
            removed.append(EvictedEntry(stage, key, "size"))
            total -= size
        if removed:
            log.info("stage cache: removed %d entries; %d bytes kept", len(removed), total)
        return removed

    def trim_local(self, *, keep: Path | None = None) -> list[Path]:
        """Remove this worker's local copies by the same rule (age, then least recently used
        past ``max_bytes``), except ``keep``; returns the folders removed."""
        now = self.clock()
        copies: list[tuple[float, int, Path]] = []
        for folder in self.local.root.glob("*/*"):
            if folder.name.startswith(".tmp-") or folder == keep or not folder.is_dir():
                continue
            try:
                used = (folder / "provenance.json").stat().st_mtime
                size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
            except OSError:
                continue
            copies.append((used, size, folder))
        removed = [f for used, _, f in copies if now - used > self.max_age_s]
        alive = sorted(c for c in copies if c[2] not in removed)
        total = sum(size for _, size, _ in alive)
        for _, size, folder in alive:
            if total <= self.max_bytes:
                break
            removed.append(folder)
            total -= size
        for folder in removed:
            shutil.rmtree(folder, ignore_errors=True)
        return removed

    # -- the objects of an entry ---------------------------------------------------------

    def _publish(self, stage: str, key: str, entry: CacheEntry) -> None:
        record = entry.provenance
        files: Mapping[str, Mapping[str, Any]] = record["files"]
        size = sum(int(info["size"]) for info in files.values())
        self._put_stamp(stage, key, size)  # first: a half-written entry is still accounted for
        objects = {}
        for name, info in files.items():
            object_key = validate_key(
                f"{_entry_prefix(stage, key)}{info['sha256'][:16]}-{_UNSAFE.sub('_', name)}"
            )
            with (entry.directory / name).open("rb") as f:
                self.storage.put_stream(object_key, f)
            objects[name] = object_key
        self._write_manifest(stage, key, record, objects)

    def _write_manifest(
        self, stage: str, key: str, record: Mapping[str, Any], objects: Mapping[str, str]
    ) -> None:
        body = json.dumps({"provenance": record, "objects": objects}, sort_keys=True)
        self.storage.put_stream(
            f"{_entry_prefix(stage, key)}{MANIFEST}",
            io.BytesIO(body.encode("utf-8")),
            content_type="application/json",
        )

    def _manifest(self, stage: str, key: str) -> dict[str, Any] | None:
        data = _read_json(self.storage, f"{_entry_prefix(stage, key)}{MANIFEST}")
        if data is None or not isinstance(data.get("objects"), dict):
            return None
        files = data.get("provenance", {}).get("files")
        if not isinstance(files, dict) or set(files) - set(data["objects"]):
            return None
        return data

    def _put_stamp(self, stage: str, key: str, size: int, old: list[str] | None = None) -> None:
        """Stamp the entry as used now, owning ``size`` bytes; the stamps listed before go.
        (The newest stamp always survives: whoever deletes it listed it, so stamps later.)"""
        prefix = _entry_prefix(stage, key)
        if old is None:
            old = [k for k in self.storage.list(prefix) if _is_stamp(k)]
        millis = max(0, round(self.clock() * 1000))
        self.storage.put_stream(validate_key(f"{prefix}{USED}{millis}-{size}"), io.BytesIO(b""))
        for stale in old:
            if stale != f"{prefix}{USED}{millis}-{size}":
                self.storage.delete(stale)

    def _owned_bytes(self, stage: str, key: str, manifest: Mapping[str, Any]) -> int:
        owned = _entry_prefix(stage, key)
        files = manifest["provenance"]["files"]
        return sum(
            int(files[n]["size"]) for n, k in manifest["objects"].items() if k.startswith(owned)
        )

    def _touch(self, stage: str, key: str, *, only_if_stored: bool = False) -> None:
        """Record a use; ``only_if_stored``: not for an entry the store no longer has."""
        try:
            stamps = [k for k in self.storage.list(_entry_prefix(stage, key)) if _is_stamp(k)]
            used, size = _latest_stamp(stamps)
            if used is None:
                if only_if_stored:
                    return
                manifest = self._manifest(stage, key)  # a stamp lost: count the bytes again
                size = self._owned_bytes(stage, key, manifest) if manifest is not None else 0
            self._put_stamp(stage, key, size, stamps)
        except (StorageError, OSError) as exc:
            log.warning("stage cache: could not record a use of %s/%s: %s", stage, key, exc)

    def _remove(self, stage: str, key: str, keys: list[str] | None = None) -> None:
        """Remove an entry: its manifest first (no longer a hit), then its own objects, its
        stamps last (until then a half-removed entry is still accounted for)."""
        prefix = _entry_prefix(stage, key)
        self.storage.delete(f"{prefix}{MANIFEST}")
        listed = keys if keys is not None else list(self.storage.list(prefix))
        for object_key in sorted(listed, key=_is_stamp):
            self.storage.delete(object_key)


def _is_stamp(object_key: str) -> bool:
    return object_key.rpartition("/")[2].startswith(USED)


def _latest_stamp(keys: list[str]) -> tuple[float | None, int]:
    """(last use in seconds, bytes owned) from an entry's stamps, or (None, 0) without one."""
    best: tuple[float | None, int] = (None, 0)
    for object_key in keys:
        if not _is_stamp(object_key):
            continue
        millis, _, size = object_key.rpartition("/")[2][len(USED) :].partition("-")
        try:
            stamp = (int(millis) / 1000.0, int(size))
        except ValueError:
            continue
        if best[0] is None or stamp[0] > best[0]:
            best = stamp
    return best


def _entry_prefix(stage: str, key: str) -> str:
    return validate_key(f"{PREFIX}/{stage}/{key}/", prefix=True)


def _read_json(storage: Storage, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(b"".join(storage.open_stream(key)))
    except NotFoundError:
        return None
    except ValueError:
        log.warning("stage cache: %s is damaged", key)
        return None
    return data if isinstance(data, dict) else None


def _download(storage: Storage, key: str, path: Path, sha256: str) -> bool:
    """Copy an object to ``path``; False when it is gone or not the bytes recorded."""
    digest = hashlib.sha256()
    try:
        with path.open("wb") as f:
            for chunk in storage.open_stream(key):
                digest.update(chunk)
                f.write(chunk)
    except NotFoundError:
        return False
    return digest.hexdigest() == sha256


def _mark_used(folder: Path, now: float) -> None:
    """Record a use of a local copy (its provenance file's time), for :meth:`trim_local`."""
    try:
        os.utime(folder / "provenance.json", (now, now))
    except OSError:
        log.debug("stage cache: could not mark %s as used", folder)
