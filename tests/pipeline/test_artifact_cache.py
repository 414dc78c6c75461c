"""The local artifact cache: a stage that recomputes an entry (``force``, or two jobs of one
key at once) replaces it without a moment in which a reader finds it missing."""

from __future__ import annotations

import threading
from pathlib import Path

from bedflow.pipeline import ArtifactCache

KEY = "0" * 64


def _place(cache: ArtifactCache, text: str) -> None:
    tmp = cache.begin("pack")
    (tmp / "packing.json").write_text(text)
    cache.commit(tmp, "pack", KEY, {"inputs": {}})


def test_a_replaced_entry_is_never_missing_for_a_reader(tmp_path: Path) -> None:
    """A second job of the same key placed its entry while the first read it: the old code
    removed the entry, then renamed the new one in, and the reader failed with "No such file
    or directory" (a full run of the suite saw it). 300 replacements against a reader."""
    cache = ArtifactCache(tmp_path)
    _place(cache, "first")
    path = cache.directory("pack", KEY) / "packing.json"
    done = threading.Event()
    missing: list[Exception] = []
    reads = 0

    def read() -> None:
        nonlocal reads
        while not done.is_set():
            try:
                path.read_text()
            except OSError as exc:
                missing.append(exc)
            reads += 1

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(300):
            _place(cache, f"version {i}")
    finally:
        done.set()
        reader.join(timeout=30)
    assert reads > 0 and missing == []
    assert path.read_text() == "version 299"
    # nothing left beside the entry: no old copy, no temporary folder
    assert sorted(p.name for p in (tmp_path / "pack").iterdir() if not p.name.startswith(".")) == [
        KEY
    ]
