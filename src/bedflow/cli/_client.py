"""A small client of the bedflow API for the CLI: requests, one-line errors, live job events.

Errors answer one line on stderr and exit 1: an unreachable server, a refused token (401),
a missing object (404), a refused request (422, with the server's message; a `.bed` error is
printed with its line, column and caret).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, NoReturn

import httpx
import typer
from rich.markup import escape
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bedflow._exceptions import Diagnostic
from bedflow.cli._app import err, print_diagnostic

__all__ = ["FINISHED", "ServerClient", "ServerError", "follow_job"]

FINISHED = frozenset({"succeeded", "failed", "cancelled"})
POLL_S = 0.5
"""How often a follower without a WebSocket asks for new events."""


class ServerError(Exception):
    """The server answered an error (or could not be reached); ``status`` 0 for the latter."""

    def __init__(self, status: int, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.body = status, message, body or {}


def die(message: str) -> NoReturn:
    """Print ``error: message`` on stderr and exit 1."""
    err.print(f"[bold red]error[/]: {escape(message)}")
    raise typer.Exit(1)


class ServerClient:
    """The API at ``server`` (``http(s)://host:port``), signed in with ``token``.

    >>> client = ServerClient("http://127.0.0.1:8000", token)  # doctest: +SKIP
    >>> client.request("GET", "/jobs")["count"]  # doctest: +SKIP
    """

    def __init__(self, server: str, token: str, *, timeout: float = 30.0) -> None:
        server = server.rstrip("/")
        if not server.startswith(("http://", "https://")):
            raise typer.BadParameter(
                f"{server!r} is not an http:// or https:// URL", param_hint="--server"
            )
        if not token:
            raise typer.BadParameter(
                "no token: pass --token or set BEDFLOW_TOKEN (a bf_ token from "
                "POST /api/v1/tokens, or a JWT from /api/v1/login/access-token)",
                param_hint="--token",
            )
        self.server, self.token = server, token
        self.http = httpx.Client(
            base_url=f"{server}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The JSON answer of a request; :class:`ServerError` for an error answer."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ServerError(
                0, f"cannot reach the server at {self.server}: {exc or type(exc).__name__}"
            ) from exc
        if response.is_success:
            return response.json() if response.content else None
        try:
            body = response.json()
            error = body.get("error", {}) if isinstance(body, dict) else {}
            message = str(error.get("message") or response.reason_phrase)
        except (ValueError, AttributeError):
            body, message = {}, response.reason_phrase or f"HTTP {response.status_code}"
        raise ServerError(response.status_code, message, body if isinstance(body, dict) else {})

    def ws_url(self, last_event_id: int | None = None) -> str:
        """The WebSocket of the user's job events (the token goes in ``ws_subprotocols``,
        never in the URL, which servers and proxies log)."""
        base = "ws" + self.server.removeprefix("http")
        query = httpx.QueryParams()
        if last_event_id is not None:
            query = query.set("last_event_id", str(last_event_id))
        return f"{base}/api/v1/ws" + (f"?{query}" if query else "")

    def ws_subprotocols(self) -> list[Subprotocol]:
        """What the client offers: ``bedflow`` (accepted) and ``bearer.<token>``."""
        return [Subprotocol("bedflow"), Subprotocol(f"bearer.{self.token}")]


def explain(exc: ServerError, *, what: str = "") -> NoReturn:
    """Exit with one line saying what went wrong (401, 403, 404, 409, 422, 5xx)."""
    prefix = f"{what}: " if what else ""
    if exc.status == 0:
        die(exc.message)
    if exc.status == 401:
        die(f"the server refused the token (401): {exc.message}; check --token / BEDFLOW_TOKEN")
    if exc.status == 404:
        die(f"{prefix}not found (404): {exc.message}")
    die(f"{prefix}{exc.message} ({exc.status})")


def bed_error(exc: ServerError, filename: str, text: str) -> NoReturn:
    """Print the server's `.bed` diagnostics against the local file, then exit 1."""
    error = exc.body.get("error", {})
    details = error.get("details") or []
    code = str(error.get("code", ""))
    if exc.status != 422 or not code.startswith("bed_") or not details:
        explain(exc, what=filename)
    lines = text.splitlines()
    for d in details:
        line, column = int(d.get("line") or 0), int(d.get("column") or 0)
        print_diagnostic(
            Diagnostic(
                str(d.get("message", "")),
                filename=filename,
                line=line,
                column=column,
                source_line=lines[line - 1] if 0 < line <= len(lines) else None,
                expected=tuple(d.get("expected") or ()),
            )
        )
    raise typer.Exit(1)


@contextmanager
def open_events(client: ServerClient) -> Iterator[ClientConnection | None]:
    """The WebSocket of the user's events, opened before a job is queued so that it misses
    none of them; None (the follower polls) when it cannot be opened."""
    with ExitStack() as stack:
        ws: ClientConnection | None
        try:
            ws = stack.enter_context(
                connect(
                    client.ws_url(),
                    subprotocols=client.ws_subprotocols(),
                    open_timeout=5,
                    close_timeout=1,
                )
            )
        except (OSError, WebSocketException, TimeoutError):
            ws = None
        yield ws


def follow_job(
    client: ServerClient,
    job_id: uuid.UUID,
    on_event: Callable[[dict[str, Any]], None],
    ws: ClientConnection | None = None,
) -> dict[str, Any]:
    """Hand the job's events to ``on_event`` in order until it ends; returns the final job.

    Events come from the WebSocket ``ws`` while it lasts, then by polling the job's logs
    from the last sequence number seen, so none is lost or repeated.
    """
    seen = 0

    def handle(event: dict[str, Any]) -> bool:
        nonlocal seen
        if event.get("job_id") != str(job_id) or int(event.get("seq", 0)) <= seen:
            return False
        seen = int(event["seq"])
        on_event(event)
        return event.get("type") == "job_complete" or event.get("kind") == "complete"

    if ws is not None:
        try:
            while True:
                try:
                    raw = ws.recv(timeout=5)
                except TimeoutError:  # quiet job: make sure it did not end unseen
                    if client.request("GET", f"/jobs/{job_id}")["status"] in FINISHED:
                        break
                    continue
                if handle(json.loads(raw)):
                    return dict(client.request("GET", f"/jobs/{job_id}"))
        except (OSError, WebSocketException):
            pass  # the connection dropped: poll from what was seen
    while True:
        page = client.request("GET", f"/jobs/{job_id}/logs", params={"after": seen, "limit": 500})
        for event in page["data"]:
            if handle(event):
                return dict(client.request("GET", f"/jobs/{job_id}"))
        if not page["data"]:
            job = client.request("GET", f"/jobs/{job_id}")
            if job["status"] in FINISHED:
                # its last events are written just after it ends: read them too
                last = client.request(
                    "GET", f"/jobs/{job_id}/logs", params={"after": seen, "limit": 500}
                )
                for event in last["data"]:
                    handle(event)
                return dict(job)
            time.sleep(POLL_S)
