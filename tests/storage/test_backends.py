"""Both backends stream in chunks, record size and sha256, enforce the limit, keep keys safe."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from bedflow._exceptions import (
    NotFoundError,
    ObjectKeyError,
    StorageError,
    UploadTooLargeError,
    UsageError,
)
from bedflow.storage import CHUNK_SIZE, LocalStorage, S3Storage, Storage
from tests.utils.storage import MIB, GeneratedFile, make_s3


def test_round_trip(store: Storage) -> None:
    data = b"bed { diameter = 5 cm; }\n" * 1000
    stored = store.put_stream("beds/1/a.bed", io.BytesIO(data), content_type="text/plain")
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert store.exists("beds/1/a.bed") and store.size("beds/1/a.bed") == len(data)
    chunks = list(store.open_stream("beds/1/a.bed", chunk_size=1000))
    assert b"".join(chunks) == data and max(len(c) for c in chunks) <= 1000


def test_empty_object(store: Storage) -> None:
    stored = store.put_stream("empty.json", io.BytesIO(b""))
    assert stored.size == 0 and b"".join(store.open_stream("empty.json")) == b""


def test_list_and_delete(store: Storage) -> None:
    for key in ("beds/1/a.stl", "beds/1/b.stl", "beds/2/c.stl", "other/d.png"):
        store.put_stream(key, io.BytesIO(key.encode()))
    assert list(store.list("beds/1/")) == ["beds/1/a.stl", "beds/1/b.stl"]
    assert list(store.list("beds/")) == ["beds/1/a.stl", "beds/1/b.stl", "beds/2/c.stl"]
    assert len(list(store.list())) == 4
    store.delete("beds/1/a.stl")
    store.delete("beds/1/a.stl")  # deleting twice is fine
    assert not store.exists("beds/1/a.stl")
    assert list(store.list("beds/1")) == ["beds/1/b.stl"]


def test_missing_objects(store: Storage) -> None:
    with pytest.raises(NotFoundError):
        store.size("nope.stl")
    with pytest.raises(NotFoundError):
        b"".join(store.open_stream("nope.stl"))
    assert not store.exists("nope.stl")


@pytest.mark.parametrize("key", ["../../etc/passwd", "/etc/passwd", "a\\b", "a/\x00", "a/../b"])
def test_traversal_keys_are_refused_everywhere(store: Storage, key: str) -> None:
    with pytest.raises(ObjectKeyError):
        store.put_stream(key, io.BytesIO(b"x"))
    for call in (store.open_stream, store.size, store.exists, store.delete):
        with pytest.raises(ObjectKeyError):
            call(key)
    with pytest.raises(ObjectKeyError):
        list(store.list(key))


def test_size_limit_removes_the_partial_object(store: Storage) -> None:
    store.put_stream("beds/1/ok.stl", io.BytesIO(b"x" * 10), max_bytes=10)
    with pytest.raises(UploadTooLargeError):
        store.put_stream("beds/1/big.stl", GeneratedFile(7 * MIB), max_bytes=6 * MIB)
    assert not store.exists("beds/1/big.stl")
    assert list(store.list()) == ["beds/1/ok.stl"]
    if isinstance(store, S3Storage):
        uploads = store.client.list_multipart_uploads(Bucket=store.bucket)
        assert uploads.get("Uploads", []) == [], "parts of the aborted upload are left"
    if isinstance(store, LocalStorage):
        assert list((store.root / ".incoming").iterdir()) == []


def _stream_with_memory_watch(store: Storage, size: int) -> tuple[int, str, str]:
    source = GeneratedFile(size, seed=size)
    tracemalloc.start()
    try:
        stored = store.put_stream("beds/big/file.vti", source, max_bytes=size)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored.size == size
    return peak, stored.sha256, source.sha256


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_50_mb_upload_is_streamed(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    size = 50 * MIB
    store: Storage
    if backend == "local":
        store, bound = LocalStorage(tmp_path), 6 * CHUNK_SIZE  # the chunk, and the test source
    else:
        store = make_s3(request.getfixturevalue("s3_endpoint"), part_size=5 * MIB)
        bound = 3 * store.part_size  # the part being filled and the copy sent
    peak, got, expected = _stream_with_memory_watch(store, size)
    assert got == expected
    assert peak < bound < size, f"peak {peak / MIB:.1f} MiB streaming {size / MIB:.0f} MiB"
    digest = hashlib.sha256()
    for chunk in store.open_stream("beds/big/file.vti"):
        digest.update(chunk)
    assert digest.hexdigest() == expected
    store.delete("beds/big/file.vti")


def test_s3_refuses_parts_below_the_s3_minimum() -> None:
    with pytest.raises(UsageError):
        S3Storage("b", part_size=1024, client=object())  # type: ignore[arg-type]


def test_an_s3_read_cut_short_is_a_storage_error(cut_short: S3Storage) -> None:
    """Was botocore's own error, outside bedflow's tree: a worker that read a stage-cache
    manifest while another rewrote it on s3rver failed its job for good (the fresh-clone run
    of the cluster fault tests) instead of treating it as a failure of the store."""
    with pytest.raises(StorageError, match="790"):
        b"".join(cut_short.open_stream("stage-cache/pack/k/entry.json"))


def test_local_store_refuses_symlinks_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = LocalStorage(tmp_path / "root")
    (store.root / "beds").symlink_to(outside)
    with pytest.raises(ObjectKeyError):
        store.put_stream("beds/x.stl", io.BytesIO(b"x"))
    assert list(outside.iterdir()) == []


def test_local_objects_and_their_folders_are_private(tmp_path: Path) -> None:
    # Were 0644 files in 0755 folders.
    old_umask = os.umask(0o022)
    try:
        root = tmp_path / "data" / "objects"
        store = LocalStorage(root)
        store.put_stream("beds/1/files/a.stl", io.BytesIO(b"solid"))
        modes = {
            p.relative_to(tmp_path).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in tmp_path.rglob("*")
        }
    finally:
        os.umask(old_umask)
    assert modes.pop("data/objects/beds/1/files/a.stl") == 0o600
    assert modes == dict.fromkeys(modes, 0o700) and "data/objects/beds/1/files" in modes


def test_an_object_root_readable_by_others_is_made_private(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    root.mkdir(mode=0o755)
    root.chmod(0o755)
    LocalStorage(root)
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
