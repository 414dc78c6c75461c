"""`bedflow pack`: pour the particles of a bed, measure the packing, write it out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bedflow._registry import PACKING_ENGINES
from bedflow.cli._app import (
    ExistingFile,
    Settings,
    app,
    compile_file,
    err,
    out,
    output_dir,
)
from bedflow.cli._select import choose_engine
from bedflow.cli._stages import CacheOption, ForceOption, run_stages, wrote


def print_report(report: Mapping[str, object]) -> None:
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
    cache: CacheOption = None,
    force: ForceOption = False,
) -> None:
    """Pack a bed: pour its particles with physics, measure the packing, write it out.

    Runs the pipeline's pack and export stages (as `bedflow run --stages compile,pack,export`
    does; an unchanged bed reuses the cached packing). Writes packing.npz + packing.json (the
    particles), metrics.json (porosities, profiles, overlaps, correlations), profiles.png
    (radial and axial porosity), the 3D files of export.formats, provenance-STAGE.json and
    summary.json into the output directory. Ctrl-C cancels.
    """
    spec = compile_file(file, set_).spec
    engine = choose_engine(spec, engine, file)
    target = output_dir(output or Path("out") / file.stem)
    stages = ("compile", "pack", "export", "postprocess") if export and spec.export.formats else (
        "compile", "pack", "postprocess"
    )  # fmt: skip
    result = run_stages(spec, file, target, stages=stages, cache=cache, force=force, engine=engine)
    print_report(result.metrics)
    wrote(target, result)
