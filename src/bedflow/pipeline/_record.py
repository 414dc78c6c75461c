"""The flow result as a stored, validated record: :class:`FlowRecord`.

``FlowRecord`` is :meth:`bedflow.cfd.FlowResult.to_json` given a schema: the database's
``results.flow`` column holds it and the API's ``ResultPublic`` is built from it. It lives in
the pipeline package, not in ``cfd``, so that the API and the database validate results
without importing the solvers (numba).

>>> record = FlowRecord.of(flow)  # doctest: +SKIP
>>> FlowResult.from_json(record.model_dump(mode="json")) == flow  # doctest: +SKIP
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # the record is read where the solvers are not imported
    from bedflow.cfd import FlowResult

__all__ = [
    "Correlations",
    "FlowDomainRecord",
    "FlowRecord",
    "GridConvergenceRecord",
    "MeasuredRegionRecord",
]

Figure = float | None
"""A figure in SI units; null where it was not measured (NaN) or not recorded."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Correlations(_Record):
    """One figure per correlation: the predicted dp/L (Pa/m), or a ratio to it."""

    ergun: Figure = Field(None, description="Ergun (1952)")
    carman_kozeny: Figure = Field(None, description="Carman-Kozeny")
    eisfeld_schnitzlein: Figure = Field(
        None, description="Eisfeld and Schnitzlein (2001), with the wall effect"
    )


class FlowDomainRecord(_Record):
    """Where and how a solver measured (``bedflow.cfd.FlowDomain``; SI units). Each solver
    fills its own keys, the others are null: lbm the slab and lattice, openfoam the mesh and
    pressure planes, correlation ``porosity_from``."""

    slab_m: list[float] | None = Field(None, description="lbm: z of the measured slab, m")
    slab_from: str | None = Field(None, description="lbm: how the slab was chosen")
    buffer_m: Figure = Field(None, description="lbm: bed simulated beyond each end, m")
    simulated_m: list[float] | None = Field(None, description="lbm: z of the simulated domain")
    cells: int | list[int] | None = Field(None, description="lbm: (nz, ny, nx); openfoam: count")
    cells_per_dp: int | None = None
    voxel_porosity: Figure = None
    geometric_porosity: Figure = None
    tau: Figure = Field(None, description="lbm: relaxation time")
    boundary: str | None = Field(
        None, description="lbm: the wall scheme, cfd.lbm_boundary (halfway, cli, bouzidi)"
    )
    boundary_links: int | None = Field(None, description="lbm: fluid-solid links")
    interpolated_links: int | None = Field(
        None, description="lbm: of them, those whose wall is not halfway between nodes"
    )
    lattice_velocity: Figure = None
    simulated_velocity: Figure = Field(None, description="m/s")
    pressure_drop_per_length_at_simulated_velocity: Figure = Field(None, description="Pa/m")
    mesh_check: str | None = Field(None, description="openfoam: checkMesh's verdict")
    planes_m: list[float] | None = Field(None, description="openfoam: z of the pressure planes")
    porosity_mesh: Figure = None
    porosity_geometric: Figure = None
    meshed_particle_diameter: Figure = Field(None, description="m")
    patch_faces: dict[str, int] | None = None
    relative_change_of_dp: Figure = None
    porosity_from: str | None = Field(None, description="correlation: the porosity used")


class GridConvergenceRecord(_Record):
    """A three-grid convergence study (``bedflow.cfd.GridConvergence``): Roache's grid
    convergence index by the ASME procedure (Celik et al. 2008), finest grid first."""

    cells_per_dp: tuple[Figure, Figure, Figure]
    values: tuple[Figure, Figure, Figure] = Field(description="dp/L of each grid, Pa/m")
    observed_order: Figure = Field(description="apparent order p")
    extrapolated: Figure = Field(description="Richardson-extrapolated dp/L, Pa/m")
    gci: Figure = Field(description="fine-grid convergence index, a fraction of dp/L")
    safety_factor: Figure
    uncertainty: Figure = Field(description="gci times the finest dp/L, Pa/m")
    converged: bool = Field(
        description="false where the values do not converge monotonically: gci is then "
        "a bound (spread of the three, safety factor 3), not an estimate"
    )
    notes: list[str] = Field(default_factory=list)


class MeasuredRegionRecord(_Record):
    """Where dp/L was measured (``bedflow.cfd.MeasuredRegion``)."""

    z_min: Figure = Field(description="m; null when the solver measured no region")
    z_max: Figure = Field(description="m")
    porosity_from: str = Field(description="which porosity the correlations used")


class FlowRecord(_Record):
    """A flow result as stored and served (``bedflow.cfd.FlowResult``, SI units).

    Results stored before version 0007 of the schema lack what they did not record
    (``solver_version`` empty; ``iterations``, ``converged``, ``region`` null).
    """

    solver: str = Field(examples=["lbm"])
    solver_version: str = ""
    superficial_velocity: Figure = Field(None, description="m/s")
    particle_reynolds: Figure = Field(None, description="rho u d / mu")
    pressure_drop_per_length: Figure = Field(None, description="Pa/m", examples=[152.3])
    permeability: Figure = Field(None, description="apparent Darcy permeability, m2")
    friction_factor: Figure = Field(None, description="Ergun's friction factor")
    porosity: Figure = Field(None, description="of the simulated domain", examples=[0.41])
    particle_diameter: Figure = Field(None, description="the diameter the flow saw, m")
    correlations: Correlations = Field(
        default_factory=Correlations, description="dp/L each correlation predicts, Pa/m"
    )
    ratio_to_correlations: Correlations = Field(
        default_factory=Correlations, description="pressure_drop_per_length over each"
    )
    iterations: int | None = None
    converged: bool | None = None
    history: list[tuple[Figure, Figure]] = Field(
        default_factory=list, description="(iteration, relative change) per check"
    )
    timings: dict[str, Figure] = Field(default_factory=dict, description="s (and mlups)")
    domain: FlowDomainRecord = Field(default_factory=FlowDomainRecord)
    fields: dict[str, str] = Field(
        default_factory=dict, description="field files, relative to the run's folder"
    )
    notes: list[str] = Field(default_factory=list)
    uncertainty: GridConvergenceRecord | None = Field(
        None,
        description="the grid convergence study of this result; null means the numerical "
        "uncertainty is unknown (a single-resolution run), not that it is zero",
    )
    region: MeasuredRegionRecord | None = None

    @classmethod
    def of(cls, flow: FlowResult) -> FlowRecord:
        """The record of ``flow``: its :meth:`~bedflow.cfd.FlowResult.to_json`, validated."""
        return cls.model_validate(flow.to_json())

    def to_json(self) -> dict[str, object]:
        """The record as JSON (what ``FlowResult.from_json`` reads back)."""
        data: dict[str, object] = self.model_dump(mode="json")
        data["domain"] = self.domain.model_dump(mode="json", exclude_none=True)
        return data
