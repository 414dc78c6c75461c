"""Log lines never carry a token, whoever writes them (bedflow, uvicorn, a library)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

from bedflow.api._logging import configure_logging, redact_text

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXBhcnQ"
PERSONAL = "bf_Zx8c1Qm5VtLr0sK2yH7nJ4dW9aE3uF6gP1oI8bT5cA"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """What `bedflow serve`'s logging setup writes, in a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("uvicorn.access").disabled)
    # An in-process uvicorn of an earlier test may have left uvicorn.error at its own level.
    error_log = logging.getLogger("uvicorn.error")
    saved_error = (error_log.level, error_log.disabled)
    error_log.setLevel(logging.NOTSET)
    error_log.disabled = False
    configure_logging("INFO")
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    yield buffer
    root.handlers[:], root.level, logging.getLogger("uvicorn.access").disabled = saved
    error_log.level, error_log.disabled = saved_error


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('1.2.3.4:5 - "WebSocket /api/v1/ws?token=T&last_event_id=9" [accepted]',
         '1.2.3.4:5 - "WebSocket /api/v1/ws?token=***&last_event_id=9" [accepted]'),
        ("GET /x?access_token=T HTTP/1.1", "GET /x?access_token=*** HTTP/1.1"),
        ("Authorization: Bearer T", "Authorization: Bearer ***"),
        ("subprotocols ['bedflow', 'bearer.T']", "subprotocols ['bedflow', 'bearer.***']"),
        (f"a bare JWT {JWT} here", "a bare JWT *** here"),
        (f"a bare personal {PERSONAL}.", "a bare personal ***."),
        ("nothing secret: token_count=3, bf_ prefix", "nothing secret: token_count=3, bf_ prefix"),
    ],
)  # fmt: skip
def test_tokens_are_masked_in_text(line: str, expected: str) -> None:
    for token in (JWT, PERSONAL):
        assert redact_text(line.replace("=T", f"={token}").replace(" T", f" {token}")
                           .replace(".T'", f".{token}'")) == expected  # fmt: skip


def test_no_line_of_a_configured_server_carries_a_token(logs: io.StringIO) -> None:
    """Regression: uvicorn's ``WebSocket /api/v1/ws?token=...`` line carried full tokens;
    any logger's message, with its arguments, and any structlog field are masked."""
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", f"/api/v1/ws?token={JWT}"
    )
    logging.getLogger("some.library").warning("retrying %s with Bearer %s", "/x", PERSONAL)
    structlog.get_logger("bedflow.test").info("request", path=f"/x?token={PERSONAL}", note=JWT)
    err = logs.getvalue()
    assert err.count("\n") == 3
    assert "ws?token=***" in err and "Bearer ***" in err
    for secret in (JWT, PERSONAL, JWT.split(".")[1], PERSONAL[3:]):
        assert secret not in err
