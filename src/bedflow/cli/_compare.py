"""`bedflow compare`: two flow solvers on one packing, each as a grid convergence study."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bedflow import cfd
from bedflow._registry import SOLVERS
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    check_choice,
    compile_file,
    err,
    out,
    output_dir,
    usage_error,
)
from bedflow.cli._select import check_grid_study, choose_engine, choose_solver
from bedflow.cli._stages import CacheOption, ForceOption, run_stages
from bedflow.cli._study import measured_where


def _figure(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def print_comparison(results: dict[str, cfd.FlowResult], verdict: cfd.Agreement) -> None:
    table = Table(title="two solvers, one packing", box=None)
    for column in ("solver", "dp/L, Pa/m", "GCI", "order", "extrapolated, Pa/m", "porosity"):
        table.add_column(column, justify="left" if column == "solver" else "right")
    for name, r in results.items():
        g = r.uncertainty
        assert g is not None
        table.add_row(
            name,
            cfd.plus_minus(r.pressure_drop_per_length, g.uncertainty),
            f"{g.gci:.1%}" + ("" if g.converged else " (bound)"),
            _figure(g.observed_order, ".2f"),
            _figure(g.extrapolated, ".4g"),
            f"{r.porosity:.4f}",
        )
    out.print(table)
    for name, r in results.items():
        where = measured_where(r.domain)
        if where:
            out.print(escape(f"{name}: {where}"))
    a, b = results
    says = "agree" if verdict.agree else "DISAGREE"
    out.print(
        escape(
            f"{b} - {a} = {verdict.difference:+.4g} Pa/m ({verdict.relative:+.1%}); combined "
            f"uncertainty {verdict.combined:.4g} Pa/m: they {says} within it"
            + (
                " (a bound: a study did not converge monotonically, so this says the grids are "
                "too coarse to tell, not that the solvers agree)"
                if verdict.bounded and verdict.agree
                else " (a bound: a study did not converge monotonically)"
                if verdict.bounded
                else ""
            )
        )
    )


@app.command()
def compare(
    file: ExistingFile,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            file_okay=False,
            help="Directory for the results (default out/NAME-compare): one folder per solver "
            "and comparison.json.",
        ),
    ] = None,
    solvers: Annotated[
        str, typer.Option("--solvers", help="The two solvers to compare, comma-separated.")
    ] = "lbm,openfoam",
    set_: Settings = None,
    cache: CacheOption = None,
    force: ForceOption = False,
) -> None:
    """Run two flow solvers on one packing, each as a grid convergence study, and say whether
    their pressure drops agree within their combined numerical uncertainty.

    Packs once; each solver runs at cfd.cells_per_dp and two coarser resolutions (as
    `bedflow simulate --converge`). Prints each one's dp/L ± U (GCI), observed order and
    Richardson-extrapolated value, then the difference against the uncertainties combined
    in quadrature. OpenFOAM's study needs cfd.cells_per_dp = 15 or more, and 21 (--set
    cfd.cells_per_dp=21) for a GCI near 5% (docs/flow.md). The verdict is a finding, not an
    error: exit 0 either way.
    """
    names = [s.strip() for s in solvers.split(",") if s.strip()]
    if len(names) != 2 or names[0] == names[1]:
        usage_error(f"name two different solvers, e.g. lbm,openfoam; got {solvers!r}", "--solvers")
    for name in names:
        check_choice("--solvers", name, SOLVERS.names(), "solver")
    spec = compile_file(file, set_).spec
    engine = choose_engine(spec, None, file)
    for name in names:  # every refusal before minutes of packing and solving
        choose_solver(spec, name, file, to_run=True)
        check_grid_study(spec, name, file, option="--solvers")
    target = output_dir(output or Path("out") / f"{file.stem}-compare")
    results: dict[str, cfd.FlowResult] = {}
    for i, name in enumerate(names):
        err.print(f"[bold]{escape(name)}[/]: grid convergence study")
        run = run_stages(
            spec,
            file,
            target / name,
            stages=("compile", "pack", "simulate", "postprocess"),
            cache=cache,
            force=force and i == 0,  # the second solver takes the same packing, from the cache
            engine=engine,
            solver=name,
            converge=True,
        )
        assert run.flow is not None
        results[name] = run.flow
    verdict = cfd.agreement(*results.values())
    print_comparison(results, verdict)
    record: dict[str, Any] = {
        "solvers": {
            name: {
                "pressure_drop_per_length": r.pressure_drop_per_length,
                "porosity": r.porosity,
                "domain": dict(r.domain),
                "uncertainty": dataclasses.asdict(r.uncertainty) if r.uncertainty else None,
            }
            for name, r in results.items()
        },
        "agreement": dataclasses.asdict(verdict),
    }
    text = json.dumps(_finite(record), indent=2)
    (target / "comparison.json").write_text(text + "\n", "utf-8")
    folders = ", ".join(f"{n}/" for n in names)
    err.print(f"wrote {escape(str(target))}/: {folders}, comparison.json")


def _finite(value: Any) -> Any:
    """NaN (no order, no extrapolation) as null: the record is JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
