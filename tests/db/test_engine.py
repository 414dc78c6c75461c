"""Engines: SQLite gets WAL, enforced foreign keys and writing transactions that begin
IMMEDIATE; only SQLite and PostgreSQL are accepted."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from bedflow._exceptions import ConfigError
from bedflow.db import make_engine, writing_engine
from tests.utils.db import POSTGRES_URL


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_plain_postgresql_url_uses_psycopg3() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:5432/test")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


@pytest.mark.parametrize("url", ["mysql://x@localhost/db", "not a url"])
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        make_engine(url)


def test_both_backends_answer(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1


def _read_then_write(engine: Engine, other: Engine) -> None:
    """Read in a transaction, let another connection write meanwhile, then write."""
    with engine.connect() as conn, conn.begin():
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0

        def writer() -> None:  # waits for the write lock when the reader holds it
            with other.begin() as c:
                c.execute(text("INSERT INTO t VALUES (2)"))

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join(timeout=0.5)  # a writer that is not waiting commits well within this
        conn.execute(text("INSERT INTO t VALUES (1)"))
    thread.join()


def test_sqlite_read_then_write_waits_for_another_writer(tmp_path: Path) -> None:
    """A writing engine's transaction holds the write lock from its first read, so another
    writer waits its busy timeout instead of making the transaction's first write fail."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine, other = make_engine(url), make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with pytest.raises(OperationalError, match="database is locked"):
        _read_then_write(engine, other)  # deferred: the read's snapshot went stale
    with other.begin() as conn:
        conn.execute(text("DELETE FROM t"))
    _read_then_write(writing_engine(engine), other)
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT x FROM t")).scalars()) == [1, 2]
    engine.dispose()
    other.dispose()


def test_writing_engine_is_the_engine_itself_on_postgresql() -> None:
    engine = make_engine(POSTGRES_URL)
    assert writing_engine(engine) is engine
    engine.dispose()


@pytest.mark.services  # PostgreSQL
@pytest.mark.parametrize("idle_s", [0.0, 300.0])
def test_a_connection_the_server_dropped_is_replaced_when_it_was_idle(idle_s: float) -> None:
    """Pinged after ``idle_s`` of rest: 0 pings every checkout, 300 trusts a connection that
    was just used (and its next statement fails, as without any ping)."""
    engine = make_engine(POSTGRES_URL, ping_after_idle_s=idle_s, pool_size=1)
    admin = make_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with admin.begin() as conn:
            # waits (up to 60 s) until the backend has handled the signal and is gone
            assert conn.execute(text("SELECT pg_terminate_backend(:pid, 60000)"), {"pid": pid})
        with engine.connect() as conn:
            if idle_s:
                with pytest.raises(OperationalError):
                    conn.execute(text("SELECT pg_backend_pid()"))
                return
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        engine.dispose()
        admin.dispose()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    # Were 0644 (the umask's mode), the folder 0755: anyone on the machine read the users.
    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "data" / "deeper" / "bedflow.db"
        engine = make_engine(f"sqlite:///{path}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        files = [path, path.with_name("bedflow.db-wal"), path.with_name("bedflow.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700
        engine.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    for f in tmp_path.glob("old.db*"):
        f.chmod(0o644)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert {_mode(f) for f in tmp_path.glob("old.db*")} == {0o600}
    engine.dispose()
