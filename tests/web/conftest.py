"""The dashboard's tests: a real `bedflow serve` on an empty data directory and a random port,
and Debian's chromium driven by Playwright (no browser download: ``executable_path``).

Each fixture skips with its reason when what it needs is absent: Node.js and the front end's
``node_modules`` (the client check), the built app (``make web``), chromium or the Python
``playwright`` package (the browser tests)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.utils.procs import stop_group

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
CHROMIUM = Path(os.environ.get("BEDFLOW_CHROMIUM", "/usr/bin/chromium"))
#: chromium flags for a headless, offline, throw-away browser on a machine without a GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "admin password for the web tests 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5.0) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`bedflow serve` on a fresh data directory and a random port; its URL.
    ``BEDFLOW_WEB_URL`` points the tests at a server already running instead (for example
    `npm run dev` or `vite preview` in front of one) and must then have an empty database."""
    if os.environ.get("BEDFLOW_WEB_URL"):
        yield os.environ["BEDFLOW_WEB_URL"].rstrip("/")
        return
    if not (DIST / "index.html").exists():
        pytest.skip("the dashboard is not built: run `make web` (Node.js 20+) first")
    data = tmp_path_factory.mktemp("web-data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"BEDFLOW_DATABASE_URL", "DATABASE_URL"}}
    env |= {
        "BEDFLOW_DATA_DIR": str(data),
        "BEDFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "BEDFLOW_ENVIRONMENT": "development",
    }
    log = (data / "server.log").open("wb")
    bedflow = Path(sys.executable).with_name("bedflow")
    proc = subprocess.Popen(
        [str(bedflow), "serve", "--port", str(port), "--log-level", "warning"],
        cwd=data,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{url}/api/v1/health")[0] < 500:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError((data / "server.log").read_text()[-3000:])
            time.sleep(0.3)
        status, body, _headers = _get(f"{url}/beds")
        if status != 200 or b'id="root"' not in body:
            pytest.skip("this `bedflow serve` does not serve the built dashboard at / yet")
        yield url
    finally:
        stop_group(proc)
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"no chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python playwright package is absent (make .venv/.dev)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go; the path is printed (pytest -s, or in the report's output)."""
    folder = Path(os.environ.get("BEDFLOW_WEB_ARTIFACTS") or tmp_path_factory.mktemp("web-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nweb screenshots: {folder}")  # noqa: T201 - the tests name their artifacts folder
    return folder


def npx_available() -> bool:
    return shutil.which("node") is not None and (FRONTEND / "node_modules" / ".bin").is_dir()
