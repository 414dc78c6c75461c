"""Rate limits on login and writes, counted with the `limits` library.

In memory on the embedded default (one process); in Redis when ``BEDFLOW_BROKER_URL`` is set,
so every worker process counts against the same budget.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from bedflow.api._errors import ApiError

__all__ = ["RateLimiter"]

log = logging.getLogger(__name__)


class RateLimiter:
    """Checks named limits for keys (a user id, an address); over a limit: 429, Retry-After.

    >>> limiter = RateLimiter()
    >>> limiter.hit("2/minute", "login", "10.0.0.1")
    >>> limiter.hit("2/minute", "login", "10.0.0.1")
    """

    def __init__(self, storage_uri: str | None = None) -> None:
        storage: Storage = MemoryStorage()
        if storage_uri:
            try:
                chosen = storage_from_string(storage_uri)
                if isinstance(chosen, Storage):
                    storage = chosen
            except Exception as exc:
                log.warning("rate limits counted in memory: cannot use %s (%s)", "redis", exc)
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}

    def _items(self, limit: str) -> list[RateLimitItem]:
        if limit not in self._parsed:
            self._parsed[limit] = parse_many(limit)
        return self._parsed[limit]

    def hit(self, limit: str, *key: str) -> None:
        """Count one request for ``key``; ApiError 429 when it goes over ``limit``."""
        self._apply(limit, key, count=True)

    def check(self, limit: str, *key: str) -> None:
        """ApiError 429 when ``key`` has spent ``limit`` already; counts nothing (for limits
        on failures: checked before the attempt, hit only when it fails)."""
        self._apply(limit, key, count=False)

    def _apply(self, limit: str, key: tuple[str, ...], *, count: bool) -> None:
        for item in self._items(limit):
            try:
                allowed = self._limiter.hit(item, *key) if count else self._limiter.test(item, *key)
                if allowed:
                    continue
                reset, _ = self._limiter.get_window_stats(item, *key)
            except Exception as exc:  # an unreachable Redis must not take the API down
                log.warning("rate limit not checked: %s", type(exc).__name__)
                return
            retry = max(1, math.ceil(reset - time.time()))
            raise ApiError(
                429,
                f"too many requests: at most {item} ; retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )

    def reset(self) -> None:
        """Forget every count (tests; an admin lifting a block)."""
        self.storage.reset()
