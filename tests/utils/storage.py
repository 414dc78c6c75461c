"""Object-store fixtures: a local folder, and a real S3-protocol server (moto) on loopback."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedflow.storage import LocalStorage, S3Storage, Storage
from tests.utils.net import free_port

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of moto's standalone S3 server, started for the session and stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not start:\n{log.read_text()}", pytrace=False)
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_s3(endpoint: str, *, part_size: int = 5 * MIB) -> S3Storage:
    """An S3Storage on a new bucket of the server at ``endpoint``."""
    store = S3Storage(
        f"test-{uuid.uuid4().hex[:12]}",
        endpoint_url=endpoint,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        part_size=part_size,
    )
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """Each backend in turn: a LocalStorage in a temporary folder, an S3Storage on moto."""
    if request.param == "local":
        yield LocalStorage(tmp_path / "objects")
        return
    s3 = make_s3(request.getfixturevalue("s3_endpoint"))
    yield s3
    with contextlib.suppress(Exception):
        for key in list(s3.list()):
            s3.delete(key)


class _CutShort(http.server.BaseHTTPRequestHandler):
    """Answers every GET as s3rver does when a PUT rewrites the object between its stat and
    its read (it truncates the file in place): the headers of a 790-byte object, then the
    connection closed before a byte of it."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "790")
        self.send_header("ETag", '"0"')
        self.end_headers()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reports what matters."""


@pytest.fixture
def cut_short() -> Iterator[S3Storage]:
    """An S3Storage on a loopback server whose every object read is cut short."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutShort)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield S3Storage(
            "bedflow", endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            access_key_id="testing", secret_access_key="testing",
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class GeneratedFile:
    """A readable stream of ``size`` pseudo-random bytes made on the fly (never all in memory).

    ``sha256`` is the digest of everything handed out so far.
    """

    def __init__(self, size: int, *, seed: int = 0) -> None:
        self.remaining = size
        self._block = hashlib.sha256(str(seed).encode()).digest() * (MIB // 32)
        self._counter = 0
        self._digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        n = self.remaining if size < 0 else min(size, self.remaining)
        out = bytearray()
        while len(out) < n:
            self._counter += 1
            piece = self._block[: n - len(out)]
            # Vary each piece so the file is not one block repeated.
            out += self._counter.to_bytes(8, "little") + piece[8:] if len(piece) > 8 else piece
        data = bytes(out[:n])
        self.remaining -= len(data)
        self._digest.update(data)
        return data

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()
