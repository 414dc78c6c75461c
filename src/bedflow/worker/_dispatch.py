"""How the API hands a queued job to a back end: the embedded pool or Celery."""

from __future__ import annotations

import logging
from typing import Protocol

from bedflow.db import Job
from bedflow.settings import Settings
from bedflow.worker._pool import WorkerPool

__all__ = ["Dispatcher", "EmbeddedDispatcher", "make_dispatcher"]

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    """Starts with the app, is told of each queued job, stops with the app."""

    def start(self) -> None: ...

    def submit(self, job: Job) -> None: ...

    def stop(self) -> None: ...


class EmbeddedDispatcher:
    """The local process pool; the database is the queue, ``submit`` only wakes a worker."""

    def __init__(self, settings: Settings, *, workers: int) -> None:
        self.pool = WorkerPool(settings, size=workers) if workers > 0 else None

    def start(self) -> None:
        if self.pool is not None:
            self.pool.start()

    def submit(self, job: Job) -> None:
        if self.pool is not None:
            self.pool.notify()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()


def make_dispatcher(settings: Settings, *, workers: int) -> Dispatcher:
    """Celery when ``settings.broker_url`` is set, else ``workers`` embedded processes."""
    if settings.broker_url:
        from bedflow.worker._celery import CeleryDispatcher

        return CeleryDispatcher(settings)
    return EmbeddedDispatcher(settings, workers=workers)
