"""Live job events over a WebSocket: ``/ws?last_event_id=N``.

The database is the source of truth: every event a worker reports is a ``job_events`` row,
so any API process serves any client. One reader per process (``EventHub``) reads each new
event once and fans it out to the connections whose user may see its job; a client that
reconnects with the last id it saw first receives everything after it, in order, then the
live events.

The token travels in the ``Sec-WebSocket-Protocol`` header, out of URLs and their logs: the
client offers two subprotocols, ``bedflow`` and ``bearer.<token>`` (a JWT or ``bf_`` token is
made of characters a subprotocol may hold), and the server accepts ``bedflow``, never echoing
the secret one. Browsers: ``new WebSocket(url, ["bedflow", "bearer." + token])``. The
``?token=`` parameter still works for older clients (it is masked in the logs). A browser
signed in with ``POST /login/session`` needs none of this: its ``bedflow_session`` cookie is
taken, but only when the ``Origin`` header names the host the socket was opened on (a
WebSocket is not bound by the same-origin policy: a page elsewhere could open one with the
cookie; it is refused with 1008). While the
socket is open its token is checked again every ``recheck_interval`` seconds; a revoked
token, a password change or a deactivated user closes it with 1008 (policy violation).
"""

from __future__ import annotations

import contextlib
import json
import logging

import anyio
import anyio.to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from bedflow.api._jobs import EventHub, Subscription, event_hub, event_message
from bedflow.api._session import SESSION_COOKIE, same_origin
from bedflow.api._state import AppState, app_state
from bedflow.api.deps import recheck_interval, user_for_token
from bedflow.db import User, crud

router = APIRouter(tags=["live"])

log = logging.getLogger(__name__)

REPLAY_LIMIT = 500
"""Events read per query while a reconnecting client catches up."""
SUBPROTOCOL = "bedflow"
"""The subprotocol the server accepts (the client offers it next to its token's)."""
BEARER_PREFIX = "bearer."
"""The subprotocol ``bearer.<token>`` carries the token."""


def offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """The token a client offered as subprotocol ``bearer.<token>`` (None when none), and
    the subprotocol to accept: ``bedflow`` when offered, else none."""
    offered = [str(p).strip() for p in websocket.scope.get("subprotocols") or []]
    token = next((p[len(BEARER_PREFIX) :] for p in offered if p.startswith(BEARER_PREFIX)), None)
    return token, SUBPROTOCOL if SUBPROTOCOL in offered else None


def _authenticate(state: AppState, token: str) -> User | None:
    with state.read_sessions() as session:
        return user_for_token(session, state, token) if token else None


def _missed(state: AppState, user: User, after: int) -> list[str]:
    with state.read_sessions() as session:
        events = crud.list_user_events(session, user=user, after_id=after, limit=REPLAY_LIMIT)
        return [json.dumps(event_message(e)) for e in events]


async def _push(websocket: WebSocket, state: AppState, sub: Subscription, after: int) -> None:
    sent = after
    while True:  # catch up from the database: what came before the hub's first read
        missed = await anyio.to_thread.run_sync(_missed, state, sub.user, sent)
        for text in missed:
            await websocket.send_text(text)
        if missed:
            sent = json.loads(missed[-1])["id"]
        if len(missed) < REPLAY_LIMIT:
            break
    while True:
        item = await sub.queue.get()
        if item is None:  # fell too far behind: reconnect with last_event_id
            await websocket.close(code=status.WS_1013_TRY_AGAIN_LATER, reason="too slow")
            return
        if item.id > sent:
            await websocket.send_text(item.text)
            sent = item.id


async def _watch(
    websocket: WebSocket, state: AppState, hub: EventHub, sub: Subscription, token: str
) -> None:
    """Check the token again every ``recheck_interval``; close with 1008 once it fails."""
    interval = recheck_interval(state)
    while True:
        await anyio.sleep(interval)
        try:
            user = await anyio.to_thread.run_sync(_authenticate, state, token)
        except Exception:  # the database blinked: keep the socket, ask again next time
            log.warning("re-checking a WebSocket's token failed", exc_info=True)
            continue
        if user is None:
            reason = "token revoked or expired, password changed or user deactivated"
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=reason)
            return
        hub.refresh(sub, user)  # a role or project membership may have changed too


@router.websocket("/ws")
async def job_events(
    websocket: WebSocket, token: str = "", last_event_id: int | None = None
) -> None:
    """Push the events of the user's jobs; resume after ``last_event_id`` when given."""
    state = app_state(websocket)
    hub = event_hub(websocket)
    offered, subprotocol = offered_token(websocket)
    token = offered or token
    if not token and websocket.cookies.get(SESSION_COOKIE):
        if not same_origin(websocket):
            reason = "a session cookie from another origin"
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=reason)
            return
        token = websocket.cookies[SESSION_COOKIE]
    user = await anyio.to_thread.run_sync(_authenticate, state, token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid token")
        return
    # Fixed before the connection is accepted: a client that queues a job once connected
    # receives all of its events.
    after = last_event_id
    if after is None:
        after = await anyio.to_thread.run_sync(hub.latest_id)
    await websocket.accept(subprotocol=subprotocol)
    sub = await hub.subscribe(user, after=after)
    try:
        async with anyio.create_task_group() as group:

            async def push() -> None:
                await _push(websocket, state, sub, after)
                group.cancel_scope.cancel()

            async def watch() -> None:
                await _watch(websocket, state, hub, sub, token)
                group.cancel_scope.cancel()

            group.start_soon(push)
            group.start_soon(watch)
            with contextlib.suppress(WebSocketDisconnect):
                while True:  # the client says nothing; this notices when it goes away
                    await websocket.receive_text()
            group.cancel_scope.cancel()
    finally:
        hub.unsubscribe(sub)
