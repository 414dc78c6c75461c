"""`simulate(packed, spec)`: choose the flow solver and run it."""

from __future__ import annotations

import logging
from pathlib import Path

from bedflow._exceptions import BedValidationError, Diagnostic, EngineUnavailable
from bedflow._registry import SOLVERS, unknown_name
from bedflow.cfd._flow import FlowResult
from bedflow.cfd._solvers import CancelFn, ProgressFn, Solver
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed

__all__ = ["select_solver", "simulate"]

logger = logging.getLogger(__name__)


def select_solver(spec: BedSpec, name: str | None = None, *, to_run: bool = False) -> Solver:
    """The solver ``name`` (default: ``cfd.solver`` of the spec), checked to be able to run:
    registered, able to solve this bed (its ``check(spec)``) and installed here.

    A solver that can still write its case without its program (OpenFOAM) passes unless
    ``to_run``: a caller that keeps nothing of an unrun case asks with ``to_run=True``.
    """
    chosen = name or spec.cfd.solver
    if chosen not in SOLVERS:
        message = unknown_name(SOLVERS, chosen)
        raise BedValidationError([Diagnostic(message, path=("cfd", "solver"))])
    solver: Solver = SOLVERS.get(chosen)
    problems = solver.check(spec)
    if problems:
        raise BedValidationError([Diagnostic(p.message, path=p.path) for p in problems])
    missing = solver.unavailable()
    cannot_run = getattr(solver, "cannot_run", None)
    if missing is None and to_run and cannot_run is not None:
        missing = cannot_run()
    if missing is not None:
        raise EngineUnavailable(missing)
    return solver


def simulate(
    packed: PackedBed,
    spec: BedSpec,
    *,
    solver: str | None = None,
    output_dir: str | Path | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> FlowResult:
    """Solve the flow through a packed bed; its pressure drop comes next to the correlations.

    >>> from bedflow import dsl, geometry
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 60 }")
    >>> bed = geometry.pack(spec, engine="hexagonal_3d")
    >>> r = simulate(bed, spec, solver="correlation")
    >>> r.pressure_drop_per_length == r.correlations["ergun"]
    True
    """
    chosen = select_solver(spec, solver)
    out = Path(output_dir) if output_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    logger.info("simulating %s with %s", spec.name, chosen.name)
    return chosen.run(packed, spec, output_dir=out, progress=progress, cancel=cancel)
