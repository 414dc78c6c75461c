"""`bedflow run`: the whole pipeline on one bed, with a live display of every stage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bedflow import cfd
from bedflow._registry import PACKING_ENGINES, SOLVERS
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    check_choice,
    compile_file,
    out,
    output_dir,
    usage_error,
)
from bedflow.cli._select import check_grid_study, choose_engine, choose_solver
from bedflow.cli._stages import CacheOption, ConvergeOption, ForceOption, run_stages, wrote
from bedflow.cli._study import has_grid, print_study
from bedflow.pipeline import STAGES, PipelineResult


def print_summary(result: PipelineResult) -> None:
    table = Table(title=f"{result.spec.name}", show_header=False, box=None)
    s = result.summary
    rows = [("stages", ", ".join(f"{k} {v.status}" for k, v in result.stages.items()))]
    if s.get("bulk_porosity") is not None:
        rows.append(("bulk porosity", f"{s['bulk_porosity']:.4f}"))
    flow = result.flow
    if "pressure_drop_per_length" in s and flow is not None:
        text = cfd_text(flow)
        rows.append(
            (
                f"dp/L ({s['solver']})",
                f"{text.removeprefix('dp/L = ')} at u = {s['superficial_velocity']:.4g} m/s, "
                f"Re_p = {s['particle_reynolds']:.3g}",
            )
        )
        for name, value in s["correlations"].items():
            rows.append(
                (f"  {name}", f"{value:.4g} Pa/m (ratio {s['ratio_to_correlations'][name]:.3f})")
            )
    for key, value in rows:
        table.add_row(key, escape(value))
    out.print(table)
    if flow is not None and flow.uncertainty is not None:
        print_study(flow.uncertainty)


def cfd_text(flow: cfd.FlowResult) -> str:
    return cfd.pressure_drop_text(flow, grid=has_grid(flow.solver))


@app.command()
def run(
    file: ExistingFile,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            file_okay=False,
            help="Directory that receives every artifact (default out/NAME).",
        ),
    ] = None,
    stages: Annotated[
        str,
        typer.Option(
            "--stages",
            help="Comma-separated stages to run, in pipeline order; without pack, later "
            "stages take the cached packing of the bed.",
        ),
    ] = ",".join(STAGES),
    force: ForceOption = False,
    engine: Annotated[str | None, typer.Option("--engine", help="Packing engine.")] = None,
    solver: Annotated[str | None, typer.Option("--solver", help="Flow solver.")] = None,
    cache: CacheOption = None,
    set_: Settings = None,
    converge: ConvergeOption = False,
) -> None:
    """Run the whole pipeline on a bed: compile, pack, export, simulate, postprocess.

    Stages whose inputs did not change reuse their cached artifacts (--force recomputes).
    Prints the porosity and the pressure drop next to the correlations, with its numerical
    uncertainty from --converge (three resolutions, as `bedflow simulate --converge`). Ctrl-C
    cancels.
    """
    chosen = tuple(s.strip() for s in stages.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or "compile" not in chosen:
        usage_error(
            (f"unknown stage {unknown[0]!r}; " if unknown else "")
            + f"the stages are {', '.join(STAGES)} (compile always included)",
            "--stages",
        )
    if converge and "simulate" not in chosen:
        usage_error("a grid convergence study needs the simulate stage in --stages", "--converge")
    spec = compile_file(file, set_).spec
    # Wrong names and missing programs fail here, before minutes of packing.
    if "pack" in chosen:
        engine = choose_engine(spec, engine, file)
    else:
        check_choice("--engine", engine, PACKING_ENGINES.names(), "packing engine")
    if "simulate" in chosen:
        solver = choose_solver(spec, solver, file, to_run=True)
        if converge:
            check_grid_study(spec, solver, file)
    else:
        check_choice("--solver", solver, SOLVERS.names(), "solver")
    target = output_dir(output or Path("out") / file.stem)
    result = run_stages(
        spec,
        file,
        target,
        stages=chosen,
        cache=cache,
        force=force,
        engine=engine,
        solver=solver,
        converge=converge,
    )
    print_summary(result)
    wrote(target, result)
