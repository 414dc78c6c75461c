"""A job's engine and solver are checked when it is submitted: known, enabled by the admin
(the settings were stored and ignored before), and able to handle the bed by their own check."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bedflow.db import crud
from tests.utils.api import Api
from tests.utils.jobs import FAST, job_bed


@pytest.fixture
def admin(api: Api) -> Iterator[dict[str, str]]:
    """An admin's headers; every engine is back to its default afterwards."""
    _, h = api.user(role="admin")
    yield h
    for name in ("spherical_packing", "openfoam"):
        crud.set_setting(api.session, key=f"engine.{name}", value={"enabled": name != "openfoam"})


def _submit(api: Api, h: dict[str, str], bed_id: object, **options: object) -> tuple[int, dict]:
    r = api.client.post("/api/v1/jobs", json={"bed_id": str(bed_id), **options}, headers=h)
    return r.status_code, r.json()


def test_a_job_on_a_disabled_engine_is_refused(api: Api, admin: dict[str, str]) -> None:
    """Regression: an admin's `enabled: false` was stored and ignored."""
    user, h = api.user()
    bed = job_bed(api.session, user, FAST.replace("hexagonal_3d", "spherical_packing"))
    off = {"enabled": False}
    assert api.client.patch("/api/v1/settings/engines/spherical_packing", json=off, headers=admin)
    status, body = _submit(api, h, bed.id)
    assert status == 409 and body["error"]["code"] == "engine_disabled"
    assert body["error"]["message"] == (
        "the packing engine 'spherical_packing' is disabled on this installation; an admin can "
        "enable it in the settings (engines)"
    )
    assert _submit(api, h, bed.id, engine="hexagonal_3d")[0] == 202  # another engine is fine
    api.client.patch(
        "/api/v1/settings/engines/spherical_packing", json={"enabled": True}, headers=admin
    )
    assert _submit(api, h, bed.id)[0] == 202


def test_a_solvers_own_limits_are_reported_at_submission(api: Api, admin: dict[str, str]) -> None:
    """OpenFOAM is off until an admin enables it; then its minimum resolution is reported with
    the line of the bed's text, before the job is queued."""
    user, h = api.user()
    text = FAST.replace("solver = correlation", "solver = openfoam; cells_per_dp = 6")
    bed = job_bed(api.session, user, text)
    assert _submit(api, h, bed.id)[0] == 409
    assert _submit(api, h, bed.id, stages=["pack"])[0] == 202  # no flow solved: no solver asked
    on = {"enabled": True}
    api.client.patch("/api/v1/settings/engines/openfoam", json=on, headers=admin)
    status, body = _submit(api, h, bed.id)
    assert status == 422 and body["error"]["code"] == "bed_validation"
    (detail,) = body["error"]["details"]
    assert detail["path"] == ["cfd", "cells_per_dp"]
    written = bed.bed_text.splitlines()[detail["line"] - 1]  # the bed's stored canonical text
    assert written[detail["column"] - 1 :].startswith("cells_per_dp = 6")
    assert "cells_per_dp = 6 is below 8" in detail["message"]


def test_an_unknown_engine_is_refused_at_submission(api: Api) -> None:
    user, h = api.user()
    bed = job_bed(api.session, user)
    status, body = _submit(api, h, bed.id, solver="fem")
    assert status == 422 and body["error"]["message"].startswith("unknown solver 'fem'; known:")


def test_a_study_point_on_a_disabled_solver_is_refused(api: Api) -> None:
    """A grid over cfd.solver: the point that asks for OpenFOAM (off by default) refuses the
    whole study before any job is queued."""
    user, h = api.user()
    bed = job_bed(api.session, user)
    body = {"bed_id": str(bed.id), "grid": {"cfd.solver": ["correlation", "openfoam"]}}
    r = api.client.post("/api/v1/studies", json=body, headers=h)
    assert r.status_code == 409 and "'openfoam' is disabled" in r.json()["error"]["message"]
    assert api.client.get("/api/v1/jobs", headers=h).json()["count"] == 0


def test_every_user_sees_which_engines_and_solvers_are_enabled(
    api: Api, admin: dict[str, str]
) -> None:
    """GET /engines answers any signed-in user (the dashboard offers only what a job may name);
    the admin's options stay out of it."""
    _, h = api.user()
    assert api.client.get("/api/v1/engines").status_code == 401
    api.client.patch("/api/v1/settings/engines/lbm", json={"enabled": False}, headers=admin)
    try:
        body = api.client.get("/api/v1/engines", headers=h).json()
    finally:
        api.client.patch("/api/v1/settings/engines/lbm", json={"enabled": True}, headers=admin)
    by_name = {e["name"]: e for e in body["data"]}
    assert body["count"] == len(body["data"])
    assert by_name["lbm"] == {
        "name": "lbm", "kind": "solver", "description": by_name["lbm"]["description"],
        "enabled": False,
    }  # fmt: skip
    assert by_name["dem"]["kind"] == "packing" and by_name["dem"]["enabled"]
    assert not by_name["openfoam"]["enabled"]  # off until an admin turns it on
    after = api.client.get("/api/v1/engines", headers=h).json()["data"]
    assert {e["name"]: e["enabled"] for e in after}["lbm"]
