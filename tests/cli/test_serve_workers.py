"""`bedflow serve --workers 2` for real: each worker process listens on a socket of its own
(SO_REUSEPORT), so the kernel hands each new connection to one of them by a hash of its
addresses; a burst of connections is served by both; a worker that dies is replaced on its
socket, and SIGTERM stops them all. A worker killed outright leaves no embedded job workers
behind: they notice that their server is gone and exit.

With uvicorn's shared socket the first worker to wake accepted every waiting connection:
bench/bench_api.py found all 50 of its keep-alive connections on one of two workers in most
runs. The split itself is left unasserted: the kernel's hash of sequential client ports is
not a fair coin (splits from 16/16 to 27/5 were seen). Linux only (SO_REUSEPORT balances
there).
"""

from __future__ import annotations

import http.client
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.net import free_port
from tests.utils.procs import group_members, stop_group

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT"),
    pytest.mark.services,  # two uvicorn processes
    pytest.mark.slow,
]

CONNECTIONS = 32
HEALTH = "/api/v1/health"


def _children(pid: int) -> list[int]:
    """The uvicorn workers of ``pid``: its children started by multiprocessing's spawn."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if ppid == str(pid) and b"spawn_main" in cmdline:
            out.append(int(entry.name))
    return sorted(out)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _sockets(pid: int, port: int, state: str) -> set[str]:
    """The inodes of the sockets on local ``port`` in TCP ``state`` (01 established, 0A
    listening) that the process ``pid`` holds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held.add(target[8:-1])
    return held


def _burst(port: int, count: int) -> list[http.client.HTTPConnection]:
    """``count`` connections opened at once, as a load generator or a proxy opens them."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))
    connections = []
    for sock in sockets:
        select.select([], [sock], [], 10)
        sock.setblocking(True)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.sock = sock
        connections.append(conn)
    return connections


def _healthy(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", HEALTH)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _wait(condition: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("BEDFLOW_", "DATABASE_"))},
        "BEDFLOW_DATA_DIR": str(tmp_path),
        "BEDFLOW_ADMIN_PASSWORD": "admin password 1",
    }
    command = [sys.executable, "-c", "from bedflow.cli import main; main()", "serve"]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        _wait(lambda: _healthy(port) and len(_children(proc.pid)) == 2, "the server")
        yield proc, port
    finally:
        # the whole group, even when the server has exited: a worker killed by the test
        # leaves its own children to init, and they were left running until 2026-12
        stop_group(proc, timeout=2.0)
        log.close()


def test_connections_spread_over_the_workers_and_a_dead_worker_is_replaced(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = server
    workers = _children(proc.pid)
    listening = [_sockets(pid, port, "0A") for pid in workers]
    assert all(len(s) == 1 for s in listening) and not listening[0] & listening[1], listening
    connections = _burst(port, CONNECTIONS)
    try:
        for conn in connections:  # kept alive
            conn.request("GET", HEALTH)
            assert conn.getresponse().read() and conn.sock is not None
        held = {pid: len(_sockets(pid, port, "01")) for pid in workers}
        assert sum(held.values()) == CONNECTIONS, held
    finally:
        for conn in connections:
            conn.close()

    # each server process runs its embedded job workers; killed without its shutdown, it
    # cannot stop them, and they exit by themselves instead of living on under init
    _wait(lambda: len(_children(workers[0])) == 2, "the embedded job workers")
    orphans = _children(workers[0])
    os.kill(workers[0], signal.SIGKILL)
    _wait(
        lambda: len(_children(proc.pid)) == 2 and workers[0] not in _children(proc.pid),
        "a new worker",
    )
    # (they check once started: importing the numerics takes up to a minute on a loaded machine)
    _wait(lambda: not any(_running(pid) for pid in orphans), "the orphaned job workers", 180.0)
    _wait(lambda: all(_healthy(port) for _ in range(CONNECTIONS)), "both sockets served")

    everyone = set(workers) | set(_children(proc.pid))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    _wait(lambda: not any(_running(pid) for pid in everyone), "the workers to stop", 10.0)
    _wait(lambda: not group_members(proc.pid), "every process of the server to stop", 10.0)
