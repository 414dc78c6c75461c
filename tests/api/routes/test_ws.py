"""The WebSocket of job events: authenticated, ordered, and resumable after a reconnect."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from bedflow.db import crud
from tests.utils.api import Api
from tests.utils.jobs import job_bed, wait_for


def test_invalid_token_is_rejected(api: Api) -> None:
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect("/api/v1/ws?token=x"):
        pass
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect("/api/v1/ws"):
        pass


def test_reconnect_with_last_event_id_receives_exactly_the_missed_events(
    worker_api: Api,
) -> None:
    api = worker_api
    alice, h = api.user()
    token = h["Authorization"].removeprefix("Bearer ")
    bed = job_bed(api.session, alice)
    first: list[dict[str, Any]] = []
    with api.client.websocket_connect(f"/api/v1/ws?token={token}") as ws:
        r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id), "force": True}, headers=h)
        job_id = uuid.UUID(r.json()["id"])
        while len(first) < 3:
            first.append(ws.receive_json())
    rest: list[dict[str, Any]] = []
    with api.client.websocket_connect(
        f"/api/v1/ws?token={token}&last_event_id={first[-1]['id']}"
    ) as ws:
        while not rest or rest[-1]["type"] != "job_complete":
            rest.append(ws.receive_json())
    wait_for(api.engine, job_id, lambda j: j.status == "succeeded")
    api.session.rollback()
    stored = crud.list_job_events(api.session, job_id=job_id, limit=10_000)
    received = first + rest
    assert [m["id"] for m in received] == [e.id for e in stored]
    assert [m["seq"] for m in received] == list(range(1, len(stored) + 1))
    assert {m["job_id"] for m in received} == {str(job_id)}
    assert {m["type"] for m in received} == {"log", "status", "job_complete"}
    assert rest[-1]["status"] == "succeeded"
