"""Worker tests run on SQLite and PostgreSQL."""

from tests.utils.db import db_engine, session

__all__ = ["db_engine", "session"]
