"""Migration 0003 (parameter studies) adds and removes its table and column, keeping jobs."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import DateTime, Uuid, bindparam, inspect, text

from bedflow.db import downgrade, make_engine, upgrade
from bedflow.db._base import utcnow
from tests.utils.db import BACKENDS, empty_database


@pytest.mark.parametrize("backend", BACKENDS)
def test_0003_upgrade_keeps_jobs_and_downgrade_removes_studies(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url, "0002")
        engine = make_engine(url)
        try:
            # rows written in SQL: the models describe the head revision, not 0002
            user_id, job_id = uuid.uuid4(), uuid.uuid4()
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, hashed_password, full_name, role,"
                        " is_active, created_at) VALUES (:id, 'old@example.com', 'x', '',"
                        " 'user', true, :now)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("now", type_=DateTime(timezone=True)),
                    ),
                    {"id": user_id, "now": utcnow()},
                )
                conn.execute(
                    text(
                        "INSERT INTO jobs (id, user_id, type, status, progress, stage, attempts,"
                        " max_attempts, created_at, params, cancel_requested) VALUES (:id, :u,"
                        " 'pipeline', 'queued', 0, '', 0, 3, :now, '{}', false)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("u", type_=Uuid()),
                        bindparam("now", type_=DateTime(timezone=True)),
                    ),
                    {"id": job_id, "u": user_id, "now": utcnow()},
                )
            assert "studies" not in inspect(engine).get_table_names()

            upgrade(url)
            inspector = inspect(engine)
            assert "studies" in inspector.get_table_names()
            assert "study_id" in {c["name"] for c in inspector.get_columns("jobs")}
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT id, study_id FROM jobs")).all()
            assert [(uuid.UUID(str(r[0])), r[1]) for r in rows] == [(job_id, None)]

            downgrade(url, "0002")
            inspector = inspect(engine)
            assert "studies" not in inspector.get_table_names()
            assert "study_id" not in {c["name"] for c in inspector.get_columns("jobs")}
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM jobs")).scalar() == 1
        finally:
            engine.dispose()
