"""`pack(spec)`: choose the engine, decide how many particles to pour, run it."""

from __future__ import annotations

import dataclasses
import logging
import math

from bedflow._exceptions import BedValidationError, Diagnostic, EngineUnavailable
from bedflow._registry import PACKING_ENGINES, unknown_name
from bedflow.dsl import BedSpec, packing_sections
from bedflow.geometry._engines import CancelFn, Engine, ProgressFn
from bedflow.geometry._packed import PackedBed
from bedflow.geometry._pour import expected_porosity

__all__ = ["pack", "particle_count", "select_engine"]

logger = logging.getLogger(__name__)


def particle_count(spec: BedSpec) -> int:
    """How many particles to pour: `count`, else enough to fill the column at the target
    porosity, else enough to fill it at the expected porosity."""
    part = spec.particles
    if part.count is not None:
        return part.count
    porosity = part.target_porosity if part.target_porosity is not None else None
    if porosity is None:
        porosity = expected_porosity(spec)
    return max(1, math.floor((1.0 - porosity) * spec.column_volume / part.volume))


def select_engine(spec: BedSpec, name: str | None = None) -> Engine:
    """The engine ``name`` (default: the spec's packing method), checked to be able to run:
    registered, able to pack this bed (its ``check(spec)``) and installed here."""
    chosen = name or spec.packing_method
    if chosen not in PACKING_ENGINES:
        message = unknown_name(PACKING_ENGINES, chosen)
        raise BedValidationError([Diagnostic(message, path=("packing", "method"))])
    engine: Engine = PACKING_ENGINES.get(chosen)
    problems = engine.check(spec)
    if problems:
        raise BedValidationError([Diagnostic(p.message, path=p.path) for p in problems])
    missing = engine.unavailable()
    if missing is not None:
        raise EngineUnavailable(missing)
    return engine


def pack(
    spec: BedSpec,
    *,
    engine: str | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> PackedBed:
    """Pour the particles of ``spec`` into its column and return them at rest.

    >>> from bedflow import dsl
    >>> spec = dsl.parse("bed { diameter = 25 mm } particles { count = 30 }")
    >>> bed = pack(spec, engine="hexagonal_3d")
    >>> bed.count, bed.engine
    (30, 'hexagonal_3d')
    """
    chosen = select_engine(spec, engine)
    count = particle_count(spec)
    logger.info("packing %d %ss with %s", count, spec.particles.kind, chosen.name)
    packed = chosen.pack(spec, count=count, progress=progress, cancel=cancel)
    return dataclasses.replace(packed, packed_from=packing_sections(spec))
