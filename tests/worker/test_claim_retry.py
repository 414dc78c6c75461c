"""A Celery task whose job cannot be claimed because the database is away retries the claim.

Regression: the cluster's load run (bench/bench_cluster.py) lost 4 of 92 jobs when the
PostgreSQL primary was killed: workers received their tasks during the failover, the claim
failed, the task ended and Celery acknowledged it, and the jobs stayed queued for ever.

The database here is really away (nothing listens on the port); the task is a stand-in with
the two things ``run_job`` uses of Celery's (``request.retries`` and ``retry``), since what is
checked is the decision, not Celery's redelivery (tests/worker/test_celery.py runs that).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bedflow.db import make_engine, make_sessionmaker
from bedflow.worker import _celery
from tests.utils.jobs import job_settings
from tests.utils.net import free_port


class Retry(Exception):
    pass


class StandInTask:
    def __init__(self, retries: int) -> None:
        self.request = SimpleNamespace(retries=retries)
        self.calls: list[dict[str, Any]] = []

    def retry(self, **kwargs: Any) -> Retry:
        self.calls.append(kwargs)
        return Retry()


@pytest.mark.parametrize(("retries", "wait_s"), [(0, 2.0), (3, 8.0), (100, 30.0)])
def test_claim_retried_while_the_database_is_away(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, retries: int, wait_s: float
) -> None:
    url = f"postgresql+psycopg://bedflow@127.0.0.1:{free_port()}/bedflow?connect_timeout=2"
    engine = make_engine(url)
    context = (job_settings(tmp_path, engine), make_sessionmaker(engine), None)
    monkeypatch.setattr(_celery, "_context", lambda: context)
    task = StandInTask(retries)
    try:
        with pytest.raises(Retry):
            _celery.run_job(task, str(uuid.uuid4()))
    finally:
        engine.dispose()
    assert task.calls == [{"countdown": wait_s, "max_retries": None}]
