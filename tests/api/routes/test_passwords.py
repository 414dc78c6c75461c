"""Accounts over HTTP: weak passwords refused, emails one account whatever their case, and a
password change that signs out every token, personal ones included."""

from __future__ import annotations

import pytest

from tests.utils.api import Api
from tests.utils.db import PASSWORD

LOGIN = "/api/v1/login/access-token"
SIGNUP = "/api/v1/users/signup"


@pytest.mark.parametrize("password", ["12345678", "password", " " * 8, "mallory@example.com"])
def test_signup_refuses_common_and_trivial_passwords(api: Api, password: str) -> None:
    """Regression: all of these were accepted, the email itself as its own password too."""
    r = api.client.post(SIGNUP, json={"email": "mallory@example.com", "password": password})
    assert r.status_code == 422, r.text
    assert "too easy to guess" in r.json()["error"]["message"]
    if password not in ("password", " " * 8):  # words of the message itself
        assert password not in r.text  # the rejected password is not echoed


def test_a_password_change_refuses_a_weak_new_password(api: Api) -> None:
    _, h = api.user()
    body = {"current_password": PASSWORD, "new_password": "password1"}
    r = api.client.put("/api/v1/users/me/password", json=body, headers=h)
    assert r.status_code == 422 and "too easy to guess" in r.text
    assert api.client.get("/api/v1/users/me", headers=h).status_code == 200


def test_emails_differing_only_in_case_are_one_account(api: Api) -> None:
    """Regression: ``Mallory@example.com`` signed up next to ``mallory@example.com``."""
    r = api.client.post(SIGNUP, json={"email": "Mallory@Example.com", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["email"] == "mallory@example.com"
    r = api.client.post(SIGNUP, json={"email": "MALLORY@example.com", "password": PASSWORD})
    assert r.status_code == 409
    r = api.client.post(LOGIN, data={"username": "mallory@EXAMPLE.com", "password": PASSWORD})
    assert r.status_code == 200
    _, h_other = api.user()
    r = api.client.patch("/api/v1/users/me", json={"email": "MaLLory@example.com"}, headers=h_other)
    assert r.status_code == 409


def test_a_password_change_revokes_personal_tokens(api: Api) -> None:
    """Regression: ``bf_`` tokens kept working after the password changed, so a leaked token
    survived the user's taking their account back."""
    user, h = api.user()
    tokens = [
        api.client.post("/api/v1/tokens", json={"name": n}, headers=h).json()["token"]
        for n in ("laptop", "ci")
    ]
    for token in tokens:
        me = api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200  # and remembered by the identity cache
    body = {"current_password": PASSWORD, "new_password": "a brand new secret"}
    bearer = {"Authorization": f"Bearer {tokens[0]}"}
    assert api.client.put("/api/v1/users/me/password", json=body, headers=bearer).status_code == 204
    for token in tokens:
        me = api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
    r = api.client.post(LOGIN, data={"username": user.email, "password": "a brand new secret"})
    assert r.status_code == 200
    h_new = {"Authorization": f"Bearer {r.json()['access_token']}"}
    listed = api.client.get("/api/v1/tokens", headers=h_new).json()["data"]
    assert len(listed) == 2 and all(t["revoked_at"] for t in listed)
