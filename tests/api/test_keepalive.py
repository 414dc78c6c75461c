"""Through a real server (uvicorn): a 500 keeps the keep-alive connection open.

Regression: Starlette's 500 handler answered and then raised the exception on, and uvicorn,
seeing an exception after the answer had started, closed the connection.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from bedflow.api import create_app
from bedflow.db import crud, make_engine, make_sessionmaker, upgrade
from tests.utils.api import CONFIG, auth, make_settings
from tests.utils.db import make_user
from tests.utils.net import free_port

pytestmark = pytest.mark.services  # a uvicorn server on a socket


def test_a_500_keeps_the_connection_and_carries_the_request_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bedflow.db'}")
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        user = make_user(session)
    application = create_app(make_settings(tmp_path / "data", engine), config=CONFIG)
    headers = auth(application, user)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(crud, "list_projects", broken)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/v1/projects", headers={**headers, "X-Request-ID": "ka-1"})
        first = conn.getresponse()
        first.read()
        assert first.status == 500 and first.getheader("x-request-id") == "ka-1"
        assert first.getheader("connection") != "close"
        sock = conn.sock
        conn.request("GET", "/api/v1/health")  # on the same connection: it is still open
        second = conn.getresponse()
        second.read()
        assert second.status == 200 and conn.sock is sock
    finally:
        conn.close()
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()
