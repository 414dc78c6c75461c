"""One ASGI middleware around every request: request id, access log, metrics, body limit,
the answer to an unhandled error, and forgetting the listing counts this process remembers
when a request may write.

Written against raw ASGI (not BaseHTTPMiddleware) so that streamed uploads and downloads pass
through chunk by chunk.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bedflow.api._state import AppState

__all__ = ["RequestMiddleware"]

log = structlog.get_logger("bedflow.api.access")
errors = structlog.get_logger("bedflow.api.errors")
stdlog = logging.getLogger(__name__)

REQUEST_ID = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_UPLOAD_PATH = re.compile(r"/api/v1/beds/[^/]+/files/?")
MULTIPART_SLACK = 1024 * 1024
"""Bytes allowed on top of a file's size limit for the multipart framing."""
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestMiddleware:
    """Tags each request with an id (``X-Request-ID``, echoed), logs and measures it, and
    answers 413 as soon as a body goes past its limit. A request that may write makes the
    process forget its listing counts (``_counts``) when it starts and again when its answer
    starts, after its commit: a count read in between could miss the write.

    An exception that escapes the app is answered here, 500 with the request id, and logged
    with it; it is not raised on, so the server keeps the connection alive (Starlette's own
    500 handler sits outside every middleware: its answer had no id, its log line neither,
    and the exception it raises again made the server close the connection)."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    def _limit(self, scope: Scope) -> int:
        if scope["method"] == "POST" and _UPLOAD_PATH.fullmatch(scope["path"]):
            return self.state.settings.max_upload_bytes + MULTIPART_SLACK
        return self.state.config.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        given = headers.get(REQUEST_ID.encode(), b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        limit = self._limit(scope)
        writes = scope["method"] not in _READS
        if writes:
            self.state.counts.forget_all()
        started = time.perf_counter()
        status = 500
        response_started = False
        too_large = False
        received = 0

        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # The app sees a disconnect and stops reading; we answer 413 below.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def tagged_send(message: Message) -> None:
            nonlocal status, response_started
            if too_large and not response_started:
                return
            if message["type"] == "http.response.start":
                if writes:
                    self.state.counts.forget_all()
                status = message["status"]
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                if declared > limit:
                    too_large = True
                else:
                    await self.app(scope, limited_receive, tagged_send)
            except Exception as exc:
                if not too_large:
                    errors.error(
                        "unhandled error", method=scope["method"], path=scope["path"], exc_info=exc
                    )
                    if response_started:  # too late for an answer: the server drops the stream
                        self._finish(scope, status, started, error=True)
                        raise
                    status = 500
                    if writes:  # it may have committed before it failed
                        self.state.counts.forget_all()
                    await send(_json_start(500, INTERNAL_ERROR, request_id))
                    await send({"type": "http.response.body", "body": INTERNAL_ERROR})
                    self._finish(scope, status, started, error=True)
                    return
            if too_large and not response_started:
                status = 413
                await _send_413(send, request_id, limit)
            self._finish(scope, status, started)

    def _finish(self, scope: Scope, status: int, started: float, *, error: bool = False) -> None:
        elapsed = time.perf_counter() - started
        template = _route_template(scope)
        self.state.metrics.observe(scope["method"], template, status, elapsed)
        state: Any = scope.get("state", {})
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=template,
            status=status,
            duration_ms=round(elapsed * 1000, 2),
            user_id=state.get("user_id") if isinstance(state, dict) else None,
            client=(scope.get("client") or ("", 0))[0],
            error=error or None,
        )


API_PREFIX = "/api/v1"
STATIC_PATHS = frozenset({f"{API_PREFIX}/openapi.json", "/docs", "/docs/oauth2-redirect"})


def _route_template(scope: Scope) -> str:
    """The matched route's template (``/api/v1/beds/{bed_id}``): bounded label values."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        # Routes included under a prefix may carry their path with or without it.
        return path if path.startswith(API_PREFIX) else API_PREFIX + path
    return scope["path"] if scope["path"] in STATIC_PATHS else "unmatched"


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message, "details": []}}).encode()


INTERNAL_ERROR = _error_body(
    "internal_error", "internal error: the request id in X-Request-ID finds it in the logs"
)


def _json_start(status: int, body: bytes, request_id: str, *, close: bool = False) -> Message:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode("latin-1")),
    ]
    if close:
        headers.append((b"connection", b"close"))
    return {"type": "http.response.start", "status": status, "headers": headers}


async def _send_413(send: Send, request_id: str, limit: int) -> None:
    body = _error_body("payload_too_large", f"request body larger than {limit} bytes")
    await send(_json_start(413, body, request_id, close=True))
    await send({"type": "http.response.body", "body": body})
