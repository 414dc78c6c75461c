"""The `bedflow` command line: thin commands that call the library and print like a compiler.

Exit codes: 0 success, 1 bad user input (a `.bed` error, a failed check), 2 usage error (a
wrong option value, a missing file, an output that cannot be written), 130 cancelled.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from bedflow import dsl
from bedflow._checks import check_text
from bedflow._exceptions import BedInputError, Diagnostic
from bedflow._version import __version__

app = typer.Typer(
    name="bedflow",
    help="Packed-bed CFD studies: describe a bed in a .bed file, check it, compile it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ExistingFile = Annotated[
    Path,
    typer.Argument(exists=True, dir_okay=False, readable=True, metavar="FILE", help="A .bed file."),
]
ExistingFiles = Annotated[
    list[Path],
    typer.Argument(
        exists=True, dir_okay=False, readable=True, metavar="FILE", help="One or more .bed files."
    ),
]
AnyFiles = Annotated[
    list[Path], typer.Argument(metavar="FILE", help="One or more .bed files.", show_default=False)
]
Settings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="SECTION.KEY=VALUE",
        help="Set a key, in .bed syntax (repeatable), e.g. --set bed.diameter=5cm.",
    ),
]


def _version(value: bool) -> None:
    if value:
        out.print(f"bedflow {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Packed-bed CFD studies: describe a bed in a .bed file, check it, compile it."""


def print_diagnostic(d: Diagnostic) -> None:
    """Print one diagnostic to stderr, coloured when stderr is a terminal."""
    style = "bold red" if d.severity == "error" else "bold yellow"
    text = d.render()
    head, _, rest = text.partition("\n")
    loc, _, message = head.partition(f": {d.severity}: ")
    err.print(f"[bold]{escape(loc)}[/]: [{style}]{d.severity}[/]: {escape(message)}")
    if rest:
        err.print(escape(rest), style="dim" if d.severity == "warning" else None)


def usage_error(message: str, option: str | None = None) -> NoReturn:
    """Say in one line what is wrong with how the command was called, and exit 2."""
    where = f"{option}: " if option else ""
    err.print(f"[bold red]error[/]: {escape(where + message)}")
    raise typer.Exit(2)


def check_choice(option: str, value: str | None, known: Iterable[str], what: str) -> None:
    """Refuse (exit 2) an option value that is not one of ``known``, before any work."""
    names = sorted(known)
    if value is not None and value not in names:
        hint = difflib.get_close_matches(value, names, n=1)
        usage_error(
            f"unknown {what} {value!r}"
            + (f", did you mean {hint[0]!r}?" if hint else "")
            + f" (choose one of {', '.join(names)})",
            option,
        )


def write_output(path: Path, text: str, option: str = "--output") -> None:
    """Write a command's output file, creating its folder; exit 2 when it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        usage_error(f"cannot write {path}: {exc.strerror or exc}", option)


def output_dir(path: Path, option: str = "--output") -> Path:
    """Create a command's output folder before any work; exit 2 when it cannot be made."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        usage_error(f"cannot create the folder {path}: {exc.strerror or exc}", option)
    return path


def fail(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> NoReturn:
    for d in diagnostics:
        print_diagnostic(d)
    raise typer.Exit(1)


def read_text(path: Path) -> str:
    """A file's text; a file that is not UTF-8 text is bad input (exit 1)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        fail(
            [
                Diagnostic(
                    f"not a UTF-8 text file ({exc.reason} at byte {exc.start})", filename=str(path)
                )
            ]
        )


_compiled: dict[int, dsl.Compiled] = {}
"""What :func:`compile_file` compiled in this command, by ``id`` of its spec: where its keys
were written, for the engine's and solver's problems found after it (:func:`located`)."""


def compile_file(path: Path, overrides: list[str] | None = None) -> dsl.Compiled:
    """Parse and validate one file, printing its warnings; exit 1 on errors."""
    try:
        compiled = dsl.parse_with_diagnostics(read_text(path), str(path), overrides=overrides or ())
    except BedInputError as exc:
        fail(exc.diagnostics)
    for note in compiled.warnings:
        print_diagnostic(note)
    _compiled[id(compiled.spec)] = compiled
    return compiled


def located(spec: dsl.BedSpec, diagnostics: Iterable[Diagnostic], file: Path) -> list[Diagnostic]:
    """Diagnostics about keys of ``spec`` (a path, no line), placed where ``file`` wrote them."""
    compiled = _compiled.get(id(spec))
    if compiled is None or compiled.spec is not spec:
        return [dataclasses.replace(d, filename=str(file)) for d in diagnostics]
    return compiled.locate(dsl.SpecProblem(path=d.path, message=d.message) for d in diagnostics)


def summary(spec: dsl.BedSpec) -> str:
    """One line describing a bed, for check and the demo."""
    p, b = spec.particles, spec.bed
    count = (
        f"{p.count} "
        if p.count is not None
        else f"porosity {p.target_porosity:g} of "
        if p.target_porosity is not None
        else "a full column of "
    )
    size = f"{p.diameter * 1e3:g} mm"
    column = (
        f"D = {b.diameter * 1e3:g} mm"
        if b.shape == "cylinder"
        else f"{b.inner_width * 1e3:g} x {b.inner_depth * 1e3:g} mm box"
    )
    ratio = min(b.inner_width, b.inner_depth) / p.diameter
    return (
        f"{spec.name}: {count}{p.kind}s of {size} in a {column} x {b.height * 1e3:g} mm "
        f"column (D/d = {ratio:.1f}), {spec.packing_method} packing, {spec.cfd.solver} "
        "solver"
    )


@app.command()
def check(files: AnyFiles) -> None:
    """Validate .bed files and print every error like a compiler (exit 1 on any error).

    The packing engine and the solver each check the bed too (OpenFOAM's minimum
    resolution, the shapes an engine packs), so what they would refuse is reported before any
    work. Every file is checked, even after a missing one (exit 2 when a file is missing).
    """
    failed = missing = 0
    for path in files:
        if not path.is_file():
            why = "not a file" if path.exists() else "no such file"
            err.print(f"[bold red]error[/]: {escape(str(path))}: {why}")
            missing += 1
            continue
        checked = check_text(read_text(path), str(path))
        for d in checked.diagnostics:
            print_diagnostic(d)
        if checked.spec is None:
            failed += 1
            continue
        out.print(f"[green]ok[/] {escape(str(path))}: {escape(summary(checked.spec))}")
    if failed or missing:
        err.print(
            f"{failed + missing} of {len(files)} file(s) failed"
            + (f" ({missing} missing)" if missing else "")
        )
        raise typer.Exit(2 if missing else 1)


@app.command("compile")
def compile_(
    file: ExistingFile,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", dir_okay=False, help="Write the JSON here instead of standard output."
        ),
    ] = None,
    set_: Settings = None,
) -> None:
    """Compile a .bed file to normalized JSON in SI units (every key, defaults included)."""
    spec = compile_file(file, set_).spec
    text = json.dumps(spec.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        out.out(text, end="")
    else:
        write_output(output, text)
        err.print(f"wrote {escape(str(output))} (spec hash {dsl.spec_hash(spec)[:12]})")


@app.command()
def fmt(
    files: ExistingFiles,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only report files that are not canonical (exit 1).")
    ] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Show what would change.")] = False,
) -> None:
    """Rewrite .bed files in canonical form (comments kept), or only report with --check."""
    changed = 0
    for path in files:
        text = read_text(path)
        try:
            new = dsl.format_text(text, str(path))
        except BedInputError as exc:
            fail(exc.diagnostics)
        if new == text:
            continue
        changed += 1
        if diff:
            out.out(
                "".join(
                    difflib.unified_diff(
                        text.splitlines(True),
                        new.splitlines(True),
                        str(path),
                        f"{path} (formatted)",
                    )
                ),
                end="",
            )
        if check_only:
            err.print(f"would reformat {escape(str(path))}")
        elif not diff:
            write_output(path, new, "FILE")
            err.print(f"reformatted {escape(str(path))}")
    if check_only and changed:
        err.print(f"{changed} file(s) would be reformatted")
        raise typer.Exit(1)
    if not changed:
        err.print(f"{len(files)} file(s) already canonical")


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            dir_okay=False,
            help="Write the schema here instead of standard output.",
        ),
    ] = None,
) -> None:
    """Print the JSON Schema of a bed specification (the compiled JSON form)."""
    text = json.dumps(dsl.json_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        out.out(text, end="")
    else:
        write_output(output, text)


def main() -> None:
    """Entry point of the `bedflow` console script."""
    app()
