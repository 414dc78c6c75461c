"""`BedSpec`: the single in-memory description of a packed bed, in SI units.

It gathers the sections (``bedflow.dsl._sections``), checks the rules across them on
construction, and lists what is legal but suspicious as advisories.

>>> spec = BedSpec(bed=ColumnSpec(diameter=0.05), particles=ParticleSpec(diameter=0.005, count=100))
>>> round(spec.bed.diameter / spec.particles.diameter)
10
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from bedflow.constants import (
    KEPLER_SOLID_FRACTION,
    MASS_DENSITY_ROUNDING,
    MASS_DENSITY_TOLERANCE,
    MAX_POURED_SOLID_FRACTION,
    MAX_TARGET_POROSITY,
    RE_P_LAMINAR_LIMIT,
)
from bedflow.dsl._sections import (
    ONE_LINE,
    ORDERED_METHODS,
    SECTIONS,
    TEXT,
    CfdSpec,
    ColumnSpec,
    ExportSpec,
    LidsSpec,
    MeshLevels,
    PackingMethod,
    PackingSpec,
    ParticleSpec,
)
from bedflow.dsl._units import DENSITY, LENGTH, MASS, format_quantity, rounded_quantity

__all__ = [
    "PACKING_SECTIONS",
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
    "packing_hash",
    "packing_sections",
    "spec_hash",
]


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
                f"the lids ({_rounded_m(lid_sum)} together) must be thinner "
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
                f"column's free height of {_rounded_m(self.inner_height)}",
            )

        if mass_and_density_mismatch(part) > MASS_DENSITY_TOLERANCE:
            fail("particles.mass", _mass_density_message(part, "disagree") + "; give one of them")

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
        if MASS_DENSITY_ROUNDING < mass_and_density_mismatch(part) <= MASS_DENSITY_TOLERANCE:
            out.append(
                SpecProblem(
                    path=("particles", "mass"),
                    message=_mass_density_message(part, "differ")
                    + f"; the mass decides (a density of "
                    f"{rounded_quantity(part.particle_density, DENSITY)})",
                )
            )
        for key in ("mesh_layers", "mesh_contacts"):
            if key in self.cfd.model_fields_set and self.cfd.solver != "openfoam":
                out.append(
                    SpecProblem(
                        path=("cfd", key),
                        message=f"{key} shapes the OpenFOAM mesh only; the {self.cfd.solver} "
                        "solver ignores it",
                    )
                )
        if "lbm_boundary" in self.cfd.model_fields_set and self.cfd.solver != "lbm":
            out.append(
                SpecProblem(
                    path=("cfd", "lbm_boundary"),
                    message=f"lbm_boundary places the walls of the lbm solver only; the "
                    f"{self.cfd.solver} solver ignores it",
                )
            )
        return out


def mass_and_density_mismatch(part: ParticleSpec) -> float:
    """Relative difference of the given `mass` and density times volume; 0 unless both given."""
    if part.mass is None or "density" not in part.model_fields_set:
        return 0.0
    return abs(part.mass - part.density * part.volume) / part.mass


def _mass_density_message(part: ParticleSpec, verb: str) -> str:
    mismatch = mass_and_density_mismatch(part)
    return (
        f"mass {rounded_quantity(part.particle_mass, MASS)} and density "
        f"{rounded_quantity(part.density, DENSITY)} {verb} by {mismatch:.1%}: "
        f"{rounded_quantity(part.density, DENSITY)} times the particle volume gives "
        f"{rounded_quantity(part.density * part.volume, MASS)}"
    )


def _m(length: float) -> str:
    return format_quantity(length, LENGTH)


def _rounded_m(length: float) -> str:
    """A derived length (a sum, a difference) without its float noise: 94 mm, not 93.99999."""
    return rounded_quantity(length, LENGTH, digits=4)


def canonical_json(spec: BedSpec) -> str:
    """The spec as canonical JSON: every field (defaults included), SI, sorted keys, no spaces."""
    return json.dumps(
        spec.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


_HASHED_WHEN_SET: dict[tuple[str, str], Any] = {
    ("cfd", "mesh_layers"): 2,  # the default since issue 13 (0 before)
    ("cfd", "mesh_contacts"): "bridges",
    ("cfd", "lbm_boundary"): "cli",  # the default since issue 13 (halfway before)
    ("export", "chord_error"): 0.005,
}
"""Keys added after hashes were first stored, with the value that leaves them out of the
hash (their default): a spec that does not use them keeps the hash it had before they
existed. A default that changes later keeps its entry at the new default, so stored beds keep
their hashes; caches key on the sections themselves, not on this hash."""


def spec_hash(spec: BedSpec) -> str:
    """sha256 (hex) of the canonical JSON of everything that shapes the bed and its flow.

    ``name`` and ``description`` are left out: renaming a bed does not change what is packed
    or simulated, so cached artifacts stay valid. So are the keys of ``_HASHED_WHEN_SET``
    while they hold their default.
    """
    data = spec.model_dump(mode="json", exclude={"name", "description"})
    for (section, key), default in _HASHED_WHEN_SET.items():
        if data[section][key] == default:
            del data[section][key]
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


PACKING_SECTIONS = ("bed", "lids", "particles", "packing")
"""The sections that shape a packing: two specs that agree on them pack the same bed."""


def packing_sections(spec: BedSpec) -> dict[str, Any]:
    """The JSON form of the :data:`PACKING_SECTIONS` of a spec (what a packing was made from)."""
    data: dict[str, Any] = spec.model_dump(mode="json", include=set(PACKING_SECTIONS))
    return data


def packing_hash(spec: BedSpec) -> str:
    """sha256 (hex) of the sections that shape the packing (:data:`PACKING_SECTIONS`).

    Unlike :func:`spec_hash` it ignores ``cfd`` and ``export``: one packing serves every
    solver and export of the same bed.

    >>> from bedflow import dsl
    >>> a = dsl.parse("bed { } particles { } cfd { solver = lbm }")
    >>> b = dsl.parse("bed { } particles { } cfd { solver = correlation }")
    >>> packing_hash(a) == packing_hash(b), spec_hash(a) == spec_hash(b)
    (True, False)
    """
    text = json.dumps(
        packing_sections(spec),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
