"""The sections of a `.bed` file that describe the bed: the column and its lids, the particles,
and how they are packed (see :mod:`bedflow.dsl._sections`)."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, field_validator

from bedflow.constants import (
    MAX_COLUMN_SIZE,
    MAX_PARTICLE_COUNT,
    MAX_PARTICLE_SIZE,
    MIN_PARTICLE_SIZE,
    STANDARD_GRAVITY,
)
from bedflow.dsl._keys import DEPRECATED, ONE_LINE, PackingMethod, Section, quantity
from bedflow.dsl._units import ACCELERATION, DENSITY, LENGTH, MASS, TIME, VELOCITY

__all__ = ["ORDERED_METHODS", "ColumnSpec", "LidsSpec", "PackingSpec", "ParticleSpec"]

LidType = Literal["flat", "hemispherical", "none"]
ParticleKind = Literal["sphere", "cylinder", "cube"]

ORDERED_METHODS = ("hexagonal_3d", "spherical_packing")
"""The packing engines that arrange spheres in a fixed order (layered hexagonal, concentric
rings) instead of pouring them."""


class ColumnSpec(Section):
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


class LidsSpec(Section):
    """The lids closing the column's ends."""

    top_type: LidType = Field("flat", description="Shape of the top lid.")
    bottom_type: LidType = Field("flat", description="Shape of the bottom lid.")
    top_thickness: float = quantity(0.002, LENGTH, "Thickness of the top lid.", ge=0)
    bottom_thickness: float = quantity(0.002, LENGTH, "Thickness of the bottom lid.", ge=0)
    seal_clearance: float = quantity(
        0.0, LENGTH, "Radial gap between a lid and the column wall.", ge=0
    )


class ParticleSpec(Section):
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


class PackingSpec(Section):
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
