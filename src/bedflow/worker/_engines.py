"""A job's engine and solver, checked again when it starts: an admin may have disabled one
since it was queued (the API refuses them at submission, ``api._engines.check_job``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow._registry import PACKING_ENGINES, SOLVERS
from bedflow.db import crud
from bedflow.dsl import BedSpec

__all__ = ["refuse_disabled"]


def refuse_disabled(
    session: Session,
    spec: BedSpec,
    *,
    engine: str | None,
    solver: str | None,
    stages: Iterable[str],
) -> None:
    """Raise :class:`RequestError` (the job fails, it is not retried) when the packing engine
    or, for a job that simulates, the solver is disabled on this installation."""
    wanted = set(stages)
    asked = [(PACKING_ENGINES, engine or spec.packing_method)] if "pack" in wanted else []
    if wanted & {"simulate", "postprocess"}:
        asked.append((SOLVERS, solver or spec.cfd.solver))
    for registry, name in asked:
        if name not in registry:
            continue  # the pipeline reports an unknown name with the known ones
        default = bool(getattr(registry.get(name), "enabled_by_default", True))
        if not crud.engine_enabled(session, name=name, default=default):
            raise RequestError(
                f"the {registry.kind} {name!r} is disabled on this installation; an admin "
                "can enable it in the settings (engines)"
            )
