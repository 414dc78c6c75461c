"""The engine and the solver of a command, checked before any work is done."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from bedflow import cfd, geometry
from bedflow._exceptions import BedInputError, EngineUnavailable, UsageError
from bedflow._registry import PACKING_ENGINES, SOLVERS
from bedflow.cli._app import check_choice, err, fail, located, usage_error
from bedflow.dsl import BedSpec


def choose_engine(spec: BedSpec, engine: str | None, file: Path) -> str:
    """The packing engine (``--engine``, else ``packing.method``), checked before any work.

    An unknown or unsuitable ``--engine`` is a usage error (exit 2); an unsuitable
    ``packing.method`` is an error of the file (exit 1), an engine not installed here too.
    """
    check_choice("--engine", engine, PACKING_ENGINES.names(), "packing engine")
    try:
        return geometry.select_engine(spec, engine).name
    except EngineUnavailable as exc:
        err.print(f"[bold red]error[/]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    except BedInputError as exc:
        if engine is not None:
            usage_error(" ".join(d.message for d in exc.diagnostics), "--engine")
        fail(located(spec, exc.diagnostics, file))


def choose_solver(spec: BedSpec, solver: str | None, file: Path, *, to_run: bool) -> str:
    """The flow solver (``--solver``, else ``cfd.solver``), checked before any work.

    An unknown ``--solver`` is a usage error (exit 2); what the solver's own check refuses
    (OpenFOAM below its minimum ``cells_per_dp``) is an error of the file at the key's line
    (exit 1), one that is not installed here is reported with how to install it (exit 1).
    ``to_run``: see :func:`cfd.select_solver`.
    """
    check_choice("--solver", solver, SOLVERS.names(), "solver")
    try:
        return cfd.select_solver(spec, solver, to_run=to_run).name
    except EngineUnavailable as exc:
        err.print(f"[bold red]error[/]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    except BedInputError as exc:
        if solver is not None and exc.diagnostics[0].path == ("cfd", "solver"):
            usage_error(" ".join(d.message for d in exc.diagnostics), "--solver")
        fail(located(spec, exc.diagnostics, file))


def check_grid_study(
    spec: BedSpec, solver: str | None, file: Path, *, option: str = "--converge"
) -> tuple[int, int, int]:
    """The resolutions of ``--converge``, finest first, checked before any work.

    A solver without a grid (the correlations) is a usage error of ``option`` (exit 2);
    a resolution too coarse for the solver's coarsest run an error of the file at
    ``cfd.cells_per_dp`` (exit 1) that names the resolution a study needs.
    """
    try:
        specs = cfd.grid_study_specs(spec, solver)
    except UsageError as exc:
        usage_error(str(exc), option)
    except BedInputError as exc:
        fail(located(spec, exc.diagnostics, file))
    return specs[0].cfd.cells_per_dp, specs[1].cfd.cells_per_dp, specs[2].cfd.cells_per_dp
