"""`bedflow run`: the whole pipeline on one bed, with a live display of every stage."""

from __future__ import annotations

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
)
from bedflow.cli._app import ExistingFile, Settings, app, err, fail, out, read_text
from bedflow.cli._pack import CancelOnInterrupt
from bedflow.dsl import parse_with_diagnostics
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
        str, typer.Option("--stages", help="Comma-separated stages to run, in pipeline order.")
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
        raise typer.BadParameter(
            f"stages are {', '.join(STAGES)} (compile first)", param_hint="--stages"
        )
    try:
        spec = parse_with_diagnostics(read_text(file), str(file), overrides=set_ or ()).spec
    except BedInputError as exc:
        fail(exc.diagnostics)
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
            if event.kind == "log" and event.level != "INFO":
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
        except BedInputError as exc:
            fail(exc.diagnostics)
    target = output or Path("out") / file.stem
    names = _link_outputs(result, target)
    print_summary(result)
    err.print(f"wrote {escape(str(target))}/: summary.json and {len(names)} artifacts")
