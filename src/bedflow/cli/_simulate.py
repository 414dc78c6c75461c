"""`bedflow simulate`: the flow through a packed bed, next to the correlations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bedflow import cfd, geometry
from bedflow._exceptions import BedInputError
from bedflow._registry import SOLVERS
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    compile_file,
    err,
    out,
    output_dir,
    usage_error,
)
from bedflow.cli._select import check_grid_study, choose_engine, choose_solver
from bedflow.cli._stages import CacheOption, ConvergeOption, ForceOption, run_stages, wrote
from bedflow.cli._study import has_grid, measured_where, print_study


def print_result(result: cfd.FlowResult) -> None:
    table = Table(title=f"flow through the bed ({result.solver})", show_header=True, box=None)
    table.add_column("")
    table.add_column("dp/L, Pa/m", justify="right")
    table.add_column("ratio", justify="right")
    g = result.uncertainty
    shown = (
        cfd.plus_minus(result.pressure_drop_per_length, g.uncertainty)
        if g is not None
        else f"{result.pressure_drop_per_length:.4g}"
    )
    table.add_row(f"[bold]{result.solver}[/]", shown, "1")
    ratios = result.ratio_to_correlations
    for name, value in result.correlations.items():
        table.add_row(name, f"{value:.4g}", f"{ratios[name]:.3f}")
    out.print(table)
    out.print(escape(cfd.pressure_drop_text(result, grid=has_grid(result.solver))))
    if g is not None:
        print_study(g)
    facts = (
        f"u = {result.superficial_velocity:.4g} m/s, Re_p = {result.particle_reynolds:.3g}, "
        f"porosity = {result.porosity:.4f}, k = {result.permeability:.3e} m2, "
        f"f = {result.friction_factor:.4g}, {result.iterations} iterations"
        f"{'' if result.converged else ' (NOT converged)'}"
    )
    out.print(escape(facts))
    where = measured_where(result.domain)
    if where:
        out.print(escape(where))
    for note in result.notes:
        err.print(f"[bold yellow]note[/]: {escape(note)}")


@app.command()
def simulate(
    file: ExistingFile,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            file_okay=False,
            help="Directory for the packing and the flow results (default out/NAME).",
        ),
    ] = None,
    solver: Annotated[
        str | None,
        typer.Option(
            "--solver",
            "-s",
            help="Flow solver, overriding cfd.solver "
            f"({', '.join(SOLVERS.builtin_names())}, or an installed plugin's).",
        ),
    ] = None,
    packing: Annotated[
        Path | None,
        typer.Option(
            "--packing",
            file_okay=False,
            exists=True,
            help="Use the packing `bedflow pack` wrote in this directory (refused when its bed, "
            "lids, particles or packing sections differ from FILE's).",
        ),
    ] = None,
    set_: Settings = None,
    cache: CacheOption = None,
    force: ForceOption = False,
    converge: ConvergeOption = False,
) -> None:
    """Simulate the flow through a bed: packs it first (or takes --packing), solves, prints
    the pressure drop next to Ergun, Carman-Kozeny and Eisfeld-Schnitzlein.

    Runs the pipeline's pack and simulate stages (as `bedflow run --stages
    compile,pack,simulate,postprocess` does; unchanged stages are reused from the cache).
    Writes the packing's files, result.json, convergence.png, (cfd.write_fields) the fields,
    provenance-STAGE.json and summary.json. Ctrl-C cancels.

    The pressure drop is printed with its numerical uncertainty where it is known: --converge
    runs the solver at three resolutions (cfd.cells_per_dp the finest), keeps each run in
    grid-N/ (N cells per diameter) and prints dp/L = X ± U (GCI, 3 grids); a single run says
    its uncertainty is unknown.
    """
    spec = compile_file(file, set_).spec
    solver = choose_solver(spec, solver, file, to_run=converge)
    if converge:
        check_grid_study(spec, solver, file)
    target = output or Path("out") / file.stem
    if packing is not None:
        try:
            packed = geometry.load_packing(packing)
        except BedInputError as exc:
            usage_error(f"{packing}: {exc.diagnostics[0].message}", "--packing")
        # Another cfd section on the same packing is the normal case (two solvers, one bed);
        # other bed, lids, particles or packing sections describe another packing.
        differences = geometry.packing_differences(packed, spec)
        if differences:
            usage_error(
                f"the packing in {packing} was made from another bed ({'; '.join(differences)});"
                " pack this one first, or drop --packing",
                "--packing",
            )
        engine = None
    else:
        engine = choose_engine(spec, None, file)
    output_dir(target)
    # Without OpenFOAM the case is written into the output folder, with how to run it.
    result = run_stages(
        spec,
        file,
        target,
        stages=("compile", "pack", "simulate", "postprocess"),
        cache=cache,
        force=force,
        engine=engine,
        solver=solver,
        packing=packing,
        case_dir=target,
        converge=converge,
    )
    assert result.flow is not None  # the simulate stage ran or was reused
    print_result(result.flow)
    wrote(target, result)
