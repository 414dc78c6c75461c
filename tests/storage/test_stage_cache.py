"""The stage cache workers share in the object store: on a local folder and on a real
S3-protocol server (moto) on loopback, through the ``store`` fixture."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bedflow.pipeline import ArtifactCache, Event, run_pipeline
from bedflow.settings import Settings
from bedflow.storage import S3Storage, Storage, StoreStageCache, get_stage_cache
from bedflow.storage._stage_cache import PREFIX

BED = """name = "shared"
bed { diameter = 25 mm; height = 50 mm }
particles { count = 40; seed = 1 }
packing { method = hexagonal_3d }
cfd { solver = correlation; inlet_velocity = 5 mm/s }
"""


class Clock:
    """An injected clock: seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def worker(
    store: Storage,
    local: Path,
    clock: Clock | None = None,
    *,
    max_bytes: int = 1 << 40,
    max_age_s: float = 1e9,
) -> StoreStageCache:
    """One worker's cache: the shared store, and a local folder of its own (another host)."""
    return StoreStageCache(
        store,
        ArtifactCache(local),
        clock=clock or Clock(),
        max_bytes=max_bytes,
        max_age_s=max_age_s,
    )


class Reads:
    """A store that counts the objects read through it (a wrapper of the real store)."""

    def __init__(self, store: Storage) -> None:
        self.store, self.count = store, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    def open_stream(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        self.count += 1
        return self.store.open_stream(key, chunk_size=chunk_size)


def statuses(events: list[Event]) -> dict[str, str]:
    return {e.stage: e.status for e in events if e.kind == "stage_complete"}


def test_two_workers_sharing_the_store_run_a_stage_once(store: Storage, tmp_path: Path) -> None:
    first, second = worker(store, tmp_path / "host-1"), worker(store, tmp_path / "host-2")
    seen: list[list[Event]] = [[], []]
    a = run_pipeline(BED, cache=first, stages=("compile", "pack"), on_event=seen[0].append)
    b = run_pipeline(BED, cache=second, stages=("compile", "pack"), on_event=seen[1].append)
    assert statuses(seen[0])["pack"] == "succeeded"
    assert statuses(seen[1])["pack"] == "reused"  # fetched from the store: not packed again
    ran, reused = a.stages["pack"], b.stages["pack"]
    assert Path(reused.directory).is_relative_to(tmp_path / "host-2")
    assert reused.provenance == ran.provenance
    for name in ran.files:
        mine = (Path(reused.directory) / name).read_bytes()
        assert hashlib.sha256(mine).hexdigest() == ran.provenance["files"][name]["sha256"]
    # A later stage on a third host takes the packing it reads from the store.
    third = worker(store, tmp_path / "host-3")
    c = run_pipeline(BED, cache=third, stages=("compile", "simulate"))
    assert c.stages["pack"].status == "reused" and c.flow is not None


def _commit(cache: StoreStageCache, stage: str, key: str, size: int) -> None:
    tmp = cache.begin(stage)
    (tmp / "data.bin").write_bytes(key.encode() * (size // len(key)))
    cache.commit(tmp, stage, key, {"inputs": {}})


def _keys(store: Storage) -> set[str]:
    return {k.split("/")[2] for k in store.list(f"{PREFIX}/") if k.endswith("/entry.json")}


def test_entries_unused_for_the_maximum_age_are_removed(store: Storage, tmp_path: Path) -> None:
    clock = Clock()
    one = worker(store, tmp_path / "one", clock, max_age_s=100.0)
    other = worker(store, tmp_path / "other", clock, max_age_s=100.0)
    _commit(one, "pack", "a" * 64, 100)
    clock.now += 50
    _commit(one, "pack", "b" * 64, 100)
    clock.now += 40
    assert other.fetch("pack", "a" * 64) is not None  # a use, on another host, at 90 s
    clock.now += 80  # a: used 80 s ago; b: 120 s ago
    assert [(e.key[0], e.reason) for e in one.evict()] == [("b", "age")]
    assert _keys(store) == {"a" * 64}
    assert worker(store, tmp_path / "third", clock).fetch("pack", "b" * 64) is None


def test_past_the_size_limit_the_least_recently_used_go(store: Storage, tmp_path: Path) -> None:
    clock = Clock()
    one = worker(store, tmp_path / "one", clock, max_bytes=300)
    other = worker(store, tmp_path / "other", clock, max_bytes=300)
    for key in ("a", "b", "c"):
        _commit(one, "pack", key * 64, 128)  # 128 bytes each: 384 in all
        clock.now += 1
    assert other.fetch("pack", "a" * 64) is not None  # a use, from another host
    assert one.fetch("pack", "b" * 64) is not None  # a local hit counts as a use as well
    clock.now += 1  # c is now the least recently used
    reads = Reads(store)
    one.storage = reads
    assert [(e.key[0], e.reason) for e in one.evict()] == [("c", "size")]
    assert reads.count == 0  # the sweep learns ages and sizes from the listing alone
    assert _keys(store) == {"a" * 64, "b" * 64}
    assert one.evict() == []  # 256 bytes: under the limit
    assert not list(store.list(f"{PREFIX}/pack/{'c' * 64}/"))  # nothing of it left behind


def test_a_commit_sweeps_the_cache(store: Storage, tmp_path: Path) -> None:
    clock = Clock()
    one = worker(store, tmp_path / "one", clock, max_bytes=200)
    _commit(one, "pack", "a" * 64, 128)  # the first commit sweeps: 128 bytes, under the limit
    clock.now += 1000
    _commit(one, "pack", "b" * 64, 128)  # 256 bytes: over; the oldest goes
    assert _keys(store) == {"b" * 64}


def test_the_store_keeps_one_copy_once_a_job_stored_the_files(
    store: Storage, tmp_path: Path
) -> None:
    """The job stores the stage's files as its bed's files; the cache points at those."""
    one = worker(store, tmp_path / "one")
    result = run_pipeline(BED, cache=one, stages=("compile", "pack"))
    pack = result.stages["pack"]
    bed_keys = {}
    for name in pack.files:
        bed_keys[name] = f"beds/b1/pack-{pack.key[:24]}-{name}"
        with (Path(pack.directory) / name).open("rb") as f:
            store.put_stream(bed_keys[name], f)
    assert one.adopt("pack", pack.key, bed_keys) == len(pack.files)
    owned = sorted(k.rsplit("/", 1)[1] for k in store.list(f"{PREFIX}/pack/{pack.key}/"))
    assert len(owned) == 2 and owned[0] == "entry.json" and owned[1].startswith("used-")
    assert owned[1].endswith("-0")  # the entry owns no bytes any more
    second = worker(store, tmp_path / "two")
    assert second.fetch("pack", pack.key) is not None  # read from the bed's objects
    # The bed is deleted: its objects go, the cache never removes them; the entry is a miss.
    for key in bed_keys.values():
        store.delete(key)
    assert worker(store, tmp_path / "three").fetch("pack", pack.key) is None
    assert not list(store.list(f"{PREFIX}/pack/{pack.key}/entry.json"))


def test_damaged_bytes_are_a_miss(store: Storage, tmp_path: Path) -> None:
    one = worker(store, tmp_path / "one")
    _commit(one, "pack", "d" * 64, 128)
    [data] = [k for k in store.list(f"{PREFIX}/pack/") if k.endswith("data.bin")]
    store.put_stream(data, io.BytesIO(b"not the bytes recorded"))
    assert worker(store, tmp_path / "two").fetch("pack", "d" * 64) is None


def test_a_read_cut_short_is_a_miss_not_a_failed_job(cut_short: S3Storage, tmp_path: Path) -> None:
    """s3rver rewrites an object in place: a manifest read while another worker rewrote it
    came back empty and failed the job. A cache that cannot be read is a miss (the stage runs
    again), and one whose files cannot be adopted keeps its own copies."""
    cache = worker(cut_short, tmp_path / "one")
    assert cache.fetch("pack", "a" * 64) is None
    assert cache.adopt("pack", "a" * 64, {"packing.json": "beds/b1/pack-a-packing.json"}) == 0
    assert not list((tmp_path / "one").rglob("*.json"))  # no half-fetched local copy


def test_workers_share_the_cache_only_with_a_broker(tmp_path: Path) -> None:
    from bedflow.storage import LocalStorage

    objects = LocalStorage(tmp_path / "objects")
    embedded = get_stage_cache(Settings(data_dir=tmp_path), objects)
    assert isinstance(embedded, ArtifactCache) and embedded.root == tmp_path / "cache"
    scaled = Settings(
        data_dir=tmp_path,
        broker_url="redis://127.0.0.1:6379/0",
        cache_dir=tmp_path / "copies",
        stage_cache_max_bytes=1000,
        stage_cache_max_age_days=2,
    )
    shared = get_stage_cache(scaled, objects)
    assert isinstance(shared, StoreStageCache)
    assert (shared.local.root, shared.max_bytes, shared.max_age_s) == (
        tmp_path / "copies",
        1000,
        2 * 86400.0,
    )


def test_run_pipeline_takes_one_cache(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="one of cache_dir and cache"):
        run_pipeline(BED, cache_dir=tmp_path, cache=ArtifactCache(tmp_path))


def test_a_worker_trims_its_local_copies_by_the_same_rule(store: Storage, tmp_path: Path) -> None:
    clock = Clock()
    one = worker(store, tmp_path / "one", clock, max_bytes=25_000, max_age_s=100.0)
    for key in ("a", "b", "c"):
        _commit(one, "pack", key * 64, 10_000)  # 10 kB each (and a small provenance.json)
        clock.now += 1
    assert one.fetch("pack", "a" * 64) is not None  # a local hit: a is used again
    assert [f.name[0] for f in one.trim_local()] == ["b"]
    assert sorted(p.name[0] for p in (tmp_path / "one" / "pack").iterdir()) == ["a", "c"]
    clock.now += 101
    assert sorted(f.name[0] for f in one.trim_local()) == ["a", "c"]
    # The store still has them: a local copy is fetched again when needed.
    assert one.fetch("pack", "b" * 64) is not None
