"""How many beds match a listing's filters, remembered for a few seconds per server process.

A client pages through a listing with the same filters (the dashboard's table, a script
fetching every page), and counting every match is most of the database's work for a page:
the page itself only needs the rows up to its end. So each process keeps the count of a
viewer's filters for ``ttl_s`` seconds and later pages ask the database for their rows only.

What this trades: every write request on this process forgets every count at once (a bed
made, changed or deleted, a project shared), so a client sees its own changes in the next
count; a change made through another server process or worker shows in the count within
``ttl_s`` (the page's rows are always read fresh). ``ttl_s`` is
``BEDFLOW_COUNT_CACHE_SECONDS``; 0 turns the cache off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

__all__ = ["Counts"]


class Counts:
    """Listing key -> number of matches, for ``ttl_s`` seconds, at most ``size`` keys."""

    def __init__(self, ttl_s: float, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, int]] = {}
        self._generation = 0

    def get(self, key: Hashable) -> tuple[int | None, int]:
        """The count remembered for ``key`` (None when none is fresh), and the generation to
        hand back to :meth:`remember` with the count read instead."""
        with self._lock:
            generation = self._generation
            entry = self._entries.get(key) if self.ttl_s > 0 else None
        if entry is None or time.monotonic() >= entry[0]:
            return None, generation
        return entry[1], generation

    def remember(self, key: Hashable, count: int, generation: int) -> None:
        """Keep ``count``, read from the database after :meth:`get` returned ``generation``;
        dropped when something was forgotten since (the count may predate that write)."""
        if self.ttl_s <= 0:
            return
        until = time.monotonic() + self.ttl_s
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.size:
                self._entries.clear()  # rare: a simple bound beats bookkeeping for LRU
            self._entries[key] = (until, count)

    def forget_all(self) -> None:
        """After a write: every count is read again."""
        with self._lock:
            self._generation += 1
            self._entries.clear()
