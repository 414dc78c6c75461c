"""Benchmark: job dispatch overhead and drain throughput, embedded pool and Celery/Redis.

Targets (issue 6): submit-to-running median under 20 ms embedded and under 50 ms on
Celery/Redis; 500 no-op jobs drained by 2 workers, throughput printed.

A "no-op" job is a real job that runs only the compile stage (parse and hash the spec), so
what is measured is the runner: claim, events, completion. Dispatch overhead is the job row's
``started_at - created_at`` (both written by the database clients, same clock). Embedded: a
SQLite database in a scratch folder and a ``WorkerPool`` of 2 processes. Celery: 2 ``celery
worker`` subprocesses (concurrency 1) on the Redis of the tests (BEDFLOW_TEST_REDIS_URL,
default redis://127.0.0.1:6379/0), queues unique to the run, same SQLite database.

    .venv/bin/python bench/bench_jobs.py [--jobs 500] [--latency-jobs 50] [--skip-celery]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import Bed, Job, User, crud, make_engine, make_sessionmaker, upgrade
from bedflow.dsl import parse
from bedflow.settings import Settings
from bedflow.worker import WorkerPool
from bedflow.worker._celery import make_celery, send_job

log = logging.getLogger("bench_jobs")

BED = 'name = "noop"\nbed { diameter = 25 mm }\nparticles { count = 30 }\n'
NOOP = {"stages": ["compile"]}
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
BROKER = os.environ.get("BEDFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _setup(sessions: sessionmaker[Session]) -> tuple[User, Bed]:
    with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex[:8]}@bench", hashed_password="x", full_name="b")
        session.add(user)
        session.commit()
        return user, crud.create_bed(session, owner=user, spec=parse(BED))


def _submit(sessions: sessionmaker[Session], user: User, bed: Bed) -> Job:
    with sessions() as session:
        return crud.create_job(session, user=user, type="pipeline", bed=bed, params=NOOP)


def _wait_all(sessions: sessionmaker[Session], ids: list[uuid.UUID], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            left = session.scalar(
                select(func.count()).where(Job.id.in_(ids), Job.finished_at.is_(None))
            )
        if not left:
            return
        time.sleep(0.05)
    raise TimeoutError(f"{left} job(s) unfinished after {timeout} s")


def _latency_ms(sessions: sessionmaker[Session], ids: list[uuid.UUID]) -> list[float]:
    with sessions() as session:
        rows = session.execute(select(Job.created_at, Job.started_at).where(Job.id.in_(ids)))
        return [1000 * (s - c).total_seconds() for c, s in rows if s is not None]


def _run(name: str, sessions: sessionmaker[Session], notify: object, args: argparse.Namespace,
         user: User, bed: Bed) -> None:  # fmt: skip
    latency_ids = []
    for _ in range(args.latency_jobs):  # one at a time: the pool is idle at each submit
        job = _submit(sessions, user, bed)
        notify(job)  # type: ignore[operator]
        latency_ids.append(job.id)
        _wait_all(sessions, [job.id], 60)
    lat = _latency_ms(sessions, latency_ids)
    started = time.perf_counter()
    ids = []
    for _ in range(args.jobs):
        job = _submit(sessions, user, bed)
        notify(job)  # type: ignore[operator]
        ids.append(job.id)
    _wait_all(sessions, ids, 600)
    elapsed = time.perf_counter() - started
    log.info(
        "%-8s dispatch median %.1f ms (p95 %.1f ms) over %d jobs; %d no-op jobs drained by "
        "2 workers in %.2f s: %.0f jobs/s",
        name, statistics.median(lat), statistics.quantiles(lat, n=20)[-1], len(lat),
        args.jobs, elapsed, args.jobs / elapsed,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--latency-jobs", type=int, default=50)
    parser.add_argument("--skip-celery", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("bedflow").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        user, bed = _setup(sessions)
        settings = Settings(data_dir=Path(tmp), database_url=url, secret_key=SECRET)
        pool = WorkerPool(settings, size=2, poll_s=0.5)
        pool.start()
        time.sleep(3)  # let the workers import
        try:
            _run("embedded", sessions, lambda _job: pool.notify(), args, user, bed)
        finally:
            pool.stop()
        if not args.skip_celery:
            _celery(tmp, url, sessions, args, user, bed)
        engine.dispose()


def _celery(tmp: str, url: str, sessions: sessionmaker[Session], args: argparse.Namespace,
            user: User, bed: Bed) -> None:  # fmt: skip
    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    env = {**os.environ, "BEDFLOW_DATABASE_URL": url, "BEDFLOW_DATA_DIR": tmp,
           "BEDFLOW_SECRET_KEY": SECRET, "BEDFLOW_BROKER_URL": BROKER,
           "BEDFLOW_QUEUE_PREFIX": prefix}  # fmt: skip
    command = [
        sys.executable, "-m", "celery", "-A", "bedflow.worker.celery_app", "worker",
        "--queues=pack,cfd", "--concurrency=1", "--without-gossip",
        "--without-mingle", "--loglevel=WARNING",
    ]  # fmt: skip
    workers = [
        subprocess.Popen([*command, f"--hostname=b{i}@%h"], env=env, start_new_session=True)
        for i in range(2)
    ]
    app = make_celery(BROKER, queue_prefix=prefix)
    try:
        time.sleep(8)  # let the workers start
        _run("celery", sessions, lambda job: send_job(app, job.id, job.type), args, user, bed)
    finally:
        app.close()
        for w in workers:
            os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            w.wait(30)


if __name__ == "__main__":
    main()
