"""Stage two of compiling a `.bed` file: pydantic validation and the spec's own rules.

Every problem is located in the file (or the ``--set`` override) it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from bedflow._exceptions import BedValidationError, Diagnostic, Severity
from bedflow.dsl._parser import Document, Span
from bedflow.dsl._raw import MAX_ERRORS, VALUE_ALIASES, Raw, stop_note, submodel, suggest
from bedflow.dsl._spec import BedSpec, SpecProblem

__all__ = ["Compiled", "validate_raw"]


@dataclass(frozen=True)
class Compiled:
    """A spec and the warnings found while compiling it.

    :meth:`locate` turns problems found later (a solver's ``check(spec)``) into diagnostics
    located where their keys were written.
    """

    spec: BedSpec
    warnings: tuple[Diagnostic, ...]
    raw: Raw | None = field(default=None, repr=False, compare=False)

    def locate(
        self, problems: Iterable[SpecProblem], severity: Severity = "error"
    ) -> list[Diagnostic]:
        """A diagnostic for each problem, at its key's line and column (or its section's,
        or the file's when the key was not written)."""
        if self.raw is None:
            return [Diagnostic(p.message, severity=severity, path=p.path) for p in problems]
        return [_problem_diagnostic(p, self.raw, severity) for p in problems]


def _locate(raw: Raw, loc: Iterable[str | int]) -> tuple[Document, Span | None]:
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
        sub = submodel(info)
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


def _pydantic_diagnostics(exc: ValidationError, raw: Raw) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        doc, span = _locate(raw, loc)
        what = _describe_field(loc)
        if err["type"] == "missing":
            continue  # reported as a missing section already
        if err["type"] in ("literal_error", "enum", "unknown_name"):
            named = err.get("ctx", {}).get("choices")
            choices = tuple(named) if named is not None else _literal_choices(loc)
            got = err.get("input")
            names = tuple(str(p) for p in loc if isinstance(p, str))
            aliases = VALUE_ALIASES.get((names[0], names[-1])) if len(names) == 2 else None
            hint = suggest(str(got), choices, aliases) if isinstance(got, str) else ""
            message = (
                f"unknown value {got!r} for {what}: expected one of {', '.join(choices)}{hint}"
            )
        else:
            message = f"invalid value for {what}: {err['msg'][0].lower()}{err['msg'][1:]}"
        out.append(doc.diagnostic(message, span, path=tuple(str(p) for p in loc)))
    return out


def _problem_diagnostic(problem: SpecProblem, raw: Raw, severity: str) -> Diagnostic:
    doc, span = raw.spans.get((*problem.path, "key")) or _locate(raw, problem.path)
    return doc.diagnostic(
        f"{_describe_field(problem.path)}: {problem.message}",
        span,
        severity=severity,
        path=problem.path,
    )


def validate_raw(raw: Raw) -> Compiled:
    """Stage two: pydantic validation and the spec's rules, with located diagnostics.

    Every problem is reported at once: those of stage one, the values pydantic refuses, and,
    when all values are fine on their own, the rules across keys.
    """
    if raw.stopped:
        raise BedValidationError([*raw.errors[:MAX_ERRORS], stop_note(raw)])
    problems: list[SpecProblem] = []
    errors = list(raw.errors)
    laminar = raw.unset.get(("cfd", "turbulence_model"))
    if laminar is not None and raw.data.get("cfd", {}).get("regime") == "turbulent_rans":
        errors.append(
            raw.doc.diagnostic(
                "'turbulence_model' in cfd: laminar (no turbulence model) contradicts "
                "regime = turbulent_rans; name a RANS model or leave the key out for "
                "k_omega_sst",
                laminar,
                path=("cfd", "turbulence_model"),
            )
        )
    try:
        spec = BedSpec.model_validate(raw.data, context={"problems": problems})
    except ValidationError as exc:
        errors += _pydantic_diagnostics(exc, raw)
    else:
        if not errors:
            errors += [_problem_diagnostic(p, raw, "error") for p in problems]
    if errors:
        errors.sort(key=lambda d: (d.filename != raw.doc.filename, d.line, d.column))
        if len(errors) > MAX_ERRORS:
            errors = [*errors[:MAX_ERRORS], stop_note(raw)]
        raise BedValidationError(errors)
    notes = (*raw.notes, *(_problem_diagnostic(p, raw, "warning") for p in spec.advisories()))
    return Compiled(spec, notes, raw)
