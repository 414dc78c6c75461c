"""`BedSpec`: the single in-memory description of a packed bed, in SI units.

Every section of the `.bed` language is one pydantic model here; every key is one field with
a default, a description and (for physical quantities) its SI unit. The language reference in
``docs/bed-language.md`` and the JSON Schema are generated from these models.

>>> spec = BedSpec(bed=ColumnSpec(diameter=0.05), particles=ParticleSpec(diameter=0.005, count=100))
>>> round(spec.bed.diameter / spec.particles.diameter)
10
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bedflow.constants import (
    KEPLER_SOLID_FRACTION,
    MAX_COLUMN_SIZE,
    MAX_PARTICLE_COUNT,
    MAX_PARTICLE_SIZE,
    MAX_POURED_SOLID_FRACTION,
    MAX_TARGET_POROSITY,
    MIN_PARTICLE_SIZE,
    RE_P_LAMINAR_LIMIT,
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
    format_quantity,
)

__all__ = [
    "SECTIONS",
    "BedSpec",
    "CfdSpec",
    "ColumnSpec",
    "ExportSpec",
    "LidsSpec",
    "MeshLevels",
    "PackingSpec",
    "ParticleSpec",
    "SpecProblem",
    "canonical_json",
    "spec_hash",
]

LidType = Literal["flat", "hemispherical", "none"]
ParticleKind = Literal["sphere", "cylinder", "cube"]
PackingMethod = Literal["auto", "dem", "rigid_body", "blender", "hexagonal_3d", "spherical_packing"]
ExportFormat = Literal["stl", "stl_binary", "stl_ascii", "obj", "ply", "glb", "gltf", "blend"]
Solver = Literal["lbm", "openfoam", "correlation"]
Regime = Literal["laminar", "turbulent_rans"]
TurbulenceModel = Literal["k_epsilon", "realizable_k_epsilon", "k_omega", "k_omega_sst"]

ORDERED_METHODS = ("hexagonal_3d", "spherical_packing")
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"
"""Names: printable text on one line, no control characters."""
TEXT = r"^[^\x00-\x08\x0b-\x1f\x7f]*$"
"""Descriptions: printable text, tabs and line breaks allowed."""


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
        description="Name of the wall material (recorded, used for rendering).",
        min_length=1,
        max_length=100,
        pattern=ONE_LINE,
    )
    roughness: float = quantity(0.0, LENGTH, "Equivalent sand-grain roughness of the wall.", ge=0)

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
    max_time: float = quantity(
        10.0,
        TIME,
        "Simulated time after which the pour stops, settled or not (an unsettled bed is flagged).",
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


class MeshLevels(_Section):
    """Refinement levels of the OpenFOAM mesh (snappyHexMesh)."""

    walls: int = Field(3, description="Refinement level at the column wall.", ge=0, le=10)
    particles: int = Field(2, description="Refinement level at particle surfaces.", ge=0, le=10)


class CfdSpec(_Section):
    """The flow through the bed and how it is solved."""

    solver: Solver = Field(
        "lbm",
        description="Flow solver: built-in lattice-Boltzmann `lbm`, "
        "`openfoam`, or engineering `correlation`s only.",
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
    yplus_target: float = Field(
        1.0, description="Target y+ of the first cell at walls (turbulent runs).", gt=0
    )
    mesh_levels: MeshLevels = Field(
        default_factory=MeshLevels, description="snappyHexMesh refinement levels."
    )

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


class SpecProblem(BaseModel):
    """A cross-field problem (or advisory) found in a spec, about the field at ``path``."""

    model_config = ConfigDict(frozen=True)

    path: tuple[str, ...]
    message: str


class BedSpec(BaseModel):
    """A packed bed: the column, its lids, the particles, the pour, the exports and the flow.

    ``bed`` and ``particles`` are required; every other section and every key has a default.
    Values are SI. Cross-field rules (particle fits the column, count fits the volume, ...)
    are checked on construction; :meth:`advisories` lists what is legal but suspicious.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(
        "bed", description="Name of the bed.", min_length=1, max_length=200, pattern=ONE_LINE
    )
    description: str = Field(
        "", description="Free text describing the bed.", max_length=10_000, pattern=TEXT
    )
    bed: ColumnSpec = Field(description="The column.")
    lids: LidsSpec = Field(default_factory=LidsSpec, description="The lids.")
    particles: ParticleSpec = Field(description="The particles.")
    packing: PackingSpec = Field(default_factory=PackingSpec, description="The pour.")
    export: ExportSpec = Field(default_factory=ExportSpec, description="The exports.")
    cfd: CfdSpec = Field(default_factory=CfdSpec, description="The flow.")

    @model_validator(mode="after")
    def _check_physics(self, info: ValidationInfo) -> BedSpec:
        problems = self.problems()
        collector = info.context.get("problems") if isinstance(info.context, dict) else None
        if isinstance(collector, list):
            collector.extend(problems)
        elif problems:
            raise PydanticCustomError(
                "bed_physics",
                "{message}",
                {"message": "; ".join(f"{'.'.join(p.path)}: {p.message}" for p in problems)},
            )
        return self

    # -- derived quantities ---------------------------------------------------------------

    @property
    def inner_height(self) -> float:
        """Free height inside the column, m: `height` less the flat lids' thicknesses."""
        h = self.bed.height
        if self.lids.top_type == "flat":
            h -= self.lids.top_thickness
        if self.lids.bottom_type == "flat":
            h -= self.lids.bottom_thickness
        return h

    @property
    def column_volume(self) -> float:
        """Volume available to the particles (the cylinder or box part), m3."""
        return self.bed.cross_section * self.inner_height

    @property
    def packing_method(self) -> PackingMethod:
        """The packing engine used: `method`, with `auto` resolved by particle kind."""
        if self.packing.method != "auto":
            return self.packing.method
        return "dem" if self.particles.kind == "sphere" else "rigid_body"

    @property
    def max_solid_fraction(self) -> float:
        """Densest solid fraction reachable by this bed's packing method and particle kind."""
        if self.packing_method in ORDERED_METHODS:
            return KEPLER_SOLID_FRACTION
        return MAX_POURED_SOLID_FRACTION[self.particles.kind]

    @property
    def particle_reynolds(self) -> float:
        """Particle Reynolds number rho u d / mu of the inlet flow (dimensionless)."""
        c = self.cfd
        return c.fluid_density * c.inlet_velocity * self.particles.diameter / c.fluid_viscosity

    # -- rules ----------------------------------------------------------------------------

    def problems(self) -> list[SpecProblem]:
        """Every cross-field rule this spec breaks, each with the field it is about."""
        out: list[SpecProblem] = []

        def fail(path: str, message: str) -> None:
            out.append(SpecProblem(path=tuple(path.split(".")), message=message))

        col, lids, part = self.bed, self.lids, self.particles
        d = part.diameter
        if col.shape == "cylinder":
            for key in ("width", "depth"):
                if getattr(col, key) is not None:
                    fail(f"bed.{key}", f"'{key}' applies to a box column only (shape = box)")
        if part.kind != "cylinder" and part.length is not None:
            fail("particles.length", "'length' applies to cylinder particles only")

        lid_sum = sum(
            t
            for kind, t in (
                (lids.top_type, lids.top_thickness),
                (lids.bottom_type, lids.bottom_thickness),
            )
            if kind != "none"
        )
        if lid_sum >= col.height:
            fail(
                "lids.top_thickness",
                f"the lids ({_m(lid_sum)} together) must be thinner "
                f"than the column height {_m(col.height)}",
            )
            return out  # the volume checks below need a positive inner height

        narrowest = min(col.inner_width, col.inner_depth)
        smallest = min(d, part.length) if part.length is not None else d
        if smallest + 2 * col.clearance >= narrowest:
            gap = f" plus a clearance of {_m(col.clearance)} each side" if col.clearance else ""
            fail(
                "particles.diameter",
                f"a particle of {_m(smallest)}{gap} does not fit in a column {_m(narrowest)} wide",
            )
        tallest = max(d, part.length) if part.length is not None else d
        if tallest >= self.inner_height:
            fail(
                "particles.diameter",
                f"a particle of {_m(tallest)} does not fit in the "
                f"column's free height of {_m(self.inner_height)}",
            )

        if mass_and_density_disagree(part):
            fail(
                "particles.mass",
                f"mass {format_quantity(part.particle_mass, MASS)} and "
                f"density {format_quantity(part.density, DENSITY)} disagree: the volume gives "
                f"{format_quantity(part.density * part.volume, MASS)}; give one of them",
            )

        phi_max = self.max_solid_fraction
        if part.count is not None:
            solid = part.count * part.volume / self.column_volume
            if solid > phi_max:
                most = math.floor(phi_max * self.column_volume / part.volume)
                fail(
                    "particles.count",
                    f"{part.count} particles fill {solid:.0%} of the column "
                    f"volume, more than the {phi_max:.0%} a {self.packing_method} packing of "
                    f"{part.kind}s can reach; at most {most} fit",
                )
        if part.target_porosity is not None:
            lowest = 1.0 - phi_max
            if not lowest <= part.target_porosity <= MAX_TARGET_POROSITY:
                fail(
                    "particles.target_porosity",
                    f"target porosity {part.target_porosity:g} is "
                    f"outside the reachable range {lowest:.2f} to {MAX_TARGET_POROSITY:g} for a "
                    f"{self.packing_method} packing of {part.kind}s (below {lowest:.2f} is denser "
                    f"than {'Kepler' if phi_max == KEPLER_SOLID_FRACTION else 'random close'} "
                    "packing)",
                )

        method = self.packing_method
        if part.kind != "sphere" and method in ("dem", *ORDERED_METHODS):
            fail(
                "packing.method",
                f"method {method} packs spheres only; use rigid_body or blender for {part.kind}s",
            )
        if not any(self.packing.gravity):
            fail("packing.gravity", "gravity must not be zero: particles are poured")

        cfd = self.cfd
        if cfd.regime == "laminar" and cfd.turbulence_model is not None:
            fail("cfd.turbulence_model", "a turbulence model needs regime = turbulent_rans")
        if cfd.solver == "lbm" and cfd.regime != "laminar":
            fail(
                "cfd.regime",
                "the lbm solver resolves laminar flow only; use solver = "
                "openfoam for turbulent_rans",
            )
        return out

    def advisories(self) -> list[SpecProblem]:
        """Legal but suspicious settings, to be shown as warnings."""
        out: list[SpecProblem] = []
        part = self.particles
        if part.count is not None and part.target_porosity is not None:
            out.append(
                SpecProblem(
                    path=("particles", "target_porosity"),
                    message=f"both count and target_porosity are given: count ({part.count}) "
                    "decides how many particles are poured; target_porosity is only compared "
                    "against the packed bed",
                )
            )
        re_p = self.particle_reynolds
        if self.cfd.regime == "laminar" and re_p > RE_P_LAMINAR_LIMIT:
            out.append(
                SpecProblem(
                    path=("cfd", "inlet_velocity"),
                    message=f"particle Reynolds number {re_p:.0f} is above "
                    f"~{RE_P_LAMINAR_LIMIT:.0f}, where packed-bed flow becomes turbulent; "
                    "consider regime = turbulent_rans",
                )
            )
        return out


def mass_and_density_disagree(part: ParticleSpec) -> bool:
    """True when both mass and density were given and differ by more than 0.1%."""
    if part.mass is None or "density" not in part.model_fields_set:
        return False
    return abs(part.mass - part.density * part.volume) > 1e-3 * part.mass


def _m(length: float) -> str:
    return format_quantity(length, LENGTH)


def canonical_json(spec: BedSpec) -> str:
    """The spec as canonical JSON: every field (defaults included), SI, sorted keys, no spaces."""
    return json.dumps(
        spec.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def spec_hash(spec: BedSpec) -> str:
    """sha256 (hex) of the canonical JSON of everything that shapes the bed and its flow.

    ``name`` and ``description`` are left out: renaming a bed does not change what is packed
    or simulated, so cached artifacts stay valid.
    """
    data = spec.model_dump(mode="json", exclude={"name", "description"})
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
