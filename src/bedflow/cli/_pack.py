"""`bedflow pack`: pour the particles of a bed, measure the packing, write it out."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bedflow import geometry
from bedflow._exceptions import BedInputError, Cancelled, EngineError, EngineUnavailable
from bedflow._registry import PACKING_ENGINES
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    compile_file,
    err,
    fail,
    out,
    output_dir,
)
from bedflow.cli._select import choose_engine
from bedflow.dsl import BedSpec


class CancelOnInterrupt:
    """Turns Ctrl-C into a cancel request the engine sees at its next check."""

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


def run_packing(spec: BedSpec, engine: str | None) -> geometry.PackedBed:
    """Pack with a live progress bar; Ctrl-C cancels (exit 130)."""
    columns = (
        TextColumn("[bold]packing[/]"),
        BarColumn(),
        TextColumn("{task.fields[placed]}/{task.fields[count]} placed"),
        TextColumn("t = {task.fields[time]:.2f} s"),
        TextColumn("KE = {task.fields[ke]:.2e} J"),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
    )
    count = geometry.particle_count(spec)
    try:
        with CancelOnInterrupt() as cancel, Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task(
                "pack",
                total=1.0,
                placed=0,
                count=count,
                time=0.0,
                ke=0.0,
                message="starting (compiling on first use)",
            )

            def progress(p: geometry.PackProgress) -> None:
                bar.update(
                    task,
                    completed=p.fraction,
                    placed=p.placed,
                    count=p.count,
                    time=p.time,
                    ke=p.kinetic_energy,
                    message=p.message,
                )

            return geometry.pack(spec, engine=engine, progress=progress, cancel=cancel)
    except Cancelled:
        err.print("[yellow]cancelled[/]")
        raise typer.Exit(130) from None
    except (EngineUnavailable, EngineError) as exc:
        err.print(f"[bold red]error[/]: {escape(str(exc))}")
        raise typer.Exit(1) from None
    except BedInputError as exc:
        fail(exc.diagnostics)


def print_report(report: dict[str, object]) -> None:
    table = Table(title="packed bed", show_header=False, box=None)
    rows = [
        ("engine", f"{report['engine']} ({report['engine_version']})"),
        ("particles", str(report["count"])),
        ("settled", f"{report['settled']} after {report['simulated_time_s']:.3g} s simulated"),
        ("wall time", f"{report['wall_time_s']:.2f} s"),
        ("bed height", f"{float(report['bed_height_m']) * 1e3:.2f} mm"),  # type: ignore[arg-type]
        ("porosity (whole bed)", _fmt(report["porosity"])),
        ("porosity (bulk band)", _fmt(report["bulk_porosity"])),
        ("max overlap", _pct(report["max_overlap_fraction_of_d"], " of d")),
        ("max wall penetration", _pct(report["max_wall_penetration_fraction_of_d"], " of d")),
        ("coordination number", _fmt(report["coordination_number"])),
        ("escaped / unsettled", f"{report['escaped']} / {report['unsettled']}"),
    ]
    correlations = report["correlations"]
    assert isinstance(correlations, dict)
    for name, c in correlations.items():
        rows.append(
            (
                f"{name} porosity",
                f"{c['porosity']:.4f} (bulk − it: {_fmt(c['bulk_minus_correlation'], '+.4f')})",
            )
        )
    for key, value in rows:
        table.add_row(key, escape(value))
    out.print(table)
    quality = report["quality"]
    assert isinstance(quality, dict)
    for problem in quality["problems"]:
        err.print(f"[bold yellow]warning[/]: {escape(problem)}")


def _fmt(value: object, spec: str = ".4f") -> str:
    return "—" if value is None else format(float(value), spec)  # type: ignore[arg-type]


def _pct(value: object, unit: str = "") -> str:
    """A fraction as a percentage; "not measured" for figures a bed does not have."""
    return "not measured" if value is None else f"{float(value):.3%}{unit}"  # type: ignore[arg-type]


@app.command()
def pack(
    file: ExistingFile,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            file_okay=False,
            help="Directory for the packing, metrics and exports (default out/NAME).",
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            "-e",
            help="Packing engine, overriding packing.method "
            f"({', '.join(PACKING_ENGINES.builtin_names())}, or an installed plugin's).",
        ),
    ] = None,
    set_: Settings = None,
    export: Annotated[
        bool, typer.Option("--export/--no-export", help="Write the 3D files of export.formats.")
    ] = True,
) -> None:
    """Pack a bed: pour its particles with physics, measure the packing, write it out.

    Writes packing.npz + packing.json (the particles), metrics.json (porosities, profiles,
    overlaps, correlations), profiles.png (radial and axial porosity) and the 3D files of
    export.formats into the output directory. Ctrl-C cancels.
    """
    spec = compile_file(file, set_).spec
    engine = choose_engine(spec, engine, file)
    target = output_dir(output or Path("out") / file.stem)
    packed = run_packing(spec, engine)
    write_packing(packed, spec, target, export=export)


def write_packing(
    packed: geometry.PackedBed, spec: BedSpec, target: Path, *, export: bool
) -> dict[str, object]:
    """Save a packing, its metrics, its profile plot and (optionally) its exports."""
    target.mkdir(parents=True, exist_ok=True)
    packed.save(target)
    report = geometry.packing_report(packed, spec)
    (target / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    geometry.plot_profiles(packed, target / "profiles.png")
    print_report(report)
    written = ["packing.npz", "packing.json", "metrics.json", "profiles.png"]
    if export and spec.export.formats:
        with err.status("building and exporting the geometry"):
            shapes = geometry.build_geometry(packed, spec)
            try:
                files = geometry.export_geometry(shapes, spec, target)
            except (EngineUnavailable, EngineError) as exc:
                err.print(f"[bold yellow]warning[/]: {escape(str(exc))}")
                files = geometry.export_geometry(
                    shapes, spec, target, formats=[f for f in spec.export.formats if f != "blend"]
                )
        written += [p.name for p in files]
        for warning in files.warnings:
            err.print(f"[bold yellow]warning[/]: {escape(warning)}")
    err.print(f"wrote {escape(str(target))}/: {', '.join(written)}")
    return report
