"""The sections of a `.bed` file about what is made of the bed: the exported 3D files and the
flow through it (see :mod:`bedflow.dsl._sections`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from bedflow.dsl._keys import DEPRECATED, ExportFormat, Section, Solver, quantity
from bedflow.dsl._units import DENSITY, LENGTH, VELOCITY, VISCOSITY

__all__ = ["CfdSpec", "ExportSpec", "MeshLevels"]

Regime = Literal["laminar", "turbulent_rans"]
TurbulenceModel = Literal["k_epsilon", "realizable_k_epsilon", "k_omega", "k_omega_sst"]


def _default_formats() -> list[ExportFormat]:
    return ["stl"]


class ExportSpec(Section):
    """Which 3D files are written, and how."""

    formats: list[ExportFormat] = Field(
        default_factory=_default_formats,
        description="Formats to export (may be empty).",
        max_length=8,
    )
    units: Literal["m", "cm", "mm"] = Field("m", description="Length unit of exported files.")
    scale: float = Field(1.0, description="Extra scale factor applied on export.", gt=0)
    wall_mode: Literal["surface", "solid", "none"] = Field(
        "solid",
        description="The column wall as a thin surface, a solid of `wall_thickness`, or left out.",
    )
    fluid_mode: Literal["none", "cavity"] = Field(
        "none", description="Also export the fluid region (column interior minus particles)."
    )
    manifold_check: bool = Field(True, description="Check that exported meshes are watertight.")
    merge_distance: float = quantity(
        1e-7, LENGTH, "Vertices closer than this are merged on export.", ge=0
    )
    chord_error: float = Field(
        0.005,
        description="How far the exported triangles of a curved particle may lie from its "
        "true surface, as a fraction of the particle diameter (0.005 = 0.5%: 720 triangles a "
        "sphere, 36 MB of binary STL for 1000 spheres; 0.001: 3380 triangles). Smaller is "
        "smoother and larger. Exported files only: the CFD solvers mesh their own, finer "
        "surface.",
        ge=0.0005,
        le=0.02,
    )


class MeshLevels(Section):
    """Refinement levels of the OpenFOAM mesh (snappyHexMesh)."""

    walls: int = Field(
        2,
        description="Refinement level at the column wall. The default 2, the particles' own, "
        "gives within 2% of the pressure drop of 3 with half the cells, now that prism layers "
        "resolve the wall (docs/flow.md; 3 before December 2026).",
        ge=0,
        le=10,
    )
    particles: int = Field(2, description="Refinement level at particle surfaces.", ge=0, le=10)


class CfdSpec(Section):
    """The flow through the bed and how it is solved."""

    solver: Solver = Field(
        "lbm",
        description="Flow solver: built-in lattice-Boltzmann `lbm`, "
        "`openfoam`, or engineering `correlation`s only. Defaults to `openfoam` when regime "
        "is `turbulent_rans` (`lbm` is laminar only).",
    )
    regime: Regime = Field("laminar", description="Flow regime.")
    turbulence_model: TurbulenceModel | None = Field(
        None,
        description="RANS turbulence model; defaults to `k_omega_sst` when regime is "
        "`turbulent_rans`. Not allowed with laminar flow.",
    )
    inlet_velocity: float = quantity(0.01, VELOCITY, "Superficial velocity at the inlet.", gt=0)
    fluid_density: float = quantity(1.204, DENSITY, "Fluid density (default: air, 20 °C).", gt=0)
    fluid_viscosity: float = quantity(
        1.81e-5,
        VISCOSITY,
        "DYNAMIC viscosity of the fluid (default: air, 20 °C); the "
        "kinematic viscosity is fluid_viscosity / fluid_density.",
        gt=0,
    )
    max_iterations: int = Field(
        10000, description="Iteration cap of the solver.", ge=1, le=100_000_000
    )
    convergence_criteria: float = Field(
        1e-4,
        description="Converged when the relative change of the pressure drop falls below this.",
        gt=0,
        lt=1,
    )
    write_fields: bool = Field(False, description="Write velocity and pressure fields.")
    cells_per_dp: int = Field(
        14,
        description="Grid cells per particle diameter. At the default 14 the LBM's three-grid "
        "GCI (14, 10, 7) was 0.8-1.4% on the beds checked, under 5% everywhere it was "
        "measured (docs/flow.md, Uncertainty at the defaults; 12 until December 2026).",
        ge=2,
        le=200,
    )
    lbm_boundary: Literal["halfway", "cli", "bouzidi"] = Field(
        "cli",
        description="How the `lbm` solver places walls. `cli` (default): each sphere and the "
        "column wall where they cut the lattice (central linear interpolated bounce-back; "
        "second order on curved walls, independent of the viscosity; at the default "
        "resolution its three-grid GCI is 2-5% on the example and held-out beds, against "
        "15-34% for `halfway`). `halfway`: the staircase of voxels (halfway bounce-back, first "
        "order; the default before December 2026). `bouzidi`: the same as `cli` by "
        "Bouzidi-Firdaouss-Lallemand's interpolation, whose result depends on the viscosity. "
        "Non-spherical particles are always staircase. See docs/flow.md, Verification.",
    )
    yplus_target: float = Field(
        1.0,
        description="Deprecated, has no effect: `mesh_layers` and `mesh_levels` size the "
        "cells at walls.",
        gt=0,
        json_schema_extra=DEPRECATED,
    )
    mesh_levels: MeshLevels = Field(
        default_factory=MeshLevels, description="snappyHexMesh refinement levels."
    )
    mesh_layers: int = Field(
        2,
        description="Prism layers snappyHexMesh adds at the particles and the column wall "
        "(openfoam only; 0: none). With the default 2 OpenFOAM's pressure drop converges "
        "at about second order from 12 cells/d on; without layers it crawls at first order or "
        "less (docs/flow.md; 0 was the default before December 2026).",
        ge=0,
        le=10,
    )
    mesh_contacts: Literal["bridges", "shrink"] = Field(
        "bridges",
        description="How the `openfoam` solver meshes the points where particles touch each "
        "other, the wall or the floor (spheres only). `bridges` (default): the spheres keep "
        "their size and a rod of 0.2 d joins every pair closer than 0.02 d; the porosity "
        "stays within 0.001 of the packing's. `shrink`: every sphere 1% smaller, the usual "
        "practice, which raises the porosity by about 0.015 and lowers the pressure drop by "
        "10-15% on a poured bed (the default before December 2026). See docs/flow.md.",
    )

    @model_validator(mode="before")
    @classmethod
    def _rans_solver(cls, data: Any) -> Any:
        # lbm resolves laminar flow only, so a RANS run that names no solver is an OpenFOAM one
        # (as in files written for the original format, whose only flow solver was OpenFOAM).
        if isinstance(data, dict) and data.get("regime") == "turbulent_rans":
            return {"solver": "openfoam", **data}
        return data

    @property
    def kinematic_viscosity(self) -> float:
        """Kinematic viscosity nu = mu / rho, m2/s."""
        return self.fluid_viscosity / self.fluid_density

    @property
    def effective_turbulence_model(self) -> TurbulenceModel | None:
        """The turbulence model used: the given one, k_omega_sst for RANS, None for laminar."""
        if self.regime == "laminar":
            return None
        return self.turbulence_model or "k_omega_sst"
