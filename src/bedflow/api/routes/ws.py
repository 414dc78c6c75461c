"""Live job events over a WebSocket: ``/ws?token=...&last_event_id=N``.

The database is the source of truth: every event a worker reports is a ``job_events`` row,
so any API process serves any client. One reader per process (``EventHub``) reads each new
event once and fans it out to the connections whose user may see its job; a client that
reconnects with the last id it saw first receives everything after it, in order, then the
live events.
"""

from __future__ import annotations

import contextlib
import json
import logging

import anyio
import anyio.to_thread
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from bedflow.api._jobs import EventHub, event_hub, event_message
from bedflow.api._state import AppState, app_state
from bedflow.api.deps import user_for_token
from bedflow.db import User, crud

router = APIRouter(tags=["live"])

log = logging.getLogger(__name__)

REPLAY_LIMIT = 500
"""Events read per query while a reconnecting client catches up."""


def _authenticate(state: AppState, token: str) -> User | None:
    with state.read_sessions() as session:
        return user_for_token(session, state, token) if token else None


def _missed(state: AppState, user: User, after: int) -> list[str]:
    with state.read_sessions() as session:
        events = crud.list_user_events(session, user=user, after_id=after, limit=REPLAY_LIMIT)
        return [json.dumps(event_message(e)) for e in events]


async def _push(
    websocket: WebSocket, state: AppState, hub: EventHub, user: User, after: int
) -> None:
    sub = await hub.subscribe(user, after=after)
    try:
        sent = after
        while True:  # catch up from the database: what came before the hub's first read
            missed = await anyio.to_thread.run_sync(_missed, state, user, sent)
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
    finally:
        hub.unsubscribe(sub)


@router.websocket("/ws")
async def job_events(
    websocket: WebSocket, token: str = "", last_event_id: int | None = None
) -> None:
    """Push the events of the user's jobs; resume after ``last_event_id`` when given."""
    state = app_state(websocket)
    hub = event_hub(websocket)
    user = await anyio.to_thread.run_sync(_authenticate, state, token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid token")
        return
    # Fixed before the connection is accepted: a client that queues a job once connected
    # receives all of its events.
    after = last_event_id
    if after is None:
        after = await anyio.to_thread.run_sync(hub.latest_id)
    await websocket.accept()

    async with anyio.create_task_group() as group:

        async def push() -> None:
            await _push(websocket, state, hub, user, after)
            group.cancel_scope.cancel()

        group.start_soon(push)
        with contextlib.suppress(WebSocketDisconnect):
            while True:  # the client says nothing; this notices when it goes away
                await websocket.receive_text()
        group.cancel_scope.cancel()
