"""Benchmark: what the shared stage cache saves a second worker, and what a sweep costs.

Two workers (two local cache folders, one object store) run the same bed's compile, pack and
simulate stages: the first computes them, the second fetches them from the store. Printed for
a local-folder store and for an S3-protocol server (moto, started here on loopback): each
worker's wall time (after a warm-up run, so that numba's compilation is not counted), and the
ratio of fetching to computing, measured in the same run (the absolute figures move with the
machine's load). Then the time of one eviction sweep over
``--entries`` small entries, per entry, on both stores.

    .venv/bin/python bench/bench_stage_cache.py [--count 400] [--entries 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bedflow.pipeline import ArtifactCache, run_pipeline
from bedflow.storage import LocalStorage, S3Storage, Storage, StoreStageCache

BED = """name = "bench"
bed {{ diameter = 40 mm; height = 80 mm }}
particles {{ count = {count}; diameter = 4 mm; seed = 3 }}
packing {{ method = rigid_body }}
cfd {{ solver = lbm; inlet_velocity = 1 mm/s }}
"""


@contextmanager
def moto() -> Iterator[str]:
    """moto's S3 server on a free loopback port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("moto's server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def two_workers(store: Storage, scratch: Path, text: str) -> tuple[float, float, int]:
    """Seconds of the first (computing) and second (fetching) worker, and bytes shared."""
    times = []
    for host in ("one", "two"):
        cache = StoreStageCache(store, ArtifactCache(scratch / host))
        started = time.perf_counter()
        result = run_pipeline(text, cache=cache, stages=("compile", "pack", "simulate"))
        times.append(time.perf_counter() - started)
        statuses = {s: o.status for s, o in result.stages.items() if s in ("pack", "simulate")}
        expected = "ran" if host == "one" else "reused"
        assert set(statuses.values()) == {expected}, statuses
    shared = sum(store.size(k) for k in store.list("stage-cache/"))
    return times[0], times[1], shared


def sweep(store: Storage, scratch: Path, entries: int) -> float:
    """Seconds of one sweep over ``entries`` entries (nothing to remove)."""
    cache = StoreStageCache(store, ArtifactCache(scratch / "sweep"))
    for i in range(entries):
        key = f"{i:064x}"
        tmp = cache.begin("bench")
        (tmp / "data.bin").write_bytes(b"x" * 1000)
        cache.local.commit(tmp, "bench", key, {})
        cache._publish("bench", key, cache.local.fetch("bench", key))  # type: ignore[arg-type]
    started = time.perf_counter()
    removed = cache.evict()
    assert not removed
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400, help="particles in the bed")
    parser.add_argument("--entries", type=int, default=200, help="entries swept")
    args = parser.parse_args()
    text = BED.format(count=args.count)
    with tempfile.TemporaryDirectory() as tmp, moto() as endpoint:
        root = Path(tmp)
        s3 = S3Storage(
            f"bench-{uuid.uuid4().hex[:8]}",
            endpoint_url=endpoint,
            region="us-east-1",
            access_key_id="bench",
            secret_access_key="bench",
        )
        s3.ensure_bucket()
        stores: dict[str, Storage] = {
            "local folder": LocalStorage(root / "objects"),
            "S3 (moto)": s3,
        }
        # Warm up (numba compiles its kernels on first use) so that computing is measured.
        run_pipeline(text, cache_dir=root / "warm-up", stages=("compile", "pack", "simulate"))
        print(f"{args.count} particles, rigid_body packing, lbm: compile, pack, simulate")
        print(f"{'store':<14}{'computing s':>13}{'fetching s':>12}{'ratio':>8}{'shared MB':>11}")
        for name, store in stores.items():
            first, second, shared = two_workers(store, root / name.replace(" ", "-"), text)
            ratio = second / first
            print(f"{name:<14}{first:>13.2f}{second:>12.2f}{ratio:>8.3f}{shared / 1e6:>11.2f}")
        print(f"\none sweep over {args.entries} entries")
        for name, store in stores.items():
            seconds = sweep(store, root / f"sweep-{name.replace(' ', '-')}", args.entries)
            print(f"{name:<14}{seconds:>8.2f} s{1000 * seconds / args.entries:>8.2f} ms/entry")


if __name__ == "__main__":
    main()
