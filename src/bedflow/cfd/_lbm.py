"""D3Q19 TRT lattice-Boltzmann solver for body-force-driven flow through periodic voxel media.

The kernels live in :mod:`bedflow.cfd._lbm_kernels`, their inputs are laid out by
:mod:`bedflow.cfd._lbm_layout` and the result types are in :mod:`bedflow.cfd._lbm_result`; this
module validates input, drives the time loop (convergence, progress, cancellation, Mach guard,
handing back the mass that interpolated walls move) and packages the result.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from bedflow.cfd import _lbm_kernels as kernels
from bedflow.cfd._constants import (
    CS2,
    DEFAULT_BODY_FORCE,
    DEFAULT_CHECK_EVERY,
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_TAU,
    DEFAULT_TOLERANCE,
    MAX_LATTICE_VELOCITY,
    PROGRESS_INTERVAL_S,
    TAU_MAX,
    TAU_MIN,
    TRT_MAGIC,
)
from bedflow.cfd._exceptions import CfdInputError, LatticeStabilityError, SolverCancelled
from bedflow.cfd._lbm_layout import boundary_links, kernel_links, padded_stride
from bedflow.cfd._lbm_result import (
    CancelCallback,
    LbmResult,
    Permeability,
    ProgressCallback,
    SolverProgress,
)
from bedflow.cfd._lbm_walls import LatticeSurfaces
from bedflow.cfd._types import BoolArray

__all__ = [
    "LbmResult",
    "Permeability",
    "SolverProgress",
    "compile_kernels",
    "kernels_ready",
    "permeability_from_voxels",
    "solve_periodic",
]

logger = logging.getLogger(__name__)


def _relaxation_time(tau: float | None, viscosity: float | None) -> float:
    if tau is not None and viscosity is not None:
        raise CfdInputError("give either tau or viscosity, not both")
    if viscosity is not None:
        if not viscosity > 0.0:
            raise CfdInputError(f"lattice viscosity must be > 0, got {viscosity}")
        tau = 3.0 * viscosity + 0.5
    if tau is None:
        tau = DEFAULT_TAU
    if not TAU_MIN <= tau <= TAU_MAX:
        raise LatticeStabilityError(
            f"relaxation time tau = {tau:g} outside the stable range [{TAU_MIN}, {TAU_MAX}] "
            f"(lattice viscosity (tau - 1/2)/3 in [{(TAU_MIN - 0.5) / 3:.4g}, "
            f"{(TAU_MAX - 0.5) / 3:.4g}])"
        )
    return float(tau)


def _validate_solid(solid: BoolArray) -> BoolArray:
    arr = np.asarray(solid)
    if arr.ndim != 3:
        raise CfdInputError(f"solid must be a 3-D (nz, ny, nx) mask, got shape {arr.shape}")
    if arr.dtype != np.bool_:
        raise CfdInputError(f"solid must be a bool array, got dtype {arr.dtype}")
    if min(arr.shape) < 1 or arr.all():
        raise CfdInputError("solid mask has no fluid node")
    return np.ascontiguousarray(arr)


def _float_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise CfdInputError(f"dtype must be float32 or float64, got {dt}")
    return dt


def solve_periodic(
    solid: BoolArray,
    *,
    tau: float | None = None,
    viscosity: float | None = None,
    body_force: float = DEFAULT_BODY_FORCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    tolerance: float = DEFAULT_TOLERANCE,
    check_every: int = DEFAULT_CHECK_EVERY,
    dtype: DTypeLike = np.float32,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    surfaces: LatticeSurfaces | None = None,
    boundary: str | None = None,
) -> LbmResult:
    """Steady creeping flow through a periodic voxel medium, driven by a body force along z.

    D3Q19 lattice Boltzmann with two-relaxation-time collision (magic parameter 3/16, so the
    steady solution depends on tau only through it), Guo forcing and bounce-back on solid
    voxels: halfway (the wall midway between a fluid and a solid node), or, given the exact
    ``surfaces``, linear interpolated bounce-back (the wall where the surfaces cut each link:
    second order on curved walls); periodic on all six faces.

    solid : (nz, ny, nx) bool, True where the voxel is solid
    tau, viscosity : symmetric relaxation time, or lattice kinematic viscosity (tau - 1/2)/3;
        default tau = 1
    body_force : force density along z, lattice units (equivalent to a mean pressure gradient)
    tolerance : steady when the mean velocity changes by less than this (relative) between two
        checks ``check_every`` iterations apart; 0 runs ``max_iterations`` steps
    dtype : float32 (default, half the memory traffic) or float64 storage and arithmetic
        (populations are stored as deviations from the weights, so float32 keeps ~7 digits of
        the departure from rest)
    progress : called with a :class:`SolverProgress` about every 0.5 s of wall time and once
        at the end
    cancel : polled as often and at every convergence check; returning True raises
        :class:`SolverCancelled`
    surfaces : the exact spheres and column wall that ``solid`` voxelizes (cell centre
        inside = solid), in lattice units; links they do not explain stay halfway
    boundary : ``"cli"`` (default with ``surfaces``): central linear interpolation (Ginzburg,
        Verhaeghe & d'Humieres 2008), whose solution, like halfway's, does not depend on tau;
        ``"bouzidi"``: Bouzidi, Firdaouss & Lallemand (2001), whose does (by 2% of the flow
        rate of a 10-cell slit between tau 0.8 and 1.5); ``"halfway"`` (default without
        ``surfaces``)

    Raises :class:`LatticeStabilityError` when tau is out of range, when the lattice velocity
    exceeds 0.1 (Ma 0.17; lower ``body_force``) or when the run diverges.

    >>> solid = np.zeros((8, 16, 16), dtype=bool)
    >>> solid[:, [0, -1], :] = True           # a slit between two plates
    >>> res = solve_periodic(solid, body_force=1e-6)
    >>> round(res.permeability / (14**2 / 12 * 14 / 16), 2)  # h^2/12 times porosity
    1.0
    """
    solid = _validate_solid(solid)
    dt = _float_dtype(dtype)
    tau = _relaxation_time(tau, viscosity)
    gz = float(body_force)
    if not (math.isfinite(gz) and gz > 0.0):
        raise CfdInputError(f"body_force must be a positive lattice force density, got {gz}")
    if max_iterations < 1 or check_every < 1:
        raise CfdInputError("max_iterations and check_every must be >= 1")
    if not tolerance >= 0.0:
        raise CfdInputError(f"tolerance must be >= 0, got {tolerance}")
    if progress is not None and not kernels_ready(dt):
        progress(SolverProgress(0, max_iterations, 0.0, math.nan, 0.0, compiling=True))
    compile_s = compile_kernels(dt)
    if boundary is None:
        boundary = "halfway" if surfaces is None else "cli"
    if boundary not in kernels.SCHEMES:
        raise CfdInputError(f"boundary must be one of {sorted(kernels.SCHEMES)}, got {boundary!r}")
    if boundary != "halfway" and surfaces is None:
        raise CfdInputError(f"boundary {boundary!r} interpolates: it needs the exact surfaces")
    walls = None if boundary == "halfway" or surfaces is None else (surfaces, boundary)
    result = _solve(
        solid, dt, tau, gz, max_iterations, tolerance, check_every, progress, cancel, walls
    )
    return dataclasses.replace(result, compile_s=compile_s)


#: The numba kernels of one time step and of the moments; each compiles on its first call.
_KERNELS = ("stream_collide", "fill_ghosts", "moments", "macroscopic")


def kernels_ready(dtype: DTypeLike = np.float32) -> bool:
    """Whether the kernels are compiled for ``dtype`` in this process already (else the next
    solve first compiles them, or loads them from numba's on-disk cache)."""
    name = np.dtype(dtype).name
    return all(
        any(str(sig[0].dtype) == name for sig in getattr(kernels, k).signatures)  # f's dtype
        for k in _KERNELS
    )


def compile_kernels(dtype: DTypeLike = np.float32) -> float:
    """Compile (or load from numba's cache) the kernels for ``dtype`` by two steps on a tiny
    domain, so that no solve times them; the seconds it took, 0 when they were ready."""
    dt = _float_dtype(dtype)
    if kernels_ready(dt):
        return 0.0
    start = time.perf_counter()
    tiny = np.zeros((4, 4, 4), dtype=bool)
    tiny[:, 0, :] = True
    _solve(tiny, dt, DEFAULT_TAU, DEFAULT_BODY_FORCE, 2, 0.0, 1, None, None, None)
    wall = LatticeSurfaces(box=(-1.0, 4.0, 0.25, 4.0))  # the interpolating branches too
    _solve(tiny, dt, DEFAULT_TAU, DEFAULT_BODY_FORCE, 2, 0.0, 1, None, None, (wall, "cli"))
    took = time.perf_counter() - start
    logger.info("LBM kernels (%s) compiled or loaded in %.1f s", dt.name, took)
    return took


def _solve(
    solid: BoolArray,
    dt: np.dtype[Any],
    tau: float,
    gz: float,
    max_iterations: int,
    tolerance: float,
    check_every: int,
    progress: ProgressCallback | None,
    cancel: CancelCallback | None,
    walls: tuple[LatticeSurfaces, str] | None,
) -> LbmResult:
    """The time loop of :func:`solve_periodic` on validated input; ``walls``: the surfaces
    and the interpolated bounce-back, None for halfway."""
    nu = (tau - 0.5) / 3.0
    omega_p = 1.0 / tau
    omega_m = 1.0 / (0.5 + TRT_MAGIC / (tau - 0.5))
    nz, ny, nx = solid.shape
    n_nodes = solid.size
    n_fluid = n_nodes - int(np.count_nonzero(solid))
    stride = padded_stride(n_nodes, dt.itemsize)
    fluid = np.ascontiguousarray((~solid).reshape(-1), dtype=np.uint8)
    bl = boundary_links(solid, stride)
    boundary, links, kappa = kernel_links(bl, solid, dt, walls)
    n_interpolated = int(np.count_nonzero(kappa))
    # Interpolated bounce-back moves mass through the walls (see ``bounce_back`` in the
    # generator): each step sums it per z slab, the next one takes it from the fluid's rest
    # populations, so the fluid keeps its mass.
    leak = np.zeros(nz)
    per_node = 1.0 / n_fluid
    # numba's Dispatcher type takes a limited number of positional arguments
    step: Any = kernels.stream_collide
    fill_ghosts: Any = kernels.fill_ghosts
    params = kernels.kernel_params(omega_p, omega_m, gz, dt)
    f = np.zeros(kernels.Q * stride, dtype=dt)  # at rest; one buffer (AA pattern)
    jz_slab = np.zeros(nz)
    usq_slab = np.zeros(nz)

    history: list[tuple[float, float, float]] = []
    previous = math.nan
    change = math.nan
    converged = False
    iteration = 0
    t0 = time.perf_counter()
    last_report = t0
    while iteration < max_iterations:
        # Steps alternate even (local) and odd (streaming); iteration 0 is even.
        step(f, stride, nz, ny, nx, iteration % 2 == 1, fluid, *links, params, leak)
        if n_interpolated:
            params[kernels.REST] = leak.sum() * per_node
        iteration += 1
        now = time.perf_counter()
        at_check = iteration % check_every == 0 or iteration == max_iterations
        at_report = now - last_report >= PROGRESS_INTERVAL_S
        if not (at_check or at_report):
            continue
        odd = iteration % 2 == 1  # parity of the next step, whose incoming populations count
        fill_ghosts(f, stride, nz, ny, odd, *links, params)
        kernels.moments(f, stride, nz, ny, nx, odd, fluid, params, jz_slab, usq_slab)
        mean_u = float(jz_slab.sum()) / n_nodes
        _guard(mean_u, float(usq_slab.max()), iteration)
        if at_check:
            if math.isfinite(previous):
                change = abs(mean_u - previous) / max(abs(mean_u), 1e-300)
            history.append((float(iteration), mean_u, change))
            logger.debug("iteration %d: <u_z> = %.6e, change %.3e", iteration, mean_u, change)
            previous = mean_u
            if change < tolerance:
                converged = True
        if cancel is not None and cancel():
            raise SolverCancelled(iteration)
        if progress is not None and (at_report or converged or iteration == max_iterations):
            progress(SolverProgress(iteration, max_iterations, mean_u, change, now - t0))
        if at_report:
            last_report = now
        if converged:
            break
    t_end = time.perf_counter()

    rho = np.empty(n_nodes, dtype=dt)
    vel = np.empty((3, n_nodes), dtype=dt)
    odd = iteration % 2 == 1
    fill_ghosts(f, stride, nz, ny, odd, *links, params)
    if n_interpolated:  # and the mass the pre hooks just added, which the next step would take
        far = f[links[5] if odd else links[4]]
        gain = kappa * far if boundary == "cli" else np.maximum(-kappa, 0) * far
        params[kernels.REST] += float(gain.sum(dtype=np.float64)) * per_node
    kernels.macroscopic(f, stride, nz, ny, nx, odd, fluid, params, rho, vel)
    mean_u = float(vel[2].sum(dtype=np.float64)) / n_nodes
    timed = t_end - t0  # the kernels were compiled before (compile_kernels)
    steps = iteration
    mlups = n_nodes * steps / timed / 1e6 if steps > 0 and timed > 0 else math.nan
    if not converged and tolerance > 0.0:
        logger.warning(
            "LBM did not converge in %d iterations (last relative change %.3e)", iteration, change
        )
    logger.info(
        "LBM %s: %d iterations, <u_z> = %.6e, k = %.6e lu, %.1f MLUPS",
        solid.shape,
        iteration,
        mean_u,
        nu * mean_u / gz,
        mlups,
    )
    return LbmResult(
        velocity=vel.reshape(3, nz, ny, nx),
        density=rho.reshape(nz, ny, nx),
        solid=solid,
        mean_velocity=mean_u,
        permeability=nu * mean_u / gz,
        viscosity=nu,
        tau=tau,
        body_force=gz,
        iterations=iteration,
        converged=converged,
        history=np.asarray(history, dtype=np.float64).reshape(-1, 3),
        elapsed_s=t_end - t0,
        mlups=mlups,
        mflups=mlups * n_fluid / n_nodes,
        boundary=boundary,
        links=bl.size,
        interpolated_links=n_interpolated,
    )


def _guard(mean_u: float, usq_max: float, iteration: int) -> None:
    if not (math.isfinite(mean_u) and math.isfinite(usq_max)):
        raise LatticeStabilityError(
            f"the lattice-Boltzmann run diverged (NaN) by iteration {iteration}; "
            "lower body_force or raise tau"
        )
    u_max = math.sqrt(usq_max)
    if u_max > MAX_LATTICE_VELOCITY:
        err = LatticeStabilityError(
            f"lattice velocity {u_max:.3g} exceeds {MAX_LATTICE_VELOCITY} "
            f"(Mach {u_max / math.sqrt(CS2):.2f}) at iteration {iteration}; "
            "lower body_force (the velocity scales linearly with it in creeping flow)"
        )
        err.lattice_velocity = u_max
        raise err


def permeability_from_voxels(
    solid: BoolArray,
    voxel_size: float,
    *,
    tau: float | None = None,
    body_force: float = DEFAULT_BODY_FORCE,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
    tolerance: float = DEFAULT_TOLERANCE,
    dtype: DTypeLike = np.float32,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> Permeability:
    """Permeability along z (m^2) of a periodic voxel medium with voxels of edge ``voxel_size``
    (m): runs :func:`solve_periodic` and scales k = k_lu dx^2.

    solid : (nz, ny, nx) bool, True in the solid

    >>> solid = np.zeros((8, 16, 16), dtype=bool); solid[:, [0, -1], :] = True
    >>> k = permeability_from_voxels(solid, voxel_size=1e-4)
    >>> f"{k.value:.2e}"  # h^2/12 * porosity = (1.4 mm)^2 / 12 * 14/16
    '1.43e-07'
    """
    if not (math.isfinite(voxel_size) and voxel_size > 0.0):
        raise CfdInputError(f"voxel_size must be a positive length in m, got {voxel_size}")
    result = solve_periodic(
        solid,
        tau=tau,
        body_force=body_force,
        max_iterations=max_iterations,
        tolerance=tolerance,
        dtype=dtype,
        progress=progress,
        cancel=cancel,
    )
    return Permeability(result.permeability_m2(voxel_size), float(voxel_size), result)
