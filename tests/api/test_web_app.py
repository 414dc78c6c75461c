"""The dashboard served at ``/`` from a built app (a tiny fake ``dist`` folder here): history
fallback, cache headers, the app's Content-Security-Policy, and the API untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bedflow.api import create_app
from tests.utils.api import CONFIG, make_settings

INDEX = (
    '<!doctype html><html><body><div id="root"></div>'
    '<script src="/assets/app-3f2a.js"></script></body></html>'
)


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "app-3f2a.js").write_text("console.log('bedflow')")
    (folder / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("outside the app")
    return folder


def _client(db_engine: Engine, tmp_path: Path, web_dir: Path) -> TestClient:
    settings = make_settings(tmp_path / "data", db_engine)
    # No lifespan: these requests reach neither the database nor the workers.
    return TestClient(create_app(settings, config=CONFIG, web_dir=web_dir))


def test_index_and_client_routes_answer_the_app_with_its_policy(
    db_engine: Engine, tmp_path: Path, dist: Path
) -> None:
    client = _client(db_engine, tmp_path, dist)
    for path in ("/", "/beds/2b1c", "/jobs/1/log?level=info", "/index.html"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.text == INDEX and r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-cache"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
        assert "connect-src 'self' ws://testserver wss://testserver" in csp
        assert "img-src 'self' data: blob:" in csp and "worker-src 'self' blob:" in csp
        assert "unsafe-eval" not in csp
    assert client.head("/beds").status_code == 200


def test_hashed_assets_are_cached_for_a_year_and_a_missing_one_is_a_404(
    db_engine: Engine, tmp_path: Path, dist: Path
) -> None:
    client = _client(db_engine, tmp_path, dist)
    r = client.get("/assets/app-3f2a.js")
    assert r.status_code == 200 and "bedflow" in r.text
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in r.headers["content-type"]
    missing = client.get("/assets/app-0000.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    other = client.get("/favicon.svg")
    assert other.text == "<svg/>" and other.headers["cache-control"] == "no-cache"


def test_nothing_outside_the_app_folder_is_served(
    db_engine: Engine, tmp_path: Path, dist: Path
) -> None:
    client = _client(db_engine, tmp_path, dist)
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        r = client.get(path)
        assert "outside the app" not in r.text, path


def test_the_api_keeps_its_own_answers(db_engine: Engine, tmp_path: Path, dist: Path) -> None:
    client = _client(db_engine, tmp_path, dist)
    assert client.get("/api/v1/config").json()["session_cookie"] is True
    for method, path, status in (
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/api", 404),
        ("POST", "/api/v1/no-such-thing", 404),
        ("GET", "/api/v1/login/access-token", 405),  # a POST-only route
        ("POST", "/beds", 404),  # the app answers reads only
    ):
        r = client.request(method, path)
        assert r.status_code == status, (method, path)
        assert "error" in r.json()
    assert "swagger" in client.get("/docs").text.lower()


def test_without_a_built_app_the_root_says_how_to_build_it(
    db_engine: Engine, tmp_path: Path
) -> None:
    client = _client(db_engine, tmp_path, tmp_path / "no-dist")
    r = client.get("/")
    assert r.status_code == 200 and "make web" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert client.get("/beds").status_code == 404
    assert client.get("/api/v1/config").status_code == 200
