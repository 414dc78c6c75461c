"""The app as a whole: one error body, request ids, OpenAPI, first start."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bedflow.api import ApiConfig, create_app
from bedflow.db import crud, make_sessionmaker
from tests.utils.api import Api, make_settings


def test_errors_of_fastapi_itself_have_the_common_body(api: Api) -> None:
    _, h = api.user()
    not_found = api.client.get("/api/v1/nothing-here")
    wrong_method = api.client.delete("/api/v1/health")
    invalid = api.client.get("/api/v1/beds/not-a-uuid", headers=h)
    for r, status, code in (
        (not_found, 404, "not_found"),
        (wrong_method, 405, "method_not_allowed"),
        (invalid, 422, "validation_error"),
    ):
        assert r.status_code == status
        assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code
        assert set(r.json()["error"]) == {"code", "message", "details"}
    assert invalid.json()["error"]["details"][0]["loc"] == ["path", "bed_id"]


def test_request_ids_are_echoed_or_made(api: Api) -> None:
    r = api.client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = api.client.get("/api/v1/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert (
        r.headers["x-request-id"] != "bad id\twith spaces" and len(r.headers["x-request-id"]) == 32
    )


def test_an_unhandled_error_answers_500_with_the_request_id_and_logs_it(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Was: no X-Request-ID on the 500, request_id null in the log line, and the exception
    # raised on to the server, which dropped the keep-alive connection (the test client,
    # which raises what escapes the app, stands for the server here).
    _, h = api.user()

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(crud, "list_projects", broken)
    with caplog.at_level(logging.INFO, logger="bedflow.api"):
        r = api.client.get("/api/v1/projects", headers={**h, "X-Request-ID": "req-500"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "req-500"
    assert r.json()["error"]["code"] == "internal_error"
    assert r.headers["x-content-type-options"] == "nosniff"
    errors = [r.msg for r in caplog.records if r.name == "bedflow.api.errors"]
    assert len(errors) == 1 and isinstance(errors[0], dict)
    assert errors[0]["request_id"] == "req-500" and errors[0]["event"] == "unhandled error"
    assert isinstance(errors[0]["exc_info"], RuntimeError)
    access = [r.msg for r in caplog.records if r.name == "bedflow.api.access"]
    assert isinstance(access[-1], dict) and access[-1]["status"] == 500
    assert access[-1]["request_id"] == "req-500"


def test_access_log_is_structured_and_carries_no_secret(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    user, h = api.user()
    with caplog.at_level(logging.INFO, logger="bedflow.api.access"):
        api.client.get("/api/v1/users/me", headers={**h, "X-Request-ID": "req-1"})
        api.client.post(
            "/api/v1/login/access-token", data={"username": "x@y.z", "password": "pw-secret-123"}
        )
    events = [r.msg for r in caplog.records if r.name == "bedflow.api.access"]
    first = events[0]
    assert isinstance(first, dict)
    assert first["request_id"] == "req-1" and first["status"] == 200
    assert first["route"] == "/api/v1/users/me" and first["user_id"] == str(user.id)
    dumped = json.dumps([e for e in events if isinstance(e, dict)], default=str)
    assert "pw-secret-123" not in dumped and h["Authorization"].split()[1] not in dumped


def test_openapi_documents_every_route_with_examples(api: Api) -> None:
    schema = api.client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert all(p.startswith("/api/v1/") for p in paths)
    for path in ("/api/v1/beds", "/api/v1/beds/{bed_id}/files", "/api/v1/results/compare"):
        assert path in paths
    create = paths["/api/v1/beds"]["post"]["requestBody"]["content"]
    assert set(create) == {"application/json", "text/plain"}
    components = schema["components"]["schemas"]
    assert {"BedCreate", "BedSpec", "BedText", "ErrorBody"} <= set(components)
    assert components["BedText"]["examples"]
    assert "examples" in components["BedPublic"]["properties"]["column_diameter"]


def test_job_and_study_params_are_typed_in_openapi(api: Api) -> None:
    """Regression: a job's and a study's params were `dict[str, Any]` (an untyped object)."""
    components = api.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    ref = "#/components/schemas/JobParams"
    assert components["JobPublic"]["properties"]["params"]["$ref"] == ref
    assert components["StudyPublic"]["properties"]["params"]["$ref"] == ref
    fields = set(components["JobParams"]["properties"])
    assert {
        "stages",
        "force",
        "engine",
        "solver",
        "point_index",
        "point",
        "values",
        "converge",
    } == fields


@pytest.fixture
def fresh(tmp_path: Path, db_engine: Engine) -> Path:
    """An empty data directory; the database is emptied after the test."""
    yield tmp_path
    from tests.utils.db import clear_tables

    clear_tables(db_engine)


@pytest.mark.slow
def test_first_start_creates_an_admin_with_a_private_password_file(
    fresh: Path,
    db_engine: Engine,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BEDFLOW_ADMIN_PASSWORD", raising=False)
    app = create_app(make_settings(fresh, db_engine), config=ApiConfig())
    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        path = fresh / "admin_password"
        password = path.read_text().strip()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        r = client.post(
            "/api/v1/login/access-token", data={"username": "admin@localhost", "password": password}
        )
        assert r.status_code == 200
    assert any(str(path) in r.getMessage() for r in caplog.records)
    assert not any(password in r.getMessage() for r in caplog.records)
    # A second start finds the admin and changes nothing.
    with TestClient(create_app(make_settings(fresh, db_engine))):
        assert path.read_text().strip() == password


def test_the_data_and_object_folders_are_private(fresh: Path, db_engine: Engine) -> None:
    # Were 0755: the objects of every user readable by anyone on the machine.
    fresh.mkdir(exist_ok=True)
    fresh.chmod(0o755)
    create_app(make_settings(fresh, db_engine), config=ApiConfig(bootstrap_admin=False))
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o700
    assert stat.S_IMODE((fresh / "objects").stat().st_mode) == 0o700


def test_admin_password_from_the_environment(
    fresh: Path, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDFLOW_ADMIN_PASSWORD", "from the environment")
    with TestClient(create_app(make_settings(fresh, db_engine))):
        assert not (fresh / "admin_password").exists()
    with make_sessionmaker(db_engine)() as session:
        admin = crud.authenticate(session, email="admin@localhost", password="from the environment")
        assert admin is not None and admin.is_admin


@pytest.mark.slow
def test_importing_the_app_loads_no_numerics() -> None:
    """The app starts fast: the engines table is static, numba is loaded by the workers only."""
    import subprocess
    import sys

    code = (
        "import sys, bedflow.api; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'numba' "
        "or m.startswith(('bedflow.geometry', 'bedflow.cfd'))]; print(bad); assert not bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
