"""Soft-sphere DEM pouring of monodisperse spheres into a vertical cylinder.

The contact model is the linear spring-dashpot of Cundall & Strack (1979, Géotechnique 29,
47-65): a normal spring whose damping gives the requested coefficient of restitution, and a
tangential spring capped by Coulomb friction, on particle-particle, particle-floor and
particle-wall contacts. Spheres rotate, against an optional rolling resistance (model A of Ai
et al. 2011, see :func:`~bedflow.geometry._kernels._rolling`); once every particle is in the
bed an optional global damping takes a fixed fraction of every velocity per second.

Particles are poured in batches: each batch is created at rest, at random non-overlapping
positions (random sequential addition) in a slab just above the top of the landed bed, and
the next batch follows as soon as the previous one has fallen out of its slab. Every impact
is therefore gentle, which lets the spring be soft and the time step long. Deep particles at
rest are frozen (see :data:`~bedflow.geometry._constants.FREEZE_DEPTH`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bedflow._exceptions import Cancelled
from bedflow.geometry import _constants as C
from bedflow.geometry import _kernels as K
from bedflow.geometry._types import FloatArray, IntArray

__all__ = ["DemProgress", "DemResult", "PackingCancelled", "dem_pack"]

logger = logging.getLogger(__name__)


class PackingCancelled(Cancelled):
    """The ``cancel`` callback of a packing asked it to stop."""


@dataclass(frozen=True)
class DemProgress:
    """A snapshot of a running DEM pour, handed to the ``progress`` callback.

    ``time`` is simulated time (s), ``kinetic_energy`` the translational plus rotational
    energy of the moving particles (J), ``settled`` how many placed particles move slower than
    the rest velocity, ``max_speed`` the largest particle speed (m/s), ``placed`` how many of
    ``count`` particles have been poured so far, ``wall_time`` seconds since the start.
    """

    time: float
    kinetic_energy: float
    settled: int
    max_speed: float
    placed: int
    count: int
    steps: int
    wall_time: float


@dataclass(frozen=True)
class DemResult:
    """Outcome of :func:`dem_pack`.

    Attributes
    ----------
    centers : (n, 3) float, m
        Sphere centres; the floor is ``z = 0`` and the column axis ``x = y = 0``.
    radii : (n,) float, m
        Sphere radii (the true radius, without ``clearance``).
    velocities : (n, 3) float, m/s
        Velocities at the end (zero for particles frozen at rest).
    settled : bool
        All ``count`` particles were poured, landed, and slower than the rest velocity.
    time : float, s
        Simulated time.
    steps : int
        Time steps taken.
    wall_time : float, s
        Wall-clock time of the run (including any numba compilation it triggered).
    max_speed : float, m/s
        Largest particle speed at the end.
    stiffness : float, N/m
        Normal contact stiffness used.
    time_step : float, s
        Time step used.
    contact_time : float, s
        Duration of an undamped particle-particle contact, ``pi sqrt(m / (2 k))``.
    rebuilds : int
        Neighbour-list rebuilds.
    frozen : int
        Particles frozen at rest deep in the bed at the end.
    in_bed : int
        Particles that have landed (touched the floor, the wall or another particle); fewer
        than ``count`` when ``max_time`` ended the pour early.
    """

    centers: FloatArray
    radii: FloatArray
    velocities: FloatArray
    settled: bool
    time: float
    steps: int
    wall_time: float
    max_speed: float
    stiffness: float
    time_step: float
    contact_time: float
    rebuilds: int
    frozen: int
    in_bed: int

    @property
    def count(self) -> int:
        """Number of spheres placed."""
        return int(self.centers.shape[0])


def _damping_ratio(restitution: float) -> float:
    """Damping ratio of a linear spring-dashpot giving coefficient of restitution ``e``."""
    e = max(restitution, 1e-9)
    if e >= 1.0:
        return 0.0
    log_e = math.log(e)
    return -log_e / math.sqrt(math.pi**2 + log_e**2)


def _validate(
    column_diameter: float,
    column_height: float,
    particle_diameter: float,
    count: int,
    density: float,
    restitution: float,
    friction: float,
    gravity: FloatArray,
    rest_velocity: float,
    max_time: float,
    clearance: float,
    rolling_friction: float,
    damping: float,
) -> None:
    positive = {
        "column_diameter": column_diameter,
        "column_height": column_height,
        "particle_diameter": particle_diameter,
        "density": density,
        "rest_velocity": rest_velocity,
        "max_time": max_time,
    }
    for name, value in positive.items():
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count!r}")
    if not 0.0 <= restitution <= 1.0:
        raise ValueError(f"restitution must lie in [0, 1], got {restitution!r}")
    if not (math.isfinite(friction) and friction >= 0.0):
        raise ValueError(f"friction must be >= 0, got {friction!r}")
    if not (math.isfinite(rolling_friction) and rolling_friction >= 0.0):
        raise ValueError(f"rolling_friction must be >= 0, got {rolling_friction!r}")
    if not 0.0 <= damping <= 1.0:
        raise ValueError(f"damping must lie in [0, 1], got {damping!r}")
    if not (math.isfinite(clearance) and clearance >= 0.0):
        raise ValueError(f"clearance must be >= 0, got {clearance!r}")
    if gravity.shape != (3,) or not np.all(np.isfinite(gravity)) or gravity[2] >= 0.0:
        raise ValueError(f"gravity must be a 3-vector pointing down (g_z < 0), got {gravity!r}")
    room = column_diameter - particle_diameter - 2.0 * clearance
    if room < 2.0 * C.SPAWN_MARGIN * particle_diameter:
        raise ValueError(
            f"column_diameter {column_diameter!r} m leaves no room for particles of diameter "
            f"{particle_diameter!r} m with clearance {clearance!r} m"
        )


def dem_pack(
    *,
    column_diameter: float,
    column_height: float,
    particle_diameter: float,
    count: int,
    density: float,
    restitution: float,
    friction: float,
    gravity: tuple[float, float, float] | FloatArray = (0.0, 0.0, -C.STANDARD_GRAVITY),
    rest_velocity: float,
    max_time: float,
    seed: int,
    clearance: float = 0.0,
    rolling_friction: float = 0.0,
    damping: float = 0.0,
    drop_height: float | None = None,
    progress: Callable[[DemProgress], object] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> DemResult:
    """Pour ``count`` spheres into a cylinder with a soft-sphere DEM and let them settle.

    Parameters
    ----------
    column_diameter, column_height : float, m
        Inner diameter of the column (wall radius ``D / 2`` about the z axis) and its height
        (used to size the run; particles are poured from above the bed, the top is open).
    particle_diameter : float, m
    count : int
    density : float, kg/m3
    restitution : float
        Normal coefficient of restitution, in [0, 1], for all contacts.
    friction : float
        Coulomb friction coefficient, particle-particle and particle-wall.
    gravity : (3,) float, m/s2
        Must point down (negative z component).
    rest_velocity : float, m/s
        The bed is settled when every particle moves slower than this.
    max_time : float, s
        Simulated time after which the run stops, settled or not.
    seed : int
        Seed of the random placement; the same seed gives a bit-identical result.
    clearance : float, m
        Gap kept between sphere surfaces and between spheres and the wall and floor: contacts
        act on spheres of radius ``d / 2 + clearance / 2`` and on a wall and floor moved
        inward by ``clearance / 2``.
    rolling_friction : float
        Rolling friction coefficient ``mu_r``: a contact resists the relative rolling of its
        two spheres with a torque up to ``mu_r R fn``, ``R`` the rolling radius (``d / 4``
        between two spheres, ``d / 2`` at the wall and floor), ``fn`` the normal force.
    damping : float
        Fraction of its linear and angular velocity a particle loses per second once every
        particle is in the bed (``v *= (1 - damping) ** dt`` each step), in [0, 1].
    progress : callable, optional
        Called with a :class:`DemProgress` at least every 0.25 s of wall time and at the end.
    cancel : callable, optional
        Polled between chunks of time steps; returning True raises :class:`PackingCancelled`.

    Raises
    ------
    ValueError
        When a parameter is out of range.
    PackingCancelled
        When ``cancel()`` returned True.

    Example
    -------
    >>> r = dem_pack(column_diameter=0.03, column_height=0.05, particle_diameter=0.005,
    ...              count=150, density=2500.0, restitution=0.5, friction=0.5,
    ...              rest_velocity=0.01, max_time=5.0, seed=1)  # doctest: +SKIP
    >>> r.settled, r.centers.shape  # doctest: +SKIP
    (True, (150, 3))
    """
    wall_start = time.perf_counter()
    g = np.asarray(gravity, dtype=np.float64).reshape(-1)
    _validate(column_diameter, column_height, particle_diameter, count, density, restitution,
              friction, g, rest_velocity, max_time, clearance, rolling_friction,
              damping)  # fmt: skip

    d = float(particle_diameter)
    r = 0.5 * d
    rc = r + 0.5 * clearance
    r_wall = 0.5 * column_diameter - 0.5 * clearance
    z_floor = 0.5 * clearance
    mass = density * math.pi * d**3 / 6.0
    inertia = 0.4 * mass * r * r
    g_mag = float(np.linalg.norm(g))
    m_pair = 0.5 * mass

    # Stiffness: the harder of the impact limit (a batch falls at most slab + gap + one pore)
    # and the static limit (the weight of the moving part of the bed, with force chains).
    drop = drop_height if drop_height is not None else C.POUR_HEIGHT * d
    fall = (C.SPAWN_SLAB_HEIGHT + C.SPAWN_GAP + C.SPAWN_EXTRA_FALL) * d + drop
    v_spawn = -math.sqrt(2.0 * g_mag * drop) * g / g_mag
    v_impact = math.sqrt(2.0 * g_mag * fall)
    k_impact = m_pair * v_impact**2 / (C.IMPACT_OVERLAP_FRACTION * d) ** 2
    bed_height = count * mass / density / (0.6 * math.pi * r_wall**2)
    load_layers = min(bed_height, (C.FREEZE_DEPTH + C.SPAWN_SLAB_HEIGHT + 1.0) * d) / d
    k_static = C.FORCE_CHAIN_FACTOR * max(load_layers, 1.0) * mass * g_mag
    k_static /= C.STATIC_OVERLAP_FRACTION * d
    kn = max(k_impact, k_static)
    beta = _damping_ratio(restitution)
    contact_time = math.pi * math.sqrt(m_pair / kn)
    dt = contact_time * C.TIME_STEP_PER_CONTACT

    prm = np.zeros(K.N_PARAMS)
    prm[K.P_RC] = rc
    prm[K.P_MASS] = mass
    prm[K.P_INERTIA] = inertia
    prm[K.P_KN] = kn
    prm[K.P_GN_PP] = 2.0 * beta * math.sqrt(m_pair * kn)
    prm[K.P_GN_W] = 2.0 * beta * math.sqrt(mass * kn)
    prm[K.P_KT] = C.TANGENTIAL_STIFFNESS_RATIO * kn
    prm[K.P_GT_PP] = C.TANGENTIAL_DAMPING_RATIO * prm[K.P_GN_PP]
    prm[K.P_GT_W] = C.TANGENTIAL_DAMPING_RATIO * prm[K.P_GN_W]
    prm[K.P_MU] = friction
    prm[K.P_DT] = dt
    prm[K.P_GX : K.P_GZ + 1] = g
    prm[K.P_RWALL] = r_wall
    prm[K.P_ZFLOOR] = z_floor
    prm[K.P_SKIN] = C.VERLET_SKIN * d
    prm[K.P_MUR] = rolling_friction
    prm[K.P_CR] = inertia / (C.ROLLING_VISCOUS_CONTACTS * dt)
    prm[K.P_KEEP] = 1.0
    settle_keep = (1.0 - damping) ** dt
    logger.debug(
        "dem_pack: k=%.4g N/m (impact %.4g, static %.4g), contact %.4g s, dt %.4g s",
        kn, k_impact, k_static, contact_time, dt,
    )  # fmt: skip

    rng = np.random.default_rng(seed)
    pos = np.zeros((count, 3))
    vel = np.zeros((count, 3))
    omg = np.zeros((count, 3))
    pos2 = np.zeros((count, 3))
    vel2 = np.zeros((count, 3))
    omg2 = np.zeros((count, 3))
    pos_ref = np.zeros((count, 3))
    wspring = np.zeros((count, 3))
    fspring = np.zeros((count, 3))
    slots = C.NEIGHBOUR_SLOTS
    nbr = np.zeros((count, slots), dtype=np.int64)
    nnbr = np.zeros(count, dtype=np.int64)
    spring = np.zeros((count, slots, 3))
    landed = np.zeros(count, dtype=np.bool_)
    calm = np.zeros(count, dtype=np.int64)
    frozen = np.zeros(count, dtype=np.bool_)
    active: IntArray = np.zeros(0, dtype=np.int64)

    placed = 0
    sim_time = 0.0
    steps = 0
    rebuilds = 0
    need_rebuild = True
    settled = False
    settle_hits = 0
    max_speed = 0.0
    kinetic = 0.0
    n_calm = 0
    last_report = wall_start

    spawn_radius = r_wall - rc - C.SPAWN_MARGIN * d
    slab = max(C.SPAWN_SLAB_HEIGHT * d, 2.0 * rc + C.SPAWN_MARGIN * d)
    slab_volume = math.pi * (spawn_radius + rc) ** 2 * slab
    batch = max(1, int(C.SPAWN_SOLID_FRACTION * slab_volume / (mass / density)))

    def report() -> None:
        if progress is not None:
            progress(
                DemProgress(
                    time=sim_time,
                    kinetic_energy=kinetic,
                    settled=n_calm,
                    max_speed=max_speed,
                    placed=placed,
                    count=count,
                    steps=steps,
                    wall_time=time.perf_counter() - wall_start,
                )
            )

    while True:
        if placed < count:
            done = pos[:placed]
            lnd = landed[:placed]
            top_landed = float(np.max(done[lnd, 2])) + rc if lnd.any() else z_floor
            top_free = float(np.max(done[~lnd, 2])) + rc if (~lnd).any() else -math.inf
            z_lo = top_landed + C.SPAWN_GAP * d
            if top_free <= z_lo:
                new = _spawn(rng, min(batch, count - placed), spawn_radius, z_lo, slab, rc, d)
                k = new.shape[0]
                sl = slice(placed, placed + k)
                pos[sl] = new
                pos2[sl] = new
                vel[sl] = v_spawn
                vel2[sl] = v_spawn
                pos_ref[sl] = new
                active = np.concatenate((active, np.arange(placed, placed + k, dtype=np.int64)))
                placed += k
                need_rebuild = True
        if cancel is not None and cancel():
            raise PackingCancelled(f"DEM packing cancelled at t = {sim_time:.4g} s")
        if sim_time >= max_time:
            break
        if active.shape[0] > 0:
            n_done, n_rebuilt, most = K.dem_steps(
                pos, vel, omg, pos2, vel2, omg2, active, active.shape[0], placed, nbr, nnbr,
                spring, wspring, fspring, pos_ref, landed, prm, C.CHECK_STEPS, need_rebuild,
            )  # fmt: skip
            rebuilds += n_rebuilt
            steps += n_done
            sim_time += n_done * dt
            need_rebuild = False
            if most > slots:
                slots = int(most) + 8
                nbr = _grow(nbr, slots)
                spring = _grow3(spring, slots)
                need_rebuild = True
                logger.debug("dem_pack: neighbour slots grown to %d", slots)
                continue

        # checks between chunks: freezing, settling, progress
        ids = active
        speed = np.sqrt(np.sum(vel[ids] ** 2, axis=1))
        calm_now = speed < rest_velocity
        calm[ids] = np.where(calm_now, calm[ids] + 1, 0)
        max_speed = float(speed.max()) if speed.size else 0.0
        kinetic = 0.5 * mass * float(np.sum(speed**2))
        kinetic += 0.5 * inertia * float(np.sum(omg[ids] ** 2))
        n_calm = int(np.count_nonzero(calm_now)) + int(np.count_nonzero(frozen))
        lnd = landed[:placed]
        if ids.size and lnd.any():
            top_landed = float(np.max(pos[:placed][lnd, 2])) + rc
            deep = pos[ids, 2] + rc < top_landed - C.FREEZE_DEPTH * d
            freeze = landed[ids] & (calm[ids] >= C.FREEZE_CHECKS) & deep
            if freeze.any():
                f = ids[freeze]
                frozen[f] = True
                vel[f] = 0.0
                omg[f] = 0.0
                vel2[f] = 0.0
                omg2[f] = 0.0
                pos2[f] = pos[f]
                active = ids[~freeze]
        all_in = placed == count and bool(landed.all())
        if all_in:
            prm[K.P_KEEP] = settle_keep
        settle_hits = settle_hits + 1 if all_in and max_speed < rest_velocity else 0
        now = time.perf_counter()
        if now - last_report >= C.PROGRESS_INTERVAL:
            last_report = now
            report()
        if settle_hits >= C.SETTLE_CHECKS or (all_in and active.shape[0] == 0):
            settled = True
            break

    report()
    wall = time.perf_counter() - wall_start
    logger.info(
        "dem_pack: %d/%d spheres, settled=%s, t=%.4g s, %d steps, %.3g s wall",
        placed, count, settled, sim_time, steps, wall,
    )  # fmt: skip
    return DemResult(
        centers=pos[:placed].copy(),
        radii=np.full(placed, r),
        velocities=vel[:placed].copy(),
        settled=settled,
        time=sim_time,
        steps=steps,
        wall_time=wall,
        max_speed=max_speed,
        stiffness=kn,
        time_step=dt,
        contact_time=contact_time,
        rebuilds=rebuilds,
        frozen=int(np.count_nonzero(frozen)),
        in_bed=int(np.count_nonzero(landed[:placed])),
    )


def _spawn(
    rng: np.random.Generator,
    wanted: int,
    spawn_radius: float,
    z_lo: float,
    slab: float,
    rc: float,
    d: float,
) -> FloatArray:
    """Random non-overlapping centres in the slab ``z_lo < z - rc, z + rc < z_lo + slab``.

    Returns ``(k, 3) float, m`` with ``1 <= k <= wanted``: the centres lie within
    ``spawn_radius`` of the axis and at least ``2 rc`` plus a margin apart.
    """
    m = wanted * C.SPAWN_CANDIDATES_PER_PARTICLE
    u = rng.random((m, 3))
    rho = spawn_radius * np.sqrt(u[:, 0])
    theta = 2.0 * math.pi * u[:, 1]
    z_min = z_lo + rc + 0.5 * C.SPAWN_MARGIN * d
    z_max = max(z_lo + slab - rc, z_min)
    cand = np.empty((m, 3))
    cand[:, 0] = rho * np.cos(theta)
    cand[:, 1] = rho * np.sin(theta)
    cand[:, 2] = z_min + (z_max - z_min) * u[:, 2]
    keep = K.rsa_select(cand, 2.0 * rc + C.SPAWN_MARGIN * d, wanted)
    out: FloatArray = cand[keep]
    return out


def _grow(a: IntArray, slots: int) -> IntArray:
    out = np.zeros((a.shape[0], slots), dtype=np.int64)
    out[:, : a.shape[1]] = a
    return out


def _grow3(a: FloatArray, slots: int) -> FloatArray:
    out = np.zeros((a.shape[0], slots, 3))
    out[:, : a.shape[1]] = a
    return out
