"""A bed's particles, porosity profiles and correlation curves for the dashboard, read from
the files a real job stored (an ordered packing: its particles are known exactly)."""

from __future__ import annotations

import base64
import uuid

import numpy as np
import pytest

from bedflow import cfd, dsl, geometry
from tests.utils.api import Api
from tests.utils.jobs import FAST, job_bed, wait_for


def _floats(text: str, width: int) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f4").reshape(-1, width)


def _run(api: Api, bed_id: uuid.UUID, headers: dict[str, str], kind: str) -> None:
    if kind == "generate":
        r = api.client.post(
            f"/api/v1/beds/{bed_id}/generate", json={"force": True}, headers=headers
        )
    else:
        r = api.client.post(
            "/api/v1/jobs", json={"bed_id": str(bed_id), "force": True}, headers=headers
        )
    assert r.status_code in (201, 202), r.text
    # generous: a guard against a hang (the first job of a worker imports the numerics)
    job = wait_for(
        api.engine,
        uuid.UUID(r.json()["id"]),
        lambda j: j.status in ("succeeded", "failed"),
        timeout=600,
    )
    assert job.status == "succeeded", job.error


def test_particles_and_profiles_of_a_packed_bed(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    _, bob_h = api.user()
    bed = job_bed(api.session, alice)
    assert api.client.get(f"/api/v1/beds/{bed.id}/particles", headers=h).status_code == 404
    _run(api, bed.id, h, "generate")

    r = api.client.get(f"/api/v1/beds/{bed.id}/particles", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    expected = geometry.pack(dsl.parse(FAST), engine="hexagonal_3d")
    assert body["count"] == expected.count > 0
    assert body["shape"] == "sphere"
    assert body["dimensions"]["diameter"] == pytest.approx(0.005)
    assert body["column"] == {
        "shape": "cylinder", "diameter": pytest.approx(0.025), "width": None, "depth": None,
        "height": pytest.approx(expected.column.height),
    }  # fmt: skip
    positions = _floats(body["positions"], 3)
    np.testing.assert_allclose(positions, expected.centers, rtol=1e-6, atol=1e-9)  # float32
    quats = _floats(body["orientations"], 4)
    np.testing.assert_allclose(quats, np.tile([0.0, 0.0, 0.0, 1.0], (expected.count, 1)))
    np.testing.assert_allclose(_floats(body["sizes"], 1).ravel(), 0.005, rtol=1e-6)
    # unchanged packing: the browser's copy is good (304, no body)
    etag = r.headers["etag"]
    again = api.client.get(f"/api/v1/beds/{bed.id}/particles", headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # the same access rules as the bed: another user does not see it
    assert api.client.get(f"/api/v1/beds/{bed.id}/particles", headers=bob_h).status_code == 404

    profiles = api.client.get(f"/api/v1/beds/{bed.id}/profiles", headers=h).json()
    metrics = expected.metrics
    np.testing.assert_allclose(
        profiles["radial"]["r"], 0.5 * (metrics.radial_edges[1:] + metrics.radial_edges[:-1])
    )
    np.testing.assert_allclose(profiles["radial"]["porosity"], metrics.radial_porosity)
    np.testing.assert_allclose(profiles["axial"]["porosity"], metrics.axial_porosity)
    assert len(profiles["axial"]["z"]) == len(profiles["axial"]["porosity"])

    curves = api.client.get(f"/api/v1/beds/{bed.id}/correlations?n=5", headers=h).json()
    assert curves["porosity_from"] == "packing"
    assert curves["porosity"] == pytest.approx(metrics.bulk_porosity)


def test_correlations_take_the_porosity_of_the_latest_result(worker_api: Api) -> None:
    api = worker_api
    alice, h = api.user()
    bed = job_bed(api.session, alice)
    _run(api, bed.id, h, "pipeline")
    result = api.client.get(f"/api/v1/results?bed_id={bed.id}", headers=h).json()["data"][-1]
    r = api.client.get(
        f"/api/v1/beds/{bed.id}/correlations",
        params={"min_velocity": 0.001, "max_velocity": 0.1, "n": 3},
        headers=h,
    )
    body = r.json()
    assert body["porosity_from"] == "result"
    assert body["porosity"] == pytest.approx(result["porosity"])
    assert [p["superficial_velocity"] for p in body["points"]] == pytest.approx([0.001, 0.01, 0.1])
    # the result's own correlation value at its velocity lies on the curve
    spec = dsl.parse(FAST)
    u = result["superficial_velocity"]
    on_curve = cfd.correlations_for(
        spec, porosity=body["porosity"], velocity=u, column_diameter=spec.bed.diameter
    )
    assert result["ergun_per_length"] == pytest.approx(on_curve["ergun"], rel=1e-9)


def test_correlations_of_an_unpacked_bed_come_from_the_spec(api: Api) -> None:
    alice, h = api.user()
    target = api.bed(alice)  # no packing, no result
    r = api.client.get(f"/api/v1/beds/{target.id}/correlations", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    spec = dsl.parse(target.bed_text)
    assert body["porosity_from"] in ("spec", "expected")
    if body["porosity_from"] == "expected":
        assert body["porosity"] == pytest.approx(geometry.expected_porosity(spec))
    points = body["points"]
    assert len(points) == 50
    u_in = spec.cfd.inlet_velocity
    assert points[0]["superficial_velocity"] == pytest.approx(u_in / 10)
    assert points[-1]["superficial_velocity"] == pytest.approx(u_in * 10)
    c = spec.cfd
    for p in points[::7]:
        u, eps, d = p["superficial_velocity"], body["porosity"], spec.particles.diameter
        assert p["ergun"] == pytest.approx(
            cfd.ergun_pressure_gradient(
                u=u, eps=eps, d=d, rho=c.fluid_density, mu=c.fluid_viscosity
            )
        )
        assert p["carman_kozeny"] == pytest.approx(
            cfd.carman_kozeny_pressure_gradient(u=u, eps=eps, d=d, mu=c.fluid_viscosity)
        )
        assert p["particle_reynolds"] == pytest.approx(c.fluid_density * u * d / c.fluid_viscosity)
        assert p["eisfeld_schnitzlein"] > 0


def test_unpacked_bed_and_bad_ranges_are_refused_with_a_message(api: Api) -> None:
    alice, h = api.user()
    bed = api.bed(alice)
    for what in ("particles", "profiles"):
        r = api.client.get(f"/api/v1/beds/{bed.id}/{what}", headers=h)
        assert r.status_code == 404 and "not packed" in r.json()["error"]["message"]
    url = f"/api/v1/beds/{bed.id}/correlations"
    r = api.client.get(url, params={"min_velocity": 0.5, "max_velocity": 0.1}, headers=h)
    assert r.status_code == 422 and "must exceed" in r.json()["error"]["message"]
    assert api.client.get(url, params={"n": 1}, headers=h).status_code == 422
    assert api.client.get(url).status_code == 401
