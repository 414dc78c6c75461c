"""`FlowResult` and the correlations every flow result is shown next to."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypedDict

from bedflow.cfd._correlations import (
    carman_kozeny_pressure_gradient,
    eisfeld_schnitzlein_pressure_gradient,
    ergun_friction_factor,
    ergun_pressure_gradient,
    particle_reynolds_number,
)
from bedflow.dsl import BedSpec

__all__ = ["FlowDomain", "FlowResult", "GridConvergence", "MeasuredRegion", "correlations_for"]


class FlowDomain(TypedDict, total=False):
    """Where and how a solver measured: each solver fills its own keys (SI units).

    lbm: ``slab_m`` (z of the measured slab, m), ``slab_from`` (bulk band, ...),
    ``buffer_m`` (bed simulated beyond each end), ``simulated_m``, ``cells`` (nz, ny, nx),
    ``cells_per_dp``, ``voxel_porosity``, ``geometric_porosity``, ``tau``, ``boundary``
    (``cfd.lbm_boundary``), ``boundary_links`` and ``interpolated_links`` (of them, those whose
    wall is not halfway between nodes), ``lattice_velocity``, ``simulated_velocity`` (m/s) and
    ``pressure_drop_per_length_at_simulated_velocity`` (Pa/m). openfoam: ``cells`` (count),
    ``mesh_check``, ``planes_m`` (z of the pressure planes), ``slab_from``, ``porosity_mesh``,
    ``porosity_geometric``, ``meshed_particle_diameter`` (m), ``patch_faces``,
    ``relative_change_of_dp``. correlation: ``slab_m`` (z of the slab whose porosity it
    used, absent when the bed is too shallow for one), ``slab_from``, ``porosity_from``.
    Every solver's slab is by default the same one (:mod:`bedflow.cfd._region`).
    """

    slab_m: list[float]
    slab_from: str
    buffer_m: float
    simulated_m: list[float]
    cells: int | list[int]
    cells_per_dp: int
    voxel_porosity: float
    geometric_porosity: float
    tau: float
    boundary: str
    boundary_links: int
    interpolated_links: int
    lattice_velocity: float
    simulated_velocity: float
    pressure_drop_per_length_at_simulated_velocity: float
    mesh_check: str
    planes_m: list[float]
    porosity_mesh: float
    porosity_geometric: float
    meshed_particle_diameter: float
    patch_faces: dict[str, int]
    relative_change_of_dp: float
    porosity_from: str


def correlations_for(
    spec: BedSpec,
    *,
    porosity: float,
    velocity: float,
    column_diameter: float,
    diameter: float | None = None,
) -> dict[str, float]:
    """Pressure drop per length (Pa/m) of the three correlations for this bed and flow."""
    c = spec.cfd
    d = spec.particles.diameter if diameter is None else diameter
    rho, mu = c.fluid_density, c.fluid_viscosity
    return {
        "ergun": float(ergun_pressure_gradient(u=velocity, eps=porosity, d=d, rho=rho, mu=mu)),
        "carman_kozeny": float(
            carman_kozeny_pressure_gradient(u=velocity, eps=porosity, d=d, mu=mu)
        ),
        "eisfeld_schnitzlein": float(
            eisfeld_schnitzlein_pressure_gradient(
                u=velocity, eps=porosity, d=d, rho=rho, mu=mu, D=column_diameter
            )
        ),
    }


@dataclass(frozen=True)
class GridConvergence:
    """The numerical uncertainty of a pressure drop from a three-grid convergence study.

    Roache's grid convergence index as the ASME procedure (Celik et al. 2008) computes it:
    ``cells_per_dp`` and ``values`` (Pa/m) are the three runs, finest first;
    ``observed_order`` is the apparent order p; ``extrapolated`` the Richardson-extrapolated
    dp/L (Pa/m); ``gci`` the fine-grid index as a fraction of the finest value, with
    ``safety_factor`` (1.25 for three grids); ``uncertainty`` is ``gci`` times the finest
    value, in Pa/m. ``converged`` is false where the three values do not converge
    monotonically (then ``gci`` is the spread of the three, with safety factor 3, a bound
    rather than an estimate, and ``notes`` says why).
    """

    cells_per_dp: tuple[float, float, float]
    values: tuple[float, float, float]
    observed_order: float
    extrapolated: float
    gci: float
    safety_factor: float
    uncertainty: float
    converged: bool
    notes: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GridConvergence:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}
        for name in ("cells_per_dp", "values", "notes"):
            if name in values:
                values[name] = tuple(math.nan if v is None else v for v in values[name])
        for name in ("observed_order", "extrapolated", "gci", "safety_factor", "uncertainty"):
            if values.get(name) is None:
                values[name] = math.nan
        return cls(**values)


@dataclass(frozen=True)
class MeasuredRegion:
    """Where a pressure drop was measured and where its porosity came from.

    ``z_min`` and ``z_max`` (m) bound the measured slab (lbm) or the pressure planes
    (openfoam); None when the solver measured no region of its own (the correlation solver
    reads the bed's porosity). ``porosity_from`` says which porosity the correlations used.
    """

    z_min: float | None
    z_max: float | None
    porosity_from: str


@dataclass(frozen=True)
class FlowResult:
    """The flow through a packed bed, in SI units.

    ``pressure_drop_per_length`` (Pa/m) is at ``superficial_velocity`` (m/s), the inlet
    velocity of the spec; ``permeability`` (m2) is the apparent Darcy permeability
    ``mu u / (dp/L)``; ``porosity`` is that of the simulated domain, the one the correlations
    use. ``history`` is the convergence history: (iteration, relative change) per check.
    ``uncertainty`` is the grid convergence study of this result, None for a single-resolution
    run, whose numerical uncertainty is unknown.
    """

    solver: str
    solver_version: str
    superficial_velocity: float
    particle_reynolds: float
    pressure_drop_per_length: float
    permeability: float
    friction_factor: float
    porosity: float
    particle_diameter: float
    correlations: dict[str, float]
    iterations: int
    converged: bool
    history: tuple[tuple[float, float], ...]
    timings: dict[str, float]
    domain: FlowDomain = field(default_factory=lambda: FlowDomain())
    fields: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    uncertainty: GridConvergence | None = None

    @classmethod
    def from_pressure_drop(
        cls,
        spec: BedSpec,
        *,
        solver: str,
        solver_version: str,
        pressure_drop_per_length: float,
        porosity: float,
        column_diameter: float,
        particle_diameter: float | None = None,
        **extra: Any,
    ) -> FlowResult:
        """A result whose derived figures (Re, k, f, correlations) follow from dp/L.

        ``particle_diameter`` is the diameter the flow actually saw (default the spec's; a
        mesh of slightly shrunk spheres gives its own).
        """
        c = spec.cfd
        d = spec.particles.diameter if particle_diameter is None else particle_diameter
        u = c.inlet_velocity
        return cls(
            solver=solver,
            solver_version=solver_version,
            superficial_velocity=u,
            particle_reynolds=float(
                particle_reynolds_number(u=u, d=d, rho=c.fluid_density, mu=c.fluid_viscosity)
            ),
            pressure_drop_per_length=pressure_drop_per_length,
            permeability=c.fluid_viscosity * u / pressure_drop_per_length,
            friction_factor=float(
                ergun_friction_factor(
                    pressure_gradient=pressure_drop_per_length,
                    u=u,
                    eps=porosity,
                    d=d,
                    rho=c.fluid_density,
                )
            ),
            porosity=porosity,
            particle_diameter=d,
            correlations=correlations_for(
                spec, porosity=porosity, velocity=u, column_diameter=column_diameter, diameter=d
            ),
            **extra,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlowResult:
        """The result :meth:`to_json` wrote (null figures come back as NaN).

        >>> r = FlowResult.from_json(result.to_json())  # doctest: +SKIP
        """
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        for name in _FLOATS:
            if values.get(name) is None:
                values[name] = math.nan
        values["history"] = tuple(
            (math.nan if a is None else a, math.nan if b is None else b)
            for a, b in values.get("history", ())
        )
        values["notes"] = tuple(values.get("notes", ()))
        values["correlations"] = {
            k: math.nan if v is None else v for k, v in values.get("correlations", {}).items()
        }
        if values.get("uncertainty") is not None:
            values["uncertainty"] = GridConvergence.from_json(values["uncertainty"])
        return cls(**values)

    @property
    def ratio_to_correlations(self) -> dict[str, float]:
        """dp/L over each correlation's prediction: the one place these ratios are computed."""
        return {
            name: self.pressure_drop_per_length / value if value else math.nan
            for name, value in self.correlations.items()
        }

    @property
    def region(self) -> MeasuredRegion:
        """Where dp/L was measured, read from ``domain``: the one place this is worked out."""
        d = self.domain
        if "slab_m" in d:
            lo, hi = d["slab_m"]
            where = d.get("slab_from", "")
            return MeasuredRegion(lo, hi, f"slab ({where})" if where else "slab")
        if "planes_m" in d:
            lo, hi = d["planes_m"]
            where = d.get("slab_from", "")
            text = "meshed particles between the pressure planes"
            return MeasuredRegion(lo, hi, f"{text} ({where})" if where else text)
        return MeasuredRegion(None, None, d.get("porosity_from", ""))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN becomes null), with the derived figures: each correlation's
        ratio to the result and the measured region."""
        data = asdict(self)
        data["ratio_to_correlations"] = self.ratio_to_correlations
        data["region"] = asdict(self.region)
        clean: dict[str, Any] = _finite(data)
        return clean


_FLOATS = (
    "superficial_velocity",
    "particle_reynolds",
    "pressure_drop_per_length",
    "permeability",
    "friction_factor",
    "porosity",
    "particle_diameter",
)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
