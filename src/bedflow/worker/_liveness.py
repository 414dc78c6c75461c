"""A running job's liveness: the heartbeat that proves its worker alive, the cancel callback
that stops it when asked or when the job stopped being this worker's, and the sweeper that
every worker runs to take back the jobs of workers that are gone (see crud._recovery)."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import crud
from bedflow.settings import Settings

__all__ = [
    "CANCEL_POLL_S",
    "HEARTBEAT_S",
    "Heartbeat",
    "Sweeper",
    "cancel_poller",
    "heartbeat_interval_s",
]

log = logging.getLogger(__name__)

CANCEL_POLL_S = 0.5
"""The job row is read for a cancel request at most this often."""
HEARTBEAT_S = 5.0
"""A running job's heartbeat is written at least this often (see heartbeat_interval_s)."""


class Heartbeat(threading.Thread):
    """Beats for the job from a thread of its own while it runs, so that a long step that
    checks for cancellation rarely (a numba compile, a mesh export) never looks like a dead
    worker; it notices when the job stopped being this worker's (taken over, finished)."""

    def __init__(
        self, sessions: sessionmaker[Session], job_id: uuid.UUID, worker: str, every_s: float
    ) -> None:
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.sessions, self.job_id, self.worker, self.every_s = sessions, job_id, worker, every_s
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_s):
            try:
                with self.sessions() as session:
                    mine = crud.heartbeat(session, job_id=self.job_id, worker=self.worker)
            except Exception:  # a database hiccup: the next beat tries again
                log.warning("job %s: heartbeat failed", self.job_id, exc_info=True)
                continue
            if not mine:
                self.lost.set()
                return

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


class Sweeper(threading.Thread):
    """Calls ``sweep`` at once, then every ``every_s`` seconds, from a thread of its own until
    stopped; a failed sweep is logged and tried again on the next round."""

    def __init__(self, sweep: Callable[[], object], every_s: float, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.sweep, self.every_s = sweep, every_s
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # the database or broker blinked: the next round tries again
                log.warning("%s: sweep failed", self.name, exc_info=True)
            if self.stopped.wait(self.every_s):
                return

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=10)


def heartbeat_interval_s(settings: Settings) -> float:
    """How often a running job beats: a quarter of the stale limit, at most every 5 s."""
    return min(HEARTBEAT_S, settings.job_stale_seconds / 4)


def cancel_poller(
    sessions: sessionmaker[Session],
    job_id: uuid.UUID,
    worker: str,
    cancel_check: Callable[[], bool] | None,
    beat: Heartbeat,
) -> Callable[[], bool]:
    last = {"poll": 0.0, "cancelled": 0.0}

    def cancel() -> bool:
        if last["cancelled"]:
            return True
        if beat.lost.is_set() or (cancel_check is not None and cancel_check()):
            last["cancelled"] = 1.0
            return True
        now = time.monotonic()
        if now - last["poll"] < CANCEL_POLL_S:
            return False
        last["poll"] = now
        with sessions() as session:
            if crud.job_cancel_requested(session, job_id=job_id, worker=worker):
                last["cancelled"] = 1.0
                return True
        return False

    return cancel
