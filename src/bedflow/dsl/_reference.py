"""The language reference (Markdown) and the JSON Schema, both generated from the spec models.

``docs/bed-language.md`` is the output of :func:`reference_markdown`; a test fails when the
committed file differs, so the reference cannot drift from the code.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

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
        lines.append(
            f"| `{key}` | {_type_name(info.annotation)} | {unit or '—'} | "
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
- `mass` and `density` agree when both are given; `length` is for cylinder particles only;
  `width` and `depth` for box columns only.
- `dem`, `hexagonal_3d` and `spherical_packing` pack spheres only; `lbm` is laminar only; a
  turbulence model needs `regime = turbulent_rans`.
- Warnings: `count` and `target_porosity` both given (`count` decides); laminar flow at a
  particle Reynolds number above 300.
"""


def reference_markdown() -> str:
    """The whole language reference as Markdown."""
    lines = [_INTRO, "## Top-level keys", ""]
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
    return "\n".join(lines) + "\n"
