"""`bedflow run`: the whole pipeline on one bed, with a live display of every stage."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Annotated

import platformdirs
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from bedflow._exceptions import (
    BedInputError,
    Cancelled,
    CfdInputError,
    EngineError,
    EngineUnavailable,
    UsageError,
)
from bedflow._registry import PACKING_ENGINES, SOLVERS
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    check_choice,
    compile_file,
    err,
    fail,
    out,
    output_dir,
    usage_error,
)
from bedflow.cli._pack import CancelOnInterrupt
from bedflow.cli._select import choose_engine, choose_solver
from bedflow.pipeline import STAGES, Event, PipelineResult, run_pipeline


def default_cache() -> Path:
    """``BEDFLOW_CACHE_DIR``, else the user cache directory (e.g. ~/.cache/bedflow)."""
    return Path(os.environ.get("BEDFLOW_CACHE_DIR") or platformdirs.user_cache_dir("bedflow"))


def _link_outputs(result: PipelineResult, target: Path) -> list[str]:
    """Hard-link (or copy) every stage's files into ``target``; returns their names."""
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for outcome in result.stages.values():
        for name in outcome.files:
            src, dst = Path(outcome.directory) / name, target / name
            dst.unlink(missing_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            names.append(dst.name)
        prov = Path(outcome.directory) / "provenance.json"
        if outcome.directory and prov.is_file():
            dst = target / f"provenance-{outcome.stage}.json"
            dst.unlink(missing_ok=True)
            shutil.copy2(prov, dst)
    (target / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n", "utf-8")
    return names


def print_summary(result: PipelineResult) -> None:
    table = Table(title=f"{result.spec.name}", show_header=False, box=None)
    s = result.summary
    rows = [("stages", ", ".join(f"{k} {v.status}" for k, v in result.stages.items()))]
    if s.get("bulk_porosity") is not None:
        rows.append(("bulk porosity", f"{s['bulk_porosity']:.4f}"))
    if "pressure_drop_per_length" in s:
        rows.append(
            (
                f"dp/L ({s['solver']})",
                f"{s['pressure_drop_per_length']:.4g} Pa/m "
                f"at u = {s['superficial_velocity']:.4g} m/s, Re_p = "
                f"{s['particle_reynolds']:.3g}",
            )
        )
        for name, value in s["correlations"].items():
            rows.append(
                (f"  {name}", f"{value:.4g} Pa/m (ratio {s['ratio_to_correlations'][name]:.3f})")
            )
    for key, value in rows:
        table.add_row(key, escape(value))
    out.print(table)


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
    force: Annotated[
        bool, typer.Option("--force", help="Recompute every stage, even when cached.")
    ] = False,
    engine: Annotated[str | None, typer.Option("--engine", help="Packing engine.")] = None,
    solver: Annotated[str | None, typer.Option("--solver", help="Flow solver.")] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            "--cache",
            file_okay=False,
            help="Artifact cache (default $BEDFLOW_CACHE_DIR or ~/.cache/bedflow).",
        ),
    ] = None,
    set_: Settings = None,
) -> None:
    """Run the whole pipeline on a bed: compile, pack, export, simulate, postprocess.

    Stages whose inputs did not change reuse their cached artifacts (--force recomputes).
    Prints the porosity and the pressure drop next to the correlations. Ctrl-C cancels.
    """
    chosen = tuple(s.strip() for s in stages.split(",") if s.strip())
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or "compile" not in chosen:
        usage_error(
            (f"unknown stage {unknown[0]!r}; " if unknown else "")
            + f"the stages are {', '.join(STAGES)} (compile always included)",
            "--stages",
        )
    spec = compile_file(file, set_).spec
    # Wrong names and missing programs fail here, before minutes of packing.
    if "pack" in chosen:
        engine = choose_engine(spec, engine, file)
    else:
        check_choice("--engine", engine, PACKING_ENGINES.names(), "packing engine")
    if "simulate" in chosen:
        solver = choose_solver(spec, solver, file, to_run=True)
    else:
        check_choice("--solver", solver, SOLVERS.names(), "solver")
    target = output_dir(output or Path("out") / file.stem)
    columns = (
        TextColumn("{task.description:>11}"),
        BarColumn(),
        TextColumn("{task.fields[status]:<9}"),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
    )
    with CancelOnInterrupt() as cancel, Progress(*columns, console=err) as bar:
        tasks: dict[str, TaskID] = {
            s: bar.add_task(s, total=100, status="waiting", message="") for s in chosen
        }

        def on_event(event: Event) -> None:
            task = tasks.get(event.stage)
            if event.kind == "log" and event.level == "WARNING":  # errors are said once, below
                bar.console.print(escape(event.line))
            if task is None:
                return
            if event.kind == "status":
                bar.update(
                    task, completed=event.progress, status="running", message=event.message[:60]
                )
            elif event.kind == "stage_complete":
                bar.update(task, completed=100, status=event.status, message="")

        try:
            result = run_pipeline(
                spec,
                cache_dir=cache or default_cache(),
                stages=chosen,
                force=force,
                engine=engine,
                solver=solver,
                on_event=on_event,
                cancel=cancel,
            )
        except Cancelled:
            err.print("[yellow]cancelled[/]")
            raise typer.Exit(130) from None
        except (EngineUnavailable, EngineError, CfdInputError) as exc:
            err.print(f"[bold red]error[/]: {escape(str(exc))}")
            raise typer.Exit(1) from None
        except UsageError as exc:
            usage_error(str(exc), "--stages")
        except BedInputError as exc:
            fail([dataclasses.replace(d, filename=str(file)) for d in exc.diagnostics])
    try:
        names = _link_outputs(result, target)
    except OSError as exc:
        usage_error(f"cannot write into {target}: {exc.strerror or exc}", "--output")
    print_summary(result)
    err.print(f"wrote {escape(str(target))}/: summary.json and {len(names)} artifacts")
