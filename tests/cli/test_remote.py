"""`bedflow submit`, `jobs`, `cancel` against a real server (uvicorn, embedded pool, SQLite)."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine
from typer.testing import CliRunner

from bedflow.api import create_app
from bedflow.cli import app
from bedflow.db import Job, crud, make_engine, make_sessionmaker, upgrade
from tests.utils.api import CONFIG, auth, make_settings
from tests.utils.db import make_user
from tests.utils.jobs import FAST, SLOW, wait_for
from tests.utils.net import free_port

pytestmark = pytest.mark.services  # a uvicorn server on a socket

runner = CliRunner()


@dataclass
class Server:
    url: str
    token: str
    """A JWT of the user."""
    personal: str
    """A personal bf_ token of the same user."""
    engine: Engine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A uvicorn server in a thread: SQLite in tmp, two embedded workers, a user's bf_ token."""
    folder = tmp_path_factory.mktemp("server")
    engine = make_engine(f"sqlite:///{folder / 'bedflow.db'}")
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        user = make_user(session)
        _, personal = crud.create_api_token(session, user=user, name="cli")
    config = dataclasses.replace(CONFIG, workers=2, event_poll_s=0.05)
    application = create_app(make_settings(folder / "data", engine), config=config)
    # A JWT for the calls made while workers write: on SQLite a bf_ token's last-used update
    # can meet "database is locked" then (crud.user_for_token reads, then writes). It lives as
    # long as the module may take on a loaded machine (5 minutes expired under load once).
    token = auth(application, user, lifetime=timedelta(hours=2))["Authorization"]
    token = token.removeprefix("Bearer ")
    port = free_port()
    uv = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", ws="auto")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", token, personal, engine)
    uv.should_exit = True
    thread.join(timeout=30)
    engine.dispose()


def _bed(tmp_path: Path, text: str = FAST, name: str = "remote") -> Path:
    path = tmp_path / f"{name}.bed"
    path.write_text(f'name = "{name}"\n{text}')
    return path


def _env(server: Server) -> dict[str, str]:
    return {"BEDFLOW_SERVER": server.url, "BEDFLOW_TOKEN": server.token}


@pytest.mark.parametrize("how", ["websocket", "poll"])
def test_submit_follows_the_job_live_and_prints_the_result(
    server: Server, tmp_path: Path, how: str
) -> None:
    args = ["submit", str(_bed(tmp_path)), "--force"] + (["--poll"] if how == "poll" else [])
    result = runner.invoke(app, args, env=_env(server))
    assert result.exit_code == 0, result.output
    assert "queued job" in result.stderr
    assert "[INFO] [PACK]" in result.stderr and "[INFO] [SIMULATE]" in result.stderr
    assert "porosity" in result.stdout and "ergun" in result.stdout
    assert re.search(r"status\s+succeeded", result.stdout)


def test_no_follow_prints_the_id_then_jobs_lists_it_and_cancel_stops_it(
    server: Server, tmp_path: Path
) -> None:
    bed = _bed(tmp_path, SLOW, name="slow")
    args = ["submit", str(bed), "--no-follow", "--server", server.url, "--token", server.token]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    job_id = uuid.UUID(result.stdout.strip())
    listed = runner.invoke(app, ["jobs"], env=_env(server))
    assert listed.exit_code == 0 and str(job_id) in listed.stdout
    wait_for(server.engine, job_id, lambda j: j.status == "running")
    running = runner.invoke(app, ["jobs", "--status", "running"], env=_env(server))
    assert str(job_id) in running.stdout
    cancelled = runner.invoke(app, ["cancel", str(job_id)], env=_env(server))
    assert cancelled.exit_code == 0 and str(job_id) in cancelled.stdout, cancelled.output
    assert wait_for(server.engine, job_id, _ended, timeout=10).status == "cancelled"


def _ended(job: Job) -> bool:
    return job.status in ("succeeded", "failed", "cancelled")


def test_errors_are_one_clear_line(server: Server, tmp_path: Path) -> None:
    bed = _bed(tmp_path)
    nowhere = f"http://127.0.0.1:{free_port()}"
    r = runner.invoke(app, ["jobs", "--server", server.url, "--token", server.personal])
    assert r.exit_code == 0, r.output  # a personal token works as well as a JWT
    r = runner.invoke(app, ["jobs", "--server", nowhere, "--token", "bf_x"])
    assert r.exit_code == 1 and "cannot reach the server at" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1

    r = runner.invoke(app, ["submit", str(bed), "--server", server.url, "--token", "bf_wrong"])
    assert r.exit_code == 1 and "refused the token (401)" in r.stderr

    r = runner.invoke(app, ["cancel", str(uuid.uuid4())], env=_env(server))
    assert r.exit_code == 1 and "not found (404)" in r.stderr

    r = runner.invoke(app, ["jobs", "--status", "sleeping"], env=_env(server))
    assert r.exit_code == 1 and "(422)" in r.stderr

    broken = tmp_path / "broken.bed"
    broken.write_text("bed { diameter = 25 mm;\n  height = 40 mm }\nparticles { diameter = 5 }\n")
    r = runner.invoke(app, ["submit", str(broken)], env=_env(server))
    assert r.exit_code == 1
    assert f"{broken}:3:" in r.stderr and "particles { diameter = 5 }" in r.stderr

    r = runner.invoke(app, ["jobs", "--server", "ftp://x", "--token", "t"])
    assert r.exit_code == 2 and "http://" in r.stderr
    r = runner.invoke(app, ["jobs", "--server", server.url], env={"BEDFLOW_TOKEN": ""})
    assert r.exit_code == 2 and "no token" in r.stderr


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_cancels_the_job_on_the_server(server: Server, tmp_path: Path) -> None:
    bed = _bed(tmp_path, SLOW, name="interrupted")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bedflow.cli import main; main()",
            "submit",
            str(bed),
            "--force",
        ],
        env={**os.environ, **_env(server), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A test run started in the background inherits SIGINT ignored, and Python keeps an
        # ignored SIGINT ignored: give the client the default, as a terminal would.
        preexec_fn=_default_sigint,
    )
    try:
        assert proc.stderr is not None
        seen = [proc.stderr.readline() for _ in range(1)]
        while not seen[-1].startswith("queued job ") and seen[-1] and len(seen) < 50:
            seen.append(proc.stderr.readline())  # a loaded machine may interleave log lines
        assert seen[-1].startswith("queued job "), seen
        job_id = uuid.UUID(seen[-1].split()[2])
        wait_for(server.engine, job_id, lambda j: j.stage == "pack" and j.status == "running")
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pipe in (proc.stdout, proc.stderr):  # a failed run left them open for the next test
            if pipe is not None:
                pipe.close()
    assert proc.returncode == 130, stderr
    assert "cancelled" in stderr
    assert wait_for(server.engine, job_id, _ended, timeout=10).status == "cancelled"
