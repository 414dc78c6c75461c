"""Admission to the database: how many requests of one process may hold a session at once.

A request's session takes a pooled connection on its first query and keeps it until the
request ends, and between its queries the request waits for worker threads (FastAPI runs
sync dependencies and endpoints in a shared pool of 40). Without a bound, a burst of more
requests than connections deadlocks: every worker thread blocks in the connection pool
while the requests that hold the connections wait for a worker thread to go on, until the
pool's 30 s timeout answers 500. The gate admits at most ``slots`` requests to the database
(``BEDFLOW_DB_SESSIONS``) and lets the others wait on the event loop, holding neither a
thread nor a connection; the connection pool is sized to the gate (plus headroom for the
event hub, health probes and WebSocket sign-ins, which hold a connection only inside one
worker-thread call).

The default is 2 slots. A process runs Python on one thread at a time, so requests in
flight beyond what keeps the database busy only queue for that thread, and every extra
thread that wakes adds to the others' wait: bench/bench_api.py prints the tail latency and
throughput per slot count, and on 2 cores 2 slots gave the shortest tail and the most
throughput.

A request that streams for long after its last query (a download, server-sent events, an
upload to the object store) gives its session and its slot back early with
:func:`release_session`.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.from_thread
import anyio.to_thread
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "DbGate",
    "Lease",
    "close_session",
    "gated_session",
    "release_session",
]

_LEASE = "bedflow.lease"


class Lease:
    """One admitted request's slot; released once, from the event loop or a worker thread."""

    def __init__(self, semaphore: anyio.Semaphore) -> None:
        self._semaphore = semaphore
        self._loop_thread = threading.get_ident()
        self._lock = threading.Lock()
        self.held = True

    def release(self) -> None:
        with self._lock:
            if not self.held:
                return
            self.held = False
        if threading.get_ident() == self._loop_thread:
            self._semaphore.release()
        else:
            anyio.from_thread.run_sync(self._semaphore.release)


class DbGate:
    """At most ``slots`` sessions of requests at once; created on the app's event loop."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("the database gate needs at least one slot")
        self.slots = slots
        self._semaphore = anyio.Semaphore(slots)

    @property
    def free(self) -> int:
        """Slots no request holds now."""
        return int(self._semaphore.value)

    async def enter(self) -> Lease:
        """Wait for a slot (on the event loop: no thread is held while waiting)."""
        await self._semaphore.acquire()
        return Lease(self._semaphore)


@asynccontextmanager
async def gated_session(
    gate: DbGate | None, sessions: sessionmaker[Session]
) -> AsyncIterator[Session]:
    """A session under a slot of ``gate`` (no gate: an app not started, as in some tests),
    closed in a worker thread and its slot freed afterwards."""
    lease = await gate.enter() if gate is not None else None
    try:
        session = sessions()
    except BaseException:
        if lease is not None:
            lease.release()
        raise
    if lease is not None:
        session.info[_LEASE] = lease
    try:
        yield session
    finally:
        with anyio.CancelScope(shield=True):
            await close_session(session)


async def close_session(session: Session) -> None:
    """Close ``session`` in a worker thread, shielded, then free its slot.

    Outside the shared thread limit, as FastAPI closes sync dependencies: when every worker
    thread waits, the close that frees a connection must not wait for a thread.
    """
    lease = session.info.get(_LEASE)
    try:
        # Also after an early release: a session used again since holds a connection again.
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()  # holds no connection: nothing to wait for
    finally:
        if lease is not None:
            lease.release()  # a slot is freed whatever the close did (a no-op the second time)


def release_session(session: Session) -> None:
    """Close the request's session now and give its slot to the next request.

    For a sync endpoint (in its worker thread) that goes on streaming after its last query;
    the objects loaded stay readable. Idempotent.
    """
    try:
        session.close()
    finally:
        lease = session.info.get(_LEASE)
        if lease is not None:
            lease.release()
