"""Engines (enable, options) and credentials (masked) are for admins only."""

from __future__ import annotations

from tests.utils.api import Api

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_engines_are_listed_toggled_and_configured(api: Api) -> None:
    _, h = api.user(role="admin")
    engines = api.client.get("/api/v1/settings/engines", headers=h).json()
    names = {e["name"]: e for e in engines["data"]}
    assert {"dem", "rigid_body", "blender", "hexagonal_3d", "spherical_packing"} <= set(names)
    assert {"lbm", "openfoam", "correlation"} <= set(names)
    assert names["dem"]["kind"] == "packing" and names["lbm"]["kind"] == "solver"

    r = api.client.patch("/api/v1/settings/engines/dem", json={"enabled": False}, headers=h)
    assert r.json()["enabled"] is False
    r = api.client.patch(
        "/api/v1/settings/engines/dem", json={"options": {"max_particles": 20000}}, headers=h
    )
    assert r.json() | {"description": ""} == {
        "name": "dem", "kind": "packing", "description": "", "enabled": False,
        "options": {"max_particles": 20000},
    }  # fmt: skip
    again = api.client.get("/api/v1/settings/engines", headers=h).json()
    assert {e["name"]: e for e in again["data"]}["dem"]["options"] == {"max_particles": 20000}
    assert api.client.patch("/api/v1/settings/engines/nope", json={}, headers=h).status_code == 404
    bad = {"options": {"x": float("inf")}}
    r = api.client.patch(
        "/api/v1/settings/engines/dem",
        content=str(bad).replace("'", '"').replace("inf", "Infinity"),
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 422


def test_credentials_are_masked_everywhere(api: Api) -> None:
    _, h = api.user(role="admin")
    r = api.client.post(
        "/api/v1/credentials",
        json={"name": "archive", "service": "s3", "secret": SECRET},
        headers=h,
    )
    assert r.status_code == 201 and SECRET not in r.text and r.json()["masked"] == "••••EKEY"
    listing = api.client.get("/api/v1/credentials", headers=h)
    assert listing.json()["count"] == 1 and SECRET not in listing.text
    cid = r.json()["id"]
    r = api.client.put(f"/api/v1/credentials/{cid}", json={"secret": "short"}, headers=h)
    assert r.json()["masked"] == "••••"
    dup = api.client.post(
        "/api/v1/credentials", json={"name": "archive", "service": "s3", "secret": "x"}, headers=h
    )
    assert dup.status_code == 409
    assert api.client.delete(f"/api/v1/credentials/{cid}", headers=h).status_code == 204
    assert api.client.delete(f"/api/v1/credentials/{cid}", headers=h).status_code == 404


def test_settings_are_refused_to_users(api: Api) -> None:
    _, h = api.user()
    for call in (
        api.client.get("/api/v1/settings/engines", headers=h),
        api.client.patch("/api/v1/settings/engines/dem", json={"enabled": False}, headers=h),
        api.client.get("/api/v1/credentials", headers=h),
        api.client.post(
            "/api/v1/credentials", json={"name": "a", "service": "s", "secret": "x"}, headers=h
        ),
    ):
        assert call.status_code == 403 and call.json()["error"]["code"] == "forbidden"
