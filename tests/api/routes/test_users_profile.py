"""A user's name: the same rule at sign-up, on one's own change and on an admin's change."""

from __future__ import annotations

import pytest

from tests.utils.api import Api


@pytest.mark.parametrize("name", ["Eve\x00", "Eve\nMallory", "Eve\x1b[31m", "Eve\x7f", "x" * 201])
def test_a_name_that_sign_up_refuses_is_refused_on_every_change(api: Api, name: str) -> None:
    # PATCH /users/me and PATCH /users/{id} took control characters that sign-up refused.
    user, h = api.user()
    _, h_admin = api.user(role="admin")
    signup = api.client.post(
        "/api/v1/users/signup",
        json={"email": "eve@example.com", "password": "a long passphrase 1", "full_name": name},
    )
    mine = api.client.patch("/api/v1/users/me", json={"full_name": name}, headers=h)
    admins = api.client.patch(f"/api/v1/users/{user.id}", json={"full_name": name}, headers=h_admin)
    for r in (signup, mine, admins):
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["loc"][-1] == "full_name"
    assert api.client.get("/api/v1/users/me", headers=h).json()["full_name"] != name


def test_a_plain_name_with_accents_and_spaces_is_taken(api: Api) -> None:
    _, h = api.user()
    r = api.client.patch("/api/v1/users/me", json={"full_name": "Zoë d'Árc-Ñ 李"}, headers=h)
    assert r.status_code == 200 and r.json()["full_name"] == "Zoë d'Árc-Ñ 李"
