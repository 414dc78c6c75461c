"""Live job events over a WebSocket: ``/ws?token=...&last_event_id=N``.

The database is the source of truth: every event a worker reports is a ``job_events`` row,
so any API process serves any client, and a client that reconnects with the last id it saw
first receives everything after it, in order, then live events.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import anyio
import anyio.to_thread
import redis
import redis.asyncio
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status
from sqlalchemy import func, select

from bedflow.api._state import AppState, app_state
from bedflow.api.deps import user_for_token
from bedflow.db import JobEvent, User, crud
from bedflow.worker import events_channel

router = APIRouter(tags=["live"])

log = logging.getLogger(__name__)

_TYPES = {"log": "log", "status": "status", "stage_complete": "status", "complete": "job_complete"}


def message(event: JobEvent) -> dict[str, Any]:
    """The JSON message of an event: ``type`` is log, status or job_complete."""
    return {
        "id": event.id,
        "type": _TYPES.get(event.kind, "status"),
        "job_id": str(event.job_id),
        "seq": event.seq,
        "stage": event.stage,
        "level": event.level,
        "message": event.message,
        "progress": event.progress,
        "status": event.status,
        "created_at": event.created_at.isoformat(),
    }


def _authenticate(state: AppState, token: str) -> User | None:
    with state.sessions() as session:
        return user_for_token(session, state, token) if token else None


def _latest_id() -> Any:
    return select(func.coalesce(func.max(JobEvent.id), 0))


def _read(state: AppState, user: User, after: int | None) -> tuple[int, list[dict[str, Any]]]:
    with state.sessions() as session:
        if after is None:
            return int(session.scalar(_latest_id()) or 0), []
        events = crud.list_user_events(session, user=user, after_id=after)
        return (events[-1].id if events else after), [message(e) for e in events]


class _Waker:
    """Wakes the push loop early when Redis announces new events (scale-out only)."""

    def __init__(self) -> None:
        self.event = anyio.Event()

    async def wait(self, timeout: float) -> None:
        with anyio.move_on_after(timeout):
            await self.event.wait()
        self.event = anyio.Event()

    async def listen(self, state: AppState) -> None:
        if not state.settings.broker_url:
            return
        client = redis.asyncio.Redis.from_url(state.settings.broker_url)
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(events_channel(state.settings))
            async for _ in pubsub.listen():
                self.event.set()
        except redis.RedisError:
            log.warning("no event announcements from Redis: polling the database only")
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()


@router.websocket("/ws")
async def job_events(
    websocket: WebSocket, token: str = "", last_event_id: int | None = None
) -> None:
    """Push the events of the user's jobs; resume after ``last_event_id`` when given."""
    state = app_state(websocket)
    user = await anyio.to_thread.run_sync(_authenticate, state, token)
    if user is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="invalid token")
        return
    await websocket.accept()
    after = last_event_id
    if after is None:
        after, _ = await anyio.to_thread.run_sync(_read, state, user, None)

    waker = _Waker()

    async def push() -> None:
        nonlocal after
        while True:
            after, messages = await anyio.to_thread.run_sync(_read, state, user, after)
            for item in messages:
                await websocket.send_json(item)
            if not messages:
                await waker.wait(state.config.event_poll_s)

    async with anyio.create_task_group() as group:
        group.start_soon(push)
        group.start_soon(waker.listen, state)
        with contextlib.suppress(WebSocketDisconnect):
            while True:  # the client says nothing; this notices when it goes away
                await websocket.receive_text()
        group.cancel_scope.cancel()
