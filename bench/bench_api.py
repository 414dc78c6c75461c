"""Benchmark: a filtered, paginated bed listing over HTTP with 10,000 beds in PostgreSQL.

Targets (issue 5): p99 under 50 ms and at least 500 requests/s with 50 concurrent clients on
loopback. Prints requests/s and p50/p90/p99 latency of the listing next to the targets and
next to baselines measured in the same run under the same server (GET /docs: no database;
GET /api/v1/health: a database round trip and a storage probe), with the ratio of each to
the listing, since on a shared machine the absolute figures move with the load of others.

It creates a scratch database on the PostgreSQL server of the tests (BEDFLOW_TEST_POSTGRES_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test), bulk-inserts the beds, starts the
real server (``bedflow serve --workers N`` with BEDFLOW_ENVIRONMENT=production) on 127.0.0.1
with a free port, and drives it with 50 keep-alive connections from ``wrk`` (a C load
generator: it takes little of the cores the server runs on). Where ``wrk`` is not installed
(``apt-get install wrk``) it says so and falls back to a minimal asyncio HTTP/1.1 client, which
takes a good share of the CPU itself, so the figures are lower. Bounded: two seconds of
warm-up and ``--seconds`` of measurement per endpoint; the database is dropped afterwards.

The clients send without pause to measure throughput. With 50 clients that never pause the
mean latency is 50 / throughput (Little's law), so a p99 under 50 ms at saturation would
need over 1,000 req/s; the latency target is therefore also measured in a paced run at 500
requests/s (``--rate``), as 50 locust users with a pause between requests would offer. Each
client waits after each answer (wrk's ``delay``), so a client's cycle is its pause plus the
latency: short calibration runs measure that latency and shorten the pause until the clients
together send at the rate. Each row also gives the CPU spent per request by the server
processes, by their PostgreSQL backends and by the load generator (Linux /proc).

    .venv/bin/python bench/bench_api.py [--workers 2] [--seconds 10] [--clients 50] [--python]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, insert, text
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
    # What autovacuum does to a table in service: statistics, and the visibility map that
    # lets the listing count from the index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return user_id


async def _client(
    port: int, paths: list[str], headers: str, until: float, out: list[float], pause: float = 0.0
) -> int:
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
            if pause:
                await asyncio.sleep(pause)
    finally:
        writer.close()
    return errors


async def _python_load(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    pause: float = 0.0,
) -> dict[str, float]:
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    warm: list[float] = []
    await asyncio.gather(
        *(
            _client(port, paths, lines, time.perf_counter() + 2.0, warm, pause)
            for _ in range(clients)
        )
    )
    latencies: list[float] = []
    started = time.perf_counter()
    until = started + seconds
    errors = await asyncio.gather(
        *(_client(port, paths, lines, until, latencies, pause) for _ in range(clients))
    )
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "rps": len(latencies) / elapsed,
        "p50": q[49] * 1e3,
        "p90": q[89] * 1e3,
        "p99": q[98] * 1e3,
        "n": len(latencies),
        "total": len(warm) + len(latencies),
        "errors": sum(errors),
    }


WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local requests = {}
local i = 0
init = function(args)
  for k, p in ipairs(paths) do requests[k] = wrk.format("GET", p, headers) end
end
request = function()
  i = i %% #requests + 1
  return requests[i]
end
%(delay)s
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"n": %%d, "us": %%d, "p50": %%d, "p90": %%d, "p99": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for these ASCII values


def _wrk_load(
    wrk: str,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    clients: int,
    seconds: float,
    threads: int,
    pause: float = 0.0,
) -> dict[str, float]:
    script = WRK_SCRIPT % {
        "delay": f"delay = function() return {pause * 1e3:.1f} end" if pause else "",
        "paths": ", ".join(_lua(p) for p in paths),
        "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in headers.items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    try:

        def run(duration: float) -> dict[str, float]:
            command = [wrk, f"-t{threads}", f"-c{clients}", f"-d{duration:g}s", "--timeout", "10s"]
            command += ["-s", f.name, f"http://127.0.0.1:{port}{paths[0]}"]
            out = subprocess.run(
                command,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("BENCH "))
            return dict(json.loads(line.removeprefix("BENCH ")))

        warm = run(2.0)
        r = run(seconds)
    finally:
        os.unlink(f.name)
    return {
        "rps": r["n"] / (r["us"] / 1e6),
        "p50": r["p50"] / 1e3,
        "p90": r["p90"] / 1e3,
        "p99": r["p99"] / 1e3,
        "n": r["n"],
        "total": warm["n"] + r["n"],
        "errors": r["errors"],
    }


def _start_server(
    url: str, workers: int, log: IO[bytes], data_dir: str
) -> tuple[subprocess.Popen[bytes], int]:
    """``bedflow serve`` as deployed (production settings, JSON logs at warning), in a
    process group of its own so that its workers go with it."""
    port = free_port()
    env = {
        **os.environ,
        "BEDFLOW_DATABASE_URL": url,
        "BEDFLOW_DATA_DIR": data_dir,
        "BEDFLOW_SECRET_KEY": SECRET,
        "BEDFLOW_ENVIRONMENT": "production",
    }
    env.pop("BEDFLOW_BROKER_URL", None)
    command = [sys.executable, "-c", "from bedflow.cli import main; main()", "serve"]
    command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                _stop_server(proc)
                log.seek(0)
                raise SystemExit(f"server did not start: {log.read().decode()}") from None
            time.sleep(0.2)


def _stop_server(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group; SIGKILL when it has not gone in 20 s."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            print(f"server did not stop in {wait:g} s after {sig.name}")


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each process (Linux /proc; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _group(pgid: int) -> list[int]:
    """The processes of a process group (the server and its workers)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


class CpuMeter:
    """CPU seconds spent by the server, by its PostgreSQL backends and by the load generator."""

    def __init__(self, server_pgid: int, admin: Engine, database: str) -> None:
        self.server_pgid, self.admin, self.database = server_pgid, admin, database

    def _backends(self) -> list[int]:
        with self.admin.connect() as conn:
            rows = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": self.database}
            )
            return [int(r[0]) for r in rows]

    def sample(self) -> tuple[dict[int, float], dict[int, float], float]:
        # The load generator: wrk (a child) or the asyncio client (this process).
        client = sum(
            u.ru_utime + u.ru_stime
            for u in map(resource.getrusage, (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF))
        )
        return _cpu_seconds(_group(self.server_pgid)), _cpu_seconds(self._backends()), client

    @staticmethod
    def spent(
        before: tuple[dict[int, float], dict[int, float], float],
        after: tuple[dict[int, float], dict[int, float], float],
    ) -> tuple[float, float, float]:
        server = sum(t - before[0].get(pid, 0.0) for pid, t in after[0].items())
        database = sum(t - before[1].get(pid, 0.0) for pid, t in after[1].items())
        return server, database, after[2] - before[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement per endpoint")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--rate", type=float, default=TARGET_RPS, help="offered load of the paced run, req/s"
    )
    parser.add_argument("--python", action="store_true", help="use the asyncio client, not wrk")
    args = parser.parse_args()

    wrk = None if args.python else shutil.which("wrk")
    if wrk is None and not args.python:
        print(
            "wrk not found (apt-get install wrk): falling back to the asyncio client, which "
            "competes with the server for the same cores; the figures will be lower"
        )

    def load(
        paths: list[str], headers: dict[str, str], pause: float = 0.0, seconds: float = 0.0
    ) -> dict[str, float]:
        seconds = seconds or args.seconds
        before = meter.sample()
        if wrk is None:
            r = asyncio.run(_python_load(port, paths, headers, args.clients, seconds, pause))
        else:
            r = _wrk_load(wrk, port, paths, headers, args.clients, seconds, args.threads, pause)
        # Warm-up included on both sides: CPU per request over every request made.
        server, database, client = meter.spent(before, meter.sample())
        total = r["total"]
        r.update(cpu_server=server / total, cpu_db=database / total, cpu_client=client / total)
        return r

    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"bedflow_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    proc = None
    with tempfile.TemporaryFile() as log, tempfile.TemporaryDirectory() as data_dir:
        try:
            t0 = time.perf_counter()
            user_id = fill(url)
            print(f"inserted {N_BEDS} beds in {time.perf_counter() - t0:.1f} s")
            proc, port = _start_server(url, args.workers, log, data_dir)
            meter = CpuMeter(proc.pid, admin, name)
            token, _ = create_access_token(
                user_id=user_id, key=signing_key(SECRET), lifetime=timedelta(hours=1)
            )
            auth = {"Authorization": f"Bearer {token}"}
            probe = urllib.request.Request(
                f"http://127.0.0.1:{port}" + LISTING.format(offset=0), headers=auth
            )
            with urllib.request.urlopen(probe) as r:
                matching = json.load(r)["count"]
            pages = [LISTING.format(offset=20 * k) for k in range(0, 50)]
            narrow_pages = [NARROW.format(offset=20 * k) for k in range(0, 10)]
            docs = load(["/docs"], {})
            health = load(["/api/v1/health"], {})
            listing = load(pages, auth)
            narrow = load(narrow_pages, auth)
            # Each client's cycle (pause + latency) should be clients/rate s: calibrate the
            # pause on the latency measured at the previous one.
            pause = args.clients / args.rate
            for _ in range(2):
                probe = load(pages, auth, pause=pause, seconds=3.0)
                latency_s = max(0.0, args.clients / probe["rps"] - pause)
                pause = max(0.0, args.clients / args.rate - latency_s)
            paced = load(pages, auth, pause=pause)
        finally:
            if proc is not None:
                _stop_server(proc)
            log.seek(0)
            errors = [line for line in log.read().decode(errors="replace").splitlines() if line]
            if errors:
                print(f"server log ({len(errors)} lines), last: {errors[-1][:300]}")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{args.clients} clients ({'wrk' if wrk else 'asyncio client'}), {args.workers} server "
        f"workers, {cores} cores, {args.seconds:g} s per endpoint; "
        f"listing matches {matching} of {N_BEDS} beds"
    )
    print(
        f"{'endpoint':<32}{'req/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'errors':>8}"
        f"{'vs listing':>12}{'CPU ms/req: server':>20}{'postgres':>10}{'client':>8}"
    )
    rows = (
        ("GET /docs (static baseline)", docs),
        ("GET /health (1 query baseline)", health),
        ("GET /beds filtered (45 %)", listing),
        ("GET /beds narrow filter (4 %)", narrow),
        (f"GET /beds filtered, paced {args.rate:g}/s", paced),
    )
    for label, r in rows:
        print(
            f"{label:<32}{r['rps']:>8.0f}{r['p50']:>8.1f}{r['p90']:>8.1f}{r['p99']:>8.1f}"
            f"{r['errors']:>8.0f}{r['rps'] / listing['rps']:>11.2f}x"
            f"{r['cpu_server'] * 1e3:>20.2f}{r['cpu_db'] * 1e3:>10.2f}{r['cpu_client'] * 1e3:>8.2f}"
        )
    print(f"{'target (listing)':<32}{TARGET_RPS:>8.0f}{'':>8}{'':>8}{TARGET_P99_MS:>8.0f}")
    ok_rps = listing["rps"] >= TARGET_RPS
    ok_p99 = paced["p99"] < TARGET_P99_MS and paced["rps"] >= 0.95 * args.rate
    print(
        f"listing throughput: {listing['rps']:.0f} req/s {'meets' if ok_rps else 'misses'} the "
        f"target ({listing['rps'] / health['rps']:.2f} of /health, "
        f"{listing['rps'] / docs['rps']:.3f} of /docs in this run)"
    )
    print(
        f"listing latency at {args.rate:g} req/s offered: {paced['rps']:.0f} req/s served, "
        f"p99 {paced['p99']:.1f} ms: {'meets' if ok_p99 else 'misses'} the target"
    )
    print(
        f"(saturated, {args.clients} clients without pause wait {args.clients:g}/throughput s "
        f"on average (Little's law): p99 under {TARGET_P99_MS:g} ms at saturation would need "
        f"over {args.clients / TARGET_P99_MS * 1e3:.0f} req/s, hence the paced run)"
    )


if __name__ == "__main__":
    main()
