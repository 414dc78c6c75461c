"""`bedflow new`: write a valid `.bed` file from a template, interactively or not.

Interactive mode asks the main questions with the template's values as defaults; every answer
is checked at once (unit, range and the rules across keys) and asked again when wrong.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.markup import escape

from bedflow import dsl
from bedflow._exceptions import BedInputError
from bedflow._registry import EXPORT_FORMATS, PACKING_ENGINES, SOLVERS
from bedflow.cli._app import (
    Settings,
    app,
    check_choice,
    err,
    fail,
    out,
    print_diagnostic,
    summary,
    usage_error,
    write_output,
)

TEMPLATES = ("spheres", "cylinders", "small-test")


def template_text(name: str) -> str:
    """The `.bed` text of a built-in template."""
    return (resources.files("bedflow.cli") / "templates" / f"{name}.bed").read_text("utf-8")


# (setting, question, shown only when this returns True for the spec so far)
Question = tuple[str, str, Callable[[dsl.BedSpec], bool]]


def _always(_: dsl.BedSpec) -> bool:
    return True


QUESTIONS: tuple[Question, ...] = (
    ("name", "Name of the bed", _always),
    ("bed.shape", "Column shape (cylinder, box)", _always),
    ("bed.diameter", "Column inner diameter", lambda s: s.bed.shape == "cylinder"),
    ("bed.width", "Column inner width", lambda s: s.bed.shape == "box"),
    ("bed.depth", "Column inner depth", lambda s: s.bed.shape == "box"),
    ("bed.height", "Column height", _always),
    ("particles.kind", "Particle shape (sphere, cylinder, cube)", _always),
    ("particles.diameter", "Particle diameter (cube: edge)", _always),
    ("particles.length", "Cylinder length", lambda s: s.particles.kind == "cylinder"),
    ("particles.count", "Number of particles", _always),
    ("particles.density", "Particle density", _always),
    (
        "packing.method",
        f"Packing method (auto, {', '.join(PACKING_ENGINES.names())})",
        _always,
    ),
    ("cfd.solver", f"Flow solver ({', '.join(SOLVERS.names())})", _always),
    ("cfd.inlet_velocity", "Superficial inlet velocity", _always),
    ("cfd.fluid_density", "Fluid density", _always),
    ("cfd.fluid_viscosity", "Fluid dynamic viscosity", _always),
    (
        "export.formats",
        f"Export formats ({', '.join(EXPORT_FORMATS.names())})",
        _always,
    ),
)


def _answer_to_setting(path: str, answer: str) -> str:
    """What the user typed, as `.bed` value text for ``path``."""
    text = answer.strip()
    if path == "name" and not text.startswith('"'):
        text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if path == "export.formats" and not text.startswith("["):
        text = "[" + ", ".join(p for p in re.split(r"[,\s]+", text) if p) + "]"
    return f"{path}={text}"


def _default_answer(spec: dsl.BedSpec, path: str) -> str:
    """The value a question offers, in the form a user would type it."""
    if path == "export.formats":
        return " ".join(spec.export.formats)
    if path in ("bed.width", "bed.depth") and not dsl.format_setting(spec, path):
        return dsl.format_setting(spec, "bed.diameter")  # an unset side is the diameter
    if path == "particles.length" and not dsl.format_setting(spec, path):
        return dsl.format_setting(spec, "particles.diameter")  # unset: as long as it is wide
    return dsl.format_setting(spec, path)


def _ask(
    base: str,
    settings: list[str],
    question: Question,
    refuse: Callable[[dsl.BedSpec], str | None] = lambda _: None,
) -> None:
    """Ask one question until the answer is valid; ``refuse`` may turn down a valid one."""
    path, prompt, _ = question
    current = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
    default = _default_answer(current, path)
    while True:
        # Enter keeps the value, even an unset one (count of a bed filled to a porosity)
        answer = typer.prompt(prompt, default=default, show_default=bool(default))
        attempt = (
            [*settings] if answer == default else [*settings, _answer_to_setting(path, answer)]
        )
        try:
            spec = _validate(base, path, attempt)
        except BedInputError as exc:
            for d in exc.diagnostics:
                err.print(f"[bold red]✗[/] {escape(d.message)}")
            continue
        why = refuse(spec)
        if why is not None:
            err.print(f"[bold red]✗[/] {escape(why)}")
            continue
        settings[:] = attempt
        return


# An answer that only the template's later choice refuses resets that choice, which is
# asked afterwards: cylinders from the spheres template pack with `auto`, not `dem`.
_FOLLOW = {"particles.kind": ("packing.method", "packing.method=auto")}


def _validate(base: str, path: str, attempt: list[str]) -> dsl.BedSpec:
    try:
        return dsl.parse_with_diagnostics(base, "<template>", overrides=attempt).spec
    except BedInputError as exc:
        follow = _FOLLOW.get(path)
        if follow is None or any(".".join(d.path) != follow[0] for d in exc.diagnostics):
            raise
    attempt.append(follow[1])
    return dsl.parse_with_diagnostics(base, "<template>", overrides=attempt).spec


class _Interrupt:
    """Tells Ctrl-C from the end of input while the wizard waits on a prompt (click reports
    both as Abort)."""

    def __init__(self) -> None:
        self.pressed = False
        self._previous: object = None

    def __enter__(self) -> _Interrupt:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.pressed = True
        raise KeyboardInterrupt


def _wizard(
    base: str,
    settings: list[str],
    *,
    skip_name: bool,
    refuse_name: Callable[[dsl.BedSpec], str | None],
) -> None:
    """Ask the questions that apply, each with the value so far as its default."""
    with _Interrupt() as interrupt:
        try:
            spec = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
            for q in QUESTIONS:
                if q[0] == "name" and skip_name:
                    continue
                if q[2](spec):
                    _ask(base, settings, q, refuse_name if q[0] == "name" else lambda _: None)
                    spec = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
        except typer.Abort:
            if interrupt.pressed:
                err.print("\n[yellow]cancelled[/]: nothing written")
                raise typer.Exit(130) from None
            usage_error("the questions need answers on standard input; use --no-input or --set")


def _default_output(name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "bed"
    return Path(f"{slug}.bed")


@app.command()
def new(
    name: Annotated[str | None, typer.Argument(help="Name of the bed (and of the file).")] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            metavar="|".join(TEMPLATES),
            help="Start from this template, without questions.",
        ),
    ] = None,
    set_: Settings = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            dir_okay=False,
            help="File to write (default: NAME.bed; - for stdout).",
        ),
    ] = None,
    no_input: Annotated[
        bool, typer.Option("--no-input", help="Ask nothing; take the template's values.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a new .bed file: an interactive wizard, or --template/--set without questions."""
    chosen = template or "spheres"
    if chosen not in TEMPLATES:
        check_choice("--template", chosen, TEMPLATES, "template")
    base = template_text(chosen)
    settings = [_answer_to_setting("name", name)] if name else []
    settings += set_ or []
    try:
        dsl.parse_with_diagnostics(base, f"<template {chosen}>", overrides=settings)
    except BedInputError as exc:
        fail(exc.diagnostics)

    def taken(spec: dsl.BedSpec) -> str | None:
        """Why the file for this spec may not be written (it exists), else None."""
        target = output or _default_output(spec.name)
        if str(target) == "-" or force or not target.exists():
            return None
        how = "choose another name, " if output is None else ""
        return f"{target} exists; {how}use --force to overwrite or -o to choose another file"

    # Refuse an existing file before asking anything (or, when the name decides the file,
    # as soon as the name is answered).
    if output is not None or name:
        why = taken(dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec)
        if why is not None:
            usage_error(why)
    if not (template or set_ or no_input):
        err.print(
            f"New bed from the [bold]{chosen}[/] template: press Enter to keep a value. "
            "Units are welcome (5 mm, 0.05 m/s)."
        )
        _wizard(base, settings, skip_name=bool(name), refuse_name=taken)
    compiled = dsl.parse_with_diagnostics(base, "<template>", overrides=settings)
    for note in compiled.warnings:
        print_diagnostic(note)
    spec = compiled.spec
    text = f"// {spec.name}: written by `bedflow new` from the {chosen} template.\n"
    text += dsl.format_spec(spec)
    target = output or _default_output(spec.name)
    if str(target) == "-":
        out.out(text, end="")
        return
    why = taken(spec)
    if why is not None:
        usage_error(why)
    write_output(target, text)
    err.print(f"wrote {escape(str(target))}: {escape(summary(spec))}")
