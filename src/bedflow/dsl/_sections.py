"""The sections of a `.bed` file as pydantic models: one field per key, SI units.

Every key has a default, a description and (for physical quantities) its SI unit in the JSON
Schema; the language reference in ``docs/bed-language.md`` is generated from these models.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    JsonValue,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from bedflow._registry import EXPORT_FORMATS, PACKING_ENGINES, SOLVERS, Registry
from bedflow.constants import (
    MAX_COLUMN_SIZE,
    MAX_PARTICLE_COUNT,
    MAX_PARTICLE_SIZE,
    MIN_PARTICLE_SIZE,
    STANDARD_GRAVITY,
)
from bedflow.dsl._units import (
    ACCELERATION,
    DENSITY,
    LENGTH,
    MASS,
    TIME,
    VELOCITY,
    VISCOSITY,
    Dimension,
)

__all__ = [
    "DEPRECATED",
    "ORDERED_METHODS",
    "SECTIONS",
    "CfdSpec",
    "ColumnSpec",
    "ExportSpec",
    "LidsSpec",
    "MeshLevels",
    "PackingMethod",
    "PackingSpec",
    "ParticleSpec",
    "Registered",
    "quantity",
    "registered",
]

LidType = Literal["flat", "hemispherical", "none"]
ParticleKind = Literal["sphere", "cylinder", "cube"]


@dataclass(frozen=True)
class Registered:
    """Marks a key whose values are the names in a registry (``bedflow._registry``), plus
    ``also``: the names of the plugins installed where the spec is read, so a plugin's name
    is accepted without the language knowing it.

    The JSON Schema gives them as an ``enum`` (so the schema of a server names its plugins);
    the generated reference lists the built-in names only, the same on every machine.
    """

    registry: Registry[Any]
    also: tuple[str, ...] = ()

    def choices(self) -> tuple[str, ...]:
        """Every accepted value: ``also``, the built-ins, then the installed plugins."""
        return (*self.also, *self.registry.names())

    def builtin_choices(self) -> tuple[str, ...]:
        """The values of bedflow itself."""
        return (*self.also, *self.registry.builtin_names())

    def _check(self, value: str) -> str:
        if value in self.also or value in self.registry:
            return value
        raise PydanticCustomError(
            "unknown_name",
            "unknown {kind} '{value}'",
            {"kind": self.registry.kind, "value": value, "choices": list(self.choices())},
        )

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["enum"] = list(self.choices())
        return out


def registered(info: FieldInfo) -> Registered | None:
    """The registry a key's values are named in (its own, or its list items'), if any."""
    for meta in info.metadata:
        if isinstance(meta, Registered):
            return meta
    for arg in getattr(info.annotation, "__args__", ()):
        for meta in getattr(arg, "__metadata__", ()):
            if isinstance(meta, Registered):
                return meta
    return None


PackingMethod = Annotated[str, Registered(PACKING_ENGINES, also=("auto",))]
ExportFormat = Annotated[str, Registered(EXPORT_FORMATS)]
Solver = Annotated[str, Registered(SOLVERS)]
Regime = Literal["laminar", "turbulent_rans"]
TurbulenceModel = Literal["k_epsilon", "realizable_k_epsilon", "k_omega", "k_omega_sst"]

ORDERED_METHODS = ("hexagonal_3d", "spherical_packing")
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
"""Names: printable text on one line, no control characters."""
TEXT = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"
"""Descriptions: printable text, tabs and line breaks allowed."""


DEPRECATED: dict[str, JsonValue] = {"deprecated": True}
"""The schema mark of a key kept so that old files still check, but that has no effect: the
compiler notes it where it is written (its value stays in the spec, so spec hashes hold)."""


def quantity(default: Any, dim: Dimension, description: str, **constraints: Any) -> Any:
    """A field holding a physical quantity in SI units; ``dim`` is recorded in the schema."""
    return Field(
        default, description=description, json_schema_extra={"unit": dim.si}, **constraints
    )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class ColumnSpec(_Section):
    """The column (container) the particles are poured into."""

    shape: Literal["cylinder", "box"] = Field(
        "cylinder", description="Cross-section of the column: a cylinder or a rectangular box."
    )
    diameter: float = quantity(
        0.05,
        LENGTH,
        "Inner diameter of a cylindrical column (width and depth of a box unless those are given).",
        gt=0,
        le=MAX_COLUMN_SIZE,
    )
    width: float | None = quantity(
        None,
        LENGTH,
        "Inner width (x) of a box column; defaults to `diameter`. Box only.",
        gt=0,
        le=MAX_COLUMN_SIZE,
    )
    depth: float | None = quantity(
        None,
        LENGTH,
        "Inner depth (y) of a box column; defaults to `diameter`. Box only.",
        gt=0,
        le=MAX_COLUMN_SIZE,
    )
    height: float = quantity(
        0.1,
        LENGTH,
        "Length of the column between its two ends; flat lids sit inside it.",
        gt=0,
        le=MAX_COLUMN_SIZE,
    )
    wall_thickness: float = quantity(0.002, LENGTH, "Thickness of the column wall.", ge=0)
    clearance: float = quantity(
        0.0, LENGTH, "Gap kept free between the particles and the wall and lids.", ge=0
    )
    material: str = Field(
        "steel",
        description="Deprecated, has no effect: nothing reads the wall material's name.",
        min_length=1,
        max_length=100,
        pattern=ONE_LINE,
        json_schema_extra=DEPRECATED,
    )
    roughness: float = Field(
        0.0,
        description="Deprecated, has no effect: every solver treats the wall as smooth.",
        ge=0,
        json_schema_extra={"unit": LENGTH.si, **DEPRECATED},
    )

    @property
    def inner_width(self) -> float:
        """Width (x) of the column interior, m."""
        return self.diameter if self.shape == "cylinder" or self.width is None else self.width

    @property
    def inner_depth(self) -> float:
        """Depth (y) of the column interior, m."""
        return self.diameter if self.shape == "cylinder" or self.depth is None else self.depth

    @property
    def cross_section(self) -> float:
        """Area of the column's inner cross-section, m2."""
        if self.shape == "cylinder":
            return math.pi * self.diameter**2 / 4.0
        return self.inner_width * self.inner_depth


class LidsSpec(_Section):
    """The lids closing the column's ends."""

    top_type: LidType = Field("flat", description="Shape of the top lid.")
    bottom_type: LidType = Field("flat", description="Shape of the bottom lid.")
    top_thickness: float = quantity(0.002, LENGTH, "Thickness of the top lid.", ge=0)
    bottom_thickness: float = quantity(0.002, LENGTH, "Thickness of the bottom lid.", ge=0)
    seal_clearance: float = quantity(
        0.0, LENGTH, "Radial gap between a lid and the column wall.", ge=0
    )


class ParticleSpec(_Section):
    """The particles: their shape, size, number and material."""

    kind: ParticleKind = Field("sphere", description="Particle shape (`shape` is an alias).")
    diameter: float = quantity(
        0.005,
        LENGTH,
        "Sphere or cylinder diameter, or cube edge length.",
        ge=MIN_PARTICLE_SIZE,
        le=MAX_PARTICLE_SIZE,
    )
    length: float | None = quantity(
        None,
        LENGTH,
        "Length of a cylinder particle; defaults to `diameter`. Cylinder only.",
        ge=MIN_PARTICLE_SIZE,
        le=MAX_PARTICLE_SIZE,
    )
    count: int | None = Field(
        None,
        description="Number of particles to pour. When both `count` and "
        "`target_porosity` are given, `count` decides and the porosity is the target the "
        "packing is compared against. With neither, the column is filled to its top.",
        ge=1,
        le=MAX_PARTICLE_COUNT,
    )
    target_porosity: float | None = Field(
        None,
        description="Pour until the bed reaches this porosity (void fraction, 0-1).",
        gt=0,
        lt=1,
    )
    density: float = quantity(2500.0, DENSITY, "Density of the particle material.", gt=0)
    mass: float | None = quantity(
        None, MASS, "Mass of one particle; defaults to density times volume.", gt=0
    )
    restitution: float = Field(
        0.5,
        description="Coefficient of restitution of a collision (0 = plastic, 1 = elastic).",
        ge=0,
        le=1,
    )
    friction: float = Field(0.5, description="Coulomb friction coefficient.", ge=0, le=10)
    rolling_friction: float = Field(
        0.0, description="Rolling friction coefficient (dimensionless).", ge=0, le=10
    )
    linear_damping: float = Field(
        0.04,
        description="Fraction of linear velocity lost per second (rigid-body engines).",
        ge=0,
        le=1,
    )
    angular_damping: float = Field(
        0.1,
        description="Fraction of angular velocity lost per second (rigid-body engines).",
        ge=0,
        le=1,
    )
    seed: int = Field(
        0,
        description="Seed of the random pour; the same seed gives the same bed.",
        ge=0,
        le=2**32 - 1,
    )

    @property
    def volume(self) -> float:
        """Volume of one particle, m3."""
        d = self.diameter
        if self.kind == "sphere":
            return math.pi * d**3 / 6.0
        if self.kind == "cube":
            return d**3
        return math.pi * d**2 / 4.0 * (self.length if self.length is not None else d)

    @property
    def particle_mass(self) -> float:
        """Mass of one particle, kg: `mass` when given, else density times volume."""
        return self.mass if self.mass is not None else self.density * self.volume

    @property
    def particle_density(self) -> float:
        """Density of the particle material, kg/m3, consistent with `particle_mass`."""
        return self.particle_mass / self.volume


class PackingSpec(_Section):
    """How the particles are poured and settled."""

    method: PackingMethod = Field(
        "auto",
        description="Packing engine: `dem` (soft-sphere DEM), `rigid_body` (Bullet), "
        "`blender`, or the ordered `hexagonal_3d` and `spherical_packing`. `auto` picks `dem` "
        "for spheres and `rigid_body` for other shapes.",
    )
    gravity: tuple[float, float, float] = quantity(
        (0.0, 0.0, -STANDARD_GRAVITY),
        ACCELERATION,
        "Gravity vector; a single number is taken as its vertical (z) component.",
    )
    substeps: int = Field(
        10, description="Physics substeps per frame (rigid-body engines).", ge=1, le=1000
    )
    iterations: int = Field(
        10, description="Constraint-solver iterations (rigid-body engines).", ge=1, le=1000
    )
    damping: float = Field(
        0.1, description="Extra velocity damping while settling (0-1).", ge=0, le=1
    )
    rest_velocity: float = quantity(
        0.002,
        VELOCITY,
        "A particle slower than this is at rest; the pour ends when all are.",
        gt=0,
    )
    max_time: float | None = quantity(
        None,
        TIME,
        "Simulated time after which the pour stops. A bed still moving then is flagged; a pour "
        "with particles not yet in the bed fails. Unset: chosen by the engine from the "
        "height of the bed (at least 10 s), so it grows with the particle count.",
        gt=0,
    )
    collision_margin: float | None = quantity(
        None,
        LENGTH,
        "Collision margin of rigid-body engines; defaults to 1% of the particle "
        "diameter (Bullet's absolute default of 4 cm would swamp millimetre particles).",
        ge=0,
    )

    @field_validator("gravity", mode="before")
    @classmethod
    def _scalar_gravity(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0.0, 0.0, float(value))
        return value


def _default_formats() -> list[ExportFormat]:
    return ["stl"]


class ExportSpec(_Section):
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


class MeshLevels(_Section):
    """Refinement levels of the OpenFOAM mesh (snappyHexMesh)."""

    walls: int = Field(3, description="Refinement level at the column wall.", ge=0, le=10)
    particles: int = Field(2, description="Refinement level at particle surfaces.", ge=0, le=10)


class CfdSpec(_Section):
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
        12,
        description="Grid cells per particle diameter (the LBM resolution study in "
        "docs/flow.md puts 12 within 2% of 20).",
        ge=2,
        le=200,
    )
    lbm_boundary: Literal["halfway", "cli", "bouzidi"] = Field(
        "halfway",
        description="How the `lbm` solver places walls. `halfway` (default): the staircase of "
        "voxels (halfway bounce-back, first order). `cli`: each sphere and the column wall "
        "where they cut the lattice (central linear interpolated bounce-back; second order on "
        "curved walls, independent of the viscosity); at small lattice viscosities (tau near "
        "0.51: fast flow at few cells per diameter) it may not settle below a tolerance of "
        "1e-4. `bouzidi`: the "
        "same by Bouzidi-Firdaouss-Lallemand's interpolation, whose result depends on the "
        "viscosity. Non-spherical particles are always staircase. See docs/flow.md, "
        "Verification.",
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
        0,
        description="Prism layers snappyHexMesh adds at the particles and the column wall "
        "(openfoam only; 0: none). Two layers at 26 cells/d give the pressure drop of 40 "
        "cells/d without layers, at less cost (docs/flow.md).",
        ge=0,
        le=10,
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


SECTIONS: dict[str, type[_Section]] = {
    "bed": ColumnSpec,
    "lids": LidsSpec,
    "particles": ParticleSpec,
    "packing": PackingSpec,
    "export": ExportSpec,
    "cfd": CfdSpec,
}
