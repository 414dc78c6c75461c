"""Benchmark: a filtered, paginated bed listing over HTTP with 10,000 beds in PostgreSQL.

Targets (issue 5): p99 under 50 ms and at least 500 requests/s with 50 concurrent clients on
loopback. Prints requests/s and p50/p95/p99 latency of the listing next to the targets and
next to a baseline measured in the same run (GET /api/v1/health: one trivial query).

It creates a scratch database on the PostgreSQL server of the tests (BEDFLOW_TEST_POSTGRES_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test), bulk-inserts the beds, starts
``uvicorn`` in a subprocess on 127.0.0.1 with a free port, and drives it with 50 keep-alive
connections from a minimal asyncio HTTP/1.1 client (lighter than httpx, so that the client,
on the same cores, takes less CPU from the server). Bounded: a few seconds of warm-up and
``--seconds`` of measurement per endpoint; the database is dropped afterwards.

    .venv/bin/python bench/bench_api.py [--workers 2] [--seconds 10] [--clients 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bedflow.api._security import create_access_token, signing_key
from bedflow.db import Bed, User, make_engine, upgrade
from bedflow.dsl import BedSpec, canonical_json, format_spec, parse, spec_hash

POSTGRES_URL = os.environ.get(
    "BEDFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
N_BEDS = 10_000
TARGET_P99_MS = 50.0
TARGET_RPS = 500.0
LISTING = (
    "/api/v1/beds?diameter_min=0.03&diameter_max=0.07&kind=sphere"
    "&sort=-particle_count&limit=20&offset={offset}"
)
"""The listing measured against the targets: 45 % of the beds match, pages 1 to 50."""
NARROW = (
    "/api/v1/beds?diameter_min=0.045&diameter_max=0.055&count_min=150"
    "&sort=-particle_count&limit=20&offset={offset}"
)
"""A narrower filter (about 4 % match), served by the (diameter, count) index."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(url: str) -> uuid.UUID:
    """Migrate the scratch database and bulk-insert one user and N_BEDS beds."""
    engine = make_engine(url)
    upgrade(engine)
    user_id = uuid.uuid4()
    base = parse(
        "bed { diameter = 50 mm; height = 100 mm; }\nparticles { diameter = 5 mm; count = 100; }\n"
    ).model_dump()
    rng = random.Random(0)
    rows = []
    now = datetime.now(UTC)
    for i in range(N_BEDS):
        data = {**base, "name": f"bed-{i:05d}"}
        data["bed"] = {**base["bed"], "diameter": rng.choice([0.02, 0.03, 0.04, 0.05, 0.06, 0.08])}
        data["particles"] = {
            **base["particles"],
            "kind": rng.choice(["sphere", "sphere", "cylinder"]),
            "count": rng.randint(10, 200),
        }
        data["particles"]["diameter"] = 0.003 if data["particles"]["kind"] == "sphere" else 0.004
        spec = BedSpec.model_validate(data)
        rows.append(
            {
                "id": uuid.uuid4(),
                "owner_id": user_id,
                "name": spec.name,
                "description": "",
                "spec": json.loads(canonical_json(spec)),
                "bed_text": format_spec(spec),
                "spec_hash": spec_hash(spec),
                "column_diameter": spec.bed.diameter,
                "column_height": spec.bed.height,
                "particle_kind": spec.particles.kind,
                "particle_diameter": spec.particles.diameter,
                "particle_count": spec.particles.count,
                "packing_method": spec.packing_method,
                "solver": spec.cfd.solver,
                "created_at": now - timedelta(seconds=i),
                "updated_at": now,
            }
        )
    with engine.begin() as conn:
        conn.execute(
            insert(User),
            [{"id": user_id, "email": "bench@example.com", "hashed_password": "x", "role": "user"}],
        )
        for start in range(0, len(rows), 1000):
            conn.execute(insert(Bed), rows[start : start + 1000])
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return user_id


async def _client(port: int, paths: list[str], headers: str, until: float, out: list[float]) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    errors = 0
    i = 0
    try:
        while time.perf_counter() < until:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode())
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            out.append(time.perf_counter() - started)
            errors += status != 200
    finally:
        writer.close()
    return errors


async def load(
    port: int, paths: list[str], headers: str, clients: int, seconds: float
) -> dict[str, float]:
    warm: list[float] = []
    await asyncio.gather(
        *(_client(port, paths, headers, time.perf_counter() + 2.0, warm) for _ in range(clients))
    )
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    errors = await asyncio.gather(
        *(_client(port, paths, headers, until, latencies) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1e3,
        "p95": q[94] * 1e3,
        "p99": q[98] * 1e3,
        "n": len(latencies),
        "errors": sum(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement per endpoint")
    parser.add_argument("--log-level", default="warning", help="server log level")
    args = parser.parse_args()

    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"bedflow_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    proc = None
    try:
        t0 = time.perf_counter()
        user_id = fill(url)
        print(f"inserted {N_BEDS} beds in {time.perf_counter() - t0:.1f} s")
        port = free_port()
        data_dir = tempfile.mkdtemp(prefix="bedflow-bench-")
        env = {
            **os.environ,
            "BEDFLOW_DATABASE_URL": url,
            "BEDFLOW_DATA_DIR": data_dir,
            "BEDFLOW_SECRET_KEY": SECRET,
            "BEDFLOW_LOG_LEVEL": args.log_level,
            "BEDFLOW_ENVIRONMENT": "development",
        }
        env.pop("BEDFLOW_BROKER_URL", None)
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bedflow.api._server:make_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"server did not start: {proc.stderr.read().decode()}"
                    ) from None  # type: ignore[union-attr]
                time.sleep(0.2)
        token, _ = create_access_token(
            user_id=user_id, key=signing_key(SECRET), lifetime=timedelta(hours=1)
        )
        auth = f"Authorization: Bearer {token}\r\n"
        probe = urllib.request.Request(
            f"http://127.0.0.1:{port}" + LISTING.format(offset=0),
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(probe) as r:
            matching = json.load(r)["count"]
        pages = [LISTING.format(offset=20 * k) for k in range(0, 50)]
        narrow_pages = [NARROW.format(offset=20 * k) for k in range(0, 10)]
        health = asyncio.run(load(port, ["/api/v1/health"], "", args.clients, args.seconds))
        listing = asyncio.run(load(port, pages, auth, args.clients, args.seconds))
        narrow = asyncio.run(load(port, narrow_pages, auth, args.clients, args.seconds))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{args.clients} clients, {args.workers} uvicorn workers, {cores} cores, "
        f"{args.seconds:g} s per endpoint; listing matches {matching} of {N_BEDS} beds"
    )
    print(f"{'endpoint':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    rows = (
        ("GET /health (baseline)", health),
        ("GET /beds filtered (45 %)", listing),
        ("GET /beds narrow filter (4 %)", narrow),
    )
    for label, r in rows:
        print(
            f"{label:<32}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}"
            f"{r['errors']:>8.0f}"
        )
    print(f"{'target (listing)':<32}{TARGET_RPS:>9.0f}{'':>9}{'':>9}{TARGET_P99_MS:>9.0f}")
    ok_rps, ok_p99 = listing["rps"] >= TARGET_RPS, listing["p99"] < TARGET_P99_MS
    print(
        f"listing: req/s {'meets' if ok_rps else 'misses'} the target, "
        f"p99 {'meets' if ok_p99 else 'misses'} it"
    )


if __name__ == "__main__":
    main()
