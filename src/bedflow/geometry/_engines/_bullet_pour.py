"""One pour of the `rigid_body` engine in one pybullet client (pybullet is untyped; the untyped
boundary is kept inside :class:`Pour`), and the import of pybullet itself.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import importlib.util
import logging
import math
import os
import sys
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

from bedflow.geometry._dem import PackingCancelled
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn
from bedflow.geometry._engines._rigid_scene import (
    BATCH_TIMEOUT_FRAMES,
    FREEZE_DEPTH,
    FREEZE_FRAMES,
    PROGRESS_INTERVAL,
    RESTITUTION_THRESHOLD,
    SETTLE_FRAMES,
    SPAWN_GAP,
    WALL_THICKNESS,
    RigidScene,
    spawn_batch,
    wall_facets,
)
from bedflow.geometry._types import FloatArray

__all__ = ["Pour", "installed", "pybullet"]

logger = logging.getLogger(__name__)


# --- pybullet -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet_c_output() -> Iterator[None]:
    """Silence C-level writes to stderr (pybullet prints its build time when imported)."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no file descriptor 2 (embedded interpreters): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                _flush_c_stdio()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _flush_c_stdio() -> None:
    """Flush C's stdio buffers (what C code printed goes where its fds point now)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).fflush(None)


def installed() -> bool:
    return importlib.util.find_spec("pybullet") is not None


def pybullet() -> ModuleType:
    """Import pybullet (untyped), once."""
    if "pybullet" not in sys.modules:
        with _quiet_c_output():
            return importlib.import_module("pybullet")
    return sys.modules["pybullet"]


class Pour:
    """One pour in one pybullet client; the untyped boundary is kept inside this class."""

    def __init__(
        self,
        pb: Any,
        client: int,
        scene: RigidScene,
        count: int,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> None:
        self.pb, self.client, self.scene, self.target = pb, client, scene, count
        self.progress, self.cancel = progress, cancel
        self.bodies: list[int] = []
        self.centers: FloatArray = np.zeros((0, 3))
        self.orientations: FloatArray = np.zeros((0, 4))
        self.velocities: FloatArray = np.zeros((0, 3))
        self.calm = np.zeros(0, dtype=np.int64)  # frames each particle has been at rest
        self.active = np.zeros(0, dtype=np.int64)  # particles not frozen
        self.settled = False
        self.time = 0.0
        self._batch_start = 0
        self._batch_lo = math.inf  # bottom of the slab of the last batch
        self.overlap: float | None = None
        self._build_world()

    @property
    def count(self) -> int:
        return len(self.bodies)

    @property
    def in_bed(self) -> int:
        """Particles poured whose batch has fallen out of its slab (the bed's, at the end)."""
        return len(self.bodies) if self._last_batch_out() else self._batch_start

    # -- world ------------------------------------------------------------------------------

    def _build_world(self) -> None:
        pb, c, s = self.pb, self.client, self.scene
        pb.resetSimulation(physicsClientId=c)
        pb.setGravity(*s.gravity, physicsClientId=c)
        pb.setPhysicsEngineParameter(
            fixedTimeStep=s.frame / s.substeps,
            numSubSteps=0,
            numSolverIterations=s.iterations,
            contactBreakingThreshold=s.contact_breaking,
            restitutionVelocityThreshold=RESTITUTION_THRESHOLD,
            deterministicOverlappingPairs=1,
            physicsClientId=c,
        )
        self._static_boxes()
        if s.kind == "sphere":
            shape = pb.createCollisionShape(pb.GEOM_SPHERE, radius=0.5, physicsClientId=c)
        elif s.kind == "cube":
            shape = pb.createCollisionShape(
                pb.GEOM_BOX, halfExtents=[0.5, 0.5, 0.5], physicsClientId=c
            )
        else:
            shape = pb.createCollisionShape(
                pb.GEOM_CYLINDER, radius=0.5, height=s.length, physicsClientId=c
            )
        self.shape = shape

    def _static_boxes(self) -> None:
        """Floor and wall as static boxes; a cylinder wall as a ring of boxes whose inner
        faces are the sides of a polygon inscribed in the cylinder."""
        pb, c, s = self.pb, self.client, self.scene
        t = WALL_THICKNESS
        top = max(s.height, 2.0 * s.height) + 10.0
        hz = 0.5 * (top - s.floor + t)
        zc = s.floor - t + hz
        boxes: list[tuple[list[float], list[float], list[float]]] = []
        if s.column_shape == "cylinder":
            n = wall_facets(s.radius)
            apothem = s.radius * math.cos(math.pi / n)
            half_side = 1.1 * s.radius * math.sin(math.pi / n) + t * math.tan(math.pi / n)
            for k in range(n):
                phi = 2.0 * math.pi * (k + 0.5) / n
                r = apothem + 0.5 * t
                q = pb.getQuaternionFromEuler([0.0, 0.0, phi])
                boxes.append(([0.5 * t, half_side, hz], [r * math.cos(phi), r * math.sin(phi), zc],
                              list(q)))  # fmt: skip
            reach = s.radius + t
            self.wall_facets = n
        else:
            hx, hy = s.half_width, s.half_depth
            ident = [0.0, 0.0, 0.0, 1.0]
            boxes += [
                ([0.5 * t, hy + t, hz], [hx + 0.5 * t, 0.0, zc], ident),
                ([0.5 * t, hy + t, hz], [-hx - 0.5 * t, 0.0, zc], ident),
                ([hx + t, 0.5 * t, hz], [0.0, hy + 0.5 * t, zc], ident),
                ([hx + t, 0.5 * t, hz], [0.0, -hy - 0.5 * t, zc], ident),
            ]
            reach = max(hx, hy) + t
            self.wall_facets = 4
        boxes.append(([reach + t, reach + t, 0.5 * t], [0.0, 0.0, s.floor - 0.5 * t],
                      [0.0, 0.0, 0.0, 1.0]))  # fmt: skip
        self.statics: list[int] = []
        for half, pos, orn in boxes:
            shape = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=c)
            body = pb.createMultiBody(
                baseMass=0.0,
                baseCollisionShapeIndex=shape,
                basePosition=pos,
                baseOrientation=orn,
                useMaximalCoordinates=True,
                physicsClientId=c,
            )
            self._material(body)
            self.statics.append(body)

    def _material(self, body: int) -> None:
        s = self.scene
        self.pb.changeDynamics(
            body,
            -1,
            lateralFriction=s.friction,
            restitution=s.restitution,
            rollingFriction=s.rolling_friction,
            spinningFriction=0.0,
            linearDamping=s.linear_damping,
            angularDamping=s.angular_damping,
            collisionMargin=s.margin,
            activationState=self.pb.ACTIVATION_STATE_DISABLE_SLEEPING,
            physicsClientId=self.client,
        )

    def _add(self, centers: FloatArray, quats: FloatArray) -> None:
        pb, c = self.pb, self.client
        first = len(self.bodies)
        for pos, q in zip(centers, quats, strict=True):
            body = pb.createMultiBody(
                baseMass=1.0,
                baseCollisionShapeIndex=self.shape,
                basePosition=[float(v) for v in pos],
                baseOrientation=[float(q[1]), float(q[2]), float(q[3]), float(q[0])],
                useMaximalCoordinates=True,
                physicsClientId=c,
            )
            self._material(body)
            self.bodies.append(body)
        self.centers = np.concatenate((self.centers, centers))
        self.orientations = np.concatenate((self.orientations, quats))
        self.velocities = np.concatenate((self.velocities, np.zeros_like(centers)))
        self.calm = np.concatenate((self.calm, np.zeros(centers.shape[0], dtype=np.int64)))
        self.active = np.concatenate(
            (self.active, np.arange(first, len(self.bodies), dtype=np.int64))
        )

    def _read(self) -> None:
        """Positions, orientations and velocities of the moving particles."""
        pb, c = self.pb, self.client
        for i in self.active:
            b = self.bodies[i]
            p, q = pb.getBasePositionAndOrientation(b, physicsClientId=c)
            v, _ = pb.getBaseVelocity(b, physicsClientId=c)
            self.centers[i] = p
            self.orientations[i] = (q[3], q[0], q[1], q[2])
            self.velocities[i] = v

    def _freeze(self, ids: Any) -> None:
        """Make particles static: mass 0 takes them out of the solver and the integration."""
        for i in ids:
            b = self.bodies[i]
            self.pb.changeDynamics(b, -1, mass=0.0, physicsClientId=self.client)
            self.pb.resetBaseVelocity(b, [0.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                                      physicsClientId=self.client)  # fmt: skip
            self.velocities[i] = 0.0

    def _measure_overlap(self) -> float:
        """Deepest penetration between bodies (particles and walls), fraction of d."""
        self.pb.performCollisionDetection(physicsClientId=self.client)
        deepest = 0.0
        for pt in self.pb.getContactPoints(physicsClientId=self.client):
            deepest = max(deepest, -float(pt[8]))
        return deepest

    def _damp_for_settling(self) -> None:
        s = self.scene
        keep = 1.0 - s.settle_damping
        for i in self.active:
            self.pb.changeDynamics(
                self.bodies[i],
                -1,
                linearDamping=1.0 - (1.0 - s.linear_damping) * keep,
                angularDamping=1.0 - (1.0 - s.angular_damping) * keep,
                physicsClientId=self.client,
            )

    # -- pour -------------------------------------------------------------------------------

    def pour(self) -> None:
        s = self.scene
        rng = np.random.default_rng(s.seed)
        last_report = time.perf_counter()
        batch_lo = math.inf  # bottom of the slab of the last batch
        batch_start = 0
        batch_frame = 0
        calm_frames = 0
        frame = 0
        damped = False
        max_frames = math.ceil(s.max_time / s.frame)
        speed: FloatArray = np.zeros(0)
        while True:
            placed = len(self.bodies)
            self._batch_start, self._batch_lo = batch_start, batch_lo
            if placed < self.target:
                if self._last_batch_out() or frame - batch_frame >= BATCH_TIMEOUT_FRAMES:
                    top = float(np.max(self.centers[:, 2])) + s.rc if placed else s.floor
                    batch_lo = top + SPAWN_GAP
                    want = min(s.batch, self.target - placed)
                    centers, quats = spawn_batch(rng, want, s, batch_lo)
                    self._add(centers, quats)
                    batch_start, batch_frame = placed, frame
            elif not damped and s.settle_damping > 0.0:
                damped = True
                self._damp_for_settling()
            for _ in range(s.substeps):
                self.pb.stepSimulation(physicsClientId=self.client)
            frame += 1
            self.time = frame * s.frame
            self._read()
            ids = self.active
            speed = np.linalg.norm(self.velocities[ids], axis=1)
            calm_now = speed < s.rest_speed
            self.calm[ids] = np.where(calm_now, self.calm[ids] + 1, 0)
            if batch_start > 0:
                # freeze calm particles deep under the top of the landed bed (not the batch
                # still falling): the solver no longer jiggles them, and a step costs what
                # the moving layer costs
                landed_top = float(np.max(self.centers[:batch_start, 2])) + s.rc
                deep = self.centers[ids, 2] + s.rc < landed_top - FREEZE_DEPTH
                freeze = deep & (self.calm[ids] >= FREEZE_FRAMES)
                if freeze.any():
                    self._freeze(ids[freeze])
                    self.active = ids[~freeze]
                    speed = speed[~freeze]
            all_in = len(self.bodies) >= self.target
            most = float(speed.max()) if speed.size else 0.0
            calm_frames = calm_frames + 1 if all_in and most < s.rest_speed else 0
            if calm_frames >= SETTLE_FRAMES:
                self.settled = True
            now = time.perf_counter()
            done = self.settled or frame >= max_frames
            if done or now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                self._report(speed)
                if self.cancel is not None and self.cancel():
                    raise PackingCancelled(
                        f"rigid_body packing cancelled at t = {self.time * s.tau:.4g} s"
                    )
            if done:
                break
        self._batch_start, self._batch_lo = batch_start, batch_lo
        self.overlap = self._measure_overlap()
        logger.info(
            "rigid_body: %d/%d %ss, settled=%s, t=%.4g s, %d frames, %d frozen",
            len(self.bodies), self.target, s.kind, self.settled, self.time * s.tau, frame,
            len(self.bodies) - self.active.shape[0],
        )  # fmt: skip

    def _last_batch_out(self) -> bool:
        """Whether the last batch released has fallen below the bottom of its slab."""
        last = self.centers[self._batch_start : len(self.bodies)]
        return last.shape[0] == 0 or bool(np.all(last[:, 2] + self.scene.rc <= self._batch_lo))

    def _report(self, speed: FloatArray) -> None:
        """``speed``: scaled speeds of the active particles (the frozen ones are at rest)."""
        if self.progress is None:
            return
        s = self.scene
        v_unit = s.velocity_unit
        n = len(self.bodies)
        resting = n - int(np.count_nonzero(speed >= s.rest_speed))
        self.progress(
            PackProgress(
                fraction=min(0.5 * n / self.target + 0.5 * resting / self.target, 1.0),
                placed=n,
                count=self.target,
                time=self.time * s.tau,
                kinetic_energy=0.5 * s.mass * float(np.sum((speed * v_unit) ** 2)),
                max_speed=float(speed.max()) * v_unit if speed.size else 0.0,
                message=f"{resting} of {n} at rest",
            )
        )
