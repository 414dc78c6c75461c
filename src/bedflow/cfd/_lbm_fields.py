"""The `lbm` solver's ``flow.vti``: its fields in SI units at the spec's velocity, with the
mean pressure gradient that the body force stood for put back.

The lattice run lands near, not on, the requested superficial velocity (its driving force is
first guessed from Ergun), and it is driven by a body force, so its pressure is periodic: the
mean gradient is in the force, not in the pressure. The file holds what the reported result
says: the velocity scaled to the requested superficial velocity (exact in creeping flow, where
the field is linear in the forcing) and the pressure scaled by the factor the reported dp/L
was carried over with, plus the force's gradient. What was simulated is written into the
file's ``<FieldData>`` and a comment at its top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd._vtk import write_vti

__all__ = ["LatticeRun", "write_flow_fields"]


@dataclass(frozen=True)
class LatticeRun:
    """How one lattice run maps to SI units and to the reported result.

    density : (nz, ny, nx) lattice density of the simulated (unmirrored) domain, 1 at rest
    velocity : (3, nz, ny, nx) lattice velocity of the same cells
    solid : (nz, ny, nx) bool
    origin : (x0, y0, z0), m, lower corner of the cells
    dx : m, cell edge; c : m/s per lattice velocity unit (dx / dt)
    rho : kg/m3, fluid density
    body_force : lattice force density along z (the mean pressure gradient it stands for)
    simulated_velocity, requested_velocity : m/s, superficial
    pressure_scale : the factor the reported dp/L was carried over to the requested velocity
        with (Ergun's shape; u / u_sim in creeping flow)
    """

    density: NDArray[np.floating]
    velocity: NDArray[np.floating]
    solid: NDArray[np.bool_]
    origin: tuple[float, float, float]
    dx: float
    c: float
    rho: float
    body_force: float
    simulated_velocity: float
    requested_velocity: float
    pressure_scale: float


def fields_si(run: LatticeRun) -> dict[str, NDArray[np.floating]]:
    """``velocity`` (3, nz, ny, nx) m/s and ``pressure`` (nz, ny, nx) Pa, gauge, 0 at the
    fluid's mean in the top layer of cells, NaN in solid cells."""
    velocity_scale = run.requested_velocity / run.simulated_velocity
    velocity = np.asarray(run.velocity, dtype=np.float64) * (run.c * velocity_scale)
    pc2 = run.rho * run.c * run.c  # Pa per lattice pressure unit
    # p = cs^2 (rho - 1) is the periodic part; the force stands for -dp/dz = g rho c^2 / dx
    gradient = run.body_force * pc2 / run.dx
    nz = run.density.shape[0]
    z = run.origin[2] + (np.arange(nz) + 0.5) * run.dx
    pressure = (np.asarray(run.density, dtype=np.float64) - 1.0) / 3.0 * pc2
    pressure += (gradient * (z[-1] - z))[:, None, None]
    fluid_top = ~run.solid[-1]
    if fluid_top.any():
        pressure -= float(pressure[-1][fluid_top].mean())
    pressure *= run.pressure_scale
    pressure[run.solid] = np.nan
    velocity[:, run.solid] = 0.0
    return {"velocity": velocity, "pressure": pressure}


def write_flow_fields(
    path: Path,
    run: LatticeRun,
    *,
    pressure_drop_per_length: float,
    slab: tuple[float, float],
    notes: Mapping[str, float],
) -> Path:
    """Write ``flow.vti`` (velocity m/s, pressure Pa, solid) and say what was simulated.

    ``notes`` are further numbers for the file's ``<FieldData>`` (e.g. ``tau``).
    """
    si = fields_si(run)
    scale = run.requested_velocity / run.simulated_velocity
    info: dict[str, float | Sequence[float]] = {
        "requested_superficial_velocity_m_s": run.requested_velocity,
        "simulated_superficial_velocity_m_s": run.simulated_velocity,
        "velocity_scale": scale,
        "pressure_scale": run.pressure_scale,
        "pressure_drop_per_length_Pa_m": pressure_drop_per_length,
        "slab_z_m": slab,
        "cell_size_m": run.dx,
        **notes,
    }
    comment = (
        "bedflow lbm flow field, SI units. velocity (m/s) and pressure (Pa, gauge: 0 at the\n"
        "fluid's mean in the top layer of cells; NaN in solid cells).\n"
        f"The lattice run reached a superficial velocity of {run.simulated_velocity:.6g} m/s;\n"
        f"its velocity is scaled by {scale:.6g} to the requested "
        f"{run.requested_velocity:.6g} m/s\n"
        "(exact in creeping flow) and its pressure by "
        f"{run.pressure_scale:.6g}, the factor the reported dp/L was carried over with.\n"
        "The flow was driven by a body force standing for the mean pressure gradient; that\n"
        f"gradient is included in the pressure. dp/L = {pressure_drop_per_length:.6g} Pa/m\n"
        f"between z = {slab[0]:.6g} and {slab[1]:.6g} m. FieldData holds these numbers."
    )
    write_vti(
        path,
        spacing=run.dx,
        origin=run.origin,
        cell_data={
            "velocity": si["velocity"].astype(np.float32),
            "pressure": si["pressure"].astype(np.float32),
            "solid": run.solid,
        },
        field_data=info,
        comment=comment,
        encoding="raw",
    )
    return path
