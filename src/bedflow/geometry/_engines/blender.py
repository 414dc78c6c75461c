"""The Blender engine (`blender`): the classic Blender rigid-body pour, run headless.

When a ``blender`` executable is on PATH, a Python script is written to a temporary folder and
run with ``blender --background --factory-startup``. It builds the classic scene: the column as
a passive rigid body with a triangle-mesh collision shape, the particles as active rigid bodies
(sphere, cylinder or box shapes), the rigid-body world's substeps and solver iterations from
the spec. It bakes the point cache, then reads the particles' positions frame by frame from the
evaluated objects (an object's ``location`` never changes in a simulation) and writes them to a
JSON file that this module reads back.

Blender runs Bullet, whose thresholds are absolute lengths (see ``bullet.py``), so the scene is
built in the same scaled units as the ``rigid_body`` engine: lengths in particle diameters,
times in ``tau = sqrt(d / g)``; a frame is ``FRAME_TAU * tau``. A tall column of particles
dropped at once tunnels into the pile, so the pour is gentle: batches hang in a stack of
kinematic (animated) slabs that sinks with the growing bed, and each batch is released in turn
a little above the bed's expected top. Blender bakes a fixed frame range: the pour plus
``SETTLE_FRAMES`` (an explicit ``max_time`` caps it, and one too short for the last batch to
land fails before Blender starts); the bed is settled when every particle moved slower
than ``rest_velocity`` over the last frame.

The script is a template filled with numbers only; the particles' positions go through a JSON
file. It prints ``bedflow-frame K N`` while baking; those lines drive the progress callback.
Cancelling kills Blender's whole process group.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np

from bedflow._exceptions import EngineError, EngineUnavailable
from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry._dem import PackingCancelled
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn
from bedflow.geometry._engines._blender_script import Plan, blender_script
from bedflow.geometry._engines._rigid_scene import (
    RigidScene,
    quality_notes,
    rigid_scene,
)
from bedflow.geometry._packed import PackedBed, column_of
from bedflow.geometry._pour_time import incomplete

__all__ = ["BlenderEngine", "blender_script"]

logger = logging.getLogger(__name__)

#: Frames baked after the last batch is released, for the bed to come to rest.
SETTLE_FRAMES = 250
#: Frames over which the final velocities are averaged: Bullet's solver leaves resting
#: particles jittering by ~1e-3 d per frame, which is oscillation, not motion.
SPEED_WINDOW = 10
#: Seconds of wall time between two progress reports and cancel checks.
POLL_INTERVAL = 0.1
#: Seconds to wait for Blender to exit once killed.
KILL_WAIT = 1.0

_FRAME_LINE = re.compile(r"^bedflow-frame (\d+) (\d+)\s*$")

INSTALL_ADVICE = (
    "the blender engine needs a `blender` executable on PATH: on Debian/Ubuntu "
    "`sudo apt-get install blender`, elsewhere download it from https://www.blender.org/download/ "
    "and put its folder on PATH"
)


@functools.cache
def _blender_version(executable: str) -> str:
    try:
        out = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"blender (version unknown: {exc})"
    first = next((line.strip() for line in out.splitlines() if line.startswith("Blender")), "")
    return first or "blender (version unknown)"


class BlenderEngine:
    name = "blender"
    description = "Blender's rigid-body physics, run headless (needs blender on PATH)"
    enabled_by_default = False  # jobs need an admin to turn it on: it runs a program

    def version(self) -> str:
        exe = shutil.which("blender")
        return _blender_version(exe) if exe is not None else "blender (not installed)"

    def unavailable(self) -> str | None:
        return INSTALL_ADVICE if shutil.which("blender") is None else None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        return []

    def pack(
        self, spec: BedSpec, *, count: int, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> PackedBed:
        exe = shutil.which("blender")
        if exe is None:
            raise EngineUnavailable(INSTALL_ADVICE)
        start = time.perf_counter()
        scene = rigid_scene(spec, count)
        plan = Plan(scene, count)
        frame_end = plan.pour_frames + SETTLE_FRAMES
        if spec.packing.max_time is not None:
            # the release plan is fixed: a pour cut before its last batch lands fails now,
            # before Blender runs
            max_frames = max(2, math.floor(scene.max_time / scene.frame))
            landed = plan.landed_by(max_frames)
            if landed < count:
                raise incomplete(spec, placed=landed, count=count, max_time=spec.packing.max_time)
            frame_end = min(frame_end, max_frames)
        window = min(SPEED_WINDOW, frame_end - 1)
        with tempfile.TemporaryDirectory(prefix="bedflow-blender-") as tmp:
            folder = Path(tmp)
            script = folder / "pour.py"
            source, result = folder / "plan.json", folder / "result.json"
            script.write_text(
                blender_script(
                    scene,
                    frame_end=frame_end,
                    settle_frame=plan.settle_frame,
                    window=window,
                    wall_top=plan.top + 2.0,
                ),
                encoding="utf-8",
            )
            source.write_text(json.dumps(plan.payload()), encoding="utf-8")
            command = [
                exe, "--background", "--factory-startup", "-noaudio",
                "--python-exit-code", "1", "--python", str(script), "--",
                str(source), str(result),
            ]  # fmt: skip
            _run(command, scene=scene, count=count, progress=progress, cancel=cancel)
            data = json.loads(result.read_text(encoding="utf-8"))
        before, last = data["frames"]
        d = scene.d
        centers = np.asarray(last["centers"], dtype=np.float64) * d
        earlier = np.asarray(before["centers"], dtype=np.float64) * d
        frame_time = scene.frame * scene.tau
        velocities = (centers - earlier) / (window * frame_time)
        speed = np.linalg.norm(velocities, axis=1)
        settled = bool(np.all(speed < spec.packing.rest_velocity))
        sim_time = (frame_end - 1) * frame_time
        column = column_of(spec)
        notes: list[str] = []
        if not settled:
            notes.append(f"not settled after {sim_time:.3g} s ({frame_end} frames baked)")
        notes += quality_notes(
            kind=scene.kind,
            centers=centers,
            diameter=d,
            column=column,
            velocities=velocities,
            rest_velocity=spec.packing.rest_velocity,
            overlap=None,
        )
        part = spec.particles
        if part.rolling_friction > 0.0:
            notes.append("Blender has no rolling friction: particles.rolling_friction not applied")
        orientations = (
            np.asarray(last["quaternions"], dtype=np.float64)
            if scene.kind != "sphere"
            else np.tile([1.0, 0.0, 0.0, 0.0], (centers.shape[0], 1))
        )
        return PackedBed(
            centers=centers,
            radii=np.full(centers.shape[0], scene.rc * d),
            orientations=orientations,
            velocities=velocities,
            kind=scene.kind,
            particle_diameter=d,
            particle_length=part.length if part.kind == "cylinder" else None,
            column=column,
            engine=self.name,
            engine_version=self.version(),
            seed=part.seed,
            settled=settled,
            simulated_time=sim_time,
            wall_time=time.perf_counter() - start,
            spec_hash=spec_hash(spec),
            rest_velocity=spec.packing.rest_velocity,
            notes=tuple(notes),
        )


def _run(
    command: list[str],
    *,
    scene: RigidScene,
    count: int,
    progress: ProgressFn | None,
    cancel: CancelFn | None,
) -> None:
    """Run Blender in its own process group, relaying progress; kill the group on cancel."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    tail: deque[str] = deque(maxlen=40)

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, name="blender-stdout", daemon=True)
    reader.start()
    frame, frames, last_report = 0, 1, 0.0
    try:
        while True:
            try:
                line = lines.get(timeout=POLL_INTERVAL)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                tail.append(line.rstrip())
                match = _FRAME_LINE.match(line)
                if match:
                    frame, frames = int(match.group(1)), int(match.group(2))
            if cancel is not None and cancel():
                _kill(proc)
                raise PackingCancelled(f"blender packing cancelled at frame {frame}")
            now = time.perf_counter()
            if progress is not None and now - last_report >= 2 * POLL_INTERVAL:
                last_report = now
                progress(
                    PackProgress(
                        fraction=min(frame / frames, 1.0),
                        placed=count,
                        count=count,
                        time=max(frame - 1, 0) * scene.frame * scene.tau,
                        kinetic_energy=math.nan,
                        max_speed=math.nan,
                        message=f"blender frame {frame} of {frames}",
                    )
                )
        code = proc.wait()
    except BaseException:
        _kill(proc)
        raise
    finally:
        reader.join(timeout=KILL_WAIT)
        if proc.stdout is not None:
            proc.stdout.close()
    if code != 0:
        logger.error("blender failed (exit %d):\n%s", code, "\n".join(tail))
        raise EngineError(
            f"blender exited with status {code}; its last output:\n" + "\n".join(tail)
        )


def _kill(proc: subprocess.Popen[str]) -> None:
    """Kill Blender's whole process group and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        proc.wait(timeout=KILL_WAIT)
    except subprocess.TimeoutExpired:
        logger.error("blender process %d did not exit after SIGKILL", proc.pid)
