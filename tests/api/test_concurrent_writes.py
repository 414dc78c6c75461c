"""Requests that write while another process writes to the same database (as the embedded
worker does with its heartbeats and progress) all succeed.

On SQLite a request used to read in a deferred transaction (who is signed in, may they change
this bed) and then write; when the worker had written in between, SQLite refused the request's
first write at once with "database is locked" (CI saw it as a 500 cancelling a study). Request
sessions that may write now begin IMMEDIATE and wait for the lock instead.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from bedflow.db import Bed, make_engine
from tests.utils.api import Api, database_url

REQUESTS = 30


@pytest.mark.slow
def test_writes_succeed_while_another_connection_keeps_writing(api: Api) -> None:
    alice, h = api.user()
    bed = api.bed(alice, name="mine")
    other = api.bed(alice, name="busy")
    busy = make_engine(database_url(api.engine))
    stop = threading.Event()

    def keep_writing() -> None:  # short write transactions, back to back, like heartbeats
        n = 0
        while not stop.is_set():
            n += 1
            with busy.begin() as conn:
                conn.execute(update(Bed).where(Bed.id == other.id).values(description=str(n)))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        codes = [
            api.client.patch(
                f"/api/v1/beds/{bed.id}", json={"description": f"edit {i}"}, headers=h
            ).status_code
            for i in range(REQUESTS)
        ]
    finally:
        stop.set()
        writer.join()
        busy.dispose()
    assert codes == [200] * REQUESTS
    r = api.client.get(f"/api/v1/beds/{bed.id}", headers=h)
    assert r.json()["description"] == f"edit {REQUESTS - 1}"
