"""Health per dependency (503 when a required one is down) and Prometheus metrics."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bedflow.api import create_app
from bedflow.db import crud
from tests.utils.api import CONFIG, Api, make_settings, state


def test_health_reports_each_dependency(api: Api) -> None:
    r = api.client.get("/api/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["storage"]["status"] == "ok"
    broker = body["checks"]["broker"]
    assert (broker["status"], broker["required"]) == ("not_configured", False)
    assert body["checks"]["workers"]["status"] == "embedded"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broken_api(api: Api, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a broker nobody answers on and an object store that is a file."""
    (tmp_path / "objects").mkdir()
    settings = make_settings(
        tmp_path, api.engine, broker_url=f"redis://127.0.0.1:{_closed_port()}/0"
    )
    app = create_app(settings, config=CONFIG)
    with TestClient(app) as client:
        yield client


def test_a_required_dependency_down_answers_503(broken_api: TestClient) -> None:
    r = broken_api.get("/api/v1/health")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"]["status"] == "down" and body["checks"]["broker"]["required"]
    assert body["checks"]["database"]["status"] == "ok"
    assert "redis://" not in r.text


def test_metrics_count_requests_by_route_and_jobs_by_status(api: Api) -> None:
    user, h = api.user()
    bed = api.bed(user)
    api.client.get(f"/api/v1/beds/{bed.id}", headers=h)
    api.client.get("/api/v1/no/such/route")
    crud.create_job(api.session, user=user, type="pack", bed=bed)
    text = api.client.get("/api/v1/metrics").text
    assert 'route="/api/v1/beds/{bed_id}",status="200"' in text
    assert 'route="unmatched",status="404"' in text
    assert "bedflow_http_request_duration_seconds_bucket" in text
    assert 'bedflow_jobs{status="queued"} 1.0' in text
    assert "bedflow_queue_length 1.0" in text
    assert str(bed.id) not in text
    assert state(api.app).metrics.registry is not None
