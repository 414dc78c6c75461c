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
from string import Template
from typing import Any

import numpy as np

from bedflow._exceptions import EngineError, EngineUnavailable
from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry._dem import PackingCancelled
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn
from bedflow.geometry._engines._rigid_scene import (
    FRAME_TAU,
    SPAWN_GAP,
    SPAWN_MARGIN,
    RigidScene,
    quality_notes,
    rigid_scene,
    spawn_batch,
    wall_facets,
)
from bedflow.geometry._packed import PackedBed, column_of
from bedflow.geometry._pour_time import incomplete
from bedflow.geometry._types import FloatArray

__all__ = ["BlenderEngine", "blender_script"]

logger = logging.getLogger(__name__)

#: Frames baked after the last batch is released, for the bed to come to rest.
SETTLE_FRAMES = 250
#: The expected bed height (from the expected porosity) is multiplied by this before batches
#: are released above it, so that a looser bed than expected is not spawned into.
HEIGHT_SAFETY = 1.25
#: Frames over which the final velocities are averaged: Bullet's solver leaves resting
#: particles jittering by ~1e-3 d per frame, which is oscillation, not motion.
SPEED_WINDOW = 10
#: Frames added to a batch's fall out of its slab before the next batch is released.
RELEASE_SLACK_FRAMES = 2
#: Seconds of wall time between two progress reports and cancel checks.
POLL_INTERVAL = 0.1
#: Seconds to wait for Blender to exit once killed.
KILL_WAIT = 1.0

_FRAME_LINE = re.compile(r"^bedflow-frame (\d+) (\d+)\s*$")
_KIND_CODE = {"sphere": 0, "cylinder": 1, "cube": 2}

INSTALL_ADVICE = (
    "the blender engine needs a `blender` executable on PATH: on Debian/Ubuntu "
    "`sudo apt-get install blender`, elsewhere download it from https://www.blender.org/download/ "
    "and put its folder on PATH"
)

# The script Blender runs. Only numbers are substituted into it ($name); file paths come as
# command-line arguments after `--`. It prints progress lines for the engine to parse.
_TEMPLATE = Template(
    r"""
import json
import math
import sys

import bmesh
import bpy

KIND = $kind  # 0 sphere, 1 cylinder, 2 cube
BOX_COLUMN = $box_column
RADIUS = $radius
HALF_W = $half_width
HALF_D = $half_depth
FLOOR = $floor
WALL_TOP = $wall_top
FACETS = $facets
LENGTH = $length
MARGIN = $margin
FRICTION = $friction
RESTITUTION = $restitution
LIN_DAMP = $linear_damping
ANG_DAMP = $angular_damping
SUBSTEPS = $substeps
ITERATIONS = $iterations
FPS = $fps
TIME_SCALE = $time_scale
GRAVITY = ($gx, $gy, $gz)
FRAME_END = $frame_end
WINDOW = $window
SETTLE_FRAME = $settle_frame
SETTLE_LIN_DAMP = $settle_linear_damping
SETTLE_ANG_DAMP = $settle_angular_damping

args = sys.argv[sys.argv.index("--") + 1:]
with open(args[0], encoding="utf-8") as f:
    plan = json.load(f)

scene = bpy.context.scene
for obj in list(bpy.data.objects):
    bpy.data.objects.remove(obj, do_unlink=True)
scene.render.fps = FPS
scene.render.fps_base = 1.0
scene.frame_start = 1
scene.frame_end = FRAME_END
scene.use_gravity = True
scene.gravity = GRAVITY
bpy.ops.rigidbody.world_add()
world = scene.rigidbody_world
world.substeps_per_frame = SUBSTEPS
world.solver_iterations = ITERATIONS
world.time_scale = TIME_SCALE
world.point_cache.frame_start = 1
world.point_cache.frame_end = FRAME_END


def add_body(obj, kind, shape):
    with bpy.context.temp_override(
        object=obj, active_object=obj, selected_objects=[obj], selected_editable_objects=[obj]
    ):
        bpy.ops.rigidbody.object_add(type=kind)
    rb = obj.rigid_body
    rb.collision_shape = shape
    rb.friction = FRICTION
    rb.restitution = RESTITUTION
    rb.use_margin = True
    rb.collision_margin = MARGIN
    return rb


# the column: floor and wall as one passive triangle mesh (Blender applies no margin to it)
bottom = FLOOR
if BOX_COLUMN:
    w, d = HALF_W, HALF_D
    ring = [(w, d), (-w, d), (-w, -d), (w, -d)]
else:
    r = RADIUS
    ring = [
        (r * math.cos(2 * math.pi * k / FACETS), r * math.sin(2 * math.pi * k / FACETS))
        for k in range(FACETS)
    ]
n = len(ring)
verts = [(x, y, bottom) for x, y in ring] + [(x, y, WALL_TOP) for x, y in ring]
verts.append((0.0, 0.0, bottom))
faces = [(k, (k + 1) % n, n + (k + 1) % n, n + k) for k in range(n)]
faces += [(2 * n, (k + 1) % n, k) for k in range(n)]
mesh = bpy.data.meshes.new("column")
mesh.from_pydata(verts, [], faces)
mesh.update()
column = bpy.data.objects.new("column", mesh)
scene.collection.objects.link(column)
add_body(column, "PASSIVE", "MESH").mesh_source = "BASE"

# the particle prototype; copies of a rigid body are already in the rigid-body collection
bm = bmesh.new()
if KIND == 0:
    bmesh.ops.create_uvsphere(bm, u_segments=16, v_segments=8, radius=0.5)
    shape = "SPHERE"
elif KIND == 1:
    bmesh.ops.create_cone(
        bm, cap_ends=True, segments=24, radius1=0.5, radius2=0.5, depth=LENGTH
    )
    shape = "CYLINDER"
else:
    bmesh.ops.create_cube(bm, size=1.0)
    shape = "BOX"
pmesh = bpy.data.meshes.new("particle")
bm.to_mesh(pmesh)
bm.free()
proto = bpy.data.objects.new("particle", pmesh)
scene.collection.objects.link(proto)
rb = add_body(proto, "ACTIVE", shape)
rb.mass = 1.0
rb.linear_damping = LIN_DAMP
rb.angular_damping = ANG_DAMP
rb.use_deactivation = False

particles = []
total = len(plan["release"])
for i in range(total):
    obj = proto.copy()
    scene.collection.objects.link(obj)
    keys = plan["keys"][i]
    release = plan["release"][i]
    obj.location = keys[0][1:]
    obj.rotation_mode = "QUATERNION"
    obj.rotation_quaternion = plan["quaternions"][i]
    obj.rigid_body.kinematic = True
    action = bpy.data.actions.new("pour")
    obj.animation_data_create().action = action
    for axis in range(3):
        curve = action.fcurves.new("location", index=axis)
        curve.keyframe_points.add(len(keys))
        for point, key in zip(curve.keyframe_points, keys):
            point.co = (key[0], key[1 + axis])
            point.interpolation = "LINEAR"
    curve = action.fcurves.new("rigid_body.kinematic")
    curve.keyframe_points.add(3)
    for point, co in zip(curve.keyframe_points, ((1, 1), (release, 1), (release + 1, 0))):
        point.co = co
        point.interpolation = "CONSTANT"
    for path, before, after in (
        ("rigid_body.linear_damping", LIN_DAMP, SETTLE_LIN_DAMP),
        ("rigid_body.angular_damping", ANG_DAMP, SETTLE_ANG_DAMP),
    ):
        if after != before:
            curve = action.fcurves.new(path)
            curve.keyframe_points.add(2)
            keys = ((SETTLE_FRAME, before), (SETTLE_FRAME + 1, after))
            for point, co in zip(curve.keyframe_points, keys):
                point.co = co
                point.interpolation = "CONSTANT"
    particles.append(obj)
    if i % 100 == 0:
        print(f"bedflow-setup {i} {total}", flush=True)
bpy.data.objects.remove(proto, do_unlink=True)


def report(scene, *_):
    print(f"bedflow-frame {scene.frame_current} {FRAME_END}", flush=True)


bpy.app.handlers.frame_change_post.append(report)
with bpy.context.temp_override(scene=scene, point_cache=world.point_cache):
    bpy.ops.ptcache.bake_all(bake=True)
bpy.app.handlers.frame_change_post.remove(report)

out = {"frame_end": FRAME_END, "frames": []}
for frame in (FRAME_END - WINDOW, FRAME_END):
    scene.frame_set(frame)
    graph = bpy.context.evaluated_depsgraph_get()
    centers, quats = [], []
    for obj in particles:
        m = obj.evaluated_get(graph).matrix_world
        centers.append(list(m.translation))
        quats.append(list(m.to_quaternion()))
    out["frames"].append({"frame": frame, "centers": centers, "quaternions": quats})
with open(args[1], "w", encoding="utf-8") as f:
    json.dump(out, f)
print("bedflow-done", flush=True)
"""
)


def _num(value: float | int) -> str:
    """A number for the template: ints and finite floats only, never text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"only numbers go into the Blender script, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"only finite numbers go into the Blender script, got {value!r}")
    return repr(value)


class _Plan:
    """Where each particle hangs and when it is released (scaled units, frames from 1)."""

    def __init__(self, scene: RigidScene, count: int) -> None:
        rng = np.random.default_rng(scene.seed)
        s = scene
        interval = math.ceil(s.impact_speed / s.frame) + RELEASE_SLACK_FRAMES
        spacing = s.slab + SPAWN_MARGIN
        rise = HEIGHT_SAFETY * s.particle_volume / ((1.0 - s.expected_porosity) * s.cross_section)
        batches: list[tuple[FloatArray, FloatArray]] = []
        placed = 0
        while placed < count:
            centers, quats = spawn_batch(rng, min(s.batch, count - placed), s, 0.0)
            batches.append((centers, quats))
            placed += centers.shape[0]
        nb = len(batches)
        release = [2 + k * interval for k in range(nb)]
        z_lo = [s.floor + rise * k * s.batch + SPAWN_GAP for k in range(nb)]
        self.keys: list[list[list[float]]] = []
        self.release: list[int] = []
        quats_all: list[FloatArray] = []
        for k, (centers, quats) in enumerate(batches):
            for c in centers:
                # the stack of slabs: batch k sits (k - j) slabs above batch j's release height
                path = [[1.0, float(c[0]), float(c[1]), z_lo[0] + k * spacing + float(c[2])]]
                path += [
                    [float(release[j]), float(c[0]), float(c[1]),
                     z_lo[j] + (k - j) * spacing + float(c[2])]
                    for j in range(k + 1)
                ]  # fmt: skip
                self.keys.append(path)
                self.release.append(release[k])
            quats_all.append(quats)
        self.quaternions: FloatArray = np.concatenate(quats_all)
        self.top = z_lo[0] + nb * spacing + s.slab
        self.pour_frames = release[-1]
        self.settle_frame = release[-1] + interval  # the last batch has landed

    def landed_by(self, frame: int) -> int:
        """How many particles have been released and have landed by ``frame``."""
        fall = self.settle_frame - self.pour_frames
        return sum(1 for r in self.release if r + fall <= frame)

    def payload(self) -> dict[str, Any]:
        return {
            "keys": self.keys,
            "release": self.release,
            "quaternions": self.quaternions.tolist(),
        }


def blender_script(
    scene: RigidScene, *, frame_end: int, settle_frame: int, window: int, wall_top: float
) -> str:
    """The Python script Blender runs for ``scene`` (numbers only are substituted).

    It bakes frames 1 to ``frame_end``, raises the damping by ``packing.damping`` from
    ``settle_frame`` on, and writes the positions at ``frame_end - window`` and ``frame_end``.
    """
    fps = 10
    keep = 1.0 - scene.settle_damping
    values: dict[str, float | int] = {
        "kind": _KIND_CODE[scene.kind],
        "box_column": int(scene.column_shape == "box"),
        "radius": scene.radius,
        "half_width": scene.half_width,
        "half_depth": scene.half_depth,
        "floor": scene.floor,
        "wall_top": wall_top,
        "facets": wall_facets(scene.radius) if scene.column_shape == "cylinder" else 4,
        "length": scene.length,
        "margin": scene.margin,
        "friction": scene.friction,
        "restitution": scene.restitution,
        "linear_damping": scene.linear_damping,
        "angular_damping": scene.angular_damping,
        "substeps": scene.substeps,
        "iterations": scene.iterations,
        "fps": fps,
        "time_scale": FRAME_TAU * fps,
        "gx": scene.gravity[0],
        "gy": scene.gravity[1],
        "gz": scene.gravity[2],
        "frame_end": frame_end,
        "window": window,
        "settle_frame": settle_frame,
        "settle_linear_damping": 1.0 - (1.0 - scene.linear_damping) * keep,
        "settle_angular_damping": 1.0 - (1.0 - scene.angular_damping) * keep,
    }
    return _TEMPLATE.substitute({k: _num(v) for k, v in values.items()})


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
        plan = _Plan(scene, count)
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
