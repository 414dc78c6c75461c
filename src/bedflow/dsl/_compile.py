"""From a parsed `.bed` document to a validated :class:`BedSpec`, with located diagnostics.

Stage one turns the syntax tree into plain data (SI values) while checking sections, keys and
units; stage two lets pydantic validate types and ranges and the spec check its cross-field
rules. Every problem of both stages is reported with the place in the file it comes from.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bedflow._exceptions import BedWarning, Diagnostic
from bedflow.dsl._parser import (
    Assignment,
    Block,
    Document,
    ListValue,
    Mapping,
    Quantity,
    Span,
    String,
    Value,
    Vector,
    Word,
    parse_document,
)
from bedflow.dsl._raw import (
    INVALID,
    KEY_ALIASES,
    SECTION_ALIASES,
    TOP_LEVEL_KEYS,
    UNSET,
    VALUE_ALIASES,
    ZERO_MEANS_UNSET,
    Path_,
    Raw,
    TooManyErrors,
    submodel,
    suggest,
)
from bedflow.dsl._spec import SECTIONS, BedSpec
from bedflow.dsl._units import DIMENSIONS, Dimension, UnitError, parse_unit, to_si
from bedflow.dsl._validate import Compiled, validate_raw

__all__ = [
    "Compiled",
    "apply_overrides",
    "compile_document",
    "load",
    "parse",
    "parse_with_diagnostics",
    "validate_raw",
]


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _unit_dim(info: FieldInfo) -> Dimension | None:
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


def _convert(value: Value, info: FieldInfo, what: str, path: Path_, raw: Raw) -> Any:
    raw.mark(path, value.span)
    dim = _unit_dim(info)
    if isinstance(value, Quantity):
        return _quantity(value, dim, what, raw)
    if isinstance(value, String):
        return value.value
    if isinstance(value, Word):
        return {"true": True, "false": False}.get(value.value, value.value)
    if isinstance(value, ListValue):
        items = [_convert(item, info, what, (*path, i), raw) for i, item in enumerate(value.items)]
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
    return _fill(value.items, sub, what, path, raw)


def _fill(
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
        value = _convert(item.value, model.model_fields[key], item.key, (*path, key), raw)
        if value is not INVALID:
            value = _resolve_alias(value, item, (*path, key), raw)
        if value is not INVALID and value is not UNSET:
            out[key] = value
    return out


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


def compile_document(doc: Document, *, complete: bool = True) -> Raw:
    """Stage one: sections, keys and units into plain SI data (no validation of values).

    ``complete=False`` accepts a fragment that lacks the required sections (for overrides).
    """
    raw = Raw(doc)
    sections_seen: dict[str, Span] = {}

    def section(block: Block) -> None:
        name = SECTION_ALIASES.get(block.name, block.name)
        if name not in SECTIONS:
            raw.error(
                f"unknown section '{block.name}'"
                f"{suggest(block.name, [*SECTIONS, *SECTION_ALIASES])}",
                block.name_span,
                expected=tuple(SECTIONS),
            )
            return
        # A section given twice is merged; a key set in both is reported as set twice.
        if name not in sections_seen:
            sections_seen[name] = block.name_span
            raw.mark((name,), block.name_span)
        if block.label is not None and name != "bed":
            raw.error(f"only the bed section takes a name, not '{block.name}'", block.label_span)
        _fill(block.items, SECTIONS[name], name, (name,), raw, raw.data.setdefault(name, {}))

    def twice(key: str, span: Span) -> None:
        first = raw.span((key,))
        where = f" (first set at line {first.line})" if first else ""
        raw.error(f"'{key}' is set twice{where}", span)

    def label(block: Block) -> None:
        """``bed NAME { ... }``: the label is the bed's name."""
        if block.label is None:
            return
        span = block.label_span or block.name_span
        if "name" in raw.data:
            twice("name", span)
            return
        raw.data["name"] = block.label
        raw.mark(("name",), span)

    def top_assignment(item: Assignment) -> None:
        if item.key not in TOP_LEVEL_KEYS:
            raw.error(
                f"unknown top-level key '{item.key}'"
                f"{suggest(item.key, [*TOP_LEVEL_KEYS, *SECTIONS])} (keys go inside a "
                "section such as bed { ... })",
                item.key_span,
                expected=TOP_LEVEL_KEYS,
            )
            return
        if item.key in raw.data:
            twice(item.key, item.key_span)
            return
        value = _convert(item.value, BedSpec.model_fields[item.key], item.key, (item.key,), raw)
        if value is not INVALID:
            raw.data[item.key] = value

    def walk() -> None:
        for item in doc.items:
            if isinstance(item, Assignment):
                top_assignment(item)
            elif item.name == "bed" and any(isinstance(i, Block) for i in item.items):
                # The compact nested form: bed NAME { geometry { ... } particles { ... } }
                label(item)
                loose: list[Assignment] = []
                for inner in item.items:
                    if isinstance(inner, Block):
                        section(inner)
                    elif inner.key in TOP_LEVEL_KEYS:
                        top_assignment(inner)
                    else:
                        loose.append(inner)
                if loose:
                    sections_seen.setdefault("bed", item.name_span)
                    _fill(
                        loose, SECTIONS["bed"], "bed", ("bed",), raw, raw.data.setdefault("bed", {})
                    )
            else:
                if item.name == "bed":
                    label(item)
                section(item)
        last = max((i + 1 for i, text in enumerate(doc.lines) if text.strip()), default=1)
        end = Span(last, 1, last, 1)
        for required in ("bed", "particles") if complete else ():
            if required not in raw.data:
                raw.error(
                    f"missing section '{required}' (write '{required} {{ }}' to take every "
                    "default)",
                    end if doc.lines else None,
                )

    try:
        walk()
    except TooManyErrors:
        raw.stopped = True
    return raw


def parse_with_diagnostics(
    text: str, filename: str = "<string>", *, overrides: Iterable[str] = ()
) -> Compiled:
    """Parse and validate `.bed` text; return the spec and its warnings.

    ``overrides`` are ``section.key=value`` settings applied on top of the text. Raises
    :class:`BedSyntaxError` when the text does not parse and :class:`BedValidationError`
    (listing every problem) when it describes an invalid bed.
    """
    raw = compile_document(parse_document(text, filename))
    apply_overrides(raw, overrides)
    return validate_raw(raw)


def apply_overrides(raw: Raw, overrides: Iterable[str], source: str = "--set") -> None:
    """Apply ``section.key=value`` settings (value in `.bed` syntax) on top of ``raw``.

    Each setting is compiled as its own one-line document named ``source``, so its errors
    point into the setting, not into the file it overrides.
    """
    for setting in overrides:
        target, sep, value = setting.partition("=")
        if sep and target.strip() in TOP_LEVEL_KEYS and value.strip():
            part = compile_document(
                parse_document(f"{target.strip()} = {value.strip()}", source), complete=False
            )
            _merge_part(raw, part)
            raw.data.update(part.data)
            continue
        section, dot, key = target.strip().partition(".")
        section = SECTION_ALIASES.get(section, section)
        if not sep or not dot or not key or not value.strip():
            raw.errors.append(
                Diagnostic(
                    f"cannot read {setting!r}: write section.key=value, e.g. bed.diameter=5cm",
                    filename=source,
                )
            )
            continue
        if section not in SECTIONS:
            raw.errors.append(
                Diagnostic(
                    f"unknown section {section!r} in {setting!r}{suggest(section, SECTIONS)}",
                    filename=source,
                )
            )
            continue
        doc = parse_document(f"{section} {{ {key.strip()} = {value.strip()} }}", source)
        block = doc.items[0]
        if len(doc.items) != 1 or not isinstance(block, Block) or len(block.items) != 1:
            raw.errors.append(
                Diagnostic(f"{setting!r} must set exactly one value", filename=source)
            )
            continue
        part = compile_document(doc, complete=False)
        _merge_part(raw, part)
        for sec, values in part.data.items():
            raw.data.setdefault(sec, {}).update(values)
        for path in part.unset:  # "--set particles.mass=0" unsets what the file set
            section_data = raw.data.get(str(path[0]))
            if len(path) == 2 and isinstance(section_data, dict):
                section_data.pop(str(path[1]), None)


def _merge_part(raw: Raw, part: Raw) -> None:
    """Add what compiling an override found (errors, notes, places) to ``raw``."""
    raw.errors.extend(part.errors)
    raw.notes.extend(part.notes)
    raw.spans.update(part.spans)
    raw.unset.update(part.unset)
    raw.stopped = raw.stopped or part.stopped


def parse(text: str, filename: str = "<string>") -> BedSpec:
    """Parse and validate `.bed` text into a :class:`BedSpec`; warnings go to :mod:`warnings`.

    >>> parse("bed { diameter = 5 cm; } particles { diameter = 5mm; count = 10 }").bed.diameter
    0.05
    """
    compiled = parse_with_diagnostics(text, filename)
    for note in compiled.warnings:
        warnings.warn(BedWarning(note.render()), stacklevel=2)
    return compiled.spec


def load(path: str | Path) -> BedSpec:
    """Read, parse and validate a `.bed` file."""
    p = Path(path)
    return parse(p.read_text(encoding="utf-8"), str(p))
