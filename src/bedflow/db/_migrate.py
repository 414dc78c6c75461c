"""Apply the Alembic migrations shipped inside the package, configured in code."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from bedflow.db._engine import make_engine

__all__ = ["alembic_config", "downgrade", "upgrade"]

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """An Alembic configuration pointing at ``bedflow/db/migrations`` (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _run(url: str | Engine, action: str, revision: str) -> None:
    engine = make_engine(url) if isinstance(url, str) else url
    config = alembic_config()
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                # SQLite changes a table by copying it into a new one and dropping the old
                # (Alembic's batch mode): with foreign keys enforced, dropping a parent table
                # would cascade-delete its children's rows. The pragma only takes effect
                # outside a transaction, so it is set on the driver's connection first.
                _sqlite_pragma(connection, "PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    config.attributes["connection"] = connection
                    getattr(command, action)(config, revision)
                    if sqlite:
                        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(
                                f"migration {action} to {revision} broke foreign keys: {broken}"
                            )
            finally:
                if sqlite:
                    _sqlite_pragma(connection, "PRAGMA foreign_keys=ON")
    finally:
        if isinstance(url, str):
            engine.dispose()


def _sqlite_pragma(connection: Connection, pragma: str) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(pragma)


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Migrate the database at ``url`` (a URL or an engine) up to ``revision``.

    >>> upgrade("sqlite:///bedflow.db")  # doctest: +SKIP
    """
    log.info("migrating database up to %s", revision)
    _run(url, "upgrade", revision)


def downgrade(url: str | Engine, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``base`` empties it)."""
    log.info("migrating database down to %s", revision)
    _run(url, "downgrade", revision)
