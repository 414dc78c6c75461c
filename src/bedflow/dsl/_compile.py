"""From a parsed `.bed` document to a validated :class:`BedSpec`, with located diagnostics.

Stage one turns the syntax tree into plain data (SI values) while checking sections, keys and
units; stage two lets pydantic validate types and ranges and the spec check its cross-field
rules. Every problem of both stages is reported with the place in the file it comes from.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from bedflow._exceptions import BedValidationError, BedWarning, Diagnostic
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
from bedflow.dsl._spec import SECTIONS, BedSpec, SpecProblem
from bedflow.dsl._units import DIMENSIONS, Dimension, UnitError, parse_unit, to_si

__all__ = [
    "Compiled",
    "apply_overrides",
    "compile_document",
    "load",
    "parse",
    "parse_with_diagnostics",
    "validate_raw",
]

SECTION_ALIASES = {"geometry": "bed", "column": "bed"}
KEY_ALIASES: dict[str, dict[str, str]] = {"particles": {"shape": "kind"}}
TOP_LEVEL_KEYS = ("name", "description")

Path_ = tuple[str | int, ...]
INVALID: Any = object()
"""Stands for a value that could not be converted (its error is already recorded)."""


@dataclass
class _Raw:
    """Plain data for the spec, and where each piece of it was written."""

    doc: Document
    data: dict[str, Any] = field(default_factory=dict)
    spans: dict[Path_, tuple[Document, Span]] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)

    def error(self, message: str, span: Span | None, **extra: Any) -> None:
        self.errors.append(self.doc.diagnostic(message, span, **extra))

    def mark(self, path: Path_, span: Span) -> None:
        self.spans[path] = (self.doc, span)

    def span(self, path: Path_) -> Span | None:
        found = self.spans.get(path)
        return found[1] if found else None


@dataclass(frozen=True)
class Compiled:
    """A spec and the warnings found while compiling it."""

    spec: BedSpec
    warnings: tuple[Diagnostic, ...]


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f", did you mean '{close[0]}'?" if close else ""


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _unit_dim(info: FieldInfo) -> Dimension | None:
    extra = info.json_schema_extra
    if isinstance(extra, dict):
        unit = extra.get("unit")
        if isinstance(unit, str):
            return DIMENSIONS[unit]
    return None


def _submodel(info: FieldInfo) -> type[BaseModel] | None:
    ann = info.annotation
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    return None


def _quantity(q: Quantity, dim: Dimension | None, what: str, raw: _Raw) -> Any:
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


def _convert(value: Value, info: FieldInfo, what: str, path: Path_, raw: _Raw) -> Any:
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
    sub = _submodel(info)
    if sub is None:
        raw.error(f"'{what}' takes a single value, not a {{ ... }} block", value.span)
        return INVALID
    return _fill(value.items, sub, what, path, raw)


def _fill(
    items: Iterable[Assignment | Block],
    model: type[BaseModel],
    section: str,
    path: Path_,
    raw: _Raw,
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
                f"unknown key '{item.key}' in {section}{_suggest(item.key, known)}",
                item.key_span,
                expected=tuple(model.model_fields),
            )
            continue
        if key in out:
            first = raw.span((*path, key, "key"))
            where = f" (first set at line {first.line})" if first else ""
            raw.error(f"'{item.key}' is set twice in {section}{where}", item.key_span)
            continue
        raw.mark((*path, key, "key"), item.key_span)
        value = _convert(item.value, model.model_fields[key], item.key, (*path, key), raw)
        if value is not INVALID:
            out[key] = value
    return out


def compile_document(doc: Document, *, complete: bool = True) -> _Raw:
    """Stage one: sections, keys and units into plain SI data (no validation of values).

    ``complete=False`` accepts a fragment that lacks the required sections (for overrides).
    """
    raw = _Raw(doc)
    sections_seen: dict[str, Span] = {}

    def section(block: Block) -> None:
        name = SECTION_ALIASES.get(block.name, block.name)
        if name not in SECTIONS:
            raw.error(
                f"unknown section '{block.name}'"
                f"{_suggest(block.name, [*SECTIONS, *SECTION_ALIASES])}",
                block.name_span,
                expected=tuple(SECTIONS),
            )
            return
        if name in sections_seen:
            raw.error(
                f"section '{name}' appears twice (first at line "
                f"{sections_seen[name].line}); merge them",
                block.name_span,
            )
            return
        sections_seen[name] = block.name_span
        raw.mark((name,), block.name_span)
        if block.label is not None and name != "bed":
            raw.error(f"only the bed section takes a name, not '{block.name}'", block.label_span)
        _fill(block.items, SECTIONS[name], name, (name,), raw, raw.data.setdefault(name, {}))

    def top_assignment(item: Assignment) -> None:
        if item.key not in TOP_LEVEL_KEYS:
            raw.error(
                f"unknown top-level key '{item.key}'"
                f"{_suggest(item.key, [*TOP_LEVEL_KEYS, *SECTIONS])} (keys go inside a "
                "section such as bed { ... })",
                item.key_span,
                expected=TOP_LEVEL_KEYS,
            )
            return
        if item.key in raw.data:
            raw.error(f"'{item.key}' is set twice", item.key_span)
            return
        value = _convert(item.value, BedSpec.model_fields[item.key], item.key, (item.key,), raw)
        if value is not INVALID:
            raw.data[item.key] = value

    for item in doc.items:
        if isinstance(item, Assignment):
            top_assignment(item)
        elif item.name == "bed" and any(isinstance(i, Block) for i in item.items):
            # The compact nested form: bed NAME { geometry { ... } particles { ... } }
            if item.label is not None:
                raw.data["name"] = item.label
                raw.mark(("name",), item.label_span or item.name_span)
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
                _fill(loose, SECTIONS["bed"], "bed", ("bed",), raw, raw.data.setdefault("bed", {}))
        else:
            if item.name == "bed" and item.label is not None:
                raw.data["name"] = item.label
                raw.mark(("name",), item.label_span or item.name_span)
            section(item)

    last = max((i + 1 for i, text in enumerate(doc.lines) if text.strip()), default=1)
    end = Span(last, 1, last, 1)
    for required in ("bed", "particles") if complete else ():
        if required not in raw.data:
            raw.error(
                f"missing section '{required}' (write '{required} {{ }}' to take every default)",
                end if doc.lines else None,
            )
    return raw


def _locate(raw: _Raw, loc: Iterable[str | int]) -> tuple[Document, Span | None]:
    path = tuple(loc)
    while path:
        if path in raw.spans:
            return raw.spans[path]
        path = path[:-1]
    return raw.doc, None


def _literal_choices(loc: tuple[str | int, ...]) -> tuple[str, ...]:
    model: type[BaseModel] = BedSpec
    info: FieldInfo | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        if part not in model.model_fields:
            return ()
        info = model.model_fields[part]
        sub = _submodel(info)
        if sub is not None:
            model = sub
    if info is None:
        return ()
    ann: Any = info.annotation
    while get_origin(ann) is not None and get_origin(ann) is not Literal:
        args = [a for a in get_args(ann) if a is not type(None)]
        ann = args[0] if args else None
    return tuple(str(a) for a in get_args(ann)) if ann is not None else ()


def _describe_field(loc: tuple[str | int, ...]) -> str:
    names = [str(p) for p in loc if isinstance(p, str)]
    if len(names) >= 2:
        return f"'{names[-1]}' in {'.'.join(names[:-1])}"
    return f"'{names[0]}'" if names else "the bed"


def _pydantic_diagnostics(exc: ValidationError, raw: _Raw) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        doc, span = _locate(raw, loc)
        what = _describe_field(loc)
        if err["type"] == "missing":
            continue  # reported as a missing section already
        if err["type"] in ("literal_error", "enum"):
            choices = _literal_choices(loc)
            got = err.get("input")
            hint = _suggest(str(got), choices) if isinstance(got, str) else ""
            message = (
                f"unknown value {got!r} for {what}: expected one of {', '.join(choices)}{hint}"
            )
        else:
            message = f"invalid value for {what}: {err['msg'][0].lower()}{err['msg'][1:]}"
        out.append(doc.diagnostic(message, span, path=tuple(str(p) for p in loc)))
    return out


def _problem_diagnostic(problem: SpecProblem, raw: _Raw, severity: str) -> Diagnostic:
    doc, span = raw.spans.get((*problem.path, "key")) or _locate(raw, problem.path)
    return doc.diagnostic(
        f"{_describe_field(problem.path)}: {problem.message}",
        span,
        severity=severity,
        path=problem.path,
    )


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


def validate_raw(raw: _Raw) -> Compiled:
    """Stage two: pydantic validation and the spec's rules, with located diagnostics.

    Every problem is reported at once: those of stage one, the values pydantic refuses, and,
    when all values are fine on their own, the rules across keys.
    """
    problems: list[SpecProblem] = []
    errors = list(raw.errors)
    try:
        spec = BedSpec.model_validate(raw.data, context={"problems": problems})
    except ValidationError as exc:
        errors += _pydantic_diagnostics(exc, raw)
    else:
        if not errors:
            errors += [_problem_diagnostic(p, raw, "error") for p in problems]
    if errors:
        raise BedValidationError(
            sorted(errors, key=lambda d: (d.filename != raw.doc.filename, d.line, d.column))
        )
    notes = tuple(_problem_diagnostic(p, raw, "warning") for p in spec.advisories())
    return Compiled(spec, notes)


def apply_overrides(raw: _Raw, overrides: Iterable[str], source: str = "--set") -> None:
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
            raw.errors.extend(part.errors)
            raw.data.update(part.data)
            raw.spans.update(part.spans)
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
                    f"unknown section {section!r} in {setting!r}{_suggest(section, SECTIONS)}",
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
        raw.errors.extend(part.errors)
        for sec, values in part.data.items():
            raw.data.setdefault(sec, {}).update(values)
        raw.spans.update(part.spans)


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
