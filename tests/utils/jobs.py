"""Factories for the job runner tests: tiny beds that run in seconds, settings, a store."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bedflow.db import Bed, Job, User, crud, make_sessionmaker
from bedflow.dsl import parse
from bedflow.settings import Settings

SECRET = "test-secret-key-that-is-long-enough-0123456789"

FAST = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
)
"""Ordered packing and the correlation solver: the whole pipeline in a second or two."""
SLOW = (
    "bed { diameter = 25 mm; height = 60 mm }\nparticles { diameter = 2 mm; count = 300 }\n"
    "packing { method = dem; rest_velocity = 0.001 mm/s; max_time = 2 s }\n"
    "cfd { solver = correlation }\n"
)
"""A DEM packing of 300 spheres held for 2 s of simulated time (its rest_velocity is below what
the pile reaches): 4-8 s of packing, long enough to cancel or kill it mid-stage."""

LBM_LONG = (
    "bed { diameter = 25 mm; height = 40 mm }\nparticles { diameter = 5 mm }\n"
    "packing { method = hexagonal_3d }\n"
    "cfd { solver = lbm; cells_per_dp = 6; max_iterations = 10000000; "
    "convergence_criteria = 1e-12 }\n"
)
"""Ordered packing (instant), then an LBM run on a coarse grid (6 cells per diameter) that
cannot converge (1e-12) within its huge iteration cap: the simulate stage runs until it is
cancelled."""


def job_settings(data_dir: Path, engine: Engine) -> Settings:
    """Settings of a test installation on the database of ``engine``."""
    return Settings(
        data_dir=data_dir,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SECRET,
        environment="development",
    )


def job_bed(session: Session, owner: User, text: str = FAST, name: str = "tiny") -> Bed:
    """A bed of ``owner`` from ``text`` (FAST by default)."""
    return crud.create_bed(session, owner=owner, spec=parse(f'name = "{name}"\n' + text))


def queued_job(session: Session, *, user: User, bed: Bed, type: str = "pipeline") -> Job:
    """A queued job of ``type`` on ``bed``."""
    return crud.create_job(session, user=user, type=type, bed=bed, params={"force": True})


def wait_for(
    engine: Engine, job_id: uuid.UUID, done: Callable[[Job], bool], timeout: float = 60.0
) -> Job:
    """Poll the job row until ``done(job)`` (fails after ``timeout`` seconds)."""
    sessions = make_sessionmaker(engine)
    deadline = time.monotonic() + timeout
    while True:
        with sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None
            if done(job):
                return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")
        time.sleep(0.05)


def celery_worker_command(
    name: str, queues: Sequence[str] = ("pack", "cfd"), *extra: str
) -> list[str]:
    """The command line of one real Celery worker, one process (its installation's prefix
    comes from BEDFLOW_QUEUE_PREFIX in its environment)."""
    return [
        sys.executable, "-m", "celery", "-A", "bedflow.worker.celery_app", "worker",
        "--queues=" + ",".join(queues), "--concurrency=1",
        f"--hostname={name}@%h", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        *extra,
    ]  # fmt: skip
