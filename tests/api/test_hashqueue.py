"""The short queue in front of the password hashes: past it a sign-in, sign-up or password
change is refused at once with 429 and Retry-After, counted neither as an attempt nor as a
failed sign-in and holding no database slot; once the queue drains, all work again.

Regression (issue 16, the cluster's load test): a hundred users signing in at once waited
behind the hashing slots without bound, each holding its connection until nginx timed it out.
The test holds the only hashing slot itself, so the requests queue for as long as it likes
(no slow hash and no clock).
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine

from bedflow.api import create_app
from bedflow.api._hashqueue import HashQueue
from bedflow.db import make_sessionmaker
from tests.utils.api import CONFIG, auth, make_settings, state
from tests.utils.db import PASSWORD, clear_tables, make_user

LOGIN = "/api/v1/login/access-token"
SIGNUP = "/api/v1/users/signup"
QUEUE = 1
"""Requests that may wait for the one hashing slot (``BEDFLOW_SIGNIN_QUEUE``)."""


@pytest.fixture
def client(db_engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """An app with one hashing slot and a queue of one; one failed sign-in an hour and four
    attempts a minute per address, so that a refusal counted as either would show."""
    config = dataclasses.replace(
        CONFIG, hash_slots=1, login_limit="4/minute", login_failure_limit="1/hour"
    )
    settings = make_settings(tmp_path, db_engine, signin_queue=QUEUE)
    try:
        with TestClient(create_app(settings, config=config)) as client:
            yield client
    finally:
        clear_tables(db_engine)


def _queue(client: TestClient) -> HashQueue:
    queue = state(client.app).hash_queue  # type: ignore[arg-type]
    assert queue is not None
    return queue


def _on_loop(client: TestClient, call: Callable[[], object]) -> object:
    """``call`` run on the app's event loop, where its anyio objects live."""

    async def run() -> object:
        return call()

    assert client.portal is not None
    return client.portal.call(run)


def _until(check: Callable[[], bool]) -> None:
    """Wait for ``check`` (a state the requests reach, not a duration): a guard against a
    hang, which fails only if the state never comes."""
    deadline = time.monotonic() + 60
    while not check():
        assert time.monotonic() < deadline, "the requests never reached the queue"
        time.sleep(0.01)


def _sign_in(client: TestClient, email: str) -> Response:
    return client.post(LOGIN, data={"username": email, "password": PASSWORD})


def _change_password(client: TestClient, headers: dict[str, str]) -> Response:
    body = {"current_password": PASSWORD, "new_password": "another long secret"}
    return client.put("/api/v1/users/me/password", json=body, headers=headers)


def _sign_up(client: TestClient) -> Response:
    email = f"new-{uuid.uuid4().hex[:8]}@example.com"
    return client.post(SIGNUP, json={"email": email, "password": PASSWORD})


@pytest.mark.parametrize("filler", ["sign-in", "sign-up"])
def test_past_the_queue_sign_ins_and_sign_ups_are_refused_at_once(
    client: TestClient, db_engine: Engine, filler: str
) -> None:
    session = make_sessionmaker(db_engine)()
    try:
        user = make_user(session)
        email, headers = user.email, auth(client.app, user)  # type: ignore[arg-type]
    finally:
        session.close()
    queue = _queue(client)
    app = state(client.app)  # type: ignore[arg-type]
    holder = object()
    _on_loop(client, lambda: queue.limiter.acquire_on_behalf_of_nowait(holder))
    fill = (lambda: _sign_in(client, email)) if filler == "sign-in" else lambda: _sign_up(client)
    with ThreadPoolExecutor(5) as pool:
        waiting: list[Future[Response]] = []
        try:
            # One request that would hash now (the slot is the test's), QUEUE more waiting.
            waiting = [pool.submit(fill) for _ in range(1 + QUEUE)]
            _until(lambda: _on_loop(client, lambda: queue.limiter.statistics().tasks_waiting) == 2)

            # From the pool too: were they queued instead, the test fails after a minute
            # (then lets them through) rather than hanging.
            tries = [
                pool.submit(_sign_in, client, email),
                pool.submit(_sign_up, client),
                pool.submit(_change_password, client, headers),
            ]
            for r in (t.result(timeout=60) for t in tries):
                assert r.status_code == 429, r.text
                assert r.json()["error"]["code"] == "rate_limited"
                assert "too many sign-ins at once" in r.json()["error"]["message"]
                assert int(r.headers["Retry-After"]) >= 1
            # The queued requests read their accounts and gave their slots back: every
            # database slot is free while they wait, and the refusals took none.
            assert app.db_gate is not None and app.db_gate.free == app.settings.db_sessions
        finally:
            _on_loop(client, lambda: queue.limiter.release_on_behalf_of(holder))
        done = [f.result() for f in waiting]
    assert [r.status_code for r in done] == [200 if filler == "sign-in" else 201] * 2
    # Two attempts so far of four a minute, no failure of one an hour: the refusals counted
    # as neither, and once the queue drained both work again.
    assert _sign_in(client, email).status_code == 200
    assert _sign_up(client).status_code == 201
    assert _change_password(client, headers).status_code == 204
    assert queue.waiting == 0
