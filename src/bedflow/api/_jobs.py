"""Jobs in the API: submitting (the row is written queued, then the back end is told) and the
live events' hub (one reader of ``job_events`` per process, fanning out to clients; the
server-sent events of one job, ``_sse``, are fed by it too)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
import redis
import redis.asyncio
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from bedflow.api._engines import check_job, simulates
from bedflow.api._state import AppState
from bedflow.db import Bed, Job, JobEvent, User, crud, utcnow
from bedflow.db.crud import visible_jobs_query
from bedflow.pipeline import JobParams
from bedflow.settings import Settings
from bedflow.worker import events_channel

__all__ = [
    "READ_LIMIT",
    "Delivery",
    "EventHub",
    "Subscription",
    "event_hub",
    "event_message",
    "lost_before",
    "submit_job",
]

log = logging.getLogger(__name__)


def submit_job(
    session: Session,
    state: AppState,
    *,
    user: User,
    bed: Bed,
    type: str,
    params: JobParams,
    max_attempts: int = 3,
) -> Job:
    """Queue a job of ``type`` on ``bed`` and hand it to the back end.

    Refused before anything is written when its engine or solver is unknown, disabled by an
    admin, or says by its own check that it cannot handle the bed (:func:`check_job`).
    """
    check_job(
        session,
        bed,
        crud.bed_spec(bed),
        engine=params.engine,
        solver=params.solver,
        simulate=simulates(type, params.stages),
        converge=params.converge,
    )
    session.commit()  # end the request's reads: SQLite cannot upgrade a stale read to a write
    job = crud.create_job(
        session, user=user, type=type, bed=bed, params=params, max_attempts=max_attempts
    )
    crud.record_activity(
        session, user=user, action="job.create", subject_type="job", subject_id=job.id
    )
    if state.dispatcher is not None:
        state.dispatcher.submit(job)
    return job


def lost_before(settings: Settings) -> datetime:
    """A running job whose heartbeat is older than this lost its worker: a cancel ends it."""
    return utcnow() - timedelta(seconds=settings.job_stale_seconds)


_TYPES = {"log": "log", "status": "status", "stage_complete": "status", "complete": "job_complete"}


def event_message(event: JobEvent) -> dict[str, Any]:
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


@dataclass(frozen=True)
class Delivery:
    """One event for a subscriber: its id, job and the JSON text sent to every client."""

    id: int
    job_id: uuid.UUID
    text: str


@dataclass(eq=False)
class Subscription:
    """A client's feed: the live events of the jobs its user may see (only those of
    ``job_id`` when given), after ``after``."""

    user: User
    after: int
    job_id: uuid.UUID | None = None
    queue: asyncio.Queue[Delivery | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    overflowed: bool = False


QUEUE_SIZE = 10_000
"""Events a slow client may fall behind by; past that it is disconnected (and reconnects
with its last event id)."""
READ_LIMIT = 1000
"""Events the hub reads per query."""


class EventHub:
    """One reader of ``job_events`` per API process, fanning events out to every client.

    It polls the table only while clients are connected, every ``poll_s`` or at once when
    Redis announces new events (scale-out), reads each new event once and hands it to the
    clients whose user may see its job; who may see a job is asked once per user and job.

    >>> sub = await hub.subscribe(user, after=latest)  # doctest: +SKIP
    >>> item = await sub.queue.get()  # doctest: +SKIP
    """

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, poll_s: float):
        self.sessions, self.settings, self.poll_s = sessions, settings, poll_s
        self.subscribers: set[Subscription] = set()
        self.last_id: int | None = None  # None: not reading (no clients); fresh on the next
        self.visible: dict[uuid.UUID, dict[uuid.UUID, bool]] = {}  # user -> job -> may see
        self.wake = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.reads = 0

    def latest_id(self) -> int:
        """The id of the newest event in the database (0 when none)."""
        with self.sessions() as session:
            return int(session.scalar(select(func.coalesce(func.max(JobEvent.id), 0))) or 0)

    async def subscribe(
        self, user: User, *, after: int, job_id: uuid.UUID | None = None
    ) -> Subscription:
        """Receive the live events of ``user``'s jobs (or of ``job_id``) after ``after``."""
        if not self.tasks:
            self.tasks.append(asyncio.create_task(self._run(), name="event-hub"))
            if self.settings.broker_url:
                self.tasks.append(asyncio.create_task(self._listen(), name="event-hub-redis"))
        if self.last_id is None:  # the subscriber replays what came before (see ws.py)
            self.last_id = await anyio.to_thread.run_sync(self.latest_id)
        sub = Subscription(user=user, after=after, job_id=job_id)
        self.subscribers.add(sub)
        return sub

    def refresh(self, sub: Subscription, user: User) -> None:
        """``sub``'s user as just read again: who may see which job is asked afresh (a
        removed project member stops receiving that project's jobs)."""
        sub.user = user
        self.visible.pop(user.id, None)

    def unsubscribe(self, sub: Subscription) -> None:
        self.subscribers.discard(sub)
        if not any(s.user.id == sub.user.id for s in self.subscribers):
            self.visible.pop(sub.user.id, None)
        if not self.subscribers:
            self.last_id = None

    async def aclose(self) -> None:
        """Stop reading (the app shuts down). A task started on another event loop (an ASGI
        test client runs each request in a loop of its own) is cancelled there; only this
        loop's tasks can be awaited."""
        loop = asyncio.get_running_loop()
        for task in self.tasks:
            if task.get_loop() is loop:
                task.cancel()
            elif not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)
        for task in self.tasks:
            if task.get_loop() is loop:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.tasks.clear()

    def _read(
        self, after: int, users: dict[uuid.UUID, User]
    ) -> list[tuple[Delivery, set[uuid.UUID]]]:
        """New events after ``after``, each with the ids of the users that may see it."""
        with self.sessions() as session:
            events = list(
                session.scalars(
                    select(JobEvent)
                    .where(JobEvent.id > after)
                    .order_by(JobEvent.id)
                    .limit(READ_LIMIT)
                )
            )
            self.reads += 1
            if not events:
                return []
            job_ids = {e.job_id for e in events}
            owners: dict[uuid.UUID, uuid.UUID] = {
                job_id: user_id
                for job_id, user_id in session.execute(
                    select(Job.id, Job.user_id).where(Job.id.in_(job_ids))
                )
            }
            for user_id, user in users.items():
                known = self.visible.setdefault(user_id, {})
                unknown = [j for j in job_ids if j not in known]
                if not unknown:
                    continue
                if user.is_admin:
                    known.update(dict.fromkeys(unknown, True))
                    continue
                seen = set(
                    session.scalars(
                        visible_jobs_query(user)
                        .with_only_columns(Job.id)
                        .where(Job.id.in_(unknown))
                    )
                )
                known.update({j: j in seen or owners.get(j) == user_id for j in unknown})
            out = []
            for e in events:
                delivery = Delivery(e.id, e.job_id, json.dumps(event_message(e)))
                readers = {u for u in users if self.visible[u].get(e.job_id)}
                out.append((delivery, readers))
            return out

    async def _run(self) -> None:
        while True:
            with anyio.move_on_after(self.poll_s):
                await self.wake.wait()
            self.wake.clear()
            while self.subscribers and self.last_id is not None:
                users = {s.user.id: s.user for s in self.subscribers}
                try:
                    batch = await anyio.to_thread.run_sync(self._read, self.last_id, users)
                except Exception:  # the database blinked: the next round reads again
                    log.warning("reading job events failed", exc_info=True)
                    break
                if not batch or self.last_id is None:
                    break
                for delivery, readers in batch:
                    for sub in list(self.subscribers):
                        if (
                            sub.user.id in readers
                            and delivery.id > sub.after
                            and sub.job_id in (None, delivery.job_id)
                        ):
                            self._put(sub, delivery)
                self.last_id = batch[-1][0].id
                if len(batch) < READ_LIMIT:
                    break

    def _put(self, sub: Subscription, delivery: Delivery) -> None:
        try:
            sub.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            sub.overflowed = True
            self.subscribers.discard(sub)
            with contextlib.suppress(asyncio.QueueEmpty):
                sub.queue.get_nowait()
            sub.queue.put_nowait(None)  # tells the client's sender to close

    async def _listen(self) -> None:
        """Wake the reader when a worker announces new events on Redis."""
        assert self.settings.broker_url
        while True:
            client = redis.asyncio.Redis.from_url(self.settings.broker_url)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(events_channel(self.settings))
                async for item in pubsub.listen():
                    if item.get("type") == "message":
                        self.wake.set()
            except redis.RedisError:
                log.warning("no event announcements from Redis: polling the database only")
            finally:
                await pubsub.aclose()
                await client.aclose()
            await asyncio.sleep(5)


def event_hub(conn: HTTPConnection) -> EventHub:
    """The event hub of the app serving ``conn``."""
    hub = conn.app.state.event_hub
    assert isinstance(hub, EventHub)
    return hub
