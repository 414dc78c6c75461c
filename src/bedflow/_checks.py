"""Each plugin's own check of a spec, asked before any work (``bedflow check``, job submission).

Apart from :mod:`bedflow._registry`, which the dsl imports to know the registered names: the
checks speak in the dsl's :class:`~bedflow.dsl.SpecProblem`, and a module that both imports
and is imported by the dsl would make a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bedflow._exceptions import BedInputError, Diagnostic, EngineUnavailable
from bedflow._registry import PACKING_ENGINES, SOLVERS, Registry, unknown_name
from bedflow.dsl import BedSpec, SpecProblem, parse_with_diagnostics

__all__ = ["TextCheck", "check_text", "plugin_advice", "plugin_problems"]


def plugin_problems(
    spec: BedSpec,
    *,
    engine: str | None = None,
    solver: str | None = None,
    simulate: bool = True,
) -> list[SpecProblem]:
    """What the packing engine and the solver of ``spec`` (or ``engine`` and ``solver``) say
    stops them from handling it, each about a key of the spec; nothing is run.

    The engine's and solver's own ``check(spec)`` are asked (``simulate=False``: the engine's
    only); a name nobody registered is a problem of ``packing.method`` or ``cfd.solver``.

    >>> from bedflow import dsl
    >>> spec = dsl.parse("bed {} particles { count = 10 } cfd { solver = openfoam; "
    ...                  "cells_per_dp = 6 }")
    >>> [p.message[:24] for p in plugin_problems(spec)]
    ['cells_per_dp = 6 is belo']
    """
    asked: list[tuple[Registry[Any], str, tuple[str, ...]]] = [
        (PACKING_ENGINES, engine or spec.packing_method, ("packing", "method"))
    ]
    if simulate:
        asked.append((SOLVERS, solver or spec.cfd.solver, ("cfd", "solver")))
    out: list[SpecProblem] = []
    for registry, name, path in asked:
        if name not in registry:
            out.append(SpecProblem(path=path, message=unknown_name(registry, name)))
            continue
        check: Callable[[BedSpec], Any] | None = getattr(registry.get(name), "check", None)
        if check is not None:
            out.extend(check(spec))
    return out


def plugin_advice(spec: BedSpec, *, solver: str | None = None) -> list[SpecProblem]:
    """What the solver of ``spec`` (or ``solver``) says it runs but cannot vouch for (its
    optional ``advice(spec)``: e.g. a resolution whose pressure drop is not shown to lie
    within 5% of its grid limit), as warnings; nothing is run."""
    name = solver or spec.cfd.solver
    if name not in SOLVERS:
        return []
    advice: Callable[[BedSpec], Any] | None = getattr(SOLVERS.get(name), "advice", None)
    return list(advice(spec)) if advice is not None else []


@dataclass(frozen=True)
class TextCheck:
    """What checking `.bed` text found: every diagnostic (errors and warnings, in the order
    ``bedflow check`` prints them), and the normalized spec when nothing stops it."""

    diagnostics: tuple[Diagnostic, ...]
    spec: BedSpec | None

    @property
    def ok(self) -> bool:
        """True when the text parses, validates and the engine and solver accept it."""
        return self.spec is not None


def check_text(text: str, filename: str = "<string>") -> TextCheck:
    """Check `.bed` source as ``bedflow check`` does (the dashboard's editor asks the same):
    parse and validate it, then ask its packing engine and solver (:func:`plugin_problems`),
    their problems placed at the keys the text wrote, and the solver's advice
    (:func:`plugin_advice`) as warnings. Nothing is run or stored.

    >>> result = check_text("bed { diameter = 5 cm }\nparticles { count = -1 }", "a.bed")
    >>> result.ok, result.diagnostics[0].location
    (False, 'a.bed:2:21')
    """
    try:
        compiled = parse_with_diagnostics(text, filename)
    except BedInputError as exc:
        return TextCheck(exc.diagnostics, None)
    except ArithmeticError:
        # The spec's cross-field rules compute volumes and ratios: absurd magnitudes (1e200 m)
        # overflow there before a range check refuses them.
        message = "a value of the bed is out of any physical range"
        return TextCheck((Diagnostic(message, filename=filename),), None)
    try:
        problems = compiled.locate(plugin_problems(compiled.spec))
        advice = compiled.locate(plugin_advice(compiled.spec), "warning")
    except EngineUnavailable as exc:  # a plugin installed half-way
        problems, advice = [Diagnostic(str(exc), filename=filename)], []
    diagnostics = (*compiled.warnings, *advice, *problems)
    return TextCheck(diagnostics, None if problems else compiled.spec)
