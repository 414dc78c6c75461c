"""What the lattice-Boltzmann solver (:mod:`bedflow.cfd._lbm`) reports while it runs and
returns when it is done: progress, the lattice-unit result and the permeability in SI units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd._constants import CS2
from bedflow.cfd._types import BoolArray, FloatArray

__all__ = ["CancelCallback", "LbmResult", "Permeability", "ProgressCallback", "SolverProgress"]

ProgressCallback = Callable[["SolverProgress"], None]
CancelCallback = Callable[[], bool]


@dataclass(frozen=True)
class SolverProgress:
    """What the solver reports to a progress callback, about every
    :data:`~bedflow.cfd._constants.PROGRESS_INTERVAL_S` seconds.

    ``relative_change`` is the change of the mean velocity between the last two convergence
    checks, relative to its value (NaN before the second check). ``compiling`` is True in the
    one report sent before the kernels are compiled (or loaded from numba's cache), which
    takes tens of seconds the first time on a machine.
    """

    iteration: int
    max_iterations: int
    mean_velocity: float
    relative_change: float
    elapsed_s: float
    compiling: bool = False


@dataclass(frozen=True, eq=False)
class LbmResult:
    """Steady state of :func:`solve_periodic`, in lattice units (dx = dt = 1, rho0 = 1).

    velocity : (3, nz, ny, nx) float, lattice units; components (u_x, u_y, u_z), 0 in solids
    density : (nz, ny, nx) float, lattice units; 1 in solids
    solid : (nz, ny, nx) bool
    mean_velocity : superficial velocity along z, mean of u_z over all nodes (solid ones count 0)
    permeability : k = nu * mean_velocity / body_force, lattice units (voxels^2)
    history : (n_checks, 3) float, columns iteration, mean velocity, relative change
    elapsed_s : s, the time loop alone; compile_s : s, compiling (or loading) the kernels first
    mlups, mflups : million lattice (all nodes) / fluid-node updates per second of time stepping
    boundary : "halfway" or "bouzidi" (interpolated bounce-back from exact surfaces)
    links : boundary links (fluid node, direction towards a solid one)
    interpolated_links : of them, those whose wall is not halfway between the nodes
    """

    velocity: FloatArray
    density: FloatArray
    solid: BoolArray
    mean_velocity: float
    permeability: float
    viscosity: float
    tau: float
    body_force: float
    iterations: int
    converged: bool
    history: NDArray[np.float64]
    elapsed_s: float
    mlups: float
    mflups: float
    compile_s: float = 0.0
    boundary: str = "halfway"
    links: int = 0
    interpolated_links: int = 0

    @cached_property
    def porosity(self) -> float:
        """Fluid fraction of the voxels."""
        return 1.0 - float(np.count_nonzero(self.solid)) / self.solid.size

    @cached_property
    def interstitial_velocity(self) -> float:
        """Mean u_z over the fluid nodes, lattice units (superficial velocity / porosity)."""
        return self.mean_velocity / self.porosity

    @cached_property
    def pressure(self) -> FloatArray:
        """(nz, ny, nx) pressure deviation c_s^2 (rho - 1), lattice units; 0 in solids.

        Driven by a body force, the pressure is periodic: the mean gradient is the force.
        """
        return np.asarray(CS2 * (self.density - 1.0), dtype=self.density.dtype)

    def permeability_m2(self, voxel_size: float) -> float:
        """Permeability in m^2 for voxels of edge ``voxel_size`` (m): k = k_lu dx^2."""
        return self.permeability * voxel_size**2


@dataclass(frozen=True, eq=False)
class Permeability:
    """Permeability of a voxel medium in SI units, with the lattice run it came from.

    value : m^2
    voxel_size : m
    """

    value: float
    voxel_size: float
    lattice: LbmResult

    def pressure_gradient(self, superficial_velocity: float, dynamic_viscosity: float) -> float:
        """Darcy pressure drop per length, Pa/m, for a superficial velocity (m/s) and a
        dynamic viscosity (Pa s): dp/L = mu u / k. Valid in creeping flow only (Re_p << 1)."""
        return dynamic_viscosity * superficial_velocity / self.value
