"""Reads that tolerate lag on a read replica (``BEDFLOW_READ_REPLICA_URL``), the primary
their fallback.

Only the usage statistics and the activity history read here: a user who just wrote reads
everything else from the primary (read-your-writes), and every write goes there. The replica
may lag a little behind; a replica that cannot be reached (connect timeout 2 s unless the URL
sets ``connect_timeout``) or fails a query is left alone for ``ApiConfig.replica_retry_s``
and the request is answered from the primary meanwhile, so a stopped replica costs at most one
slow request per process and per retry period, never an error.

>>> lag_tolerant(state.replica, session, lambda s: crud.run_stats(s, since=t0))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import make_engine, make_sessionmaker

__all__ = ["CONNECT_TIMEOUT_S", "Replica", "lag_tolerant"]

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2
"""How long a connection to the replica may take, unless its URL says otherwise."""

T = TypeVar("T")


class Replica:
    """The replica's engine (its own small pool, each statement in autocommit) and whether it
    answered lately."""

    def __init__(self, url: str, *, pool_size: int, retry_s: float) -> None:
        query = make_url(url).query
        connect_args = {} if "connect_timeout" in query else {"connect_timeout": CONNECT_TIMEOUT_S}
        self.engine: Engine = make_engine(
            url, pool_size=pool_size, max_overflow=1, pool_timeout=10, connect_args=connect_args
        )
        self.sessions: sessionmaker[Session] = make_sessionmaker(
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self.retry_s = retry_s
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.failures = 0
        """How often the replica failed a read that the primary then served."""

    @property
    def up(self) -> bool:
        """False while the replica rests after a failure."""
        with self._lock:
            return time.monotonic() >= self._down_until

    def read(self, primary: Session, query: Callable[[Session], T]) -> T:
        """``query`` on a replica session, else (the replica resting or failing now) on the
        request's ``primary`` session. ``query`` returns plain values: its session is closed
        when it returns."""
        if self.up:
            try:
                with self.sessions() as session:
                    return query(session)
            except (OperationalError, InterfaceError) as exc:  # unreachable, lost, a conflict
                with self._lock:
                    self._down_until = time.monotonic() + self.retry_s
                    self.failures += 1
                log.warning(
                    "read replica failed (%s); reading from the primary for %g s",
                    str(exc.orig or exc).strip().splitlines()[0],
                    self.retry_s,
                )
        return query(primary)

    def dispose(self) -> None:
        self.engine.dispose()


def lag_tolerant(replica: Replica | None, session: Session, query: Callable[[Session], T]) -> T:
    """``query`` on the replica when one is configured (see :meth:`Replica.read`), else on
    the request's ``session``."""
    return query(session) if replica is None else replica.read(session, query)
