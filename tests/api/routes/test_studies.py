"""Parameter studies on the embedded worker pool: a grid of points, its table, cancel, access."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from bedflow.db import BedFile, Job, Study
from tests.utils.api import Api
from tests.utils.jobs import SLOW, job_bed, wait_for

VELOCITIES = ["0.01 m/s", "0.02 m/s", "0.05 m/s"]


def _finished(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def _wait_all(api: Api, study: dict[str, Any], timeout: float = 120.0) -> None:
    for row in study["table"]:
        wait_for(api.engine, uuid.UUID(row["job_id"]), _finished, timeout=timeout)


def _count(api: Api, model: type[Any]) -> int:
    api.session.rollback()
    return api.session.scalar(select(func.count()).select_from(model)) or 0


def test_velocity_study_runs_every_point_and_tabulates_against_ergun(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    body = {"bed_id": str(bed.id), "name": "sweep", "grid": {"cfd.inlet_velocity": VELOCITIES}}
    r = api.client.post("/api/v1/studies", json=body, headers=h)
    assert r.status_code == 202, r.text
    study = r.json()
    # The embedded workers may claim a point before the answer is built.
    assert study["points"] == 3 and study["status"] in ("queued", "running")
    assert [p["parameters"] for p in study["table"]] == [
        {"cfd.inlet_velocity": v} for v in VELOCITIES
    ]
    _wait_all(api, study)

    r = api.client.get(f"/api/v1/studies/{study['id']}", headers=h)
    done = r.json()
    assert done["status"] == "succeeded", done
    assert done["counts"]["succeeded"] == 3
    table = done["table"]
    assert [p["index"] for p in table] == [0, 1, 2]
    results = [p["result"] for p in table]
    velocities = [r["superficial_velocity"] for r in results]
    assert velocities == sorted(velocities) and abs(velocities[0] - 0.01) < 1e-9
    # same packing for every point (only the velocity changed), rising Re and pressure drop
    assert len({round(r["porosity"], 12) for r in results}) == 1
    reynolds = [r["particle_reynolds"] for r in results]
    drops = [r["pressure_drop_per_length"] for r in results]
    assert reynolds == sorted(reynolds) and drops == sorted(drops) and drops[0] > 0
    for r in results:  # the correlation solver's dp/L is Ergun's; the ratio is the run's
        assert r["ratio_to_correlations"]["ergun"] == 1.0
        assert r["uncertainty"] is None

    # the jobs are the study's and carry their point: as written and in SI units
    jobs = api.client.get("/api/v1/jobs", params={"bed_id": str(bed.id)}, headers=h).json()
    assert {j["study_id"] for j in jobs["data"]} == {study["id"]}
    assert sorted(j["params"]["point"]["cfd.inlet_velocity"] for j in jobs["data"]) == sorted(
        VELOCITIES
    )
    # values hold what a point changes: the bed's own 0.01 m/s changes nothing
    values = sorted(
        j["params"]["values"].get("cfd", {}).get("inlet_velocity", 0.01) for j in jobs["data"]
    )
    assert values == [table[i]["result"]["superficial_velocity"] for i in range(3)]
    # the stage cache: one packing stored for the three points, three simulations
    api.session.rollback()
    keys = api.session.scalars(select(BedFile.object_key).where(BedFile.bed_id == bed.id)).all()
    stage_keys = {k.split("/")[-1].rsplit("-", 1)[0] for k in keys}
    assert len({k for k in stage_keys if k.startswith("pack-")}) == 1
    assert len({k for k in stage_keys if k.startswith("simulate-")}) == 3

    listed = api.client.get("/api/v1/studies", headers=h).json()
    assert listed["count"] == 1 and listed["data"][0]["counts"]["succeeded"] == 3


def test_a_wrong_value_is_located_and_nothing_is_created(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)

    def post(grid: dict[str, Any]) -> Any:
        return api.client.post(
            "/api/v1/studies", json={"bed_id": str(bed.id), "grid": grid}, headers=h
        )

    r = post({"cfd.inlet_velocity": ["0.01 m/s", "5 kg"], "particles.diameter": ["4 mm"]})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"].startswith('invalid study grid: grid["cfd.inlet_velocity"][1]:1:')
    assert "expects a velocity" in error["message"]
    (detail,) = error["details"]
    assert detail["where"] == 'grid["cfd.inlet_velocity"][1]' and detail["column"] > 1

    r = post({"cfd.inlet_velocty": ["1 m/s"]})
    assert r.status_code == 422 and "did you mean 'inlet_velocity'" in r.text
    # values fine alone, not together: a 7 mm particle in a 6 mm column
    r = post({"bed.diameter": ["6 mm", "20 mm"], "particles.diameter": ["7 mm"]})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["where"] == "point 0"
    assert "bed.diameter=6 mm" in r.json()["error"]["message"]
    # too many points
    many = [f"{0.01 * (i + 1):.2f} m/s" for i in range(11)]
    r = post({"cfd.inlet_velocity": many, "particles.diameter": [f"{d} mm" for d in range(2, 12)]})
    assert r.status_code == 422 and "at most 100" in r.text
    # a setting name is a setting name; a value is one line
    assert post({"../etc": ["1"]}).status_code == 422
    assert post({"cfd.inlet_velocity": ["1 m/s\n}"]}).status_code == 422
    assert post({"cfd.inlet_velocity": ["1 m/s; solver = lbm"]}).status_code == 422
    assert post({}).status_code == 422
    assert (_count(api, Study), _count(api, Job)) == (0, 0)


def test_cancel_a_study_and_another_users_study_is_404(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    _, h_bob = api.user()
    bed = job_bed(api.session, alice, SLOW, name="slow")
    grid = {"cfd.inlet_velocity": VELOCITIES}
    r = api.client.post(
        "/api/v1/studies", json={"bed_id": str(bed.id), "grid": grid}, headers=h_bob
    )
    assert r.status_code == 404  # bob does not see alice's bed
    r = api.client.post("/api/v1/studies", json={"bed_id": str(bed.id), "grid": grid}, headers=h)
    study = r.json()
    first = uuid.UUID(study["table"][0]["job_id"])
    wait_for(api.engine, first, lambda j: j.status == "running")

    for call in (
        api.client.get(f"/api/v1/studies/{study['id']}", headers=h_bob),
        api.client.post(f"/api/v1/studies/{study['id']}/cancel", headers=h_bob),
    ):
        assert call.status_code == 404
    assert api.client.get("/api/v1/studies", headers=h_bob).json()["count"] == 0

    r = api.client.post(f"/api/v1/studies/{study['id']}/cancel", headers=h)
    assert r.status_code == 200, r.text
    _wait_all(api, study, timeout=10.0)
    done = api.client.get(f"/api/v1/studies/{study['id']}", headers=h).json()
    assert done["status"] == "cancelled" and done["counts"]["cancelled"] == 3, done
    r = api.client.post(f"/api/v1/studies/{study['id']}/cancel", headers=h)
    assert r.status_code == 409
