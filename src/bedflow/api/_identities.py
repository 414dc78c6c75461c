"""Who a bearer token belongs to, remembered for a few seconds per server process.

Every request proves its user with a token, and finding the user behind it is a database
round trip, an ORM load and a worker-thread hop (the second half of a small listing's cost).
A client sends many requests in a row (a dashboard page fires several), so the process keeps
the answer for ``ttl_s`` seconds: a snapshot of the user's columns, from which each request
gets its own instance in its own session (no query, no shared ORM object).

What this trades: a token revoked, a password changed, a user deactivated or demoted on one
server process is refused there at once (its writes to users and tokens clear this cache)
and on the other processes within ``ttl_s``. A JWT's signature and expiry are checked on
every request all the same. ``ttl_s`` is ``BEDFLOW_AUTH_CACHE_SECONDS``; 0 turns the cache off.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from sqlalchemy.orm import Session, make_transient_to_detached

from bedflow.db import User

__all__ = ["Identities"]

_COLUMNS = tuple(attr.key for attr in User.__mapper__.column_attrs)


class Identities:
    """Token -> user snapshot, for ``ttl_s`` seconds, at most ``size`` tokens."""

    def __init__(self, ttl_s: float, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._lock = threading.Lock()
        self._entries: dict[bytes, tuple[float, dict[str, Any]]] = {}

    @staticmethod
    def _key(token: str) -> bytes:
        return hashlib.blake2b(token.encode(), digest_size=20).digest()

    def user(self, token: str, session: Session) -> User | None:
        """The user ``token`` was last seen to belong to, attached to ``session``, or None
        when not known or known for longer than ``ttl_s``. No I/O."""
        if self.ttl_s <= 0:
            return None
        key = self._key(token)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        until, columns = entry
        if time.monotonic() >= until:
            with self._lock:
                self._entries.pop(key, None)
            return None
        user = User(**columns)
        make_transient_to_detached(user)  # a persistent row's copy, with nothing to flush
        session.add(user)
        return user

    def remember(self, token: str, user: User) -> None:
        """Keep ``user`` (just proven by ``token`` against the database) for ``ttl_s``."""
        if self.ttl_s <= 0:
            return
        columns = {name: getattr(user, name) for name in _COLUMNS}
        until = time.monotonic() + self.ttl_s
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()  # rare: a simple bound beats bookkeeping for LRU
            self._entries[self._key(token)] = (until, columns)

    def forget_all(self) -> None:
        """After a change to users or tokens: every token is looked up again."""
        with self._lock:
            self._entries.clear()
