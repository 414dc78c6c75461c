"""Processes the tests start: stop them all, and find any that outlive the session.

A process started with ``start_new_session=True`` leads a process group; its own children
(uvicorn workers, their embedded job workers, Celery's pool) stay in that group even when the
leader has exited or a child was killed and its children were handed to init. So a fixture
stops the whole group, whether or not the leader still runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

#: Set in the environment of the test session, so every process it starts inherits it.
MARK = "BEDFLOW_TEST_SESSION"


def group_members(pgid: int) -> list[int]:
    """The pids of the live processes in the process group ``pgid``."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(entry.name))
    return out


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the group ``process`` leads, SIGKILL what is left after ``timeout`` s, and
    reap the leader. The group is signalled even when the leader has exited already."""
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while group_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def marked_processes(mark: str) -> dict[int, str]:
    """pid -> command line of every process but this one whose environment holds
    ``MARK=mark``, less the resource trackers of this process (they end with it)."""
    me = os.getpid()
    needle = f"{MARK}={mark}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if stat[0] == "Z" or (int(stat[1]) == me and "resource_tracker" in cmd):
            continue
        found[int(entry.name)] = cmd.strip()
    return found
