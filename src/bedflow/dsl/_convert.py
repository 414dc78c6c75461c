"""Stage one of compiling, for one key: its value converted to plain SI data.

Units are checked against the key's dimension, nested ``{ ... }`` values filled as their
sub-model, aliases of values resolved and values that mean "not set" dropped with a note.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bedflow.dsl._nodes import (
    Assignment,
    Block,
    ListValue,
    Mapping,
    Quantity,
    String,
    Value,
    Vector,
    Word,
)
from bedflow.dsl._raw import (
    INVALID,
    KEY_ALIASES,
    UNSET,
    VALUE_ALIASES,
    ZERO_MEANS_UNSET,
    Path_,
    Raw,
    submodel,
    suggest,
)
from bedflow.dsl._units import DIMENSIONS, Dimension, UnitError, parse_unit, to_si

__all__ = ["convert", "fill", "unit_dim"]


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def unit_dim(info: FieldInfo) -> Dimension | None:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        unit = extra.get("unit")
        if isinstance(unit, str):
            return DIMENSIONS[unit]
    return None


def _quantity(q: Quantity, dim: Dimension | None, what: str, raw: Raw) -> Any:
    if q.unit is None:
        return to_si(q.number, None)
    try:
        _, got = parse_unit(q.unit)
    except UnitError as exc:
        raw.error(f"{exc} for '{what}'", q.span)
        return INVALID
    if dim is None:
        raw.error(f"'{what}' is a plain number and takes no unit (got '{q.unit}')", q.span)
        return INVALID
    if got.exponents != dim.exponents:
        raw.error(
            f"'{what}' expects {_a(dim.name)} (e.g. {dim.si}), but '{q.unit}' is {_a(got.name)}",
            q.span,
        )
        return INVALID
    return to_si(q.number, q.unit)


def convert(value: Value, info: FieldInfo, what: str, path: Path_, raw: Raw) -> Any:
    raw.mark(path, value.span)
    dim = unit_dim(info)
    if isinstance(value, Quantity):
        return _quantity(value, dim, what, raw)
    if isinstance(value, String):
        return value.value
    if isinstance(value, Word):
        return {"true": True, "false": False}.get(value.value, value.value)
    if isinstance(value, ListValue):
        items = [convert(item, info, what, (*path, i), raw) for i, item in enumerate(value.items)]
        return INVALID if any(i is INVALID for i in items) else items
    if isinstance(value, Vector):
        out = []
        for i, q in enumerate(value.items):
            raw.mark((*path, i), q.span)
            if q.unit is not None and value.unit is not None:
                raw.error("give the unit once, after the ')', or on each component", q.span)
            unit = q.unit or value.unit
            out.append(_quantity(Quantity(q.number, unit, q.span), dim, what, raw))
        return INVALID if any(i is INVALID for i in out) else tuple(out)
    assert isinstance(value, Mapping)
    sub = submodel(info)
    if sub is None:
        raw.error(f"'{what}' takes a single value, not a {{ ... }} block", value.span)
        return INVALID
    return fill(value.items, sub, what, path, raw)


def fill(
    items: Iterable[Assignment | Block],
    model: type[BaseModel],
    section: str,
    path: Path_,
    raw: Raw,
    into: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Convert the assignments of one section (or nested mapping) into ``into``."""
    out: dict[str, Any] = {} if into is None else into
    aliases = KEY_ALIASES.get(section, {})
    known = list(model.model_fields) + list(aliases)
    for item in items:
        if isinstance(item, Block):
            raw.error(
                f"sections do not nest: '{item.name}' inside {section} (write "
                f"'{item.name} = {{ ... }};' for a nested value)",
                item.name_span,
            )
            continue
        key = aliases.get(item.key, item.key)
        if key not in model.model_fields:
            raw.error(
                f"unknown key '{item.key}' in {section}{suggest(item.key, known)}",
                item.key_span,
                expected=tuple(model.model_fields),
            )
            continue
        if key in out or (*path, key) in raw.unset:
            first = raw.span((*path, key, "key"))
            where = f" (first set at line {first.line})" if first else ""
            raw.error(f"'{item.key}' is set twice in {section}{where}", item.key_span)
            continue
        raw.mark((*path, key, "key"), item.key_span)
        info = model.model_fields[key]
        value = convert(item.value, info, item.key, (*path, key), raw)
        if value is not INVALID:
            value = _resolve_alias(value, item, (*path, key), raw)
        why = _no_effect(info)
        if value is not INVALID and why is not None:
            where = ".".join(str(p) for p in (*path, key))
            raw.note(
                f"{where} has no effect (deprecated): {why}; leave the key out",
                item.key_span,
                (*path, key),
            )
        if value is not INVALID and value is not UNSET:
            out[key] = value
    return out


def _no_effect(info: FieldInfo) -> str | None:
    """Why a deprecated key has no effect (its description after the colon), else None."""
    extra = info.json_schema_extra
    if not (isinstance(extra, dict) and extra.get("deprecated") is True):
        return None
    return (info.description or "").partition(": ")[2].rstrip(".") or "it is deprecated"


def _resolve_alias(value: Any, item: Assignment, path: Path_, raw: Raw) -> Any:
    """A value alias replaced by bedflow's value; a value that means "not set" by UNSET."""
    where = ".".join(str(p) for p in path)
    aliases = VALUE_ALIASES.get((str(path[0]), str(path[-1]))) if len(path) == 2 else None
    if aliases and isinstance(value, str) and value in aliases:
        written, value = value, aliases[value]
        if value is UNSET:
            raw.note(
                f"{where} = {written} (OpenFOAM's name for no turbulence model) "
                "is read as not set; leave the key out for laminar flow",
                item.key_span,
                path,
            )
    elif (
        tuple(map(str, path)) in ZERO_MEANS_UNSET
        and isinstance(value, int | float)
        and not isinstance(value, bool)
        and value == 0
    ):
        value = UNSET
        raw.note(
            f"{where} = 0 is read as not set, as the original format's templates meant it: "
            "the mass is density times volume; leave the key out",
            item.key_span,
            path,
        )
    if value is UNSET:
        raw.unset[path] = item.key_span
    return value
