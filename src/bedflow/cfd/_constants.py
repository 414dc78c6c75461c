"""Constants, limits and tolerances of the flow solvers and correlations, in one place.

Lattice quantities are in lattice units (spacing dx = 1, time step dt = 1, reference density 1);
physical ones in SI units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CACHE_PAGE_BYTES",
    "CACHE_STREAM_OFFSET_BYTES",
    "CS2",
    "DEFAULT_BODY_FORCE",
    "DEFAULT_CHECK_EVERY",
    "DEFAULT_MAX_ITERATIONS",
    "DEFAULT_TAU",
    "DEFAULT_TOLERANCE",
    "EISFELD_SPHERES",
    "ERGUN_A",
    "ERGUN_B",
    "KOZENY_CARMAN",
    "MAX_LATTICE_VELOCITY",
    "PROGRESS_INTERVAL_S",
    "TAU_MAX",
    "TAU_MIN",
    "TAU_MIN_INTERPOLATED",
    "TRT_MAGIC",
    "EisfeldConstants",
]

# --- lattice Boltzmann -------------------------------------------------------------------------

CS2: Final = 1.0 / 3.0
"""Squared lattice speed of sound of D3Q19, (dx/dt)^2."""

TRT_MAGIC: Final = 3.0 / 16.0
"""TRT magic parameter Lambda = (tau+ - 1/2)(tau- - 1/2). With 3/16 the halfway bounce-back
wall sits exactly midway between nodes for Poiseuille flow whatever the viscosity, so the
permeability does not depend on tau (Ginzburg & d'Humieres 2003, Phys. Rev. E 68, 066614;
Ginzburg, Verhaeghe & d'Humieres 2008, Commun. Comput. Phys. 3, 427-478)."""

DEFAULT_TAU: Final = 1.0
"""Symmetric relaxation time tau+ (lattice viscosity nu = (tau - 1/2)/3 = 1/6)."""

TAU_MIN: Final = 0.51
"""Below this tau+ the scheme is under-resolved and prone to instability."""

TAU_MIN_INTERPOLATED: Final = 0.512
"""The same floor with the interpolated walls (``cfd.lbm_boundary`` cli, bouzidi): on the
held-out D/d = 6 bed at Re_p = 10 (bench/heldout_beds.py) CLI converged at tau 0.512, 0.5135
and 0.515 (8, 9 and 10 cells per diameter) and ran past the Mach guard at 0.5105 (7 cells);
on issue 13's Re_p = 10 bed it converged to 1e-4 at 0.512."""

TAU_MAX: Final = 5.0
"""Above this tau+ the bounce-back wall drifts for non-magic Lambda and the steady state is
reached no faster in practice; the solver refuses values outside [TAU_MIN, TAU_MAX]."""

MAX_LATTICE_VELOCITY: Final = 0.1
"""Largest |u| (lattice units) tolerated: Ma = |u| / c_s = 0.17, where the O(Ma^2)
compressibility error of the lattice-Boltzmann equation stays below ~1 %."""

DEFAULT_BODY_FORCE: Final = 1.0e-6
"""Body-force density along z, lattice units: creeping flow (Re << 1) for pores of tens of
voxels at tau = 1."""

DEFAULT_MAX_ITERATIONS: Final = 100_000
DEFAULT_CHECK_EVERY: Final = 100
"""Iterations between convergence checks."""

DEFAULT_TOLERANCE: Final = 1.0e-6
"""Relative change of the mean velocity between two checks at which the run is steady. In
float32 the mean velocity settles to ~1e-7 relative, so tighter values may never be met."""

CACHE_PAGE_BYTES: Final = 4096
CACHE_STREAM_OFFSET_BYTES: Final = 192
"""The population stride is padded to 192 B (3 cache lines) modulo 4 KiB so that the 19 streams
of a step fall into different cache sets."""

PROGRESS_INTERVAL_S: Final = 0.5
"""Wall time between calls to the progress and cancel callbacks, s."""

# --- packed-bed correlations --------------------------------------------------------------------

ERGUN_A: Final = 150.0
"""Viscous constant of the Ergun (1952) equation."""

ERGUN_B: Final = 1.75
"""Inertial constant of the Ergun (1952) equation."""

KOZENY_CARMAN: Final = 180.0
"""Viscous constant of the Carman-Kozeny equation, 36 * Kozeny constant 5 (Carman 1937)."""


@dataclass(frozen=True)
class EisfeldConstants:
    """Shape constants of Eisfeld & Schnitzlein (2001): K1 (viscous), k1 and k2 (wall term)."""

    K1: float
    k1: float
    k2: float


EISFELD_SPHERES: Final = EisfeldConstants(K1=154.0, k1=1.15, k2=0.87)
"""Eisfeld & Schnitzlein (2001), Chem. Eng. Sci. 56, 4321-4329: constants fitted to their
collection of ~2300 data points for beds of spheres."""

#: Bed the built-in solver simulates beyond each end of its slab, in particle diameters, so the
#: planes it measures between see bed on both sides and not the seams of the periodic mirror
#: (the spheres cut by the domain's ends meet their own reflections there): the mirrored band
#: alone reads several per cent low, and a full diameter changes dp/L little more than half a
#: one. bench/bench_lbm_openfoam.py --buffer prints dp/L for a buffer; the figures are in
#: docs/benchmarks.md.
LBM_BUFFER_DIAMETERS: Final = 0.5
#: Symmetric relaxation time of packed-bed runs; with TRT's magic 3/16 the wall position and
#: permeability do not depend on it, and tau = 1 converges fastest per cell update.
LBM_TAU: Final = 1.0
#: Superficial lattice velocity not to exceed when matching the Reynolds number. What binds is
#: the steady peak pore velocity, not the start-up: in random beds it is an order of magnitude
#: above the superficial velocity (the peaks read on the example beds are in
#: docs/benchmarks.md), and it must stay below the Mach guard MAX_LATTICE_VELOCITY = 0.1. The
#: approach to steady state is monotone at this target (no overshoot), so ramping the force
#: gains nothing.
LBM_MAX_LATTICE_VELOCITY_TARGET: Final = 0.005
#: ``cfd.cells_per_dp``'s default: the resolution whose three-grid GCI the LBM's defaults were
#: checked at (bench/bench_default_gci.py; docs/flow.md).
DEFAULT_CELLS_PER_DP: Final = 14
#: When the Mach guard stops a packed-bed run anyway (wide beds: peaks of 23 times the
#: superficial velocity along the wall of the held-out D/d = 16 bed, bench/heldout_beds.py),
#: the solver runs again with the target this much lower, at most ``LBM_MACH_RETRIES`` times,
#: while tau stays in its stable range; the result notes it.
LBM_MACH_RETRY_FACTOR: Final = 0.6
LBM_MACH_RETRIES: Final = 2
