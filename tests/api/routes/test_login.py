"""Sign-in: signup, the password flow, JWTs and personal tokens; identity only from a token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bedflow.api._security import create_access_token
from bedflow.db._base import utcnow
from tests.utils.api import Api, state
from tests.utils.db import PASSWORD

LOGIN = "/api/v1/login/access-token"


def test_signup_then_login_then_me(api: Api) -> None:
    r = api.client.post(
        "/api/v1/users/signup",
        json={"email": "carol@Example.COM", "password": "long enough pw", "full_name": "Carol"},
    )
    assert r.status_code == 201 and r.json()["role"] == "user"
    assert "password" not in r.text and "hashed" not in r.text
    r = api.client.post(LOGIN, data={"username": "carol@example.com", "password": "long enough pw"})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    me = api.client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.json()["email"] == "carol@example.com"
    again = api.client.post(
        "/api/v1/users/signup", json={"email": "carol@example.com", "password": "another pw!"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_wrong_password_unknown_email_and_short_password(api: Api) -> None:
    user, _ = api.user()
    for username, password in (
        (user.email, "wrong password"),
        ("nobody@x.org", PASSWORD),
        ("no-at", "x"),
    ):
        r = api.client.post(LOGIN, data={"username": username, "password": password})
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "unauthorized"
    assert (
        api.client.post(LOGIN, data={"username": user.email, "password": PASSWORD}).status_code
        == 200
    )
    r = api.client.post("/api/v1/users/signup", json={"email": "d@e.f", "password": "hunter2"})
    assert r.status_code == 422
    assert "hunter2" not in r.text  # the rejected password is not echoed


def test_requests_without_a_valid_token_are_refused(api: Api) -> None:
    user, _ = api.user()
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": "Bearer bf_not-a-token"},
        {"X-User": str(user.id), "X-User-Email": user.email},  # identity from a header: never
    ):
        r = api.client.get("/api/v1/beds", headers=headers)
        assert r.status_code == 401, headers
    expired, _ = create_access_token(
        user_id=user.id, key=state(api.app).token_key, lifetime=timedelta(seconds=-1)
    )
    assert (
        api.client.get("/api/v1/beds", headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )
    forged, _ = create_access_token(user_id=user.id, key=b"0" * 32, lifetime=timedelta(minutes=5))
    assert (
        api.client.get("/api/v1/beds", headers={"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )


def test_inactive_users_are_refused(api: Api) -> None:
    user, h = api.user()
    user.is_active = False
    api.session.commit()
    assert api.client.get("/api/v1/users/me", headers=h).status_code == 401
    assert (
        api.client.post(LOGIN, data={"username": user.email, "password": PASSWORD}).status_code
        == 401
    )


def test_personal_tokens_are_shown_once_work_and_can_be_revoked(api: Api) -> None:
    _, h = api.user()
    r = api.client.post("/api/v1/tokens", json={"name": "laptop", "expires_in_days": 30}, headers=h)
    assert r.status_code == 201
    created = r.json()
    token = created["token"]
    assert token.startswith("bf_") and created["prefix"] == token[:10]
    listing = api.client.get("/api/v1/tokens", headers=h)
    assert listing.json()["count"] == 1 and token not in listing.text
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/users/me", headers=bearer).status_code == 200
    assert api.client.delete(f"/api/v1/tokens/{created['id']}", headers=h).status_code == 204
    assert api.client.get("/api/v1/users/me", headers=bearer).status_code == 401


def test_tokens_of_others_cannot_be_revoked(api: Api) -> None:
    _, h_alice = api.user()
    _, h_bob = api.user()
    created = api.client.post("/api/v1/tokens", json={"name": "cli"}, headers=h_alice).json()
    assert api.client.delete(f"/api/v1/tokens/{created['id']}", headers=h_bob).status_code == 404
    assert api.client.get("/api/v1/tokens", headers=h_bob).json()["count"] == 0


def test_password_change_and_profile(api: Api) -> None:
    user, _ = api.user()
    # a token issued before the change (a whole second before: JWT times have whole seconds)
    old, _ = create_access_token(
        user_id=user.id,
        key=state(api.app).token_key,
        lifetime=timedelta(hours=1),
        now=utcnow() - timedelta(seconds=5),
    )
    h = {"Authorization": f"Bearer {old}"}
    body = {"current_password": "wrong", "new_password": "brand new password"}
    assert api.client.put("/api/v1/users/me/password", json=body, headers=h).status_code == 400
    body["current_password"] = PASSWORD
    assert api.client.put("/api/v1/users/me/password", json=body, headers=h).status_code == 204
    # the change signs out every access token issued before it
    assert api.client.get("/api/v1/users/me", headers=h).status_code == 401
    r = api.client.post(LOGIN, data={"username": user.email, "password": "brand new password"})
    assert r.status_code == 200
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    r = api.client.patch("/api/v1/users/me", json={"full_name": "New Name"}, headers=h)
    assert r.json()["full_name"] == "New Name"


def test_admins_list_and_change_users(api: Api) -> None:
    user, h_user = api.user()
    admin, h_admin = api.user(role="admin")
    assert api.client.get("/api/v1/users", headers=h_user).status_code == 403
    assert api.client.get("/api/v1/users", headers=h_admin).json()["count"] == 2
    r = api.client.patch(f"/api/v1/users/{user.id}", json={"role": "admin"}, headers=h_admin)
    assert r.json()["role"] == "admin"
    r = api.client.patch(f"/api/v1/users/{admin.id}", json={"is_active": False}, headers=h_admin)
    assert r.status_code == 403


def test_signup_is_refused_when_closed(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """BEDFLOW_SIGNUP_OPEN=false: nobody registers; admins still create users."""
    app_state = state(api.app)
    monkeypatch.setattr(
        app_state, "settings", app_state.settings.model_copy(update={"signup_open": False})
    )
    r = api.client.post(
        "/api/v1/users/signup", json={"email": "e@example.com", "password": "a long passphrase 1"}
    )
    assert r.status_code == 403 and "signup is closed" in r.json()["error"]["message"]


def test_passwords_are_hashed_and_checked_without_a_database_slot(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sign-up's hash, a sign-in's check and a password change's hash run with every
    database slot free (a burst of sign-ins held back every other request of the process:
    docs/cluster.md), in the hash queue; the session that records them comes after."""
    from bedflow.db import crud

    gate = state(api.app).db_gate
    assert gate is not None
    seen: list[tuple[str, int]] = []

    def watched(name: str):  # type: ignore[no-untyped-def]
        real = getattr(crud, name)

        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append((name, gate.free))
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(crud, "new_password_hash", watched("new_password_hash"))
    monkeypatch.setattr(crud, "check_login", watched("check_login"))
    body = {"email": "dan@example.com", "password": "long enough pw", "full_name": "Dan"}
    assert api.client.post("/api/v1/users/signup", json=body).status_code == 201
    form = {"username": "dan@example.com", "password": "long enough pw"}
    r = api.client.post(LOGIN, data=form)
    assert r.status_code == 200
    wrong = {"username": "dan@example.com", "password": "not the password"}
    assert api.client.post(LOGIN, data=wrong).status_code == 401
    change = {"current_password": "long enough pw", "new_password": "another long secret"}
    h = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert api.client.put("/api/v1/users/me/password", json=change, headers=h).status_code == 204
    assert seen == [
        ("new_password_hash", gate.slots),
        ("check_login", gate.slots),
        ("check_login", gate.slots),
        ("new_password_hash", gate.slots),  # the password change's, its session given back
    ]


def test_a_sign_in_checked_before_a_password_change_is_refused(api: Api) -> None:
    """The account is read, the password checked off the database, then the sign-in finished:
    a password changed in between makes the finished sign-in fail (401), not open it."""
    from bedflow.db import crud

    user, _ = api.user()
    candidates = crud.login_candidates(api.session, email=user.email)
    found = crud.check_login(candidates, password=PASSWORD)
    assert found is not None and found[0] == user.id
    user.hashed_password = crud.hash_password("another long password")
    api.session.commit()
    finished = crud.finish_login(
        api.session, user_id=user.id, checked_hash=candidates[0].hashed_password
    )
    assert finished is None
