"""Every query parameter of every listing, given values at the edges of its type, answers a
4xx or a success, never a 500: naive and out-of-range times, huge and negative numbers,
NaN, NUL, unknown enum members. The parameters are read from the app's own OpenAPI document,
so a new listing or parameter is probed without touching this test."""

from __future__ import annotations

from typing import Any

import pytest

from tests.utils.api import Api
from tests.utils.jobs import job_bed, queued_job

EDGE_VALUES = [
    "",
    "\x00",
    "x" * 5000,
    "-1",
    "0",
    "9" * 40,
    "-" + "9" * 40,
    "1e309",
    "nan",
    "-inf",
    "not-a-member",
    "00000000-0000-0000-0000-000000000000",
    "2026-01-01T00:00:00",  # naive: was a 500 (ValueError) on created_after/created_before
    "2026-01-01",
    "0001-01-01T00:00:00+14:00",  # before the first UTC time: was a 500 (OverflowError)
    "9999-12-31T23:59:59-14:00",  # after the last one
    "2026-13-45T99:99:99Z",
]


def _fill(template: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        template = template.replace(f"{{{name}}}", value)
    return template


def _listings(api: Api, ids: dict[str, str]) -> list[tuple[str, list[str]]]:
    """The GET operations with query parameters whose path ids we have objects for (a job's
    event stream is left out: with a valid value it streams until the job ends)."""
    document: dict[str, Any] = api.client.get("/api/v1/openapi.json").json()
    found = []
    for path, item in document["paths"].items():
        get = item.get("get")
        if get is None or "{" in _fill(path, ids) or path.endswith("/events"):
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        if names:
            found.append((path, names))
    return found


@pytest.mark.slow
def test_no_query_value_makes_a_listing_answer_500(api: Api) -> None:
    admin, headers = api.user(role="admin")
    bed = job_bed(api.session, admin)
    job = queued_job(api.session, user=admin, bed=bed)
    ids = {"bed_id": str(bed.id), "job_id": str(job.id)}
    listings = _listings(api, ids)
    probed = {path for path, _ in listings}
    for expected in ("/api/v1/beds", "/api/v1/jobs", "/api/v1/jobs/{job_id}/logs", "/api/v1/stats"):
        assert expected in probed
    failures = []
    for template, names in listings:
        path = _fill(template, ids)
        for name in names:
            for value in EDGE_VALUES:
                r = api.client.get(path, params={name: value}, headers=headers)
                if r.status_code >= 500:
                    failures.append(f"{template}?{name}={value[:40]!r}: {r.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "value", ["2026-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
)
@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_job_listing_refuses_times_without_offset_or_out_of_range(
    api: Api, name: str, value: str
) -> None:
    _, headers = api.user()
    r = api.client.get("/api/v1/jobs", params={name: value}, headers=headers)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"] == ["query", name]


def test_job_listing_takes_times_with_an_offset(api: Api) -> None:
    _, headers = api.user()
    for value in ("2026-01-01T00:00:00Z", "2026-01-01T00:00:00+14:00", "0001-01-01T14:00:00+14:00"):
        r = api.client.get("/api/v1/jobs", params={"created_after": value}, headers=headers)
        assert r.status_code == 200, r.text
