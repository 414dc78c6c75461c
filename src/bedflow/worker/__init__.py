"""Job runners: the job task written once, the embedded process pool, and Celery.

Importing this package stays light (the API imports it): the job task, which loads the
numerical core, is imported on first use.

>>> from bedflow.worker import WorkerPool
>>> pool = WorkerPool(settings, size=2)  # doctest: +SKIP
>>> pool.start()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import typing

from bedflow.worker._dispatch import Dispatcher, EmbeddedDispatcher, make_dispatcher
from bedflow.worker._export import (
    EXPORT_JOB,
    ExportDestination,
    S3Secret,
    check_endpoint,
    parse_s3_secret,
)
from bedflow.worker._pool import WorkerPool, recover_jobs, worker_name
from bedflow.worker._queues import events_channel, queue_for

if typing.TYPE_CHECKING:
    from bedflow.worker._execute import JOB_STAGES, Outcome, backoff_s, execute_job, job_stages

__all__ = [
    "EXPORT_JOB",
    "JOB_STAGES",
    "Dispatcher",
    "EmbeddedDispatcher",
    "ExportDestination",
    "Outcome",
    "S3Secret",
    "WorkerPool",
    "backoff_s",
    "check_endpoint",
    "events_channel",
    "execute_job",
    "job_stages",
    "make_dispatcher",
    "parse_s3_secret",
    "queue_for",
    "recover_jobs",
    "worker_name",
]

_LAZY = frozenset({"JOB_STAGES", "Outcome", "backoff_s", "execute_job", "job_stages"})


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY:
        return getattr(importlib.import_module("bedflow.worker._execute"), name)
    raise AttributeError(f"module 'bedflow.worker' has no attribute {name!r}")
