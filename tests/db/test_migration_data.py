"""Migrating down and up again keeps the rows of every table that survives the migration.

Regression: on SQLite, Alembic's batch mode rebuilds a table by copying it and dropping the
old one; with foreign keys enforced during the migration, dropping ``users`` (0004) or
``jobs`` (0002, 0003) cascade-deleted every bed, job and job event that pointed at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bedflow.db import crud, downgrade, make_engine, make_sessionmaker, upgrade
from tests.utils.db import BACKENDS, empty_database, make_user
from tests.utils.jobs import job_bed

TABLES = ("users", "beds", "jobs", "job_events")


def _counts(engine: Engine, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


@pytest.mark.parametrize("backend", BACKENDS)
def test_down_and_up_keeps_users_beds_jobs_and_events(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                user = make_user(session)
                bed = job_bed(session, user)
                job = crud.create_job(session, user=user, type="pipeline", bed=bed, params={})
                crud.add_job_events(
                    session,
                    job_id=job.id,
                    events=[crud.NewEvent(kind="log", stage="compile", message="hello")],
                )
            before = _counts(engine)
            assert before == {"users": 1, "beds": 1, "jobs": 1, "job_events": 1}
            for revision in ("0003", "0002"):
                downgrade(url, revision)
                assert _counts(engine) == before, f"rows lost migrating down to {revision}"
            downgrade(url, "0001")  # drops job_events with the job runner's columns
            assert _counts(engine, TABLES[:3]) == {t: before[t] for t in TABLES[:3]}
            upgrade(url)
            assert _counts(engine, TABLES[:3]) == {t: before[t] for t in TABLES[:3]}
        finally:
            engine.dispose()
