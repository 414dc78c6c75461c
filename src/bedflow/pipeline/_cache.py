"""Artifacts of pipeline stages, kept by the key of their inputs so unchanged stages are reused.

An entry is a directory ``ROOT/STAGE/KEY/`` holding the stage's files and a
``provenance.json`` (inputs, engine and version, seed, files with sha256). Entries are written
to a temporary directory and renamed into place, so a crash never leaves a half entry that
looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bedflow._version import __version__

__all__ = ["ArtifactCache", "stage_key"]


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


class ArtifactCache:
    """A folder of stage outputs keyed by :func:`stage_key`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def directory(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def lookup(self, stage: str, key: str) -> dict[str, Any] | None:
        """The provenance of a complete entry, or None when there is none (or it is damaged)."""
        where = self.directory(stage, key)
        try:
            provenance: dict[str, Any] = json.loads((where / "provenance.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        files = provenance.get("files", {})
        if not all((where / name).is_file() for name in files):
            return None
        return provenance

    def begin(self, stage: str) -> Path:
        """A fresh temporary directory to write a stage's files into."""
        tmp = self.root / stage / f".tmp-{uuid.uuid4().hex}"
        tmp.mkdir(parents=True)
        return tmp

    def commit(
        self, tmp: Path, stage: str, key: str, provenance: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Seal ``tmp`` as the entry for ``key``; returns the full provenance written."""
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
        (tmp / "provenance.json").write_text(json.dumps(record, indent=2) + "\n", "utf-8")
        final = self.directory(stage, key)
        if final.exists():  # a stale or concurrent entry: the newest complete one wins
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        return record

    def discard(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)
