"""`bedflow new`: write a valid `.bed` file from a template, interactively or not.

Interactive mode asks the main questions with the template's values as defaults; every answer
is checked at once (unit, range and the rules across keys) and asked again when wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bedflow import dsl
from bedflow._exceptions import BedInputError
from bedflow.cli._app import Settings, app, err, fail, out, print_diagnostic, summary
from bedflow.dsl._format import format_setting

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
        "Packing method (auto, dem, rigid_body, blender, hexagonal_3d, spherical_packing)",
        _always,
    ),
    ("cfd.solver", "Flow solver (lbm, openfoam, correlation)", _always),
    ("cfd.inlet_velocity", "Superficial inlet velocity", _always),
    ("cfd.fluid_density", "Fluid density", _always),
    ("cfd.fluid_viscosity", "Fluid dynamic viscosity", _always),
    (
        "export.formats",
        "Export formats (stl, stl_binary, stl_ascii, obj, ply, glb, gltf, blend)",
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


def _ask(base: str, settings: list[str], question: Question) -> None:
    path, prompt, _ = question
    current = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
    default = format_setting(current, path)
    while True:
        answer = typer.prompt(prompt, default=default or None, show_default=bool(default))
        if answer == default:
            return
        attempt = [*settings, _answer_to_setting(path, answer)]
        try:
            dsl.parse_with_diagnostics(base, "<template>", overrides=attempt)
        except BedInputError as exc:
            for d in exc.diagnostics:
                err.print(f"[bold red]✗[/] {escape(d.message)}")
            continue
        settings.append(attempt[-1])
        return


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
        raise typer.BadParameter(
            f"unknown template {chosen!r}; choose one of {', '.join(TEMPLATES)}",
            param_hint="--template",
        )
    base = template_text(chosen)
    settings = [_answer_to_setting("name", name)] if name else []
    settings += set_ or []
    try:
        dsl.parse_with_diagnostics(base, f"<template {chosen}>", overrides=settings)
    except BedInputError as exc:
        fail(exc.diagnostics)
    if not (template or set_ or no_input):
        err.print(
            f"New bed from the [bold]{chosen}[/] template: press Enter to keep a value. "
            "Units are welcome (5 mm, 0.05 m/s)."
        )
        spec = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
        for q in QUESTIONS:
            if q[0] == "name" and name:
                continue
            if q[2](spec):
                _ask(base, settings, q)
                spec = dsl.parse_with_diagnostics(base, "<template>", overrides=settings).spec
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
    if target.exists() and not force:
        err.print(
            f"[bold red]error[/]: {escape(str(target))} exists; use --force to overwrite "
            "or -o to choose another file"
        )
        raise typer.Exit(1)
    target.write_text(text, encoding="utf-8")
    err.print(f"wrote {escape(str(target))}: {escape(summary(spec))}")
