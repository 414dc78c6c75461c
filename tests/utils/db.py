"""Database fixtures (SQLite and PostgreSQL) and factories of users, projects and beds.

PostgreSQL: a server on 127.0.0.1:5432 (trust auth, user postgres, database ``test``), or the
URL in ``BEDFLOW_TEST_POSTGRES_URL``. Each test session creates its own database there and
drops it after. When no server answers the PostgreSQL cases fail, unless
``BEDFLOW_SKIP_POSTGRES=1`` is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bedflow.db import Base, Bed, Project, User, crud, make_engine, make_sessionmaker, upgrade
from bedflow.dsl import parse
from tests.utils.beds import bed_text
from tests.utils.passwords import TEST_HASHER

PASSWORD = "correct horse battery"
# Hashed once: a hash per factory user would make the suite slow.
PASSWORD_HASH = TEST_HASHER.hash(PASSWORD)

POSTGRES_URL = os.environ.get(
    "BEDFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _skip_postgres() -> bool:
    return os.environ.get("BEDFLOW_SKIP_POSTGRES", "") not in ("", "0")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block: its URL."""
    if _skip_postgres():
        pytest.skip("BEDFLOW_SKIP_POSTGRES is set")
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"bedflow_test_{uuid.uuid4().hex[:12]}"
    problem = ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        problem = str(getattr(exc, "orig", exc)).strip()
    if problem:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL}: {problem}\n"
            "Start a server (trust auth, user postgres, database test), point "
            "BEDFLOW_TEST_POSTGRES_URL at one, or set BEDFLOW_SKIP_POSTGRES=1 to skip.",
            pytrace=False,
        )
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of ``backend`` (a SQLite file lives in ``folder``)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
    else:
        with postgres_database() as url:
            yield url


def clear_tables(engine: Engine) -> None:
    """Delete every row, children first (faster than recreating the schema per test)."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(scope="session", params=BACKENDS)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database per backend, shared by the session (rows cleared after each test)."""
    with empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A session on an empty, migrated database (SQLite or PostgreSQL)."""
    with make_sessionmaker(db_engine)() as s:
        yield s
    clear_tables(db_engine)


def make_user(
    session: Session, *, name: str | None = None, role: str = "user", active: bool = True
) -> User:
    """A user ``name@example.com`` whose password is PASSWORD."""
    name = name or f"user-{uuid.uuid4().hex[:8]}"
    user = User(
        email=f"{name}@example.com",
        hashed_password=PASSWORD_HASH,
        full_name=name,
        role=role,
        is_active=active,
    )
    session.add(user)
    session.commit()
    return user


def make_project(session: Session, *, owner: User, name: str = "p") -> Project:
    """A project of ``owner``."""
    return crud.create_project(session, owner=owner, name=name)


def make_bed(
    session: Session,
    *,
    owner: User,
    project: Project | None = None,
    name: str = "bed",
    bed: str = "",
    particles: str = "count = 100;",
) -> Bed:
    """A bed of ``owner`` (5 mm spheres in a 50 mm column unless told otherwise)."""
    spec = parse(f'name = "{name}"\n' + bed_text(bed=bed, particles=particles))
    return crud.create_bed(
        session, owner=owner, spec=spec, project_id=project.id if project else None
    )
