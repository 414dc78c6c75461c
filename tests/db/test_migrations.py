"""The migrations build exactly the mapped schema, and take it down again, on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bedflow.db import (
    Base,
    alembic_config,
    crud,
    downgrade,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from tests.utils.db import BACKENDS, empty_database, make_user


def test_one_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_to_head_then_downgrade_to_base(backend: str, tmp_path: Path) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            tables = set(inspect(engine).get_table_names())
            assert set(Base.metadata.tables) | {"alembic_version"} == tables
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                assert compare_metadata(context, Base.metadata) == [], (
                    "models and migrations differ"
                )
            downgrade(url, "base")
            assert set(inspect(engine).get_table_names()) == {"alembic_version"}
            upgrade(url)  # and back up: downgrade left nothing behind that blocks it
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_invitations_migrate_down_and_up_keeping_projects_and_members(
    backend: str, tmp_path: Path
) -> None:
    with empty_database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                owner, bob = make_user(session), make_user(session)
                project = crud.create_project(session, owner=owner, name="p")
                crud.add_member(session, project=project, user=bob, role="editor")
                crud.invite(
                    session, project=project, email="x@example.com", role="viewer", invited_by=owner
                )
            downgrade(url, "0005")
            assert "project_invitations" not in inspect(engine).get_table_names()
            upgrade(url)
            with engine.connect() as conn:
                counts = [
                    conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                    for table in ("projects", "project_members", "project_invitations")
                ]
            assert counts == [1, 1, 0]
        finally:
            engine.dispose()
