"""The built-in lattice-Boltzmann solver (`lbm`) on the voxelized packed bed.

dp/L is measured across the slab every solver measures (:mod:`bedflow.cfd._region`: the bed's
bulk band, away from the floor and the loose top layer, at most 6 d tall; a shallower slab in
a shallow bed). The simulated domain
reaches ``LBM_BUFFER_DIAMETERS`` beyond both ends of the slab, is voxelized at
``cfd.cells_per_dp`` cells per diameter, closed by the column wall and made periodic along z by
appending its mirror image, so no artificial step appears where the ends meet. A uniform body
force drives the flow (the lattice equivalent of a mean pressure gradient); dp/L between the
slab's ends is the drop of the fluid's mean pressure from one end to the other plus the force,
as OpenFOAM measures between its planes, so the mirror's seams lie in the buffers. The lattice
Reynolds number is matched to the particle Reynolds number of the spec, so inertia is resolved
as well as viscous drag; the pressure drop at the spec's inlet velocity follows.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bedflow._exceptions import CfdInputError, LatticeStabilityError
from bedflow._version import __version__
from bedflow.cfd._constants import (
    DEFAULT_CELLS_PER_DP,
    LBM_BUFFER_DIAMETERS,
    LBM_MACH_RETRIES,
    LBM_MACH_RETRY_FACTOR,
    LBM_MAX_LATTICE_VELOCITY_TARGET,
)
from bedflow.cfd._correlations import ergun_pressure_gradient
from bedflow.cfd._flow import FlowResult
from bedflow.cfd._lbm import SolverProgress, solve_periodic
from bedflow.cfd._lbm_fields import LatticeRun, write_flow_fields
from bedflow.cfd._lbm_units import cells_needed, lattice_viscosity, tau_floor, too_fast
from bedflow.cfd._lbm_walls import bed_surfaces
from bedflow.cfd._levels import grid_levels
from bedflow.cfd._region import measurement_slab
from bedflow.cfd._region import slab_porosity as region_porosity
from bedflow.cfd._solvers import COMPILING, CancelFn, FlowProgress, ProgressFn
from bedflow.dsl import BedSpec, SpecProblem
from bedflow.geometry import PackedBed, voxelize

#: Bumped when the same inputs give other figures, so cached results of the old method are not
#: served (the pipeline keys its simulate stage on the solver's version). 2: dp/L between planes
#: with bed beyond them, not from the force on the mirrored band alone. 3: the interpolated
#: schemes (``cfd.lbm_boundary`` cli, bouzidi) put back the mass they leak (halfway unchanged).
#: 4: instead each step gives back what its links moved (from the rest populations, evenly).
#: 5: the slab shared with the other solvers (a shallow bed's slab instead of the whole bed).
LBM_METHOD = 5


def flow_slab(packed: PackedBed) -> tuple[float, float, float, str]:
    """The heights (m) of the slab dp/L is measured across (the one every solver measures,
    :func:`~bedflow.cfd._region.measurement_slab`), the bed simulated beyond each of its ends
    (m) and where the slab comes from."""
    d = packed.particle_diameter
    slab = measurement_slab(packed.metrics.bed_height, d)
    if slab is None:
        # no bed beyond a slab: the mirrored bed alone, its seams included
        return 0.0, packed.metrics.bed_height, 0.0, "whole bed (too shallow for a slab), mirrored"
    # either rule leaves at least the buffer of bed beyond each end of the slab
    return slab.z_min, slab.z_max, LBM_BUFFER_DIAMETERS * d, slab.source


class LbmSolver:
    name = "lbm"
    description = "built-in D3Q19 TRT lattice Boltzmann on the voxelized bed (numba)"

    def version(self) -> str:
        return f"bedflow-lbm {__version__} method {LBM_METHOD}"

    def unavailable(self) -> str | None:
        return None

    def advice(self, spec: BedSpec) -> list[SpecProblem]:
        """Settings the LBM runs but whose pressure drop is not shown to lie within 5% of its
        grid limit (issue 13), as warnings for ``bedflow check``; nothing is refused."""
        cfd, out = spec.cfd, []
        if cfd.lbm_boundary == "halfway" and spec.particles.kind == "sphere":
            out.append(SpecProblem(path=("cfd", "lbm_boundary"), message=(
                "halfway walls are first order: on the example and held-out beds a three-grid "
                f"study at {DEFAULT_CELLS_PER_DP} cells per diameter gave a GCI of up to 22% "
                "with halfway, against under 5% on 7 of 9 with cli (docs/flow.md); dp/L is not "
                "shown to lie within 5% of its grid limit"
            )))  # fmt: skip
        if cfd.cells_per_dp < DEFAULT_CELLS_PER_DP:
            out.append(SpecProblem(path=("cfd", "cells_per_dp"), message=(
                f"below {DEFAULT_CELLS_PER_DP} cells per diameter the LBM's dp/L is not shown "
                f"to lie within 5% of its grid limit (at {DEFAULT_CELLS_PER_DP} with cli the "
                "GCI was under 5% on 7 of 9 example and held-out beds, docs/flow.md); "
                "--converge measures it"
            )))  # fmt: skip
        coarsest = grid_levels(cfd.cells_per_dp)[2]
        re_p = spec.particle_reynolds
        if too_fast(re_p, cfd.cells_per_dp, cfd.cells_per_dp, cfd.lbm_boundary) is None and (
            too_fast(re_p, coarsest, coarsest, cfd.lbm_boundary) is not None
        ):
            # the first finest resolution whose coarsest level reaches the tau floor
            floor = cells_needed(re_p, cfd.lbm_boundary)
            need = next(
                m for m in itertools.count(cfd.cells_per_dp + 1) if grid_levels(m)[2] >= floor
            )
            out.append(SpecProblem(path=("cfd", "cells_per_dp"), message=(
                f"a grid convergence study (--converge) of this flow (Re_p = {re_p:.3g}) needs "
                f"cells_per_dp = {need} or more: at {cfd.cells_per_dp} its coarsest grid "
                f"({coarsest} cells per diameter) is too fast to resolve stably"
            )))  # fmt: skip
        return out

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        cfd = spec.cfd
        why = too_fast(spec.particle_reynolds, cfd.cells_per_dp, cfd.cells_per_dp, cfd.lbm_boundary)
        return [SpecProblem(path=("cfd", "cells_per_dp"), message=why)] if why else []

    def run(
        self,
        packed: PackedBed,
        spec: BedSpec,
        *,
        output_dir: Path | None,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> FlowResult:
        lo, hi, buffer, where = flow_slab(packed)
        return lbm_flow(
            packed,
            spec,
            z_range=(lo, hi),
            slab_from=where,
            buffer=buffer,
            output_dir=output_dir,
            progress=progress,
            cancel=cancel,
        )


def lbm_flow(
    packed: PackedBed,
    spec: BedSpec,
    *,
    z_range: tuple[float, float],
    slab_from: str = "given",
    particle_diameter: float | None = None,
    buffer: float = 0.0,
    output_dir: Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> FlowResult:
    """The `lbm` solver on the slab ``z_range`` (m) of the bed (the solver itself takes the
    bulk band, :func:`flow_slab`); ``particle_diameter`` (m, default the bed's) is the one of
    the Reynolds number and the correlations, e.g. of spheres shrunk for a comparison with
    OpenFOAM. The grid spacing is always ``packed.particle_diameter / cfd.cells_per_dp``.

    With ``buffer`` (m) the simulated domain reaches that far beyond both ends of the slab
    (within the column) and dp/L is measured between the slab's ends, as the drop of the
    fluid's cross-section mean pressure plus the driving force: the way OpenFOAM measures
    between its planes. Without (0, the default) the slab alone is simulated and its driving
    force is dp/L; the mirror image that makes it periodic puts the spheres cut by its ends
    against their own reflections, which read off the measurement between the same planes
    with bed around them, low or high depending on the bed (bench/bench_lbm_openfoam.py
    --buffer 0 prints the difference; docs/benchmarks.md). The solver itself simulates
    ``LBM_BUFFER_DIAMETERS`` of buffer.
    """
    name, version = LbmSolver.name, LbmSolver().version()
    cfd = spec.cfd
    d = packed.particle_diameter if particle_diameter is None else particle_diameter
    t0 = time.perf_counter()
    lo, hi = z_range
    where = slab_from
    if not buffer >= 0.0:
        raise CfdInputError(f"buffer must be 0 or more, got {buffer}")
    sim_lo, sim_hi = lo, hi
    if buffer > 0:
        sim_lo, sim_hi = max(0.0, lo - buffer), min(packed.column.height, hi + buffer)
    vox = voxelize(packed, cells_per_dp=cfd.cells_per_dp, z_range=(sim_lo, sim_hi))
    slab = vox if buffer == 0 else voxelize(packed, cells_per_dp=cfd.cells_per_dp, z_range=(lo, hi))
    # spheres: exact over the slab's own ends, as the other solvers take it
    slab_porosity = (
        region_porosity(packed, lo, hi, cfd.cells_per_dp)
        if packed.kind == "sphere"
        else slab.geometric_porosity
    )
    # Non-spheres cut by the slab's ends have no exact volume in it (NaN): the voxel count
    # stands in, within the grid's error, and the result says so.
    voxel_porosity_used = not math.isfinite(slab_porosity)
    if voxel_porosity_used:
        slab_porosity = slab.porosity
    # One solid layer around the cross-section keeps the periodic x/y wrap closed; the
    # mirror image along z makes the slab periodic without a step at the seam.
    solid = np.pad(vox.solid, ((0, 0), (1, 1), (1, 1)), constant_values=True)
    inside = np.pad(vox.inside, ((0, 0), (1, 1), (1, 1)), constant_values=False)
    solid = np.concatenate([solid, solid[::-1]])
    inside = np.concatenate([inside, inside[::-1]])
    interpolated = cfd.lbm_boundary != "halfway"
    surfaces = bed_surfaces(packed, vox, pad=1, mirrored=True) if interpolated else None
    t_vox = time.perf_counter() - t0

    # Lattice units: dx = d / cells_per_dp; nu_lu from tau; dt follows from the fluid's nu.
    rho, mu, u = cfd.fluid_density, cfd.fluid_viscosity, cfd.inlet_velocity
    nu = mu / rho
    dx = vox.spacing
    cells_per_d = d / dx  # cfd.cells_per_dp, fewer across shrunk particles
    re_p = rho * u * d / mu
    why = too_fast(re_p, cells_per_d, cfd.cells_per_dp, cfd.lbm_boundary)
    if why is not None:
        raise CfdInputError(why)
    # First guess of the force from Ergun at the slab's porosity.
    guess = float(ergun_pressure_gradient(u=u, eps=slab_porosity, d=d, rho=rho, mu=mu))

    def report(p: SolverProgress) -> None:
        if progress is not None:
            progress(FlowProgress(
                fraction=min(p.iteration / max(p.max_iterations, 1), 1.0),
                iteration=p.iteration,
                max_iterations=p.max_iterations,
                change=p.relative_change,
                message=COMPILING if p.compiling else f"{p.elapsed_s:.0f} s",
                compiling=p.compiling,
            ))  # fmt: skip

    target = LBM_MAX_LATTICE_VELOCITY_TARGET
    slowed: list[str] = []
    while True:
        tau, nu_lu = lattice_viscosity(re_p, cells_per_d, target)
        dt = nu_lu * dx * dx / nu
        c = dx / dt  # m/s per lattice velocity unit
        g_lu = guess * dx / (rho * c * c)  # lattice force density g = (dp/L) dx / (rho c^2)
        try:
            res = solve_periodic(
                solid,
                tau=tau,
                body_force=g_lu,
                max_iterations=cfd.max_iterations,
                tolerance=cfd.convergence_criteria,
                progress=report,
                cancel=cancel,
                surfaces=surfaces,
                boundary=cfd.lbm_boundary,
            )
            break
        except LatticeStabilityError as exc:
            peak = exc.lattice_velocity
            target = re_p * nu_lu / cells_per_d  # the superficial lattice velocity it ran at
            slower = target * LBM_MACH_RETRY_FACTOR
            if peak is None or len(slowed) == LBM_MACH_RETRIES:
                raise
            lower_tau = lattice_viscosity(re_p, cells_per_d, slower)[0]
            if lower_tau < tau_floor(cfd.lbm_boundary) - 1e-12:
                need = cells_needed(re_p, cfd.lbm_boundary, slower)
                raise LatticeStabilityError(
                    f"{exc}. The pores of this bed carry peaks of more than "
                    f"{peak / target:.0f} times the superficial velocity, and a slower lattice "
                    f"flow would need a lattice viscosity below its stable range at "
                    f"{cfd.cells_per_dp} cells per diameter: set cfd.cells_per_dp to at least "
                    f"{max(need, cfd.cells_per_dp + 1)} or lower inlet_velocity"
                ) from None
            slowed.append(
                f"the Mach guard stopped the run at a superficial lattice velocity of "
                f"{target:.3g} (peak {peak:.3g}); run again at {slower:.3g} (tau {lower_tau:.4g})"
            )
            target = slower
    if interpolated:  # the wall where it is: the flow rate over the exact cross-section
        col = packed.column
        area = math.pi * col.diameter**2 / 4 if col.shape == "cylinder" else col.width * col.depth
        u_sim_lu = float(res.velocity[2].sum()) / (solid.shape[0] * area / (dx * dx))
    else:  # the staircase wall: over the cells inside the column
        u_sim_lu = float(res.velocity[2][inside].sum()) / max(int(inside.sum()), 1)
    if not u_sim_lu > 0.0:
        raise CfdInputError("no flow through the bed: the voxelized pores do not connect")
    u_sim = u_sim_lu * c
    g_eff = g_lu
    if buffer > 0:
        nz = vox.solid.shape[0]
        g_eff += _pressure_drop_between(
            res.density[:nz], inside[:nz] & ~solid[:nz], float(vox.origin[2]), dx, lo, hi
        )
    dpdl_sim = rho * g_eff * c * c / dx
    # The run lands near, not exactly on, the requested velocity; carry dp/L over to it
    # with Ergun's shape (a relative correction of the order of |u_sim/u - 1| * inertia).
    shape = float(
        ergun_pressure_gradient(u=u, eps=slab_porosity, d=d, rho=rho, mu=mu)
        / ergun_pressure_gradient(u=u_sim, eps=slab_porosity, d=d, rho=rho, mu=mu)
    )
    dpdl = dpdl_sim * shape
    fields: dict[str, str] = {}
    if cfd.write_fields and output_dir is not None:
        half = solid.shape[0] // 2  # the domain; the rest is its mirror image
        run = LatticeRun(
            density=res.density[:half],
            velocity=res.velocity[:, :half],
            solid=solid[:half],
            origin=(float(vox.origin[0]) - dx, float(vox.origin[1]) - dx, float(vox.origin[2])),
            dx=dx,
            c=c,
            rho=rho,
            body_force=g_lu,
            simulated_velocity=u_sim,
            requested_velocity=u,
            pressure_scale=shape,
        )
        path = write_flow_fields(
            Path(output_dir) / "flow.vti",
            run,
            pressure_drop_per_length=dpdl,
            slab=(lo, hi),
            notes={"tau": tau, "lattice_velocity": u_sim_lu, "particle_reynolds": re_p},
        )
        fields["vti"] = str(path)
    notes = slowed + ([] if res.converged else [
        f"not converged to {cfd.convergence_criteria:g} in {res.iterations} iterations"
    ])  # fmt: skip
    if voxel_porosity_used:
        notes.append(
            f"porosity {slab_porosity:.4f} counted on the grid: particles cut by the slab's "
            "ends have no exact volume in it"
        )
    return FlowResult.from_pressure_drop(
        spec,
        solver=name,
        solver_version=version,
        particle_diameter=d,
        pressure_drop_per_length=dpdl,
        porosity=slab_porosity,
        column_diameter=packed.column.diameter,
        iterations=res.iterations,
        converged=res.converged,
        history=tuple((float(it), float(ch)) for it, _, ch in res.history),
        timings={
            "voxelize_s": t_vox,
            "compile_s": res.compile_s,  # once per machine and numba cache, not part of the solve
            "solve_s": res.elapsed_s,
            "mlups": res.mlups,
        },
        domain={
            "slab_m": [lo, hi],
            "slab_from": where,
            "buffer_m": buffer,
            "simulated_m": [sim_lo, sim_hi],
            "cells": list(solid.shape),
            "cells_per_dp": cfd.cells_per_dp,
            "voxel_porosity": slab.porosity,
            "geometric_porosity": slab_porosity,
            "tau": tau,
            "boundary": res.boundary,
            "boundary_links": res.links,
            "interpolated_links": res.interpolated_links,
            "lattice_velocity": u_sim_lu,
            "simulated_velocity": u_sim,
            "pressure_drop_per_length_at_simulated_velocity": dpdl_sim,
        },
        fields=fields,
        notes=tuple(notes),
    )


def _pressure_drop_between(
    density: NDArray[np.floating],
    fluid: NDArray[np.bool_],
    z0: float,
    dx: float,
    lo: float,
    hi: float,
) -> float:
    """The drop of the fluid's cross-section mean pressure from ``lo`` to ``hi`` (m) per cell
    of length, lattice units (p = (rho - 1) / 3); the layers are those holding the planes."""
    last = density.shape[0] - 1
    k_lo = min(max(round((lo - z0) / dx - 0.5), 0), last)
    k_hi = min(max(round((hi - z0) / dx - 0.5), 0), last)
    if k_hi <= k_lo:
        raise CfdInputError(f"the slab {lo}-{hi} m is thinner than a grid cell")
    p_lo = float(density[k_lo][fluid[k_lo]].mean()) / 3.0
    p_hi = float(density[k_hi][fluid[k_hi]].mean()) / 3.0
    return float((p_lo - p_hi) / (k_hi - k_lo))
