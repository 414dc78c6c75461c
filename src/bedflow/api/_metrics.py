"""Prometheus metrics: requests by route template and status, jobs by status, queue length.

Each app has its own registry (several apps in one process, as in the tests, do not clash).
With ``--workers N`` every process counts its own requests; the job figures come from the
database and are the same in all of them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import crud

__all__ = ["Metrics"]

log = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _JobsCollector(Collector):
    """Reads the job counts from the database at each scrape."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily(
            "bedflow_jobs", "Jobs in the database by status", labels=["status"]
        )
        queue = GaugeMetricFamily("bedflow_queue_length", "Jobs waiting for a worker")
        try:
            with self.sessions() as session:
                counts = crud.job_counts(session, since=EPOCH)
        except Exception as exc:
            log.warning("job metrics unavailable: %s", type(exc).__name__)
            return
        for status, n in counts.items():
            jobs.add_metric([status], n)
        queue.add_metric([], counts["queued"])
        yield jobs
        yield queue


class Metrics:
    """The app's registry and its request metrics."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "bedflow_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bedflow_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_JobsCollector(sessions))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
