"""Flow solvers, one module each, named in the registry ``bedflow._registry.SOLVERS``.

Adding a solver is one module that defines a class following :class:`Solver`: a built-in one
here (and its line in the registry's table), another package's through an entry point in the
group ``bedflow.solvers``. :func:`solvers` imports them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bedflow._registry import SOLVERS
from bedflow.cfd._flow import FlowResult
from bedflow.dsl import BedSpec, SpecProblem
from bedflow.geometry import PackedBed

__all__ = ["COMPILING", "CancelFn", "FlowProgress", "ProgressFn", "Solver", "solvers"]


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
    """What a flow solver provides.

    A solver without a grid (the correlations) says so with a class attribute
    ``grid_study = False``: a grid convergence study (``--converge``) refuses it. Every other
    solver is taken to refine with ``cfd.cells_per_dp``. A solver may also give
    ``advice(spec) -> Sequence[SpecProblem]``: settings it runs but cannot vouch for (the LBM:
    a resolution whose pressure drop is not shown to lie within 5% of its grid limit), shown
    as warnings by ``bedflow check`` and the dashboard's editor (``_checks.plugin_advice``).
    """

    name: str
    description: str

    def version(self) -> str:
        """Version of the solver (and of the program behind it)."""

    def unavailable(self) -> str | None:
        """None when it can run here, else why not and how to install what it needs."""

    def check(self, spec: BedSpec) -> Sequence[SpecProblem]:
        """What stops it from solving this bed (a resolution below its limit), each problem
        about a key of the spec; empty when it can. Cheap: runs nothing."""

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


def solvers() -> dict[str, Solver]:
    """Every registered solver, by name (importing each solver module once)."""
    return SOLVERS.load_all()
