"""Simulations, results and jobs: lists, history per bed, comparison, cancel, access control."""

from __future__ import annotations

import uuid

from bedflow.db import Bed, Result, Simulation, crud
from tests.utils.api import Api


def _run(api: Api, bed: Bed, *, dp: float, solver: str = "lbm") -> tuple[Simulation, Result]:
    sim = crud.create_simulation(api.session, bed=bed, solver=solver, settings={"cells_per_dp": 20})
    crud.update_simulation(api.session, simulation=sim, status="running")
    crud.update_simulation(api.session, simulation=sim, status="succeeded")
    result = crud.create_result(
        api.session,
        simulation=sim,
        porosity=0.41,
        pressure_drop_per_length=dp,
        ergun_per_length=150.0,
    )
    return sim, result


def test_simulation_history_and_results(api: Api) -> None:
    user, h = api.user()
    bed, other = api.bed(user), api.bed(user)
    (s1, r1), (s2, r2) = _run(api, bed, dp=140.0), _run(api, bed, dp=160.0, solver="openfoam")
    _run(api, other, dp=1.0)

    history = api.client.get(f"/api/v1/beds/{bed.id}/simulations", headers=h).json()
    assert history["count"] == 2 and [s["id"] for s in history["data"]] == [str(s2.id), str(s1.id)]
    assert api.client.get("/api/v1/simulations", headers=h).json()["count"] == 3
    page = api.client.get(
        "/api/v1/simulations", params={"bed_id": str(bed.id), "sort": "created_at"}, headers=h
    )
    assert [s["id"] for s in page.json()["data"]] == [str(s1.id), str(s2.id)]
    one = api.client.get(f"/api/v1/simulations/{s1.id}", headers=h).json()
    assert one["status"] == "succeeded" and one["duration_s"] is not None

    results = api.client.get("/api/v1/results", params={"bed_id": str(bed.id)}, headers=h).json()
    assert results["count"] == 2
    assert api.client.get(f"/api/v1/results/{r1.id}", headers=h).json()["porosity"] == 0.41

    cmp = api.client.get(
        "/api/v1/results/compare", params={"ids": [str(r2.id), str(r1.id)]}, headers=h
    )
    assert cmp.status_code == 200
    rows = {row["metric"]: row for row in cmp.json()["metrics"]}
    assert rows["pressure_drop_per_length"]["values"] == [160.0, 140.0]
    assert rows["ergun_per_length"]["unit"] == "Pa/m"


def test_runs_of_another_user_are_not_found(api: Api) -> None:
    alice, h_alice = api.user()
    _, h_bob = api.user()
    sim, result = _run(api, api.bed(alice), dp=1.0)
    for url in (f"/api/v1/simulations/{sim.id}", f"/api/v1/results/{result.id}"):
        assert api.client.get(url, headers=h_bob).status_code == 404
        assert api.client.get(url, headers=h_alice).status_code == 200
    r = api.client.get("/api/v1/results/compare", params={"ids": [str(result.id)]}, headers=h_bob)
    assert r.status_code == 404 and r.json()["error"]["details"] == [{"id": str(result.id)}]
    assert api.client.get("/api/v1/simulations", headers=h_bob).json()["count"] == 0
    assert api.client.get("/api/v1/results", headers=h_bob).json()["count"] == 0


def test_jobs_list_read_cancel_and_access(api: Api) -> None:
    alice, h_alice = api.user()
    _, h_bob = api.user()
    bed = api.bed(alice)
    job = crud.create_job(api.session, user=alice, type="pack", bed=bed)
    done = crud.create_job(api.session, user=alice, type="pack", bed=bed)
    crud.update_job(api.session, job=done, status="failed", error="boom")

    assert api.client.get("/api/v1/jobs", headers=h_alice).json()["count"] == 2
    r = api.client.get("/api/v1/jobs", params={"status": "queued"}, headers=h_alice).json()
    assert [j["id"] for j in r["data"]] == [str(job.id)]
    for call in (
        api.client.get(f"/api/v1/jobs/{job.id}", headers=h_bob),
        api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=h_bob),
    ):
        assert call.status_code == 404
    assert api.client.get("/api/v1/jobs", headers=h_bob).json()["count"] == 0

    r = api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=h_alice)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.client.post(f"/api/v1/jobs/{done.id}/cancel", headers=h_alice).status_code == 409
    assert api.client.get(f"/api/v1/jobs/{uuid.uuid4()}", headers=h_alice).status_code == 404
