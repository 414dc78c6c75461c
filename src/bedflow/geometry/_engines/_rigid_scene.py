"""The rigid-body scene in scaled units, shared by the `rigid_body` (Bullet) and `blender`
engines: tuning constants, the scene's scaled quantities, batch spawning and the quality notes.

Lengths are in particle diameters ``d`` and times in ``tau = sqrt(d / g)`` (see
:mod:`bedflow.geometry._engines.bullet` for why).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bedflow.dsl import BedSpec
from bedflow.geometry import _kernels as K
from bedflow.geometry._constants import MAX_ACCEPTED_OVERLAP
from bedflow.geometry._packed import Column
from bedflow.geometry._pour import expected_porosity
from bedflow.geometry._pour_time import max_time_for
from bedflow.geometry._types import FloatArray

__all__ = [
    "BATCH_TIMEOUT_FRAMES",
    "FRAME_TAU",
    "FREEZE_DEPTH",
    "FREEZE_FRAMES",
    "KINDS",
    "PROGRESS_INTERVAL",
    "QUALITY_MAX_OVERLAP",
    "RESTITUTION_THRESHOLD",
    "SETTLE_FRAMES",
    "SPAWN_GAP",
    "SPAWN_MARGIN",
    "WALL_THICKNESS",
    "RigidScene",
    "escaped_mask",
    "quality_notes",
    "rigid_scene",
    "spawn_batch",
    "sphere_overlap",
    "wall_facets",
]

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

KINDS = ("sphere", "cylinder", "cube")


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
