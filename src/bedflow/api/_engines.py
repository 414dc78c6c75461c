"""The pipeline's engines as the settings page shows them, and whether a job may use them.

Derived from the registries (``bedflow._registry``): every registered packing engine and
solver, built-in or installed as a plugin. The registries hand out names without importing
any engine; a description, a default and a check import the engine's module the first time
they are asked for (the settings page, a job's submission), never at app start. Each engine is
stored as the setting ``engine.<name>`` = ``{"enabled": bool, "options": {...}}``; until an
admin sets it, the plugin's ``enabled_by_default`` holds (True unless it says otherwise:
``blender`` and ``openfoam`` need programs outside Python).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from bedflow._checks import plugin_problems
from bedflow._exceptions import (
    BedInputError,
    BedValidationError,
    Diagnostic,
    EngineUnavailable,
    UsageError,
)
from bedflow._registry import PACKING_ENGINES, SOLVERS, Registry, unknown_name
from bedflow.api._errors import ApiError
from bedflow.db import Bed, crud
from bedflow.dsl import BedSpec, parse_with_diagnostics

__all__ = ["Engine", "check_job", "engine_by_name", "engines", "is_enabled", "simulates"]

Kind = Literal["packing", "solver"]
_KINDS: dict[Kind, Registry[Any]] = {"packing": PACKING_ENGINES, "solver": SOLVERS}


@dataclass(frozen=True)
class Engine:
    """A packing engine or solver, and whether it is on by default."""

    name: str
    kind: Kind
    description: str
    enabled_by_default: bool = True

    @property
    def setting_key(self) -> str:
        """The installation setting that stores its state."""
        return f"engine.{self.name}"


def _engine(kind: Kind, name: str) -> Engine:
    try:
        plugin = _KINDS[kind].get(name)
    except EngineUnavailable as exc:  # a plugin installed half-way: listed, and off
        return Engine(name, kind, str(exc), enabled_by_default=False)
    return Engine(
        name,
        kind,
        str(getattr(plugin, "description", "")),
        bool(getattr(plugin, "enabled_by_default", True)),
    )


def _names() -> Iterator[tuple[Kind, str]]:
    for kind, registry in _KINDS.items():
        for name in registry.names():
            yield kind, name


def engines() -> dict[str, Engine]:
    """Every registered packing engine, then every solver, by name (importing each)."""
    out: dict[str, Engine] = {}
    for kind, name in _names():
        out.setdefault(name, _engine(kind, name))
    return out


def engine_by_name(name: str) -> Engine | None:
    """The engine or solver ``name`` (importing only it), or None when nobody registered it."""
    for kind, known in _names():
        if known == name:
            return _engine(kind, name)
    return None


def is_enabled(session: Session, engine: Engine) -> bool:
    """Whether the installation lets jobs use ``engine``."""
    return crud.engine_enabled(session, name=engine.name, default=engine.enabled_by_default)


def simulates(type: str, stages: Any) -> bool:
    """Whether a job of ``type`` on ``stages`` (None: the type's own) runs a flow solver."""
    if stages:
        return bool({"simulate", "postprocess"} & set(stages))
    return type != "generate"


def check_job(
    session: Session,
    bed: Bed,
    spec: BedSpec,
    *,
    engine: str | None,
    solver: str | None,
    simulate: bool,
    converge: bool = False,
) -> None:
    """Refuse a job before it is queued: an engine or solver nobody registered (422), one an
    admin disabled (409), a bed it cannot handle, by its own ``check(spec)`` (422, each
    problem located in the bed's text), or a grid convergence study its solver cannot run
    (422: the correlations have no grid; a resolution too coarse for the study's levels)."""
    asked: list[tuple[Kind, str]] = [("packing", engine or spec.packing_method)]
    if simulate:
        asked.append(("solver", solver or spec.cfd.solver))
    for kind, name in asked:
        registry = _KINDS[kind]
        if name not in registry:
            raise ApiError(422, unknown_name(registry, name))
        if not is_enabled(session, _engine(kind, name)):
            raise ApiError(
                409,
                f"the {registry.kind} {name!r} is disabled on this installation; an admin "
                "can enable it in the settings (engines)",
                code="engine_disabled",
                details=[{"engine": name, "kind": kind}],
            )
    try:
        problems = plugin_problems(spec, engine=engine, solver=solver, simulate=simulate)
    except EngineUnavailable as exc:
        raise ApiError(503, str(exc)) from None
    if problems:
        filename = f"{bed.name}.bed"
        try:
            diagnostics = parse_with_diagnostics(bed.bed_text, filename).locate(problems)
        except BedInputError:  # the stored text no longer compiles: unlocated
            diagnostics = [Diagnostic(p.message, path=p.path) for p in problems]
        raise BedValidationError(diagnostics)
    if simulate and converge:
        from bedflow.cfd import grid_study_specs  # numerics: only when a study is asked for

        try:
            grid_study_specs(spec, solver)
        except UsageError as exc:
            raise ApiError(422, str(exc)) from None
