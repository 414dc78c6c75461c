"""Browser sessions: an httpOnly cookie holding a revocable token, CSRF tokens on writes, and
the WebSocket and event stream signed in by the cookie (the WebSocket only from its origin)."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bedflow.api import create_app
from bedflow.db import crud
from tests.utils.api import CONFIG, Api, make_settings
from tests.utils.db import PASSWORD
from tests.utils.jobs import job_bed
from tests.utils.sse import parse_sse

SESSION = "/api/v1/login/session"
BED = {"text": "bed { diameter = 50 mm }\nparticles { count = 10 }\n"}


@pytest.fixture
def browser(api: Api) -> Iterator[Api]:
    """The test app; the shared client's cookie jar is emptied afterwards."""
    yield api
    api.client.cookies.clear()


def _sign_in(client: TestClient, email: str) -> dict[str, str]:
    r = client.post(SESSION, data={"username": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


def _set_cookies(response_headers: list[str]) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent (attributes included)."""
    out = {}
    for header in response_headers:
        name = next(iter(SimpleCookie(header)))
        out[name] = header
    return out


def test_sign_in_sets_an_httponly_strict_cookie_and_a_readable_csrf_cookie(browser: Api) -> None:
    user, _ = browser.user()
    r = browser.client.post(SESSION, data={"username": user.email, "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["email"] == user.email and body["csrf_token"]
    cookies = _set_cookies(r.headers.get_list("set-cookie"))
    session, csrf = cookies["bedflow_session"].lower(), cookies["bedflow_csrf"].lower()
    assert "httponly" in session and "samesite=strict" in session and "path=/api" in session
    assert "secure" not in session  # plain http here: a Secure cookie would never come back
    assert "httponly" not in csrf and "samesite=strict" in csrf
    assert body["csrf_token"] in cookies["bedflow_csrf"]
    # the session is a revocable personal token, listed with the user's tokens
    me = browser.client.get("/api/v1/users/me")
    assert me.status_code == 200 and me.json()["email"] == user.email
    names = [t["name"] for t in browser.client.get("/api/v1/tokens").json()["data"]]
    assert names == ["browser session"]


def test_wrong_password_sets_no_cookie(browser: Api) -> None:
    user, _ = browser.user()
    r = browser.client.post(SESSION, data={"username": user.email, "password": "not it"})
    assert r.status_code == 401 and "set-cookie" not in r.headers


def test_cookie_is_secure_over_https(browser: Api) -> None:
    user, _ = browser.user()
    client = TestClient(browser.app, base_url="https://testserver")
    r = client.post(SESSION, data={"username": user.email, "password": PASSWORD})
    cookies = _set_cookies(r.headers.get_list("set-cookie"))
    assert "secure" in cookies["bedflow_session"].lower()
    assert "secure" in cookies["bedflow_csrf"].lower()


@pytest.mark.parametrize(("peer", "secure"), [("10.0.0.1", True), ("10.0.0.2", False)])
def test_cookie_is_secure_behind_a_trusted_https_proxy_only(
    browser: Api, tmp_path: Path, peer: str, secure: bool
) -> None:
    """Behind a proxy that ends TLS the request reaches the server as http: its
    X-Forwarded-Proto is believed from a proxy in BEDFLOW_TRUSTED_PROXIES only."""
    user, _ = browser.user()
    settings = make_settings(tmp_path, browser.engine, trusted_proxies="10.0.0.1")
    with TestClient(create_app(settings, config=CONFIG), client=(peer, 40000)) as client:
        r = client.post(
            SESSION,
            data={"username": user.email, "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
    assert r.status_code == 200, r.text
    cookies = _set_cookies(r.headers.get_list("set-cookie"))
    assert ("secure" in cookies["bedflow_session"].lower()) is secure


def test_writes_by_cookie_need_the_csrf_header(browser: Api) -> None:
    user, _ = browser.user()
    csrf = _sign_in(browser.client, user.email)
    refused = browser.client.post("/api/v1/beds", json=BED)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["error"]["message"]
    wrong = browser.client.post("/api/v1/beds", json=BED, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    assert browser.client.get("/api/v1/beds").json()["count"] == 0  # reads need none
    r = browser.client.post("/api/v1/beds", json=BED, headers=csrf)
    assert r.status_code == 201, r.text


def test_csrf_token_of_another_session_is_refused(browser: Api) -> None:
    """The token is bound to its session: a header and cookie pair from another session
    (say, an attacker's own) does not pass with this session's cookie."""
    user, _ = browser.user()
    other_csrf = _sign_in(browser.client, user.email)
    session = browser.client.cookies.get("bedflow_session", path="/api")
    mine = _sign_in(browser.client, user.email)
    assert mine != other_csrf
    browser.client.cookies.clear()
    browser.client.cookies.set("bedflow_session", session or "", path="/api")
    browser.client.cookies.set("bedflow_csrf", mine["X-CSRF-Token"], path="/")
    assert browser.client.post("/api/v1/beds", json=BED, headers=mine).status_code == 403


def test_bearer_wins_over_the_cookie(browser: Api) -> None:
    alice, _ = browser.user()
    bob, bob_headers = browser.user()
    _sign_in(browser.client, alice.email)
    assert browser.client.get("/api/v1/users/me", headers=bob_headers).json()["email"] == bob.email
    # a bearer request needs no CSRF token, cookie or not
    assert browser.client.post("/api/v1/beds", json=BED, headers=bob_headers).status_code == 201


def test_sign_out_revokes_the_session_and_clears_the_cookies(browser: Api) -> None:
    user, _ = browser.user()
    csrf = _sign_in(browser.client, user.email)
    token = browser.client.cookies.get("bedflow_session", path="/api")
    assert browser.client.delete(SESSION).status_code == 403  # a write: CSRF needed
    r = browser.client.delete(SESSION, headers=csrf)
    assert r.status_code == 204
    cleared = _set_cookies(r.headers.get_list("set-cookie"))
    assert {"bedflow_session", "bedflow_csrf"} <= set(cleared)
    assert browser.client.get("/api/v1/users/me").status_code == 401
    # the old cookie, kept by someone, is revoked on the server
    browser.client.cookies.clear()
    browser.client.cookies.set("bedflow_session", token or "", path="/api")
    assert browser.client.get("/api/v1/users/me").status_code == 401


@pytest.mark.parametrize("change", ["password", "deactivate"])
def test_a_password_change_or_deactivation_revokes_the_session(browser: Api, change: str) -> None:
    user, _ = browser.user()
    _sign_in(browser.client, user.email)
    assert browser.client.get("/api/v1/users/me").status_code == 200
    if change == "password":
        crud.update_user(browser.session, user=user, password="a brand new secret")
    else:
        crud.update_user(browser.session, user=user, is_active=False)
    browser.app.state.bedflow.identities.forget_all()  # as another process would see it
    assert browser.client.get("/api/v1/users/me").status_code == 401


def test_changing_the_password_through_the_session_ends_it(browser: Api) -> None:
    user, _ = browser.user()
    csrf = _sign_in(browser.client, user.email)
    body = {"current_password": PASSWORD, "new_password": "a brand new secret"}
    assert browser.client.put("/api/v1/users/me/password", json=body).status_code == 403
    r = browser.client.put("/api/v1/users/me/password", json=body, headers=csrf)
    assert r.status_code == 204, r.text
    assert browser.client.get("/api/v1/users/me").status_code == 401
    r = browser.client.post(
        SESSION, data={"username": user.email, "password": body["new_password"]}
    )
    assert r.status_code == 200 and browser.client.get("/api/v1/users/me").status_code == 200


def test_websocket_takes_the_cookie_from_its_own_origin_only(browser: Api) -> None:
    user, _ = browser.user()
    _sign_in(browser.client, user.email)
    bed = job_bed(browser.session, user)
    job = crud.create_job(browser.session, user=user, type="generate", bed=bed, params={})
    with browser.client.websocket_connect(
        "/api/v1/ws?last_event_id=0", headers={"Origin": "http://testserver"}
    ) as ws:
        crud.add_job_events(
            browser.session,
            job_id=job.id,
            events=[crud.NewEvent(kind="log", stage="pack", level="INFO", message="hello")],
        )
        assert "hello" in ws.receive_text()
    for headers in ({"Origin": "https://evil.example"}, {}):
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            browser.client.websocket_connect("/api/v1/ws", headers=headers),
        ):
            pass
        assert refused.value.code == 1008, headers


def test_event_stream_takes_the_cookie(browser: Api) -> None:
    user, _ = browser.user()
    bed = job_bed(browser.session, user)
    job = crud.create_job(browser.session, user=user, type="generate", bed=bed, params={})
    crud.add_job_events(
        browser.session,
        job_id=job.id,
        events=[crud.NewEvent(kind="complete", stage="", status="succeeded")],
    )
    crud.update_job(browser.session, job=job, status="running")
    crud.update_job(browser.session, job=job, status="succeeded")
    url = f"/api/v1/jobs/{job.id}/events"
    assert browser.client.get(url).status_code == 401
    _sign_in(browser.client, user.email)
    r = browser.client.get(url)
    assert r.status_code == 200
    assert parse_sse(r.text)[-1]["event"] == "job_complete"
