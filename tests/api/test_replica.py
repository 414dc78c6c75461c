"""The read replica (BEDFLOW_READ_REPLICA_URL) serves the statistics and the activity history,
and the primary serves them while the replica is down.

The replica here is a second PostgreSQL database, reached through a role whose sessions are
read-only (``default_transaction_read_only``), as a streaming standby's are; it holds rows the
primary does not, so an answer shows which of the two gave it.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bedflow.api import create_app
from bedflow.db import crud, make_engine, make_sessionmaker, upgrade
from tests.utils.api import CONFIG, auth, make_settings, state
from tests.utils.beds import bed_text
from tests.utils.db import POSTGRES_URL, make_user, postgres_database

pytestmark = pytest.mark.services

CONFIG_NOW = dataclasses.replace(CONFIG, replica_retry_s=0.0)
"""The replica tried again at once after a failure (in production: after 30 s)."""


@contextmanager
def read_only_role() -> Iterator[str]:
    """A login role whose transactions are read-only by default; dropped afterwards."""
    name = f"bedflow_read_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        conn.execute(text(f'ALTER ROLE "{name}" SET default_transaction_read_only = on'))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def replica_database() -> Iterator[tuple[str, str]]:
    """A migrated database holding a queued job and an activity the primary lacks: its
    superuser URL, and its URL through a read-only role."""
    with ExitStack() as stack:
        role = stack.enter_context(read_only_role())
        url = stack.enter_context(postgres_database())
        upgrade(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
            conn.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        with make_sessionmaker(engine)() as session:
            owner = make_user(session, name="replica-owner")
            crud.create_job(session, user=owner, type="generate")
            crud.record_activity(session, user=owner, action="replica.only")
        engine.dispose()
        yield url, make_url(url).set(username=role).render_as_string(hide_password=False)


def _allow_connections(superuser_url: str, allow: bool) -> None:
    """Open or close the replica: closed, new connections are refused and open ones ended."""
    database = make_url(superuser_url).database
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        if not allow:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": database},
            )
    admin.dispose()


@contextmanager
def app_with_replica(replica_url: str, data_dir: Path) -> Iterator[tuple[TestClient, dict]]:
    """A client of an app on a fresh primary with ``replica_url``, and an admin's headers."""
    with postgres_database() as primary:
        upgrade(primary)
        engine = make_engine(primary)
        settings = make_settings(data_dir, engine, read_replica_url=replica_url)
        app = create_app(settings, config=CONFIG_NOW)
        with make_sessionmaker(engine)() as session:
            admin = make_user(session, role="admin", name="primary-admin")
            crud.record_activity(session, user=admin, action="primary.only")
        with TestClient(app) as client:
            yield client, auth(app, admin)
        engine.dispose()


def _queued(client: TestClient, headers: dict) -> int:
    r = client.get("/api/v1/stats", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["jobs_by_status"]["queued"])


def _actions(client: TestClient, headers: dict) -> set[str]:
    r = client.get("/api/v1/activity", headers=headers)
    assert r.status_code == 200, r.text
    return {a["action"] for a in r.json()["data"]}


def test_replica_serves_statistics_and_activity_and_the_primary_stands_in(
    tmp_path: Path,
) -> None:
    with (
        replica_database() as (superuser_url, replica_url),
        app_with_replica(replica_url, tmp_path) as (client, headers),
    ):
        replica = state(client.app).replica  # type: ignore[arg-type]
        assert replica is not None
        with replica.engine.connect() as conn:  # the replica's sessions cannot write
            assert conn.scalar(text("SHOW default_transaction_read_only")) == "on"

        assert _queued(client, headers) == 1  # the replica's job
        assert _actions(client, headers) == {"replica.only"}
        # Every other read stays on the primary: one's own write is there at once.
        text_headers = {**headers, "Content-Type": "text/plain"}
        r = client.post("/api/v1/beds", content=bed_text(), headers=text_headers)
        assert r.status_code == 201, r.text
        assert client.get(f"/api/v1/beds/{r.json()['id']}", headers=headers).status_code == 200

        _allow_connections(superuser_url, False)  # the replica goes down
        assert _queued(client, headers) == 0  # the primary's answer, no error
        assert _actions(client, headers) >= {"primary.only"}
        assert replica.failures == 2

        _allow_connections(superuser_url, True)  # back: the next request reads it again
        assert _queued(client, headers) == 1
        assert replica.failures == 2


@pytest.mark.slow
def test_a_replica_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    """A replica whose address takes the connection and then says nothing (a host cut off
    behind a proxy): the connect timeout ends the wait and the primary answers."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes handshakes; nobody ever answers
        port = silent.getsockname()[1]
        url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/replica?connect_timeout=2"
        with app_with_replica(url, tmp_path) as (client, headers):
            assert _queued(client, headers) == 0
            assert state(client.app).replica.failures == 1  # type: ignore[arg-type, union-attr]
