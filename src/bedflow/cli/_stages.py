"""The one runner behind `bedflow pack`, `simulate` and `run`: the pipeline's stages with a
live display, one cache, and every artifact of the stages linked into the output folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import platformdirs
import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bedflow import cfd
from bedflow._exceptions import (
    BedInputError,
    Cancelled,
    CfdInputError,
    ConfigError,
    EngineError,
    EngineUnavailable,
    UsageError,
)
from bedflow.cli._app import err, fail, usage_error
from bedflow.dsl import BedSpec
from bedflow.pipeline import Event, PipelineResult, run_pipeline
from bedflow.settings import read_setting

CacheOption = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        file_okay=False,
        help="Artifact cache (default $BEDFLOW_CACHE_DIR or ~/.cache/bedflow).",
    ),
]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Recompute every stage, even when cached.")
]
ConvergeOption = Annotated[
    bool,
    typer.Option(
        "--converge",
        help="Grid convergence study: run the solver at three resolutions (cfd.cells_per_dp "
        "and two coarser, each 1.3 times or more coarser than the next) and report dp/L with "
        "its grid convergence index (Roache's GCI, Celik et al. 2008). lbm and openfoam only.",
    ),
]


class CancelOnInterrupt:
    """Turns Ctrl-C into a cancel request the running stage sees at its next check."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: object = None

    def __call__(self) -> bool:
        return self.event.is_set()

    def __enter__(self) -> CancelOnInterrupt:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()


def default_cache() -> Path:
    """``BEDFLOW_CACHE_DIR``, else the user cache directory (e.g. ~/.cache/bedflow)."""
    try:
        given = read_setting("cache_dir")
    except ConfigError as exc:
        usage_error(f"BEDFLOW_CACHE_DIR: {exc}".splitlines()[0])
    return Path(given or platformdirs.user_cache_dir("bedflow"))


def _link(src: str | Path, dst: str | Path) -> None:
    Path(dst).unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def link_outputs(result: PipelineResult, target: Path) -> list[str]:
    """Hard-link (or copy) every stage's files into ``target``, with each stage's provenance
    as ``provenance-STAGE.json`` and the run's ``summary.json``; returns the files' names.

    Folders a stage wrote (the OpenFOAM case, ``openfoam/``) come along whole.
    """
    target.mkdir(parents=True, exist_ok=True)
    names = []
    for outcome in result.stages.values():
        for name in outcome.files:
            _link(Path(outcome.directory) / name, target / name)
            names.append(name)
        if outcome.directory:
            for sub in sorted(Path(outcome.directory).iterdir()):
                if sub.is_dir():
                    shutil.copytree(sub, target / sub.name, copy_function=_link, dirs_exist_ok=True)
        prov = Path(outcome.directory) / "provenance.json"
        if outcome.directory and prov.is_file():
            dst = target / f"provenance-{outcome.stage}.json"
            dst.unlink(missing_ok=True)
            shutil.copy2(prov, dst)
    (target / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n", "utf-8")
    return names


def run_stages(
    spec: BedSpec,
    file: Path,
    target: Path,
    *,
    stages: tuple[str, ...],
    cache: Path | None,
    force: bool = False,
    engine: str | None = None,
    solver: str | None = None,
    packing: Path | None = None,
    case_dir: Path | None = None,
    converge: bool = False,
    usage_option: str = "--stages",
) -> PipelineResult:
    """Run ``stages`` with a progress bar per stage, link their files into ``target``.

    Ctrl-C cancels (exit 130); a missing program or an unsolvable flow is one error line
    (exit 1), an error of the file its diagnostics (exit 1), a stage that lacks its input one
    usage line on ``usage_option`` (exit 2).
    """
    columns = (
        TextColumn("{task.description:>11}"),
        BarColumn(),
        TextColumn("{task.fields[status]:<9}"),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
    )
    with CancelOnInterrupt() as cancel, Progress(*columns, console=err) as bar:
        tasks: dict[str, TaskID] = {}
        for s in stages:
            tasks[s] = bar.add_task(s, total=100, status="waiting", message="")
            if s == "simulate" and converge:  # a bar per run of the study, coarsest first
                for i, grid in enumerate(reversed(cfd.grid_study_specs(spec, solver))):
                    label = f"{grid.cfd.cells_per_dp} cells/d"
                    tasks[f"simulate:{i}"] = bar.add_task(
                        label, total=100, status="waiting", message=""
                    )

        def on_event(event: Event) -> None:
            task = tasks.get(event.stage)
            if event.kind == "log" and event.level == "WARNING":  # errors are said once, below
                bar.console.print(escape(event.line))
            if task is None:
                return
            if event.kind == "status" and "grids" in event.data:  # a run of a grid study
                grid_bar(event)
            if event.kind == "status":
                bar.update(
                    task, completed=event.progress, status="running", message=event.message[:60]
                )
            elif event.kind == "stage_complete":
                bar.update(task, completed=100, status=event.status, message="")

        def grid_bar(event: Event) -> None:
            """One bar per run of a grid study, under the simulate stage's."""
            name = f"simulate:{event.data['grid']}"
            if name not in tasks:
                label = f"{event.data['cells_per_dp']} cells/d"
                tasks[name] = bar.add_task(label, total=100, status="waiting", message="")
            done = float(event.data.get("fraction", 0.0))
            bar.update(
                tasks[name],
                completed=100.0 * done,
                status="succeeded" if done >= 1.0 else "running",
                message="" if done >= 1.0 else event.message.partition(": ")[2][:60],
            )

        try:
            result = run_pipeline(
                spec,
                cache_dir=cache or default_cache(),
                stages=stages,
                force=force,
                engine=engine,
                solver=solver,
                packing=packing,
                case_dir=case_dir,
                converge=converge,
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
            usage_error(str(exc), usage_option)
        except BedInputError as exc:
            fail([dataclasses.replace(d, filename=str(file)) for d in exc.diagnostics])
    try:
        link_outputs(result, target)
    except OSError as exc:
        usage_error(f"cannot write into {target}: {exc.strerror or exc}", "--output")
    return result


def wrote(target: Path, result: PipelineResult) -> None:
    """Say what the run left in ``target``."""
    names = [name for outcome in result.stages.values() for name in outcome.files]
    names += [  # folders a stage wrote: a grid study's runs, an OpenFOAM case
        f"{sub.name}/"
        for outcome in result.stages.values()
        if outcome.directory
        for sub in sorted(Path(outcome.directory).iterdir())
        if sub.is_dir()
    ]
    err.print(f"wrote {escape(str(target))}/: {', '.join([*names, 'summary.json'])}")
