"""How a command prints a pressure drop's numerical uncertainty (`simulate`, `run`)."""

from __future__ import annotations

from rich.markup import escape

from bedflow import cfd
from bedflow._exceptions import EngineUnavailable
from bedflow._registry import SOLVERS
from bedflow.cli._app import err, out


def has_grid(solver: str) -> bool:
    """Whether a solver's result depends on a grid (the correlations have none)."""
    try:
        return bool(getattr(SOLVERS.get(solver), "grid_study", True))
    except (KeyError, EngineUnavailable):  # a result of a solver not installed here
        return True


def print_study(g: cfd.GridConvergence) -> None:
    """The three runs of a grid study, its order, extrapolated value and index."""
    runs = ", ".join(f"{v:.5g} at {n:.3g}" for n, v in zip(g.cells_per_dp, g.values, strict=True))
    out.print(escape(f"grid study: dp/L = {runs} cells/d (Pa/m)"))
    if g.converged:
        out.print(
            escape(
                f"observed order {g.observed_order:.2f}, Richardson-extrapolated "
                f"{g.extrapolated:.5g} Pa/m, GCI {g.gci:.2%} (safety factor {g.safety_factor:g})"
            )
        )
    else:
        out.print(escape(f"no monotone convergence: bound {g.gci:.2%} (3 x the spread)"))
    for note in g.notes:
        err.print(f"[bold yellow]note[/]: grid study: {escape(note)}")
