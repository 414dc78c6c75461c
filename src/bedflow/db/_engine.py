"""Engines and sessions: SQLite (embedded default) and PostgreSQL through psycopg 3."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from bedflow._exceptions import ConfigError
from bedflow._private import PRIVATE_FILE, make_private_dirs, tighten

__all__ = ["make_engine", "make_sessionmaker", "pool_options", "writing_engine"]


PING_AFTER_IDLE_S = 5.0
"""A pooled PostgreSQL connection idle for longer is pinged before use (see ``make_engine``)."""


def make_engine(url: str, *, ping_after_idle_s: float = PING_AFTER_IDLE_S, **kwargs: Any) -> Engine:
    """An engine for ``url``: SQLite gets WAL, foreign keys and real transactions.

    On PostgreSQL a pooled connection that sat idle for more than ``ping_after_idle_s``
    seconds is pinged before use and replaced when the server has gone away (restarted, or
    the connection timed out). A connection back from use within that time is trusted: a
    ping on every checkout (``pool_pre_ping``) is one more round trip per request. When the
    server goes away in those seconds, the statements on its connections fail and the pool
    drops every connection made before.

    >>> engine = make_engine("sqlite:///bedflow.db")  # doctest: +SKIP
    """
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # The plain scheme would pick psycopg2; psycopg 3 is the driver bedflow installs.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return _sqlite_engine(parsed.render_as_string(hide_password=False), **kwargs)
    if backend != "postgresql":
        raise ConfigError(f"unsupported database {backend!r}: use sqlite or postgresql")
    engine = create_engine(parsed, **kwargs)
    _ping_when_idle(engine, ping_after_idle_s)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["bedflow_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("bedflow_idle_since")  # None: connected just now
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool discards this connection and checks out another (a fresh one).
            raise DisconnectionError(f"pooled connection gone: {exc}") from exc


def pool_options(url: str, *, size: int, overflow: int) -> dict[str, Any]:
    """Connection-pool sizing for :func:`make_engine`, where the URL's pool takes it (an
    in-memory SQLite database keeps one connection per thread and takes none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return {}
    return {"pool_size": size, "max_overflow": overflow}


def _private_database(database: str) -> list[Path]:
    """Create the database file 0600 (its folder 0700) before SQLite does (with the umask's
    0644); SQLite gives the -wal and -shm files the mode of the database. Files left by an
    earlier version lose the group's and others' rights. The paths to keep private."""
    path = Path(database)
    make_private_dirs(path.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    for file in files:
        tighten(file, PRIVATE_FILE)
    return files


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    database = make_url(url).database
    private: list[Path] = []
    if database and database != ":memory:" and not database.startswith("file:"):
        private = _private_database(database)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        for file in private:  # a -wal left by another program since: cheap, once per connection
            tighten(file, PRIVATE_FILE)
        # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL: turn it
        # off and let SQLAlchemy emit BEGIN (the recipe in SQLAlchemy's SQLite dialect docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(_BEGIN_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_BEGIN_IMMEDIATE = "bedflow_sqlite_begin_immediate"


def writing_engine(engine: Engine) -> Engine:
    """``engine`` for transactions that read and then write, such as an API request's.

    On SQLite such a transaction begins IMMEDIATE: it takes the write lock at its first
    statement, waiting up to the busy timeout for another writer. A deferred transaction
    that has read cannot wait there: SQLite refuses its first write at once ("database is
    locked") when another connection is writing or has written since it began to read.
    On PostgreSQL ``engine`` itself.
    """
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_IMMEDIATE: True})


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
