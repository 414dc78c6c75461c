"""The database gate: a burst of requests larger than both the connection pool and the worker
threads completes, and no more requests than the gate admits hold a connection at once.

Before the gate, such a burst deadlocked: every worker thread waited in the connection pool
while the requests holding the connections waited for a worker thread, until the pool's
30 s timeout answered 500 (seen with one server process and 50 clients).
"""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from bedflow.api import create_app
from bedflow.api._dbgate import DbGate, gated_session
from bedflow.db import make_sessionmaker
from tests.utils.api import CONFIG, auth, make_settings, state
from tests.utils.db import clear_tables, make_bed, make_user

BURST = 24


def test_a_burst_beyond_the_pool_and_the_threads_completes(
    db_engine: Engine, tmp_path: Path
) -> None:
    # Two slots, one spare connection, four worker threads, no identity cache (every request
    # looks its user up in a worker thread, then lists in another): the shape that deadlocked.
    config = dataclasses.replace(CONFIG, db_spare_connections=1)
    settings = make_settings(tmp_path, db_engine, db_sessions=2, auth_cache_seconds=0)
    app = create_app(settings, config=config)
    engine = state(app).engine
    held, peak, lock = 0, 0, threading.Lock()

    def checkout(*_: Any) -> None:
        nonlocal held, peak
        with lock:
            held += 1
            peak = max(peak, held)

    def checkin(*_: Any) -> None:
        nonlocal held
        with lock:
            held -= 1

    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    session = make_sessionmaker(db_engine)()
    try:
        user = make_user(session)
        for i in range(3):
            make_bed(session, owner=user, name=f"bed-{i}")
        headers = auth(app, user)
        with TestClient(app) as client:

            def few_threads() -> None:
                anyio.to_thread.current_default_thread_limiter().total_tokens = 4

            assert client.portal is not None
            client.portal.call(few_threads)
            with lock:
                held, peak = 0, 0  # count from here: start-up used connections of its own

            def get(i: int) -> int:
                r = client.get(f"/api/v1/beds?sort=name&offset={i % 3}", headers=headers)
                return r.status_code

            with ThreadPoolExecutor(BURST) as pool:
                statuses = list(pool.map(get, range(BURST)))
    finally:
        session.close()
        clear_tables(db_engine)
    assert statuses == [200] * BURST
    assert peak <= settings.db_sessions, f"{peak} connections held at once"


@pytest.mark.anyio
async def test_the_gate_admits_its_slots_and_frees_them_from_any_thread() -> None:
    gate = DbGate(1)
    first = await gate.enter()
    with anyio.move_on_after(0.2) as waited:
        await gate.enter()
    assert waited.cancelled_caught, "a second request waits while the only slot is held"
    await anyio.to_thread.run_sync(first.release)  # as release_session does in an endpoint
    first.release()  # a second release frees nothing more
    second = await gate.enter()
    with anyio.move_on_after(0.2) as waited:
        await gate.enter()
    assert waited.cancelled_caught
    second.release()
    with pytest.raises(ValueError, match="at least one slot"):
        DbGate(0)


class _BrokenClose(Session):
    def close(self) -> None:
        raise RuntimeError("connection lost while closing")


@pytest.mark.anyio
async def test_a_failing_close_still_frees_the_slot() -> None:
    gate = DbGate(1)
    with pytest.raises(RuntimeError, match="connection lost"):
        async with gated_session(gate, sessionmaker(class_=_BrokenClose)):
            pass
    with anyio.fail_after(1):  # a leaked slot would block here for good
        (await gate.enter()).release()
