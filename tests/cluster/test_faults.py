"""Faults on a real cluster of separate hosts (network namespaces): nginx, two APIs, two Celery
workers, Redis, a PostgreSQL primary and synchronous replica, s3rver, the failover supervisor.

Each test names its fault, does acknowledged writes (beds, uploads, jobs) through the load
balancer around it, and checks afterwards that every acknowledged write is there, once: no bed
or file lost, no file duplicated or changed, every job succeeded and reported its completion
exactly once. The tests run in file order on one cluster; the failover comes last since it
changes the topology. Measured figures (outage, recovery) are recorded as test properties and,
when ``BEDFLOW_CLUSTER_FIGURES`` names a file, written there as JSON; no test asserts a time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from websockets.sync.client import connect

from bedflow.cluster import Cluster, ClusterConfig, ClusterError, netns_available
from bedflow.db import Job
from tests.utils.ledger import Ledger, Reader, Tally

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SLOW = (
    "bed { diameter = 25 mm; height = 60 mm }\nparticles { diameter = 2 mm; count = 300 }\n"
    "packing { method = dem; rest_velocity = 0.001 mm/s; max_time = 2 s }\n"
    "cfd { solver = correlation }\n"
)
"""A DEM packing held for 2 s of simulated time: several seconds of work to kill mid-job."""
READS = ["/beds", "/jobs", "/users/me"]
FIGURES: dict[str, Any] = {}


def _s3rver() -> str | None:
    local = ROOT / "tools" / "cluster" / "node_modules" / ".bin" / "s3rver"
    found = os.environ.get("BEDFLOW_CLUSTER_S3RVER") or shutil.which("s3rver")
    return found or (str(local) if local.exists() else None)


def _skip_reason() -> str | None:
    problem = netns_available()
    if problem:
        return f"the cluster {problem}"
    for program in ("nginx", "redis-server"):
        if shutil.which(program) is None:
            return f"{program} is not installed"
    if _s3rver() is None:
        return "s3rver is not installed (make cluster-deps)"
    return None


def _figure(name: str, value: Any, record: Callable[[str, object], None]) -> None:
    FIGURES[name] = value
    record(name, value)
    target = os.environ.get("BEDFLOW_CLUSTER_FIGURES")
    if target:
        Path(target).write_text(json.dumps(FIGURES, indent=1), encoding="utf-8")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    s3rver = _s3rver()
    assert s3rver is not None
    name = f"bft{secrets.token_hex(1)}"
    config = ClusterConfig(
        name=name, subnet=f"10.213.{100 + secrets.randbelow(100)}", workers=2,
        s3rver=s3rver,  # its folder: /tmp/bedflow-cluster-<name> (the postgres user reads it)
        job_stale_seconds=10.0,
    )  # fmt: skip
    made = Cluster(config)
    try:
        made.up()
        yield made
    finally:
        made.down()


@pytest.fixture(scope="module")
def ledger(cluster: Cluster) -> Iterator[Ledger]:
    made = Ledger(cluster.lb_url, cluster.config.admin_password, cluster.database_url)
    # Warm both workers (imports, compiled kernels) before any fault.
    for _ in range(2):
        bed = made.create_bed()
        assert bed is not None and made.submit(bed) is not None
    made.wait_jobs(timeout=600)
    yield made
    made.close()


def _writes(ledger: Ledger, n: int, tally: Tally) -> None:
    """``n`` beds, each with an upload and a job; failures (unacknowledged) are counted."""
    for _ in range(n):
        bed = ledger.create_bed()
        tally.add(bed is not None, "create bed")
        if bed is not None:
            tally.add(ledger.upload(bed) is not None, "upload")
            tally.add(ledger.submit(bed) is not None, "submit")


def test_job_followed_over_websocket_and_sse_through_the_load_balancer(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """A job followed through nginx, on whichever replica each stream lands: the WebSocket
    and the event stream both see it to its completion, and the stream's first event arrives
    before the job ends (nginx does not buffer it)."""
    bed = ledger.create_bed(SLOW)
    assert bed is not None
    token = ledger.http.headers["Authorization"].removeprefix("Bearer ")
    ws_url = cluster.lb_url.replace("http://", "ws://") + f"/api/v1/ws?token={token}"
    seen_ws: list[dict[str, Any]] = []
    # Messages wait in the client while the event stream is read: a queue long enough for
    # all of them, and no keep-alive pings (their answers would wait behind the messages).
    with connect(ws_url, open_timeout=30, max_queue=4096, ping_interval=None) as ws:
        job_id = ledger.submit(bed)
        assert job_id is not None
        arrivals: list[tuple[float, str]] = []
        with ledger.http.stream("GET", f"/jobs/{job_id}/events", timeout=300) as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    arrivals.append((time.time(), line.split(":", 1)[1].strip()))
                    if arrivals[-1][1] == "job_complete":
                        break
        deadline = time.monotonic() + 60
        while not any(m.get("type") == "job_complete" for m in seen_ws):
            assert time.monotonic() < deadline, "the WebSocket never saw the completion"
            message = json.loads(ws.recv(timeout=60))
            if message.get("job_id") == job_id:
                seen_ws.append(message)
    with ledger.engine.connect() as conn:
        finished = conn.execute(select(Job.finished_at).where(Job.id == uuid.UUID(job_id))).one()[0]
    if finished.tzinfo is None:
        finished = finished.replace(tzinfo=UTC)
    assert arrivals[0][0] < finished.timestamp(), "the first event came only with the last"
    _figure("stream_events", [len(arrivals), len(seen_ws)], record_property)


def test_api_process_killed(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """SIGKILL api1 under reads and writes: nginx retries every read on api2 (none fails)."""
    reader = Reader(ledger, READS)
    reader.start()
    time.sleep(1.0)
    cluster.stop("api1", signal.SIGKILL)
    writes = Tally()
    _writes(ledger, 3, writes)
    time.sleep(2.0)
    cluster.start("api1")
    cluster.wait(lambda: cluster.api_health("api1") == 200, "api1 back", host="api1")
    _writes(ledger, 2, writes)
    reads = reader.stop()
    _figure("api_kill_reads", [reads.sent, len(reads.errors)], record_property)
    _figure("api_kill_writes", [writes.sent, len(writes.errors)], record_property)
    assert not reads.errors, reads.errors[:5]
    _figure("api_kill_verified", ledger.verify(), record_property)


def test_worker_killed_mid_job(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """SIGKILL the worker host running a job: the other worker takes it back and finishes
    it, once."""
    bed = ledger.create_bed(SLOW)
    assert bed is not None
    job_id = ledger.submit(bed)
    assert job_id is not None
    deadline = time.monotonic() + 300
    while True:
        with ledger.engine.connect() as conn:
            job = conn.execute(select(Job).where(Job.id == uuid.UUID(job_id))).one()
        if job.status == "running" and job.worker:
            break
        assert job.status == "queued", job.status
        assert time.monotonic() < deadline, "the job never started"
        time.sleep(0.1)
    victim = job.worker.split(":")[0]
    assert victim in cluster.workers, job.worker
    killed_at = time.monotonic()
    cluster.stop(victim, signal.SIGKILL)
    ledger.wait_jobs(timeout=300)
    recovered = time.monotonic() - killed_at
    cluster.start(victim)
    with ledger.engine.connect() as conn:
        attempts = conn.execute(select(Job.attempts).where(Job.id == uuid.UUID(job_id))).one()[0]
    _figure("worker_kill_recovery_s", round(recovered, 1), record_property)
    _figure("worker_kill_attempts", attempts, record_property)
    assert attempts >= 2, "the job was not taken back from the killed worker"
    _figure("worker_kill_verified", ledger.verify(), record_property)


def test_host_cut_off_and_back(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """Cut api2's link for 10 s under reads and writes, then restore it."""
    reader = Reader(ledger, READS)
    reader.start()
    time.sleep(1.0)
    cluster.cut("api2")
    writes = Tally()
    started = time.monotonic()
    _writes(ledger, 3, writes)
    time.sleep(max(0.0, 10.0 - (time.monotonic() - started)))
    cluster.restore("api2")
    cluster.wait(lambda: cluster.api_health("api2") == 200, "api2 back", host="api2")
    _writes(ledger, 2, writes)
    reads = reader.stop()
    _figure("cut_reads", [reads.sent, len(reads.errors)], record_property)
    _figure("cut_writes", [writes.sent, len(writes.errors)], record_property)
    assert not reads.errors, reads.errors[:5]
    _figure("cut_verified", ledger.verify(), record_property)


def test_redis_restarted(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """Restart Redis with jobs queued: workers and APIs reconnect, no job is lost."""
    writes = Tally()
    _writes(ledger, 3, writes)
    assert not writes.errors, writes.errors
    cluster.stop("redis")
    down_at = time.monotonic()
    _writes(ledger, 1, writes)  # with the broker down: refused or queued, never lost
    cluster.start("redis")
    cluster.wait(lambda: cluster.lb_health() == 200, "the APIs healthy again")
    _figure("redis_restart_health_s", round(time.monotonic() - down_at, 1), record_property)
    _writes(ledger, 2, writes)
    _figure("redis_restart_writes", [writes.sent, len(writes.errors)], record_property)
    _figure("redis_restart_verified", ledger.verify(), record_property)


def test_replica_stopped(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """Stop the replica under writes: the primary stops waiting for it after the
    supervisor's grace, writes go on; it rejoins as a synchronous replica."""
    cluster.stop("pg2")
    stopped_at = time.monotonic()
    slowest, writes = 0.0, Tally()
    while time.monotonic() - stopped_at < 8.0:
        started = time.monotonic()
        bed = ledger.create_bed()
        writes.add(bed is not None, "create bed")
        slowest = max(slowest, time.monotonic() - started)
        time.sleep(0.35)
    _figure("replica_stop_slowest_write_s", round(slowest, 2), record_property)
    _figure("replica_stop_writes", [writes.sent, len(writes.errors)], record_property)
    assert not writes.errors, writes.errors
    cluster.rejoin("pg2")
    cluster.wait(lambda: cluster.sync_standby() is not None, "pg2 synchronous again")
    _figure("replica_stop_verified", ledger.verify(), record_property)


def test_primary_killed_and_replica_promoted(
    cluster: Cluster, ledger: Ledger, record_property: Callable[[str, object], None]
) -> None:
    """SIGKILL the primary under a stream of writes: the supervisor fences it and promotes
    the replica, the APIs find it without a restart, no acknowledged write is lost."""
    assert cluster.primary() == "pg1"
    outcomes: list[tuple[float, bool]] = []
    halt = threading.Event()

    def write_loop() -> None:
        # Jobs too: one a worker receives while the database is away must run after all.
        n = 0
        while not halt.is_set():
            bed = ledger.create_bed()
            outcomes.append((time.monotonic(), bed is not None))
            if bed is not None and n % 4 == 0:
                ledger.submit(bed)
            n += 1
            time.sleep(0.35)  # under 4 writes/s: the API allows 120 writes/minute per user

    writer = threading.Thread(target=write_loop, daemon=True)
    writer.start()
    time.sleep(2.0)
    killed_at = time.monotonic()
    cluster.stop("pg1", signal.SIGKILL)
    cluster.wait(lambda: cluster.primary() == "pg2", "pg2 promoted", timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until writes succeed again for 2 s
        recent = [ok for t, ok in outcomes if t > time.monotonic() - 2.0]
        if outcomes and outcomes[-1][0] > killed_at + 2 and recent and all(recent):
            break
        time.sleep(0.2)
    halt.set()
    writer.join(timeout=60)
    failed = [t for t, ok in outcomes if not ok and t >= killed_at]
    after = [t for t, ok in outcomes if ok and t > (failed[-1] if failed else killed_at)]
    outage = (after[0] - killed_at) if failed and after else 0.0
    _figure("failover_write_outage_s", round(outage, 2), record_property)
    _figure("failover_writes", [len(outcomes), len(failed)], record_property)
    assert after, "writes never resumed"
    assert (cluster.root / "hosts" / "pg1" / "data" / "FENCED").exists()
    with pytest.raises(ClusterError, match="fenced"):
        cluster.start("pg1")
    _figure("failover_verified", ledger.verify(), record_property)
    cluster.rejoin("pg1")  # the old primary comes back only as a replica of the new one
    cluster.wait(lambda: cluster.sync_standby() is not None, "pg1 synchronous again")
    assert cluster.pg_role("pg1") == "replica"
