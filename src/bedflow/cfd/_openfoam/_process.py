"""Running one OpenFOAM tool: in its own session, its output to a log, live progress from the
log, and cancellation that ends the tool and every process it started (mpirun's ranks too)."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bedflow._exceptions import EngineError, SolverCancelled
from bedflow.cfd._openfoam._case import OpenFoamCase
from bedflow.cfd._openfoam._constants import PROGRESS_INTERVAL_S, STOP_GRACE_S
from bedflow.cfd._openfoam._logs import LogWatcher, SolverLog

__all__ = ["CancelFn", "OpenFoamError", "OpenFoamProgress", "ProgressFn", "Runner"]

logger = logging.getLogger(__name__)


class OpenFoamError(EngineError):
    """An OpenFOAM tool failed (non-zero exit); the message quotes its fatal error and log."""


@dataclass(frozen=True)
class OpenFoamProgress:
    """A snapshot of a running case: the ``step`` (tool) and its status ``message``; for the
    solver the ``iteration`` (of ``max_iterations``) and the latest initial ``residuals``;
    ``elapsed`` seconds in this step."""

    step: str
    message: str
    iteration: int = 0
    max_iterations: int = 0
    residuals: Mapping[str, float] = field(default_factory=dict)
    elapsed: float = 0.0


ProgressFn = Callable[[OpenFoamProgress], object]
CancelFn = Callable[[], bool]


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _session(sid: int) -> list[int]:
    """Processes of the session ``sid`` (Linux /proc; empty elsewhere): the tool and all it
    started, including mpirun's ranks, which OpenMPI puts in process groups of their own."""
    out: list[int] = []
    root = Path("/proc")
    if not root.is_dir():
        return out
    for entry in root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...; comm may hold spaces and parentheses
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 3 and fields[3] == str(sid):
            out.append(int(entry.name))
    return out


def _signal(proc: subprocess.Popen[str], sig: signal.Signals) -> list[int]:
    """Send ``sig`` to the tool's process group and every process of its session; return the
    session's members that were signalled."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    members = _session(proc.pid)
    for pid in members:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
    return members


def _stop(proc: subprocess.Popen[str]) -> None:
    """End the tool and everything it started: SIGTERM, then SIGKILL after a grace period."""
    _signal(proc, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None and not _alive(_session(proc.pid)):
            break
        time.sleep(0.02)
    _signal(proc, signal.SIGKILL)
    proc.wait()


def _alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` that still run (zombies, which only wait to be reaped, do not)."""
    out = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        if state.rsplit(")", 1)[-1].split()[:1] != ["Z"]:
            out.append(pid)
    return out


class Runner:
    """Runs a case's tools one after another, keeping each one's log path and timing."""

    def __init__(
        self,
        case: OpenFoamCase,
        env: dict[str, str],
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> None:
        self.case = case
        self.env = env
        self.progress = progress
        self.cancel = cancel
        self.timings: dict[str, float] = {}
        self.logs: dict[str, Path] = {}

    def _report(self, step: str, watcher: LogWatcher, elapsed: float) -> None:
        if self.progress is None:
            return
        if isinstance(watcher, SolverLog):
            self.progress(
                OpenFoamProgress(
                    step,
                    watcher.message,
                    watcher.iteration,
                    self.case.max_iterations,
                    watcher.residuals,
                    elapsed,
                )
            )
        else:
            self.progress(OpenFoamProgress(step, watcher.message, elapsed=elapsed))

    def run(self, step: str, argv: list[str], watcher: LogWatcher | None = None) -> LogWatcher:
        """Run one tool in the case directory, its output to ``log.<step>``."""
        watcher = watcher or LogWatcher(step)
        if shutil.which(argv[0], path=self.env.get("PATH")) is None:
            raise OpenFoamError(f"{argv[0]} is not on PATH (needed for the {step} step)")
        log_path = self.case.directory / f"log.{step}"
        self.logs[step] = log_path
        logger.info("running %s in %s", " ".join(argv), self.case.directory)
        start = time.monotonic()
        last = -math.inf
        with (
            log_path.open("w", encoding="utf-8") as log,
            subprocess.Popen(
                argv,
                cwd=self.case.directory,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                start_new_session=True,
            ) as proc,
        ):
            if proc.stdout is None:  # pragma: no cover - PIPE always gives a stream
                raise OpenFoamError(f"no output stream from {argv[0]}")
            lines: queue.Queue[str | None] = queue.Queue()
            reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
            reader.start()
            try:
                while True:
                    try:
                        line = lines.get(timeout=0.1)
                    except queue.Empty:
                        line = ""
                    if line is None:
                        break
                    changed = False
                    if line:
                        log.write(line)
                        changed = watcher.feed(line)
                    if self.cancel is not None and self.cancel():
                        logger.info("cancelling %s", step)
                        _stop(proc)
                        iteration = watcher.iteration if isinstance(watcher, SolverLog) else 0
                        raise SolverCancelled(iteration)
                    now = time.monotonic()
                    if (changed and now - last >= 0.1) or now - last >= PROGRESS_INTERVAL_S:
                        self._report(step, watcher, now - start)
                        last = now
            except BaseException:
                if proc.poll() is None:
                    _stop(proc)
                raise
            finally:
                # the group is gone, so the pipe is at its end: let the reader see it
                reader.join(timeout=STOP_GRACE_S)
            rc = proc.wait()
        elapsed = time.monotonic() - start
        self.timings[step] = elapsed
        self._report(step, watcher, elapsed)
        if rc != 0 and step != "checkMesh":
            detail = " ".join(watcher.fatal[:12]) or _tail(log_path)
            raise OpenFoamError(f"{' '.join(argv)} failed (exit {rc}): {detail} [see {log_path}]")
        return watcher


def _tail(path: Path, lines: int = 5) -> str:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return " | ".join(t.strip() for t in text[-lines:] if t.strip())
