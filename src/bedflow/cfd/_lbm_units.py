"""Lattice units of the built-in solver: the relaxation time a flow runs at, and whether a
resolution can resolve it stably (apart from the solver, which its advice and checks share)."""

from __future__ import annotations

import math

from bedflow.cfd._constants import (
    LBM_MAX_LATTICE_VELOCITY_TARGET,
    LBM_TAU,
    TAU_MIN,
    TAU_MIN_INTERPOLATED,
)

__all__ = ["cells_needed", "lattice_viscosity", "tau_floor", "too_fast"]


def tau_floor(boundary: str) -> float:
    """The smallest relaxation time the wall scheme ``boundary`` runs stably at."""
    return TAU_MIN if boundary == "halfway" else TAU_MIN_INTERPOLATED


def lattice_viscosity(
    re_p: float, cells_per_d: float, target: float = LBM_MAX_LATTICE_VELOCITY_TARGET
) -> tuple[float, float]:
    """(tau, lattice viscosity) of a run at particle Reynolds number ``re_p`` on
    ``cells_per_d`` cells per diameter: tau = ``LBM_TAU`` unless the superficial lattice
    velocity would pass ``target``, then the viscosity that keeps it there."""
    nu_lu = (LBM_TAU - 0.5) / 3.0
    u_lu = re_p * nu_lu / cells_per_d
    if u_lu > target:  # fast flow: a smaller viscosity keeps Ma low
        nu_lu *= target / u_lu
    return 0.5 + 3.0 * nu_lu, nu_lu


def cells_needed(
    re_p: float, boundary: str, target: float = LBM_MAX_LATTICE_VELOCITY_TARGET
) -> int:
    """The fewest cells per diameter at which a flow of particle Reynolds number ``re_p``, its
    superficial lattice velocity held at ``target``, runs at or above the tau floor of the wall
    scheme ``boundary``."""
    return math.ceil(re_p * (tau_floor(boundary) - 0.5) / 3.0 / target - 1e-9)


def too_fast(
    re_p: float, cells_per_d: float, cells_per_dp: int, boundary: str = "halfway"
) -> str | None:
    """Why a flow of particle Reynolds number ``re_p`` cannot be resolved stably at
    ``cells_per_d`` lattice cells per diameter (``cells_per_dp`` as the spec gives it) with
    the wall scheme ``boundary`` (``cfd.lbm_boundary``), or None when it can: the lattice
    viscosity that keeps the Mach number low falls below its stable range (``TAU_MIN``;
    ``TAU_MIN_INTERPOLATED`` for the interpolated walls)."""
    tau_min = tau_floor(boundary)
    if lattice_viscosity(re_p, cells_per_d)[0] >= tau_min - 1e-12:
        return None
    need = cells_needed(re_p, boundary)
    scheme = "" if boundary == "halfway" else f" with lbm_boundary = {boundary}"
    return (
        f"Re_p = {re_p:.3g} is too fast to resolve stably at {cells_per_dp} cells per "
        f"diameter{scheme} (the lattice viscosity would fall below its stable range); set "
        f"cfd.cells_per_dp to at least {max(need, cells_per_dp + 1)}, lower inlet_velocity, "
        "or use solver = openfoam"
    )
