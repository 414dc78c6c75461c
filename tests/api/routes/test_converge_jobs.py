"""A grid convergence study asked through the API: ``converge`` in a job's request body."""

from __future__ import annotations

from tests.utils.api import Api
from tests.utils.jobs import job_bed


def test_simulate_and_job_requests_carry_converge_into_the_params(api: Api) -> None:
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post(
        f"/api/v1/beds/{bed.id}/simulate", json={"converge": True, "solver": "lbm"}, headers=h
    )
    assert r.status_code == 202, r.text
    assert r.json()["params"]["converge"] is True
    r = api.client.post(
        "/api/v1/jobs", json={"bed_id": str(bed.id), "converge": True, "solver": "lbm"}, headers=h
    )
    assert r.status_code == 202 and r.json()["params"]["converge"] is True
    plain = api.client.post(f"/api/v1/beds/{bed.id}/simulate", headers=h)
    assert plain.status_code == 202 and plain.json()["params"]["converge"] is False


def test_a_study_the_solver_cannot_run_is_refused_before_it_is_queued(api: Api) -> None:
    """The correlations have no grid to refine: 422 at submission, no job written (the
    worker used to fail it after packing)."""
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    r = api.client.post(
        f"/api/v1/beds/{bed.id}/simulate",
        json={"converge": True, "solver": "correlation"},
        headers=h,
    )
    assert r.status_code == 422, r.text
    assert "no grid to refine" in r.json()["error"]["message"]
    jobs = api.client.get("/api/v1/jobs", headers=h).json()
    assert jobs["count"] == 0
