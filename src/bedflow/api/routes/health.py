"""Health of the dependencies, and the Prometheus metrics."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bedflow._version import __version__
from bedflow.api._state import AppState
from bedflow.api.deps import StateDep
from bedflow.api.schemas import CheckPublic, HealthPublic
from bedflow.db import Job, utcnow

router = APIRouter(tags=["health"])

log = logging.getLogger(__name__)

WORKER_FRESH = timedelta(minutes=2)
"""A worker that reported on a job this recently is alive."""
PROBE_KEY = "health/probe"


def _timed(check: str, required: bool, state: AppState) -> CheckPublic:
    started = time.perf_counter()
    try:
        status, detail = CHECKS[check](state)
    except Exception as exc:
        # The exception's type only: its message may carry a URL with a password in it.
        log.warning("health check %s failed: %s", check, type(exc).__name__)
        status, detail = "down", type(exc).__name__
    latency = round((time.perf_counter() - started) * 1000, 2)
    return CheckPublic(status=status, required=required, latency_ms=latency, detail=detail)


def _database(state: AppState) -> tuple[str, str]:
    with state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return "ok", state.engine.dialect.name


def _storage(state: AppState) -> tuple[str, str]:
    state.storage.exists(PROBE_KEY)
    return "ok", state.settings.storage_backend


def _broker(state: AppState) -> tuple[str, str]:
    url = state.settings.broker_url
    if not url:
        return "not_configured", "embedded workers"
    import redis  # only deployments with a broker need it

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok", "redis"


def _workers(state: AppState) -> tuple[str, str]:
    if not state.settings.broker_url:
        return "embedded", "jobs run inside the server"
    since = utcnow() - WORKER_FRESH
    with state.read_sessions() as session:
        alive = session.scalar(
            select(func.count(func.distinct(Job.worker))).where(Job.heartbeat_at >= since)
        )
    return ("ok", f"{alive} active") if alive else ("idle", "no heartbeat in the last 2 minutes")


CHECKS = {"database": _database, "storage": _storage, "broker": _broker, "workers": _workers}


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "a required dependency is down"}},
)
def health(state: StateDep) -> JSONResponse:
    """The database, the object store, the broker (when configured) and the workers.

    Required: database, storage, and the broker when ``BEDFLOW_BROKER_URL`` is set; the
    answer is 503 when one of them is down.
    """
    broker = bool(state.settings.broker_url)
    checks = {
        "database": _timed("database", True, state),
        "storage": _timed("storage", True, state),
        "broker": _timed("broker", broker, state),
        "workers": _timed("workers", False, state),
    }
    required_down = any(c.required and c.status == "down" for c in checks.values())
    any_down = any(c.status == "down" for c in checks.values())
    overall = "down" if required_down else "degraded" if any_down else "ok"
    body = HealthPublic(status=overall, version=__version__, checks=checks)
    return JSONResponse(body.model_dump(mode="json"), status_code=503 if required_down else 200)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(state: StateDep) -> Response:
    """Prometheus metrics: requests and latencies by route, jobs by status, queue length."""
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
