"""The language reference (Markdown) and the JSON Schema, both generated from the spec models.

``docs/bed-language.md`` is the output of :func:`reference_markdown`; a test fails when the
committed file differs, so the reference cannot drift from the code.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bedflow.constants import MASS_DENSITY_ROUNDING, MASS_DENSITY_TOLERANCE
from bedflow.dsl._raw import MAX_ERRORS, VALUE_ALIASES
from bedflow.dsl._sections import registered
from bedflow.dsl._spec import SECTIONS, BedSpec
from bedflow.dsl._units import DIMENSIONS, format_quantity

__all__ = ["json_schema", "reference_markdown"]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`BedSpec` (draft 2020-12), units under each field's ``unit``."""
    schema = BedSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "BedSpec"
    return schema


def _type_name(ann: Any) -> str:
    origin = get_origin(ann)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in get_args(ann))
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(ann) if a is not type(None)]
        return _type_name(args[0]) if len(args) == 1 else " or ".join(_type_name(a) for a in args)
    if origin is list:
        return "list of " + _type_name(get_args(ann)[0]).replace("one of", "values from")
    if origin is tuple:
        return "vector (x, y, z)"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return "block `{ key = value; ... }`"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(ann, str(ann))


def _default(info: FieldInfo, unit: str | None) -> str:
    value = info.get_default(call_default_factory=True, validated_data={})
    if value is None:
        return "—"
    if isinstance(value, BaseModel):
        return "`{ " + " ".join(f"{k} = {v};" for k, v in value.model_dump().items()) + " }`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, tuple):
        return "`(" + ", ".join(f"{v:g}" for v in value) + f") {unit}`"
    if unit and isinstance(value, float):
        return f"`{format_quantity(value, DIMENSIONS[unit])}`"
    if isinstance(value, str):
        return f"`{value}`" if value else '`""`'
    return f"`{value}`"


def _limits(info: FieldInfo) -> str:
    parts = []
    for m in info.metadata:
        for attr, sym in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            v = getattr(m, attr, None)
            if v is not None:
                parts.append(f"{sym} {v:g}" if isinstance(v, float) else f"{sym} {v}")
    return ", ".join(parts)


def _table(model: type[BaseModel], lines: list[str]) -> None:
    lines.append("| key | type | unit | default | allowed | description |")
    lines.append("|---|---|---|---|---|---|")
    for key, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        found = extra.get("unit")
        unit = found if isinstance(found, str) else None
        desc = (info.description or "").replace("|", "\\|")
        named = registered(info)
        if named is None:
            kind = _type_name(info.annotation)
        else:
            kind = "list of values from " if get_origin(info.annotation) is list else "one of "
            kind += ", ".join(f"`{a}`" for a in named.builtin_choices())
        lines.append(
            f"| `{key}` | {kind} | {unit or '—'} | "
            f"{_default(info, unit)} | {_limits(info) or '—'} | {desc} |"
        )


_INTRO = """\
# The `.bed` language reference

<!-- Generated from the spec models by `make docs`; tests/dsl/test_reference.py fails
     when this file is stale. Do not edit by hand. -->

A `.bed` file describes one packed bed: the column, the lids, the particles, how they are
poured, what is exported and how the flow is solved. Every section and key is optional except
the `bed` and `particles` sections (which may be empty: `bed { }` takes every default).

```
// 5 mm glass spheres in a 50 mm column
name = "spheres-d10";

bed {
    diameter = 50 mm;
    height = 0.1 m;
}

particles {
    kind = sphere;              // bare enum values, or "sphere"
    diameter = 5mm;             // a unit with or without a space
    count = 1000
    density = 2500 kg/m3;
}

packing { gravity = (0, 0, -9.81) m/s2; }
export { formats = ["stl", "glb"]; }
cfd { inlet_velocity = 0.05 m/s; fluid_viscosity = 1.81e-5 Pa.s; mesh_levels = { walls = 3; }; }
```

## Syntax

- `key = value;` — the semicolon may be left out at the end of a line.
- Comments: `// to the end of the line` and `/* block */`.
- Strings in double quotes (`"glass"`, escapes `\\"`, `\\\\`, `\\n`, `\\t`); enum values also
  bare (`kind = sphere;`); booleans `true` / `false`; lists `["stl", "glb"]`.
- Numbers in decimal or scientific notation (`1e-6`, `1.8e-05`) with an optional unit on the
  same line, with or without a space (`0.05 m`, `5cm`, `2500 kg/m3`). A number without a unit
  is taken in the SI unit of its key.
- Vectors `(0, 0, -9.81) m/s2`; `gravity` also accepts a single number, its z component.
- Nested values: `mesh_levels = { walls = 3; particles = 2; };`.
- A section given twice is merged (`bed { diameter = 5 cm; } ... bed { height = 0.2 m; }`);
  a key set in both is an error that names the line where it was first set.
- A UTF-8 byte-order mark at the start of the file is skipped.
- The compact nested form is accepted too, with `geometry` for `bed` and `shape` for
  `particles.kind`: `bed NAME { geometry { diameter = 0.05m; } particles { shape = sphere; } }`.

## Units

Every value is converted to SI. A unit is a product of symbols with exponents, divided by
others: `mm`, `m/s2` (or `m/s²`, `m/s^2`), `kg/m3`, `g/cm3`, `Pa.s`, `mPa.s`. Symbols: `m`,
`g`, `s`, `min`, `h`, `Pa`, `N`, `P` (poise), with prefixes `G M k c m u µ n`. A value whose unit
has the wrong dimension for its key (a diameter in `kg/m3`) is an error.

## Rules checked across keys

- A particle fits the column: its diameter (plus `clearance` on both sides) is smaller than
  the column's width, and it is shorter than the free height (`height` less flat lids).
- The lids together are thinner than `height`.
- `count` particles fit: their volume is at most the densest solid fraction reachable, 0.64
  for a random pour of spheres (random close packing), 0.74 for ordered arrangements.
- `target_porosity` lies between 1 − that fraction and 0.95.
- `mass` and `density` agree when both are given: within {rounding} silently (a mass written
  to three digits), within {tolerance} with a warning (the mass decides), beyond that it is an
  error;
  `length` is for cylinder particles only; `width` and `depth` for box columns only.
- `dem`, `hexagonal_3d` and `spherical_packing` pack spheres only; `lbm` is laminar only; a
  turbulence model needs `regime = turbulent_rans`.
- Warnings: `count` and `target_porosity` both given (`count` decides); laminar flow at a
  particle Reynolds number above 300; `mesh_layers` with a solver other than `openfoam`;
  `lbm_boundary` with a solver other than `lbm`.
- Checking stops after {max_errors} errors, with one last line saying so, as compilers do.

## Engines and solvers check the bed too

`packing.method`, `cfd.solver` and `export.formats` take the names of bedflow's engines,
solvers and formats listed above, and those of plugins installed where the file is read
(packages that register them through entry points; see the README). Each engine and solver
also checks the bed itself before any work: `bedflow check`, `simulate` and `run`, and a
job's submission report what it would refuse at the key's line, e.g. `openfoam` below 8
`cells_per_dp` (snappyHexMesh closes pores), `lbm` at a particle Reynolds number too high
for its `cells_per_dp`, `rigid_body` and the others by the shapes they pack.
"""


ORIGINAL_DEFAULTS: tuple[tuple[str, str, str], ...] = (
    (
        "bed.clearance",
        "`10 mm`",
        "The gap is kept on every side: 10 mm would leave 5 mm particles a 5 mm wide strip of a "
        "25 mm column. None unless asked for.",
    ),
    (
        "lids.top_thickness",
        "`3 mm`",
        "The default `wall_thickness`, so that a default column has one wall thickness all round.",
    ),
    ("lids.bottom_thickness", "`3 mm`", "As `top_thickness`."),
    (
        "lids.seal_clearance",
        "`1 mm`",
        "A gap between lid and wall is a path for the flow around the bed; none unless asked for.",
    ),
    (
        "particles.count",
        "`100`",
        "A count suits one column size only; with neither `count` nor `target_porosity` the "
        "column is filled to its top.",
    ),
    (
        "particles.target_porosity",
        "`0.4`",
        "The porosity is what the pour gives; a target is only compared against it when asked "
        "for (with `count` given too, `count` decides).",
    ),
    (
        "particles.mass",
        "`0.0 g` (computed)",
        "Same meaning: density times volume. `mass = 0 g` is read as not set, with a note.",
    ),
    (
        "particles.restitution",
        "`0.3`",
        "A middle value for the DEM pour; write `restitution = 0.3` to pour as the original did.",
    ),
    (
        "particles.rolling_friction",
        "`0.1`",
        "Rolling resistance holds particles in looser arrangements; off unless asked for.",
    ),
    ("particles.linear_damping", "`0.1`", "Blender's rigid-body default."),
    (
        "particles.seed",
        "`42`",
        "Any fixed seed makes the pour reproducible; write `seed = 42` to repeat a bed of the "
        "original.",
    ),
    (
        "packing.method",
        "`rigid_body`",
        "`auto` picks `dem` for spheres and `rigid_body` for other shapes.",
    ),
    (
        "packing.rest_velocity",
        "`10 mm/s`",
        "At 10 mm/s a 5 mm particle still moves two diameters a second: not at rest.",
    ),
    (
        "packing.max_time",
        "`5 s`",
        "A tall pour does not settle in 5 s of simulated time: the time grows with the bed, and a "
        "pour that ends with particles not yet in the bed fails.",
    ),
    (
        "packing.collision_margin",
        "`1 mm`",
        "1 mm is a fifth of a 5 mm particle; a margin relative to the particle fits every size.",
    ),
    ("export.formats", '`["stl_binary"]`', "`stl` is binary STL too."),
    (
        "export.wall_mode",
        "`surface`",
        "A solid wall of `wall_thickness` is the column as built; `surface` remains available.",
    ),
    (
        "export.merge_distance",
        "`1 mm`",
        "1 mm merges neighbouring vertices of millimetre particles into one another.",
    ),
    (
        "cfd.inlet_velocity",
        "`0.1 m/s`",
        "Keeps the default bed in creeping flow (Re_p = 3.3 in air), where the `lbm` solver and "
        "Ergun's correlation apply; 0.1 m/s of water through 5 mm particles is Re_p = 500.",
    ),
    (
        "cfd.fluid_density",
        "`1.225 kg/m3`",
        "Air at 20 °C, as the viscosity; 1.225 kg/m3 is air at 15 °C (ISA sea level).",
    ),
    ("cfd.fluid_viscosity", "`1.8e-5 Pa.s`", "Air at 20 °C, to three digits."),
    (
        "cfd.max_iterations",
        "`1000`",
        "The `lbm` solver counts lattice time steps, of which it needs thousands to converge.",
    ),
    (
        "cfd.convergence_criteria",
        "`1e-6`",
        "bedflow's criterion is the relative change of the pressure drop, not a residual; 1e-4 "
        "of the pressure drop is below what a packed bed is measured to.",
    ),
)
"""Keys whose default differs from the original `.bed` format's: (key, its default there, why).

The original's defaults are those of its ANTLR compiler, ``dsl/compiler/
bed_compiler_antlr_standalone.py`` in github.com/bengo501/BEDFLOW-ATLAS, which its templates
and committed beds were written for."""

_UNSET_MEANS = {
    "particles.count": "not set: the column is filled",
    "particles.target_porosity": "not set",
    "particles.mass": "not set: density times volume",
    "packing.collision_margin": "not set: 1% of the particle diameter",
    "packing.max_time": "not set: chosen by the engine from the bed's height, at least 10 s",
}

_ORIGINAL_INTRO = """## Coming from the original format

Files written for the original `.bed` format (the ANTLR compiler of BEDFLOW-ATLAS and its
templates) are read with these conventions:

- `mass = 0.0 g` means "computed from density and volume": it is read as not set, with a note.
- OpenFOAM's names of turbulence models are accepted for `turbulence_model`: {aliases}.
  `laminar` (no model) is read as not set, with a note.
- Quoted enum values (`kind = "sphere";`), a scalar `gravity = -9.81 m/s2;` and a section
  given twice are accepted.
- A RANS run (`regime = "turbulent_rans";`) that names no solver is an `openfoam` run: the
  original's only flow solver was OpenFOAM.

A key left out takes bedflow's default, which for these keys differs from the original's; give
the key to keep the original's value. Keys bedflow added (`shape`, `width`, `depth`, `length`,
`solver`, `turbulence_model`, `cells_per_dp`, `lbm_boundary`, `yplus_target`, `mesh_levels`,
`mesh_layers`) have no default there, and the keys of the original that bedflow does not know
(`visibility`, `gap`, `slice`, ...) are errors.

| key | original default | bedflow default | why |
|---|---|---|---|
"""


def _original_defaults(lines: list[str]) -> None:
    aliases = VALUE_ALIASES[("cfd", "turbulence_model")]
    shown = ", ".join(f"`{a}` (`{v}`)" for a, v in aliases.items() if isinstance(v, str))
    lines += ["", _ORIGINAL_INTRO.format(aliases=shown).rstrip("\n")]
    for key, original, why in ORIGINAL_DEFAULTS:
        section, name = key.split(".")
        info = SECTIONS[section].model_fields[name]
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        found = extra.get("unit")
        default = _default(info, found if isinstance(found, str) else None)
        if default == "—":
            default = _UNSET_MEANS[key]
        lines.append(f"| `{key}` | {original} | {default} | {why} |")


def reference_markdown() -> str:
    """The whole language reference as Markdown."""
    intro = (
        _INTRO.replace("{max_errors}", str(MAX_ERRORS))
        .replace("{rounding}", f"{MASS_DENSITY_ROUNDING:.1%}")
        .replace("{tolerance}", f"{MASS_DENSITY_TOLERANCE:.0%}")
    )
    lines = [intro, "## Top-level keys", ""]
    top = {k: BedSpec.model_fields[k] for k in ("name", "description")}
    lines.append("| key | type | unit | default | allowed | description |")
    lines.append("|---|---|---|---|---|---|")
    for key, info in top.items():
        lines.append(f"| `{key}` | string | — | {_default(info, None)} | — | {info.description} |")
    for name, model in SECTIONS.items():
        required = " (required)" if name in ("bed", "particles") else ""
        lines += ["", f"## `{name}`{required}", "", (model.__doc__ or "").strip(), ""]
        _table(model, lines)
        for key, info in model.model_fields.items():
            sub = info.annotation
            if isinstance(sub, type) and issubclass(sub, BaseModel):
                lines += ["", f"### `{name}.{key}` block", "", (sub.__doc__ or "").strip(), ""]
                _table(sub, lines)
    _original_defaults(lines)
    return "\n".join(lines) + "\n"
