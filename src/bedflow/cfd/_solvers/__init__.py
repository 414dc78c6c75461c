"""Flow solvers, one module each; every module registers itself with :func:`register`.

Adding a solver is adding one module here that defines a class following :class:`Solver`
and calls ``register(TheSolver())`` at import; :func:`solvers` imports them all.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bedflow.cfd._flow import FlowResult
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed

__all__ = ["COMPILING", "CancelFn", "FlowProgress", "ProgressFn", "Solver", "register", "solvers"]


@dataclass(frozen=True)
class FlowProgress:
    """A snapshot of a running flow solver, for progress bars.

    ``fraction`` (0-1) is the solver's estimate of how far it is (iterations over the cap until
    convergence); ``change`` the latest relative change of the converging quantity;
    ``compiling`` is True while the solver compiles its kernels before the first iteration
    (tens of seconds, once). :attr:`status` is the line to show.
    """

    fraction: float
    iteration: int
    max_iterations: int
    change: float
    message: str = ""
    compiling: bool = False

    @property
    def status(self) -> str:
        """``compiling kernels (once)`` before the first iteration, else ``iteration N``."""
        return COMPILING if self.compiling else f"iteration {self.iteration}"


#: What a progress line says while the kernels compile.
COMPILING = "compiling kernels (once)"


ProgressFn = Callable[[FlowProgress], object]
CancelFn = Callable[[], bool]


class Solver(Protocol):
    """What a flow solver provides."""

    name: str
    description: str

    def version(self) -> str:
        """Version of the solver (and of the program behind it)."""

    def unavailable(self) -> str | None:
        """None when it can run here, else why not and how to install what it needs."""

    def run(
        self,
        packed: PackedBed,
        spec: BedSpec,
        *,
        output_dir: Path | None,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> FlowResult:
        """Solve the flow of ``spec.cfd`` through ``packed``; write fields into output_dir."""


_REGISTRY: dict[str, Solver] = {}


def register(solver: Solver) -> Solver:
    """Add a solver to the table (its module calls this at import)."""
    _REGISTRY[solver.name] = solver
    return solver


def solvers() -> dict[str, Solver]:
    """Every solver, by name (importing each solver module once)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(_REGISTRY)
