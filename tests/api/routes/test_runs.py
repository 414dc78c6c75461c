"""Simulations, results and jobs: lists, history per bed, comparison, cancel, access control."""

from __future__ import annotations

import uuid

from bedflow import __version__, cfd
from bedflow.db import Bed, Result, Simulation, crud
from tests.utils.api import Api
from tests.utils.results import flow_result, grid_convergence, store_result


def _run(api: Api, bed: Bed, *, dp: float, solver: str = "lbm") -> tuple[Simulation, Result]:
    sim = crud.create_simulation(api.session, bed=bed, solver=solver, settings={"cells_per_dp": 20})
    crud.update_simulation(api.session, simulation=sim, status="running")
    crud.update_simulation(api.session, simulation=sim, status="succeeded")
    return sim, store_result(api.session, sim, flow_result(dp=dp, porosity=0.41, solver=solver))


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
    assert rows["correlations.ergun"]["unit"] == "Pa/m"
    ergun = rows["correlations.ergun"]["values"]
    assert rows["ratio_to_correlations.ergun"]["values"] == [160.0 / ergun[0], 140.0 / ergun[1]]
    assert rows["uncertainty.uncertainty"]["values"] == [None, None]  # single-resolution runs


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


def test_a_flow_result_reaches_the_api_unchanged(api: Api) -> None:
    """FlowResult -> FlowRecord -> the Result row -> ResultPublic: every figure, the domain,
    the grid convergence uncertainty and the derived figures come back as the solver made
    them (the one road of a result, docs/architecture.md)."""
    user, h = api.user()
    sim = crud.create_simulation(api.session, bed=api.bed(user), solver="lbm")
    flow = flow_result(dp=6.2, uncertainty=grid_convergence(6.2))
    row = store_result(api.session, sim, flow)
    body = api.client.get(f"/api/v1/results/{row.id}", headers=h).json()

    domain = {k: v for k, v in body["domain"].items() if v is not None}  # other solvers' keys
    assert cfd.FlowResult.from_json({**body, "domain": domain}) == flow
    assert body["ratio_to_correlations"] == flow.ratio_to_correlations
    assert body["region"] == {"z_min": 0.01, "z_max": 0.03, "porosity_from": "slab (bulk band)"}
    assert body["uncertainty"]["gci"] == 0.0085 and body["uncertainty"]["converged"] is True
    assert body["provenance"] == {"bedflow_version": __version__, "spec_hash": row.spec_hash}
    # the typed columns repeat the record's figures, for search and comparison
    assert (row.uncertainty, row.gci, row.region_z_min) == (0.0085 * 6.2, 0.0085, 0.01)
    assert (row.solver_version, row.converged, row.iterations) == ("test 1.0", True, 900)


def test_a_result_without_a_grid_study_has_an_unknown_uncertainty(api: Api) -> None:
    user, h = api.user()
    _, row = _run(api, api.bed(user), dp=6.0)
    body = api.client.get(f"/api/v1/results/{row.id}", headers=h).json()
    assert body["uncertainty"] is None and row.uncertainty is None
    assert body["pressure_drop_per_length"] == 6.0
