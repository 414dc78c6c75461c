"""The rigid-body engine (`rigid_body`): spheres, cylinders or cubes poured with Bullet (pybullet).

Bullet's collision margins, contact thresholds and restitution threshold are absolute lengths
and speeds tuned for bodies about a metre across; at millimetre scale they swamp the particles
(overlaps of 10 % of d and more). So the scene is built in scaled units: lengths in particle
diameters ``d`` and times in ``tau = sqrt(d / g)``, which makes gravity 1, particles 1 across
and every threshold a fraction of d. A frame lasts ``FRAME_TAU * tau`` and is split into
``packing.substeps`` steps, so the same spec gives the same dynamics at any particle size.
Bodies have unit mass: with rigid contacts and gravity only, mass drops out of the motion.

Bullet combines two bodies' friction and restitution by multiplying them, and their rolling
friction as ``rf0 f1 + rf1 f0`` (a length); each body gets the value whose combination gives
the spec's coefficient for every contact, walls included.

Particles are poured in batches, like the DEM engine: each batch is placed at random in a slab
just above the landed bed, and the next one follows when it has fallen out of its slab, so
impacts are gentle and nothing tunnels. The pour ends when every particle moves slower than
``packing.rest_velocity`` (real units), or at ``packing.max_time``.
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
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry import _kernels as K
from bedflow.geometry._constants import MAX_ACCEPTED_OVERLAP
from bedflow.geometry._dem import PackingCancelled
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn
from bedflow.geometry._packed import Column, PackedBed, column_of
from bedflow.geometry._pour import expected_porosity
from bedflow.geometry._pour_time import incomplete, max_time_for
from bedflow.geometry._types import FloatArray

__all__ = [
    "QUALITY_MAX_OVERLAP",
    "BulletEngine",
    "RigidScene",
    "quality_notes",
    "rigid_scene",
    "spawn_batch",
    "wall_facets",
]

logger = logging.getLogger(__name__)

# --- tuning (scaled units: lengths in d, times in tau = sqrt(d / g)) ----------------------------
# TODO(issue 3): move to geometry/_constants.py with the DEM tuning.

#: Duration of one frame, in tau; ``packing.substeps`` Bullet steps are taken per frame.
FRAME_TAU = 0.1
#: Height of the slab a batch is created in, in circumscribed diameters.
SPAWN_SLAB = 2.0
#: Gap between the landed bed and the bottom of the next batch, in d.
SPAWN_GAP = 1.5
#: Solid fraction of circumscribed spheres aimed at in a batch slab.
SPAWN_SOLID_FRACTION = 0.30
#: Margin kept between spawned particles and between them and the wall, in d.
SPAWN_MARGIN = 0.05
#: Candidate positions drawn per particle wanted in a batch.
SPAWN_CANDIDATES = 40
#: Frames after which the next batch is poured even if the last one has not left its slab.
BATCH_TIMEOUT_FRAMES = 200
#: Largest gap between the polygon of wall boxes and the true cylinder, in d.
WALL_FACET_TOLERANCE = 0.002
#: Thickness of the wall and floor boxes, in d.
WALL_THICKNESS = 1.0
#: Smallest distance at which Bullet creates contact points, in d (Bullet's default, 0.02, is
#: raised so that the fastest impact of a pour is caught one step ahead).
CONTACT_BREAKING = 0.02
#: Frames with every particle slower than the rest velocity before the bed counts as settled.
SETTLE_FRAMES = 5
#: Impacts slower than this bounce without restitution, in sqrt(g d) (Bullet's 0.2).
RESTITUTION_THRESHOLD = 0.2
#: Calm particles this far below the top of the landed bed are frozen (made static), in d.
FREEZE_DEPTH = 4.0
#: Consecutive frames at rest before a deep particle is frozen.
FREEZE_FRAMES = 10
#: Seconds of wall time between two progress reports (and two cancel checks at most).
PROGRESS_INTERVAL = 0.25
#: Largest particle-particle overlap of an acceptable bed, fraction of d (quality check).
QUALITY_MAX_OVERLAP = MAX_ACCEPTED_OVERLAP

_KINDS = ("sphere", "cylinder", "cube")


@dataclass(frozen=True)
class RigidScene:
    """A bed to pour with a rigid-body engine, in scaled units (lengths in d, times in tau).

    Shared by the Bullet and Blender engines so both build the same scene.
    """

    kind: str
    d: float  #: length unit, m (the particle diameter)
    tau: float  #: time unit, s
    length: float  #: cylinder particle length (1 for other kinds)
    rc: float  #: radius of the circumscribed sphere
    column_shape: str
    radius: float  #: inner radius of a cylinder column, clearance taken off
    half_width: float  #: inner half width (x) of a box column, clearance taken off
    half_depth: float  #: inner half depth (y) of a box column, clearance taken off
    floor: float  #: height of the floor (the clearance)
    height: float  #: inner height of the column
    gravity: tuple[float, float, float]  #: unit vector
    frame: float  #: frame duration
    substeps: int
    iterations: int
    friction: float  #: per-body value (the product of two is the spec's)
    restitution: float  #: per-body value
    rolling_friction: float  #: per-body value, a length
    linear_damping: float  #: per-body Bullet damping (fraction lost per time unit)
    angular_damping: float
    settle_damping: float  #: extra damping while settling, Bullet convention
    margin: float  #: collision margin
    rest_speed: float  #: rest velocity
    max_time: float
    expected_porosity: float
    seed: int
    mass: float  #: mass of one particle, kg (for energies in real units only)

    @property
    def velocity_unit(self) -> float:
        """Scaled speed 1 in m/s."""
        return self.d / self.tau

    @property
    def cross_section(self) -> float:
        if self.column_shape == "cylinder":
            return math.pi * self.radius**2
        return 4.0 * self.half_width * self.half_depth

    @property
    def spawn_reach(self) -> tuple[float, float]:
        """Half extents (x, y) of the region particle centres are spawned in; radius for a
        cylinder column is the first."""
        keep = self.rc + SPAWN_MARGIN
        if self.column_shape == "cylinder":
            return self.radius - keep, self.radius - keep
        return self.half_width - keep, self.half_depth - keep

    @property
    def slab(self) -> float:
        return max(SPAWN_SLAB * 2.0 * self.rc, 2.0 * self.rc + SPAWN_MARGIN)

    @property
    def batch(self) -> int:
        """Particles per batch."""
        rx, ry = self.spawn_reach
        area = (
            math.pi * (rx + self.rc) ** 2
            if self.column_shape == "cylinder"
            else (4.0 * (rx + self.rc) * (ry + self.rc))
        )
        vol = 4.0 / 3.0 * math.pi * self.rc**3
        return max(1, int(SPAWN_SOLID_FRACTION * area * self.slab / vol))

    @property
    def particle_volume(self) -> float:
        if self.kind == "sphere":
            return math.pi / 6.0
        if self.kind == "cube":
            return 1.0
        return math.pi / 4.0 * self.length

    @property
    def impact_speed(self) -> float:
        """Fastest impact of the pour: a fall through the slab, the gap and one diameter."""
        return math.sqrt(2.0 * (self.slab + SPAWN_GAP + 1.0))

    @property
    def contact_breaking(self) -> float:
        """Contact distance catching the fastest impact one step ahead (twice over)."""
        dt = self.frame / self.substeps
        return max(CONTACT_BREAKING, 2.0 * self.impact_speed * dt)


def _per_second_to_bullet(fraction: float, tau: float) -> float:
    """Bullet damping ``c`` (``v *= (1 - c) ** dt``, dt in tau) losing ``fraction`` of the
    velocity per real second."""
    return 1.0 - float((1.0 - fraction) ** tau)


def rigid_scene(spec: BedSpec, count: int) -> RigidScene:
    """The scaled scene of ``spec`` for the rigid-body engines, pouring ``count`` particles."""
    part, pk, col = spec.particles, spec.packing, spec.bed
    d = part.diameter
    g = math.sqrt(sum(c * c for c in pk.gravity))
    tau = math.sqrt(d / g)
    length = (part.length if part.length is not None else d) / d
    if part.kind == "sphere":
        rc = 0.5
    elif part.kind == "cube":
        rc = math.sqrt(3.0) / 2.0
    else:
        rc = math.hypot(0.5, 0.5 * length)
    mu = part.friction
    friction = math.sqrt(mu)
    # rolling torque mu_r r N, combined as rf0 f1 + rf1 f0 = 2 rf sqrt(mu)
    rolling = 0.5 * part.rolling_friction / (2.0 * friction) if friction > 0 else 0.0
    margin = (pk.collision_margin if pk.collision_margin is not None else 0.01 * d) / d
    clear = col.clearance / d
    return RigidScene(
        kind=part.kind,
        d=d,
        tau=tau,
        length=length,
        rc=rc,
        column_shape=col.shape,
        radius=0.5 * col.diameter / d - clear,
        half_width=0.5 * col.inner_width / d - clear,
        half_depth=0.5 * col.inner_depth / d - clear,
        floor=clear,
        height=spec.inner_height / d,
        gravity=(pk.gravity[0] / g, pk.gravity[1] / g, pk.gravity[2] / g),
        frame=FRAME_TAU,
        substeps=pk.substeps,
        iterations=pk.iterations,
        friction=friction,
        restitution=math.sqrt(part.restitution),
        rolling_friction=rolling,
        linear_damping=_per_second_to_bullet(part.linear_damping, tau),
        angular_damping=_per_second_to_bullet(part.angular_damping, tau),
        settle_damping=_per_second_to_bullet(pk.damping, tau),
        margin=margin,
        rest_speed=pk.rest_velocity / (d / tau),
        max_time=max_time_for(spec, count) / tau,
        expected_porosity=expected_porosity(spec),
        seed=part.seed,
        mass=part.particle_mass,
    )


def wall_facets(radius: float) -> int:
    """Sides of the polygon inscribed in a cylinder of ``radius`` (in d) that stays within
    :data:`WALL_FACET_TOLERANCE` of it."""
    step = math.acos(1.0 - WALL_FACET_TOLERANCE / radius)
    return min(1024, max(24, math.ceil(math.pi / step)))


def _random_quaternions(rng: np.random.Generator, n: int) -> FloatArray:
    """Uniformly random unit quaternions (w, x, y, z), shape (n, 4)."""
    q = rng.standard_normal((n, 4))
    out: FloatArray = q / np.linalg.norm(q, axis=1, keepdims=True)
    return out


def spawn_batch(
    rng: np.random.Generator, n: int, scene: RigidScene, z_lo: float
) -> tuple[FloatArray, FloatArray]:
    """Up to ``n`` non-overlapping positions in the slab above ``z_lo`` and orientations.

    Returns ``(centers (k, 3), quaternions (k, 4) w-first)`` in scaled units, ``k <= n``.
    Circumscribed spheres keep the particles apart whatever their orientation.
    """
    rx, ry = scene.spawn_reach
    rc, slab = scene.rc, scene.slab
    m = n * SPAWN_CANDIDATES
    u = rng.random((m, 3))
    if scene.column_shape == "cylinder":
        rho = rx * np.sqrt(u[:, 0])
        phi = 2.0 * math.pi * u[:, 1]
        xy = np.stack((rho * np.cos(phi), rho * np.sin(phi)), axis=1)
    else:
        xy = np.stack(((2.0 * u[:, 0] - 1.0) * rx, (2.0 * u[:, 1] - 1.0) * ry), axis=1)
    z = z_lo + rc + u[:, 2] * max(slab - 2.0 * rc, 0.0)
    cand = np.column_stack((xy, z))
    gap2 = (2.0 * rc + SPAWN_MARGIN) ** 2
    keep: list[int] = []
    for i in range(m):
        if keep and np.min(np.sum((cand[keep] - cand[i]) ** 2, axis=1)) < gap2:
            continue
        keep.append(i)
        if len(keep) == n:
            break
    centers: FloatArray = cand[keep]
    quats = (
        np.tile([1.0, 0.0, 0.0, 0.0], (len(keep), 1))
        if scene.kind == "sphere"
        else _random_quaternions(rng, len(keep))
    )
    return centers, quats


def escaped_mask(centers: FloatArray, column: Column) -> Any:
    """Particles whose centre (m) lies outside the column interior."""
    x, y, z = centers[:, 0], centers[:, 1], centers[:, 2]
    if column.shape == "cylinder":
        out = np.hypot(x, y) > 0.5 * column.diameter
    else:
        out = (np.abs(x) > 0.5 * column.width) | (np.abs(y) > 0.5 * column.depth)
    return out | (z < 0.0) | (z > column.height)


def sphere_overlap(centers: FloatArray, radius: float) -> float:
    """Largest overlap of equal spheres, as a fraction of their diameter."""
    if centers.shape[0] < 2:
        return 0.0
    d = 2.0 * radius
    _, _, dist = K.close_pairs(np.ascontiguousarray(centers, dtype=np.float64), d)
    return max(float((d - dist).max()) / d, 0.0) if dist.size else 0.0


def quality_notes(
    *,
    kind: str,
    centers: FloatArray,
    diameter: float,
    column: Column,
    velocities: FloatArray | None,
    rest_velocity: float,
    overlap: float | None,
) -> list[str]:
    """Honest notes on a bed failing the quality checks: overlap above
    :data:`QUALITY_MAX_OVERLAP`, escaped particles, particles still moving.

    ``overlap`` is the measured largest overlap (fraction of d) of non-spherical particles,
    None when unknown; spheres are measured here.
    """
    notes: list[str] = []
    if kind == "sphere":
        overlap = sphere_overlap(centers, 0.5 * diameter)
    if overlap is None:
        notes.append("overlaps of non-spherical particles were not measured")
    elif overlap > QUALITY_MAX_OVERLAP:
        notes.append(
            f"quality: largest overlap {100 * overlap:.2f} % of d, above the "
            f"{100 * QUALITY_MAX_OVERLAP:g} % limit"
        )
    escaped = int(np.count_nonzero(escaped_mask(centers, column)))
    if escaped:
        notes.append(f"quality: {escaped} particles escaped the column")
    if velocities is not None:
        moving = int(np.count_nonzero(np.linalg.norm(velocities, axis=1) > rest_velocity))
        if moving:
            notes.append(f"quality: {moving} particles still faster than rest_velocity")
    return notes


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


def _installed() -> bool:
    return importlib.util.find_spec("pybullet") is not None


def _pybullet() -> ModuleType:
    """Import pybullet (untyped), once."""
    if "pybullet" not in sys.modules:
        with _quiet_c_output():
            return importlib.import_module("pybullet")
    return sys.modules["pybullet"]


class BulletEngine:
    name = "rigid_body"
    description = "Bullet rigid bodies (pybullet): spheres, cylinders, cubes; cylinder or box"

    def version(self) -> str:
        try:
            return f"pybullet {importlib.metadata.version('pybullet')}"
        except importlib.metadata.PackageNotFoundError:
            return "pybullet (not installed)"

    def unavailable(self) -> str | None:
        if not _installed():
            return (
                "the rigid_body engine needs pybullet, which is not installed: "
                "pip install 'bedflow[bullet]' (or pip install pybullet)"
            )
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        if spec.particles.kind not in _KINDS:
            message = f"the rigid_body engine does not pack {spec.particles.kind}s"
            return [SpecProblem(path=("packing", "method"), message=message)]
        return []

    def pack(
        self, spec: BedSpec, *, count: int, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> PackedBed:
        start = time.perf_counter()
        scene = rigid_scene(spec, count)
        pb = _pybullet()
        client = pb.connect(pb.DIRECT)
        try:
            run = _Pour(pb, client, scene, count, progress, cancel)
            run.pour()
        finally:
            pb.disconnect(physicsClientId=client)
        column = column_of(spec)
        d, v_unit = scene.d, scene.velocity_unit
        centers = run.centers * d
        velocities = run.velocities * v_unit
        if run.in_bed < count:
            raise incomplete(
                spec, placed=run.in_bed, count=count, max_time=scene.max_time * scene.tau
            )
        notes = (
            []
            if run.settled
            else [f"not settled within max_time = {scene.max_time * scene.tau:.3g} s"]
        )
        notes += quality_notes(
            kind=scene.kind,
            centers=centers,
            diameter=d,
            column=column,
            velocities=velocities,
            rest_velocity=spec.packing.rest_velocity,
            overlap=run.overlap,
        )
        part = spec.particles
        orientations = run.orientations if scene.kind != "sphere" else _identity(run.count)
        return PackedBed(
            centers=centers,
            radii=np.full(run.count, scene.rc * d),
            orientations=orientations,
            velocities=velocities,
            kind=scene.kind,
            particle_diameter=d,
            particle_length=part.length if part.kind == "cylinder" else None,
            column=column,
            engine=self.name,
            engine_version=self.version(),
            seed=part.seed,
            settled=run.settled,
            simulated_time=run.time * scene.tau,
            wall_time=time.perf_counter() - start,
            spec_hash=spec_hash(spec),
            rest_velocity=spec.packing.rest_velocity,
            notes=tuple(notes),
        )


def _identity(n: int) -> FloatArray:
    return np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))


class _Pour:
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
