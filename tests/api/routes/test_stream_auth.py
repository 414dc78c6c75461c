"""The tokens of long-lived connections: the WebSocket's offered as a subprotocol (out of the
URL and the logs), checked again while the socket or the event stream is open, and never
written to a log line.

Against a real uvicorn server, so that the handshake, the close code and uvicorn's own log
lines are the ones a client and an operator see. The re-check interval is made short
(``ApiConfig.auth_recheck_s``) instead of waiting the default 5 s: the tests wait for the
close frame itself, with a generous timeout that only guards against a hang.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bedflow.api import create_app
from bedflow.api._security import create_access_token
from bedflow.db import User, crud
from bedflow.db._base import utcnow
from tests.utils.api import CONFIG, Api, make_settings, state
from tests.utils.db import PASSWORD, make_project
from tests.utils.jobs import job_bed
from tests.utils.net import free_port

pytestmark = pytest.mark.services  # a uvicorn server on a socket

HANG = 30.0
"""Seconds after which a test that waits for a close frame gives up (a hang, not a timing)."""


@dataclass
class Live:
    api: Api
    app: FastAPI
    base: str

    @property
    def ws(self) -> str:
        return "ws" + self.base.removeprefix("http") + "/api/v1/ws"


@pytest.fixture
def live(api: Api, tmp_path: Path) -> Iterator[Live]:
    """The API on uvicorn in a thread, on the test's database, re-checking tokens often."""
    config = dataclasses.replace(CONFIG, auth_recheck_s=0.05)
    app = create_app(make_settings(tmp_path, api.engine), config=config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="info")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Live(api, app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _offer(token: str) -> list[Subprotocol]:
    return [Subprotocol("bedflow"), Subprotocol(f"bearer.{token}")]


def _close_code(ws: ClientConnection) -> int | None:
    """Wait for the server to close ``ws``; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=HANG)
    return closed.value.rcvd.code if closed.value.rcvd else None


def _old_jwt(live: Live, user: User) -> str:
    # Issued a few seconds back: a password change refuses tokens issued before its second.
    token, _ = create_access_token(
        user_id=user.id,
        key=state(live.app).token_key,
        lifetime=timedelta(hours=1),
        now=utcnow() - timedelta(seconds=5),
    )
    return token


def _personal(session: Session, user: User) -> str:
    return crud.create_api_token(session, user=user, name="cli")[1]


def _revoke(session: Session, user: User) -> None:
    for row in crud.list_api_tokens(session, user=user):
        crud.revoke_api_token(session, user=user, token_id=row.id)


def _change_password(session: Session, user: User) -> None:
    crud.update_user(session, user=user, password="a brand new secret")


def _deactivate(session: Session, user: User) -> None:
    crud.update_user(session, user=user, is_active=False)


CHANGES: dict[str, tuple[Callable[[Live, User], str], Callable[[Session, User], None]]] = {
    "personal token revoked": (lambda live, u: _personal(live.api.session, u), _revoke),
    "password changed (JWT)": (_old_jwt, _change_password),
    "password changed (personal token)": (
        lambda live, u: _personal(live.api.session, u),
        _change_password,
    ),
    "user deactivated": (_old_jwt, _deactivate),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_open_websocket_is_closed_with_1008_once_its_token_no_longer_holds(
    live: Live, change: str
) -> None:
    """Regression: an open socket kept streaming the user's job events after their token
    was revoked, their password changed or their account deactivated. The change is made in
    the database directly, as another server process would make it."""
    user, _ = live.api.user()
    token_of, make_change = CHANGES[change]
    token = token_of(live, user)
    with connect(live.ws, subprotocols=_offer(token), open_timeout=HANG) as ws:
        assert ws.subprotocol == "bedflow"  # the secret subprotocol is never echoed
        make_change(live.api.session, user)
        assert _close_code(ws) == 1008
    with pytest.raises(InvalidStatus):  # and it cannot connect again
        connect(live.ws, subprotocols=_offer(token), open_timeout=HANG).close()


def test_the_websocket_keeps_a_token_that_still_holds_and_streams_through_rechecks(
    live: Live,
) -> None:
    user, _ = live.api.user()
    other, _ = live.api.user()
    token = _personal(live.api.session, user)
    bed = job_bed(live.api.session, user)
    with connect(live.ws, subprotocols=_offer(token), open_timeout=HANG) as ws:
        # Changes that leave the token alone: another user's password, one's own name.
        _change_password(live.api.session, other)
        crud.update_user(live.api.session, user=user, full_name="renamed")
        job = crud.create_job(live.api.session, user=user, type="generate", bed=bed, params={})
        crud.add_job_events(
            live.api.session,
            job_id=job.id,
            events=[crud.NewEvent(kind="log", stage="pack", level="INFO", message="hello")],
        )
        message = ws.recv(timeout=HANG)
        assert "hello" in str(message)


def test_query_token_still_works_and_a_bad_subprotocol_token_is_refused(live: Live) -> None:
    user, h = live.api.user()
    token = h["Authorization"].removeprefix("Bearer ")
    with connect(f"{live.ws}?token={token}", open_timeout=HANG) as ws:
        assert ws.subprotocol is None
        _deactivate(live.api.session, user)
        assert _close_code(ws) == 1008
    with pytest.raises(InvalidStatus):
        connect(live.ws, subprotocols=_offer("bf_nonsense"), open_timeout=HANG).close()


def test_no_token_reaches_the_log(live: Live, caplog: pytest.LogCaptureFixture) -> None:
    """Regression: uvicorn's line ``"WebSocket /api/v1/ws?token=..." [accepted]`` carried
    full JWTs and ``bf_`` tokens."""
    user, h = live.api.user()
    jwt = h["Authorization"].removeprefix("Bearer ")
    personal = _personal(live.api.session, user)
    with caplog.at_level(logging.INFO):
        for token in (jwt, personal):
            with connect(f"{live.ws}?token={token}&last_event_id=0", open_timeout=HANG):
                pass
            with connect(live.ws, subprotocols=_offer(token), open_timeout=HANG):
                pass
        with pytest.raises(InvalidStatus):
            connect(f"{live.ws}?token={jwt}x", open_timeout=HANG).close()
        httpx.get(f"{live.base}/api/v1/users/me?token={personal}", headers=h)
        logging.getLogger("uvicorn.error").info("Authorization: Bearer %s", personal)
    lines = [r.getMessage() for r in caplog.records]
    assert any("WebSocket /api/v1/ws?token=***&last_event_id=0" in line for line in lines), lines
    text = "\n".join(lines) + "\n".join(str(r.__dict__) for r in caplog.records)
    for secret in (jwt, personal, jwt.split(".")[1], personal[3:]):
        assert secret not in text
    assert PASSWORD not in text


def _sse_until_end(
    live: Live, url: str, headers: dict[str, str], change: Callable[[], None]
) -> str:
    """Open the event stream, make ``change`` once it is open, read until the server ends it."""
    received = ""
    with httpx.stream("GET", live.base + url, headers=headers, timeout=HANG) as response:
        assert response.status_code == 200
        for chunk in response.iter_text():
            if not received:
                change()
            received += chunk
    return received


def test_the_event_stream_ends_once_its_token_no_longer_holds(live: Live) -> None:
    """Regression: ``GET /jobs/{id}/events`` went on streaming after the token was revoked."""
    user, _ = live.api.user()
    token = _personal(live.api.session, user)
    bed = job_bed(live.api.session, user)
    job = crud.create_job(live.api.session, user=user, type="generate", bed=bed, params={})
    text = _sse_until_end(
        live,
        f"/api/v1/jobs/{job.id}/events",
        {"Authorization": f"Bearer {token}"},
        lambda: _revoke(live.api.session, user),
    )
    assert text.startswith("retry: 2000")
    last = text.strip().split("\n\n")[-1]
    assert last.startswith("event: unauthorized\ndata: ") and '"type": "unauthorized"' in last


def test_the_event_stream_ends_once_the_job_is_no_longer_visible(live: Live) -> None:
    owner, _ = live.api.user()
    member, h_member = live.api.user()
    project = make_project(live.api.session, owner=owner)
    crud.add_member(live.api.session, project=project, user=member, role="viewer")
    bed = live.api.bed(owner, project=project)
    job = crud.create_job(live.api.session, user=owner, type="generate", bed=bed, params={})
    text = _sse_until_end(
        live,
        f"/api/v1/jobs/{job.id}/events",
        h_member,
        lambda: crud.remove_member(live.api.session, project=project, user=member),
    )
    assert "event: unauthorized" in text
