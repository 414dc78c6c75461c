"""Apply the Alembic migrations shipped inside the package, configured in code."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

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
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            getattr(command, action)(config, revision)
    finally:
        if isinstance(url, str):
            engine.dispose()


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
