"""Server-sent events of one job: the WebSocket's fallback, fed by the same event hub."""

from __future__ import annotations

import uuid

from bedflow.db import crud
from tests.utils.api import Api
from tests.utils.jobs import job_bed, wait_for
from tests.utils.sse import parse_sse


def test_stream_of_a_running_job_carries_every_event_then_ends(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id), "force": True}, headers=h)
    job_id = uuid.UUID(r.json()["id"])
    with api.client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=h) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(response.read().decode())
    api.session.rollback()
    stored = crud.list_job_events(api.session, job_id=job_id, limit=10_000)
    assert [e["id"] for e in events] == [e.id for e in stored]
    assert [e["data"]["id"] for e in events] == [e["id"] for e in events]
    assert [e["data"]["seq"] for e in events] == list(range(1, len(stored) + 1))
    assert all(e["event"] == e["data"]["type"] for e in events)
    assert {e["event"] for e in events} == {"log", "status", "job_complete"}
    assert events[-1]["event"] == "job_complete" and events[-1]["data"]["status"] == "succeeded"
    assert {e["data"]["job_id"] for e in events} == {str(job_id)}


def test_resumes_after_last_event_id_header_or_parameter(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    other = job_bed(api.session, alice, name="other")
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id), "force": True}, headers=h)
    job_id = uuid.UUID(r.json()["id"])
    # another job of the same user running at the same time: its events stay out
    api.client.post("/api/v1/jobs", json={"bed_id": str(other.id), "force": True}, headers=h)
    url = f"/api/v1/jobs/{job_id}/events"
    full = parse_sse(api.client.get(url, headers=h).text)
    ids = [e["id"] for e in full]
    middle = ids[len(ids) // 2]

    resumed = parse_sse(api.client.get(url, headers={**h, "Last-Event-ID": str(middle)}).text)
    assert [e["id"] for e in resumed] == [i for i in ids if i > middle]
    by_query = parse_sse(api.client.get(f"{url}?last_event_id={middle}", headers=h).text)
    assert by_query == resumed
    # the header wins: it is what EventSource sends when it reconnects
    both = api.client.get(f"{url}?last_event_id=0", headers={**h, "Last-Event-ID": str(middle)})
    assert parse_sse(both.text) == resumed
    # past the end of a finished job: an empty stream that ends at once
    ended = api.client.get(url, headers={**h, "Last-Event-ID": str(ids[-1])})
    assert ended.status_code == 200 and parse_sse(ended.text) == []
    wait_for(api.engine, job_id, lambda j: j.status == "succeeded")


def test_another_users_job_is_not_found(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    _, h_bob = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed.id)}, headers=h)
    job_id = uuid.UUID(r.json()["id"])
    url = f"/api/v1/jobs/{job_id}/events"
    assert api.client.get(url, headers=h_bob).status_code == 404
    assert api.client.get(f"/api/v1/jobs/{uuid.uuid4()}/events", headers=h).status_code == 404
    assert api.client.get(url).status_code == 401
    assert api.client.get(url, headers={**h, "Last-Event-ID": "x"}).status_code == 422
    wait_for(api.engine, job_id, lambda j: j.status == "succeeded")
