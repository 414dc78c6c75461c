"""Statistics (runs today, success rate, mean duration by solver and user) and activity."""

from __future__ import annotations

import pytest

from bedflow.db import crud, utcnow
from tests.utils.api import Api


def _runs(api: Api, owner, statuses: list[tuple[str, str]]) -> None:  # type: ignore[no-untyped-def]
    bed = api.bed(owner)
    for solver, status in statuses:
        sim = crud.create_simulation(api.session, bed=bed, solver=solver)
        crud.update_simulation(api.session, simulation=sim, status="running")
        crud.update_simulation(api.session, simulation=sim, status=status)  # type: ignore[arg-type]


def test_users_see_their_own_runs_admins_see_all(api: Api) -> None:
    alice, h_alice = api.user()
    bob, _ = api.user()
    _, h_admin = api.user(role="admin")
    _runs(api, alice, [("lbm", "succeeded"), ("lbm", "failed"), ("openfoam", "succeeded")])
    _runs(api, bob, [("lbm", "succeeded")])

    mine = api.client.get("/api/v1/stats", headers=h_alice).json()
    assert (mine["runs_today"], mine["runs"]) == (3, 3)
    assert mine["success_rate"] == pytest.approx(2 / 3)
    assert mine["mean_duration_s"] is not None
    by_solver = {g["key"]: g for g in mine["by_solver"]}
    assert by_solver["lbm"]["runs"] == 2 and by_solver["lbm"]["success_rate"] == 0.5
    assert [g["key"] for g in mine["by_user"]] == [str(alice.id)]

    everyone = api.client.get("/api/v1/stats", params={"days": 7}, headers=h_admin).json()
    assert everyone["runs_today"] == 4 and everyone["success_rate"] == 0.75
    assert {g["key"] for g in everyone["by_user"]} == {str(alice.id), str(bob.id)}


def test_stats_of_a_new_installation(api: Api) -> None:
    _, h = api.user()
    stats = api.client.get("/api/v1/stats", headers=h).json()
    assert stats["runs"] == 0 and stats["success_rate"] is None and stats["by_solver"] == []


def test_activity_is_recorded_and_private(api: Api) -> None:
    _, h_alice = api.user()
    _, h_bob = api.user()
    _, h_admin = api.user(role="admin")
    text = "bed { }\nparticles { count = 10; }\n"
    bed = api.client.post("/api/v1/beds", json={"text": text}, headers=h_alice).json()
    api.client.delete(f"/api/v1/beds/{bed['id']}", headers=h_alice)
    mine = api.client.get("/api/v1/activity", headers=h_alice).json()
    assert [a["action"] for a in mine["data"]] == ["bed.delete", "bed.create"]
    assert mine["data"][1]["subject_id"] == bed["id"]
    assert api.client.get("/api/v1/activity", headers=h_bob).json()["count"] == 0
    assert api.client.get("/api/v1/activity", headers=h_admin).json()["count"] == 2


def test_runs_per_day_is_a_series_over_the_window_today_last(api: Api) -> None:
    alice, h_alice = api.user()
    bob, _ = api.user()
    _runs(api, alice, [("lbm", "succeeded"), ("openfoam", "failed")])
    _runs(api, bob, [("lbm", "succeeded")])
    stats = api.client.get("/api/v1/stats", params={"days": 7}, headers=h_alice).json()
    series = stats["runs_per_day"]
    assert len(series) == 7
    days = [s["day"] for s in series]
    assert days == sorted(days) and days[-1] == utcnow().date().isoformat()
    # today's are the user's own runs only; the earlier days have none
    assert [s["runs"] for s in series] == [0] * 6 + [2]
    assert series[-1]["runs"] == stats["runs_today"]
