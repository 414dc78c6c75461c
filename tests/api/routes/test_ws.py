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


def _until_complete(ws: Any) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    while not received or received[-1]["type"] != "job_complete":
        received.append(ws.receive_json())
    return received


def test_one_reader_fans_events_out_to_every_client_of_the_user_and_no_one_else(
    worker_api: Api,
) -> None:
    api = worker_api
    alice, h = api.user()
    bob, h_bob = api.user()
    token = h["Authorization"].removeprefix("Bearer ")
    token_bob = h_bob["Authorization"].removeprefix("Bearer ")
    beds = job_bed(api.session, alice), job_bed(api.session, bob)
    url = "/api/v1/ws?token={}"
    with (
        api.client.websocket_connect(url.format(token)) as a1,
        api.client.websocket_connect(url.format(token)) as a2,
        api.client.websocket_connect(url.format(token)) as a3,
        api.client.websocket_connect(url.format(token_bob)) as b,
    ):
        r = api.client.post("/api/v1/jobs", json={"bed_id": str(beds[0].id)}, headers=h)
        alice_job = r.json()["id"]
        streams = [_until_complete(ws) for ws in (a1, a2, a3)]
        assert streams[0] == streams[1] == streams[2]
        assert {m["job_id"] for m in streams[0]} == {alice_job}
        assert [m["seq"] for m in streams[0]] == list(range(1, len(streams[0]) + 1))
        r = api.client.post("/api/v1/jobs", json={"bed_id": str(beds[1].id)}, headers=h_bob)
        bob_job = r.json()["id"]
        first = b.receive_json()  # bob's first event is his own job's: none of alice's
        assert first["job_id"] == bob_job and first["seq"] == 1
        assert {m["job_id"] for m in _until_complete(b)} == {bob_job}
