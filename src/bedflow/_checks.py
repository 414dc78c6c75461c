"""Each plugin's own check of a spec, asked before any work (``bedflow check``, job submission).

Apart from :mod:`bedflow._registry`, which the dsl imports to know the registered names: the
checks speak in the dsl's :class:`~bedflow.dsl.SpecProblem`, and a module that both imports
and is imported by the dsl would make a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bedflow._registry import PACKING_ENGINES, SOLVERS, Registry, unknown_name
from bedflow.dsl import BedSpec, SpecProblem

__all__ = ["plugin_problems"]


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
