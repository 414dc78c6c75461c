"""Every database test runs on SQLite and on PostgreSQL (see tests/utils/db.py)."""

from tests.utils.db import db_engine, session

__all__ = ["db_engine", "session"]
