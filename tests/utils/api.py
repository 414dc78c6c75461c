"""API fixtures: one app per database backend (SQLite, PostgreSQL), a client, signed-in users.

The app and its client live for the test session; after each test the tables are emptied and
the rate-limit counters reset, so tests see a fresh installation without paying for a new app.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bedflow.api import ApiConfig, create_app
from bedflow.api._security import create_access_token
from bedflow.api._state import AppState
from bedflow.db import Bed, User, make_engine, make_sessionmaker, upgrade
from bedflow.settings import Settings
from bedflow.storage import S3Storage
from tests.utils.db import BACKENDS, clear_tables, empty_database, make_bed, make_user

SECRET = "test-secret-key-that-is-long-enough-0123456789"
# Generous limits: the suite writes a lot from one address; test_ratelimit uses tight ones.
CONFIG = ApiConfig(
    bootstrap_admin=False, write_limit_user="10000/minute", write_limit_address="10000/minute",
    login_limit="1000/minute", workers=0,
)  # fmt: skip


def database_url(engine: Engine) -> str:
    """The URL of ``engine``, password included."""
    return engine.url.render_as_string(hide_password=False)


EXPORT_ENDPOINT = "https://s3.export.example.org"
"""The export endpoint the plain test app allows (a name no test connects to)."""


def make_settings(data_dir: Path, engine: Engine, **overrides: Any) -> Settings:
    """Settings of a test installation on the database of ``engine``."""
    return Settings(
        data_dir=data_dir,
        database_url=database_url(engine),
        secret_key=SECRET,
        environment="development",
        **overrides,
    )


def state(app: FastAPI) -> AppState:
    """The app's state."""
    result = app.state.bedflow
    assert isinstance(result, AppState)
    return result


def auth(app: FastAPI, user: User, *, lifetime: timedelta = timedelta(minutes=5)) -> dict[str, str]:
    """Headers that sign ``user`` in (a token made directly: no argon2 round per test)."""
    token, _ = create_access_token(user_id=user.id, key=state(app).token_key, lifetime=lifetime)
    return {"Authorization": f"Bearer {token}"}


class Api:
    """A client on the test app, with factories that write straight to its database."""

    def __init__(self, app: FastAPI, client: TestClient, engine: Engine) -> None:
        self.app = app
        self.client = client
        self.engine = engine
        self.session: Session = make_sessionmaker(engine)()

    def user(self, *, role: str = "user", name: str | None = None) -> tuple[User, dict[str, str]]:
        """A new user and the headers that sign them in."""
        user = make_user(self.session, role=role, name=name)
        return user, auth(self.app, user)

    def bed(self, owner: User, **kwargs: Any) -> Bed:
        """A bed of ``owner`` made through the data layer."""
        return make_bed(self.session, owner=owner, **kwargs)


def _client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def api_app(db_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The app on the session's database (one per backend), local object store; users'
    export credentials may name EXPORT_ENDPOINT (never connected to by these tests)."""
    settings = make_settings(
        tmp_path_factory.mktemp("data"), db_engine, export_s3_endpoints=EXPORT_ENDPOINT
    )
    return create_app(settings, config=CONFIG)


@pytest.fixture(scope="session")
def api_client(api_app: FastAPI) -> Iterator[TestClient]:
    """A client for the session (the app's start-up runs once)."""
    yield from _client(api_app)


@pytest.fixture
def api(api_app: FastAPI, api_client: TestClient, db_engine: Engine) -> Iterator[Api]:
    """The test's view of the app; tables and rate limits are reset afterwards."""
    helper = Api(api_app, api_client, db_engine)
    yield helper
    helper.session.close()
    state(api_app).limiter.reset()
    state(api_app).identities.forget_all()
    state(api_app).counts.forget_all()
    clear_tables(db_engine)


@pytest.fixture(scope="session")
def s3_api_app(
    db_engine: Engine, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    """The app with its objects in a bucket of the loopback S3 server."""
    settings = make_settings(
        tmp_path_factory.mktemp("data-s3"),
        db_engine,
        storage_backend="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=f"api-{uuid.uuid4().hex[:12]}",
        s3_access_key_id="testing",
        s3_secret_access_key="testing",
    )
    app = create_app(settings, config=CONFIG)
    store = state(app).storage
    assert isinstance(store, S3Storage)
    store.ensure_bucket()
    return app


@pytest.fixture(scope="session")
def s3_api_client(s3_api_app: FastAPI) -> Iterator[TestClient]:
    """A client of the S3-backed app."""
    yield from _client(s3_api_app)


@pytest.fixture(params=["local", "s3"])
def store_api(request: pytest.FixtureRequest, db_engine: Engine) -> Iterator[Api]:
    """The app on each object store in turn."""
    if request.param == "local":
        app, client = request.getfixturevalue("api_app"), request.getfixturevalue("api_client")
    else:
        app = request.getfixturevalue("s3_api_app")
        client = request.getfixturevalue("s3_api_client")
    helper = Api(app, client, db_engine)
    yield helper
    helper.session.close()
    state(app).limiter.reset()
    clear_tables(db_engine)


@pytest.fixture(scope="session", params=BACKENDS)
def worker_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A database of its own for the app with workers: they would claim other tests' jobs."""
    with empty_database(request.param, tmp_path_factory.mktemp("db-w")) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def worker_app(
    worker_engine: Engine, s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> FastAPI:
    """An app whose lifespan starts two embedded worker processes; users may export to the
    loopback S3 server (``BEDFLOW_EXPORT_S3_ENDPOINTS``)."""
    config = dataclasses.replace(CONFIG, workers=2, event_poll_s=0.05)
    settings = make_settings(
        tmp_path_factory.mktemp("data-w"), worker_engine, export_s3_endpoints=s3_endpoint
    )
    return create_app(settings, config=config)


@pytest.fixture(scope="session")
def worker_client(worker_app: FastAPI) -> Iterator[TestClient]:
    """A client of the app with workers (started once per backend)."""
    yield from _client(worker_app)


@pytest.fixture
def worker_api(
    worker_app: FastAPI, worker_client: TestClient, worker_engine: Engine
) -> Iterator[Api]:
    """The test's view of the app with workers; tables are reset afterwards."""
    helper = Api(worker_app, worker_client, worker_engine)
    yield helper
    helper.session.close()
    state(worker_app).limiter.reset()
    clear_tables(worker_engine)
