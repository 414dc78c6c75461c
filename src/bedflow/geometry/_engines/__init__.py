"""Packing engines, one module each, named in the registry ``bedflow._registry.PACKING_ENGINES``.

Adding an engine is one module that defines a class following :class:`Engine`: a built-in one
here (and its line in the registry's table), another package's through an entry point in the
group ``bedflow.packing_engines``. :func:`engines` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bedflow._registry import PACKING_ENGINES
from bedflow.dsl import BedSpec, SpecProblem
from bedflow.geometry._packed import PackedBed

__all__ = ["CancelFn", "Engine", "PackProgress", "ProgressFn", "engines", "spheres_in_a_cylinder"]


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

    def check(self, spec: BedSpec) -> Sequence[SpecProblem]:
        """What stops it from packing this bed (a shape it does not handle), each problem
        about a key of the spec; empty when it can. Cheap: runs nothing."""

    def pack(
        self,
        spec: BedSpec,
        *,
        count: int,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> PackedBed:
        """Pour ``count`` particles of ``spec`` into its column and return them at rest."""


def engines() -> dict[str, Engine]:
    """Every registered engine, by name (importing each engine module once)."""
    return PACKING_ENGINES.load_all()


def spheres_in_a_cylinder(spec: BedSpec, who: str) -> list[SpecProblem]:
    """The check of an engine that packs spheres in a cylindrical column only."""
    if spec.particles.kind != "sphere":
        return [SpecProblem(path=("packing", "method"), message=f"{who} packs spheres only")]
    if spec.bed.shape != "cylinder":
        message = f"{who} packs cylindrical columns only"
        return [SpecProblem(path=("packing", "method"), message=message)]
    return []
