"""The server-sent events of one job (``GET /jobs/{id}/events``), fed by the event hub."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bedflow.api._jobs import READ_LIMIT, Delivery, EventHub, event_message
from bedflow.db import JobEvent, User

__all__ = ["REVOKED_SSE", "SSE_KEEPALIVE_S", "job_event_stream"]

SSE_KEEPALIVE_S = 15.0
"""Seconds of silence after which the event stream sends a comment (proxies close idle
connections)."""


def _job_events_after(
    sessions: sessionmaker[Session], job_id: uuid.UUID, after: int
) -> tuple[list[Delivery], bool]:
    """The job's events with an id above ``after`` (at most ``READ_LIMIT``), and whether its
    completion is at or before ``after`` (nothing more will come)."""
    with sessions() as session:
        events = session.scalars(
            select(JobEvent)
            .where(JobEvent.job_id == job_id, JobEvent.id > after)
            .order_by(JobEvent.id)
            .limit(READ_LIMIT)
        )
        out = [Delivery(e.id, e.job_id, json.dumps(event_message(e))) for e in events]
        ended = after > 0 and bool(
            session.scalar(
                select(func.count())
                .select_from(JobEvent)
                .where(
                    JobEvent.job_id == job_id,
                    JobEvent.kind == "complete",
                    JobEvent.id <= after,
                )
            )
        )
        return out, ended


def _sse(delivery: Delivery) -> tuple[str, bool]:
    """The server-sent event of ``delivery``, and whether it is the job's last."""
    kind = json.loads(delivery.text)["type"]
    return f"id: {delivery.id}\nevent: {kind}\ndata: {delivery.text}\n\n", kind == "job_complete"


REVOKED_SSE = (
    "event: unauthorized\ndata: "
    + json.dumps(
        {
            "type": "unauthorized",
            "message": "the token no longer holds, or the job is no longer visible: sign in again",
        }
    )
    + "\n\n"
)
"""The last event of a stream whose token stopped holding while it was open."""


async def job_event_stream(
    hub: EventHub,
    sessions: sessionmaker[Session],
    *,
    user: User,
    job_id: uuid.UUID,
    after: int = 0,
    keepalive_s: float = SSE_KEEPALIVE_S,
    recheck: Callable[[], Awaitable[User | None]] | None = None,
    recheck_s: float = 5.0,
) -> AsyncIterator[str]:
    """The events of one job after ``after`` as server-sent events, ending after
    ``job_complete``: first what is stored, then live from the hub, each event once, in
    order. ``user`` must be allowed to see the job (the route checks). Every ``recheck_s``
    ``recheck()`` reads the user again (None: the token no longer holds, or they may no
    longer see the job); then the stream sends ``event: unauthorized`` and ends."""
    sub = await hub.subscribe(user, after=after, job_id=job_id)
    try:
        yield "retry: 2000\n\n"
        sent = after
        while True:  # catch up from the database: what came before the hub's first read
            missed, ended = await anyio.to_thread.run_sync(
                _job_events_after, sessions, job_id, sent
            )
            if ended:
                return
            for delivery in missed:
                text, last = _sse(delivery)
                yield text
                sent = delivery.id
                if last:
                    return
            if len(missed) < READ_LIMIT:
                break
        quiet_since = next_check = anyio.current_time()
        next_check += recheck_s
        while True:
            deadline = min(quiet_since + keepalive_s, next_check if recheck else math.inf)
            with anyio.move_on_after(max(0.0, deadline - anyio.current_time())) as scope:
                item = await sub.queue.get()
            now = anyio.current_time()
            if recheck is not None and now >= next_check:
                fresh = await recheck()
                if fresh is None:
                    yield REVOKED_SSE
                    return
                hub.refresh(sub, fresh)
                next_check = now + recheck_s
            if scope.cancelled_caught:
                if now >= quiet_since + keepalive_s:
                    yield ": keep-alive\n\n"
                    quiet_since = now
                continue
            if item is None:  # fell too far behind: the client resumes with Last-Event-ID
                return
            if item.id > sent:
                text, last = _sse(item)
                yield text
                sent = item.id
                quiet_since = now
                if last:
                    return
    finally:
        hub.unsubscribe(sub)
