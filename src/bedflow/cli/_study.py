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


def measured_where(domain: cfd.FlowDomain) -> str | None:
    """Where dp/L was measured, in words, from a result's ``domain`` (None if it does not say)."""
    if "slab_m" in domain and "porosity_from" in domain:  # the correlation solver
        lo, hi = domain["slab_m"]
        return (
            f"correlations at the porosity of z = {lo * 1e3:.2f}-{hi * 1e3:.2f} mm "
            f"({domain.get('slab_from', '')}), the slab the other solvers measure"
        )
    if "slab_m" in domain:
        lo, hi = domain["slab_m"]
        text = f"dp/L across z = {lo * 1e3:.2f}-{hi * 1e3:.2f} mm ({domain.get('slab_from', '')})"
        buffer = domain.get("buffer_m", 0.0)
        if buffer > 0:
            text += f", {buffer * 1e3:.3g} mm of bed simulated beyond each end"
        return text
    if "planes_m" in domain:
        lo, hi = domain["planes_m"]
        text = f"dp/L between the planes at z = {lo * 1e3:.2f} and {hi * 1e3:.2f} mm"
        where = domain.get("slab_from", "")
        return f"{text} ({where})" if where else text
    return None
