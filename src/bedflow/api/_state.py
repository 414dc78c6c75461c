"""What the app holds for its lifetime: settings, database engine, object store, limiter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from bedflow.api._config import ApiConfig
from bedflow.api._counts import Counts
from bedflow.api._dbgate import DbGate
from bedflow.api._hashqueue import HashQueue
from bedflow.api._identities import Identities
from bedflow.api._metrics import Metrics
from bedflow.api._ratelimit import RateLimiter
from bedflow.api._replica import Replica
from bedflow.db import utcnow
from bedflow.settings import Settings
from bedflow.storage import Storage
from bedflow.worker import Dispatcher

__all__ = ["AppState", "app_state"]


@dataclass
class AppState:
    """Everything a request may need, built once by ``create_app``."""

    settings: Settings
    config: ApiConfig
    engine: Engine
    sessions: sessionmaker[Session]
    """Sessions of requests that may write: on SQLite they begin IMMEDIATE (see
    ``bedflow.db.writing_engine``), so a request that reads and then writes waits for the
    worker's writes instead of failing with "database is locked"."""
    read_sessions: sessionmaker[Session]
    """Sessions that only read (GET and HEAD requests, live events, metrics, health): on
    PostgreSQL in autocommit, which spares the BEGIN and ROLLBACK round trips; each statement
    is its own snapshot, as in a READ COMMITTED transaction. Deferred transactions on SQLite,
    which take no write lock."""
    storage: Storage
    limiter: RateLimiter
    metrics: Metrics
    token_key: bytes
    identities: Identities
    counts: Counts
    """How many beds match a viewer's listing filters, remembered for a few seconds."""
    replica: Replica | None = None
    """The read replica of the reads that tolerate lag (statistics, activity), if configured."""
    dispatcher: Dispatcher | None = None
    db_gate: DbGate | None = None
    """Admission of requests to the database, made on the app's event loop at start."""
    hash_queue: HashQueue | None = None
    """The password hashes (sign-ins, sign-ups, password changes) running at once, off the
    database gate, and the short queue of those waiting (``api._hashqueue``,
    ``api._passwords``); made on the app's event loop at start."""
    clock: Callable[[], datetime] = utcnow
    """The current time against which tokens expire (a test moves it instead of sleeping)."""


def app_state(conn: HTTPConnection) -> AppState:
    """The state of the app serving ``conn``."""
    state = conn.app.state.bedflow
    assert isinstance(state, AppState)
    return state
