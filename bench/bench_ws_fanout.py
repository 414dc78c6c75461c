"""Benchmark: WebSocket fan-out of job events, 1 client next to 100 clients, in one run.

Target (issue 6): the fan-out keeps up with 100 connected clients. A real uvicorn server (in
a thread, SQLite in a scratch folder, no workers) serves ``/api/v1/ws``; one running job
produces events (written as ``job_events`` rows by a producer thread, the way a worker's
recorder writes them, one row per write at ``--rate`` per second). Each round connects N
clients of the job's user, writes ``--events`` events, and measures, over every client:
delivered events/s (messages received by all clients / time from the first write to the
last receipt) and the latency from the event's write (its ``created_at``) to its receipt,
p50 and p99. The API process reads new events once per poll (``--poll-s``) for all clients.

    .venv/bin/python bench/bench_ws_fanout.py [--clients 100] [--events 300] [--rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import socket
import statistics
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from websockets.asyncio.client import connect

from bedflow.api import ApiConfig, create_app
from bedflow.api._security import create_access_token
from bedflow.db import Job, User, crud, make_engine, make_sessionmaker, upgrade
from bedflow.dsl import parse
from bedflow.settings import Settings

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
BED = 'name = "fanout"\nbed { diameter = 25 mm }\nparticles { count = 30 }\n'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _produce(sessions: object, job_id: uuid.UUID, n: int, rate: float) -> None:
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        with sessions() as session:  # type: ignore[operator]
            kind = "complete" if i == n - 1 else "log"
            crud.add_job_events(
                session,
                job_id=job_id,
                events=[crud.NewEvent(kind=kind, stage="simulate", message=f"event {i}")],
            )


async def _round(url: str, clients: int, start_producer: object, n: int) -> dict[str, float]:
    latencies: list[float] = []
    received = 0
    last = 0.0
    ready = asyncio.Event()
    connected = 0

    async def client() -> None:
        nonlocal received, last, connected
        async with connect(url, max_queue=None) as ws:
            connected += 1
            if connected == clients:
                ready.set()
            while True:
                message = json.loads(await ws.recv())
                now = time.time()
                created = datetime.fromisoformat(message["created_at"]).timestamp()
                latencies.append(now - created)
                received += 1
                last = time.monotonic()
                if message["type"] == "job_complete":
                    return

    tasks = [asyncio.create_task(client()) for _ in range(clients)]
    await asyncio.wait_for(ready.wait(), 60)
    first = time.monotonic()
    producer = threading.Thread(target=start_producer)  # type: ignore[arg-type]
    producer.start()
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    producer.join()
    ms = sorted(x * 1000 for x in latencies)
    return {
        "clients": clients,
        "received": received,
        "expected": clients * n,
        "events_per_s": received / (last - first),
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=200.0, help="events written per second")
    parser.add_argument("--poll-s", type=float, default=0.05, help="ApiConfig.event_poll_s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        settings = Settings(
            data_dir=Path(tmp), database_url=url, secret_key=SECRET, environment="development"
        )
        config = dataclasses.replace(
            ApiConfig(), bootstrap_admin=False, workers=0, event_poll_s=args.poll_s
        )
        app = create_app(settings, config=config)
        with sessions() as session:
            user = User(email=f"{uuid.uuid4().hex[:8]}@bench", hashed_password="x", full_name="b")
            session.add(user)
            session.commit()
            bed = crud.create_bed(session, owner=user, spec=parse(BED))
            user_id = user.id
        token, _ = create_access_token(
            user_id=user_id, key=app.state.bedflow.token_key, lifetime=timedelta(hours=1)
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        ws_url = f"ws://127.0.0.1:{port}/api/v1/ws?token={token}"
        print(
            f"{args.events} events at {args.rate:.0f}/s from one job, poll {args.poll_s} s, "
            "SQLite, server and clients on this machine"
        )
        print(f"{'clients':>8} {'delivered':>10} {'events/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
        for clients in (1, args.clients):
            with sessions() as session:
                job = Job(user_id=user_id, bed_id=bed.id, type="pipeline", status="running")
                session.add(job)
                session.commit()
                job_id = job.id

            def produce(job_id: uuid.UUID = job_id) -> None:
                _produce(sessions, job_id, args.events, args.rate)

            r = asyncio.run(_round(ws_url, clients, produce, args.events))
            print(
                f"{clients:>8} {int(r['received']):>5}/{int(r['expected']):<5}"
                f"{r['events_per_s']:>9.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f}"
            )
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()


if __name__ == "__main__":
    main()
