"""Password hashes of one server process: a few at once, a short queue, and 429 past it.

An argon2 hash or check is a fraction of a second of CPU, so a burst of sign-ins (a class, a
load test: a hundred people at once) is worked off a few at a time (``slots``: one per two
cores). Those that wait did so without bound: each kept its client's connection open until
the reverse proxy timed it out, which counts against the API as a failure of its own. Now at
most ``queue`` requests wait beyond the ``slots`` that hash; the next is refused at once with
429 and a ``Retry-After`` of the time the queue takes to drain, estimated from the hashes
measured (a running average of their duration), so that its client comes back when it can
be served. ``queue`` is ``BEDFLOW_SIGNIN_QUEUE`` per slot.

A request takes its place (:meth:`HashQueue.place`) before it reads anything from the
database, so a refusal holds no database slot, and keeps it until its hash is done.

>>> hashes = HashQueue(slots=1, queue=8)  # doctest: +SKIP
>>> async with hashes.place():  # doctest: +SKIP
...     digest = await hashes.run(partial(crud.hash_password, "correct horse"))
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from bedflow.api._errors import ApiError

__all__ = ["HashQueue"]

T = TypeVar("T")

FIRST_GUESS_S = 0.25
"""The duration of a hash assumed before one was measured: a little above what argon2id at the
production cost takes on an idle core (the figure: docs/benchmarks.md)."""
SMOOTHING = 0.2
"""Weight of the latest hash in the running average of their duration."""


class HashQueue:
    """At most ``slots`` hashes at once and ``queue`` more requests waiting for one; past
    that, :meth:`place` answers 429 with ``Retry-After``. Created on the app's event loop."""

    def __init__(self, *, slots: int, queue: int) -> None:
        if slots < 1 or queue < 0:
            raise ValueError("a hash queue needs a slot and a queue of zero or more")
        self.slots = slots
        self.queue = queue
        self.limiter = anyio.CapacityLimiter(slots)
        """The hashing slots (each hash borrows one while it runs in a worker thread)."""
        self.hash_s = FIRST_GUESS_S
        """Running average of a hash's duration, seconds (in its worker thread)."""
        self._placed = 0
        self._hashing = 0

    @property
    def waiting(self) -> int:
        """Requests that took a place and are not hashing yet (reading their account, waiting
        for a slot)."""
        return self._placed - self._hashing

    def retry_after(self) -> int:
        """Whole seconds until the requests waiting now are through: at least 1."""
        return max(1, math.ceil(max(1, self.waiting) * self.hash_s / self.slots))

    def check(self) -> None:
        """ApiError 429 with ``Retry-After`` when ``slots + queue`` requests hold a place."""
        if self._placed >= self.slots + self.queue:
            retry = self.retry_after()
            raise ApiError(
                429,
                f"too many sign-ins at once: {self.waiting} wait for their password to be "
                f"checked; retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )

    @asynccontextmanager
    async def place(self) -> AsyncIterator[None]:
        """A place for one request's hashes, else :meth:`check`'s 429 (taken with no await
        after the check: a burst is counted exactly)."""
        self.check()
        self._placed += 1
        try:
            yield
        finally:
            self._placed -= 1

    async def run(self, call: Callable[[], T]) -> T:
        """``call`` (a hash or a check) in a worker thread once a slot is free; its duration
        goes into the running average. Call it inside :meth:`place`."""
        async with self.limiter:
            self._hashing += 1
            try:
                started = time.perf_counter()
                # A thread of its own, as before the queue: the hash does not wait for one of
                # the shared pool's threads, which sync endpoints may all hold.
                result = await anyio.to_thread.run_sync(call, limiter=anyio.CapacityLimiter(1))
                took = time.perf_counter() - started
                self.hash_s += SMOOTHING * (took - self.hash_s)
                return result
            finally:
                self._hashing -= 1
