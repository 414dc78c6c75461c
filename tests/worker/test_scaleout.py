"""Scale-out end to end: two real API processes (uvicorn) on one PostgreSQL database and the
real Redis, one real Celery worker. A job submitted through server A is followed live on
server B, over the WebSocket and as server-sent events.

Both servers read new events from the database only every ``EVENT_POLL_S`` (an hour) unless
Redis announces them, so events that arrive at all were woken by the worker's notice on
``bedflow.worker.events_channel``; ``ApiConfig`` is not read from the environment, so the
servers run this module's ``make_app`` factory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from sqlalchemy import Engine
from websockets.sync.client import connect

from bedflow.api import ApiConfig, create_app
from bedflow.api._security import create_access_token, signing_key
from bedflow.db import crud, make_engine, make_sessionmaker, upgrade
from bedflow.settings import get_settings
from tests.utils.db import make_user, postgres_database
from tests.utils.jobs import SECRET, celery_worker_command, job_bed, wait_for
from tests.utils.net import free_port
from tests.utils.procs import stop_group
from tests.utils.sse import parse_sse

pytestmark = [pytest.mark.services, pytest.mark.slow]  # Redis, Celery, two uvicorns

BROKER = os.environ.get("BEDFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
EVENT_POLL_S = 3600.0
ROOT = Path(__file__).resolve().parents[2]
START_S = 60.0
"""How long a server or the worker may take to come up before the test gives up."""


def make_app() -> FastAPI:
    """The servers' app: the environment's settings, no database polling to speak of."""
    config = ApiConfig(
        bootstrap_admin=False, workers=0, event_poll_s=EVENT_POLL_S,
        write_limit_user="10000/minute", write_limit_address="10000/minute",
    )  # fmt: skip
    return create_app(get_settings(), config=config)


@dataclass
class Cluster:
    engine: Engine
    channel: str
    servers: list[str]
    processes: list[subprocess.Popen[bytes]]

    def token(self) -> tuple[uuid.UUID, str]:
        """A new user of the installation and a token that signs them in."""
        with make_sessionmaker(self.engine)() as session:
            user = make_user(session)
        token, _ = create_access_token(
            user_id=user.id, key=signing_key(SECRET), lifetime=timedelta(minutes=10)
        )
        return user.id, token

    def wait_subscribed(self, subscribers: int) -> None:
        """Until ``subscribers`` event hubs listen on the Redis channel."""
        client = redis.Redis.from_url(BROKER)
        try:
            deadline = time.monotonic() + START_S
            while dict(client.pubsub_numsub(self.channel)).get(self.channel.encode(), 0) < (
                subscribers
            ):
                assert time.monotonic() < deadline, "no event hub subscribed on Redis"
                time.sleep(0.05)
        finally:
            client.close()


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    data = tmp_path_factory.mktemp("scaleout")
    with postgres_database() as url:
        upgrade(url)
        prefix = f"t{uuid.uuid4().hex[:8]}-"
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "BEDFLOW_DATABASE_URL": url,
            "BEDFLOW_DATA_DIR": str(data),
            "BEDFLOW_SECRET_KEY": SECRET,
            "BEDFLOW_BROKER_URL": BROKER,
            "BEDFLOW_QUEUE_PREFIX": prefix,
        }
        ports = [free_port(), free_port()]
        processes = [
            _spawn(celery_worker_command("w1"), env, data / "worker.log")
        ]  # fmt: skip
        for name, port in zip("AB", ports, strict=True):
            processes.append(
                _spawn(
                    [
                        sys.executable, "-m", "uvicorn", f"{__name__}:make_app", "--factory",
                        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                    ],
                    env, data / f"server-{name}.log",
                )
            )  # fmt: skip
        engine = make_engine(url)
        servers = [f"127.0.0.1:{port}" for port in ports]
        try:
            deadline = time.monotonic() + START_S
            for name, server, process in zip("AB", servers, processes[1:], strict=True):
                log = data / f"server-{name}.log"
                while True:
                    assert process.poll() is None, log.read_text()
                    try:
                        if httpx.get(f"http://{server}/api/v1/health").status_code < 500:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, f"server {server} did not start"
                    time.sleep(0.1)
            yield Cluster(engine, f"{prefix}bedflow:job-events", servers, processes)
        finally:
            for process in processes:
                stop_group(process)
            engine.dispose()


def _submit(cluster: Cluster, server: str, user_id: uuid.UUID, token: str) -> uuid.UUID:
    with make_sessionmaker(cluster.engine)() as session:
        user = crud.get_user(session, user_id=user_id)
        assert user is not None
        bed = job_bed(session, user)
        bed_id = str(bed.id)
    r = httpx.post(
        f"http://{server}/api/v1/jobs",
        json={"bed_id": bed_id, "force": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 202, r.text
    return uuid.UUID(r.json()["id"])


def _stored_ids(cluster: Cluster, job_id: uuid.UUID) -> list[int]:
    with make_sessionmaker(cluster.engine)() as session:
        return [e.id for e in crud.list_job_events(session, job_id=job_id, limit=10_000)]


def test_job_submitted_on_one_server_is_followed_live_on_another(cluster: Cluster) -> None:
    server_a, server_b = cluster.servers
    user_id, token = cluster.token()
    received: list[dict[str, Any]] = []
    with connect(f"ws://{server_b}/api/v1/ws?token={token}", open_timeout=START_S) as ws:
        cluster.wait_subscribed(1)  # B's hub listens on Redis (A has no client: no hub)
        job_id = _submit(cluster, server_a, user_id, token)
        while not received or received[-1]["type"] != "job_complete":
            received.append(json.loads(ws.recv(timeout=120)))
    job = wait_for(cluster.engine, job_id, lambda j: j.status == "succeeded", 30)
    assert job.worker and job.worker.endswith(":celery")
    assert [m["id"] for m in received] == _stored_ids(cluster, job_id)
    assert [m["seq"] for m in received] == list(range(1, len(received) + 1))
    assert {m["job_id"] for m in received} == {str(job_id)}
    assert {m["type"] for m in received} == {"log", "status", "job_complete"}
    assert received[-1]["status"] == "succeeded"


def test_server_sent_events_stream_live_from_another_server(cluster: Cluster) -> None:
    server_a, server_b = cluster.servers
    user_id, token = cluster.token()
    job_id = _submit(cluster, server_a, user_id, token)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"http://{server_b}/api/v1/jobs/{job_id}/events", headers=headers, timeout=120
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_sse("".join(response.iter_text()))  # ends after job_complete
    assert [e["id"] for e in events] == _stored_ids(cluster, job_id)
    assert [e["data"]["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["event"] == "job_complete"
    assert events[-1]["data"]["status"] == "succeeded"
