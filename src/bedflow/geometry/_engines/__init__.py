"""Packing engines, one module each; every module registers itself with :func:`register`.

Adding an engine is adding one module here: it defines a class following :class:`Engine`
and calls ``register(TheEngine())`` at import. :func:`engines` imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bedflow.dsl import BedSpec
from bedflow.geometry._packed import PackedBed

__all__ = ["CancelFn", "Engine", "PackProgress", "ProgressFn", "engines", "register"]


@dataclass(frozen=True)
class PackProgress:
    """A snapshot of a running packing, for progress bars.

    ``fraction`` (0-1) is the engine's own estimate of how far it is; ``time`` is simulated
    seconds, ``kinetic_energy`` J, ``max_speed`` m/s.
    """

    fraction: float
    placed: int
    count: int
    time: float
    kinetic_energy: float
    max_speed: float
    message: str = ""


ProgressFn = Callable[[PackProgress], object]
CancelFn = Callable[[], bool]


class Engine(Protocol):
    """What a packing engine provides."""

    name: str
    description: str

    def version(self) -> str:
        """Version of the engine (and of the library or program behind it)."""

    def unavailable(self) -> str | None:
        """None when it can run here, else why not and how to install what it needs."""

    def unsupported(self, spec: BedSpec) -> str | None:
        """None when it can pack this bed, else why not (e.g. a shape it does not handle)."""

    def pack(
        self,
        spec: BedSpec,
        *,
        count: int,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> PackedBed:
        """Pour ``count`` particles of ``spec`` into its column and return them at rest."""


_REGISTRY: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    """Add an engine to the table (its module calls this at import)."""
    _REGISTRY[engine.name] = engine
    return engine


def engines() -> dict[str, Engine]:
    """Every engine, by name (importing each engine module once)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(_REGISTRY)
