"""Grid convergence: the numerical uncertainty of a pressure drop from three resolutions.

Roache's grid convergence index as the ASME procedure computes it (Celik, Ghia, Roache,
Freitas, Coleman & Raad 2008, J. Fluids Eng. 130, 078001): the apparent order p from the
three values by the fixed-point iteration that allows unequal refinement ratios (eqs. 3a-3c),
the Richardson-extrapolated value (eq. 4) and the fine-grid index
GCI = 1.25 e_a / (r21^p - 1) (eq. 7). Three values that do not converge monotonically
(oscillating, diverging, or unchanged between two grids) get no order: their spread times 3 is
given as a bound, flagged ``converged=False``.

>>> g = grid_convergence((12, 9, 6), (10.0, 9.8, 9.3))
>>> round(g.observed_order, 2), round(g.extrapolated, 2), f"{g.gci:.1%}"
(1.63, 10.33, '4.2%')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from bedflow._exceptions import BedValidationError, CfdInputError, Diagnostic, UsageError
from bedflow.cfd._flow import FlowResult, GridConvergence
from bedflow.cfd._levels import grid_levels
from bedflow.cfd._simulate import select_solver
from bedflow.cfd._solvers import Solver
from bedflow.constants import (
    GCI_BOUND_SAFETY_FACTOR,
    GCI_SAFETY_FACTOR,
    GRID_REFINEMENT_RATIO,
)
from bedflow.dsl import BedSpec

__all__ = [
    "Agreement",
    "agreement",
    "apparent_order",
    "grid_convergence",
    "grid_levels",
    "grid_study_specs",
    "plus_minus",
    "pressure_drop_text",
    "uncertainty_text",
]

# Observed orders outside this range suggest grids outside the asymptotic range (or noisy
# values): the GCI is still given, with a note. Bounce-back LBM is formally 1-2, OpenFOAM's
# linear schemes 2; a 3-grid study of a real bed rarely shows either exactly.
_PLAUSIBLE_ORDER = (0.5, 3.0)
_MIN_CELLS_PER_DP = 2  # the spec's own lower limit of cfd.cells_per_dp
_MAX_ORDER = 50.0  # r^p past this overflows nothing, and no scheme is this accurate


def apparent_order(r21: float, r32: float, e21: float, e32: float) -> float:
    """The apparent order p of three values, by Celik et al.'s fixed-point iteration:
    ``p = |ln|e32/e21| + q(p)| / ln r21`` with ``q(p) = ln((r21^p - s) / (r32^p - s))``,
    ``s = sign(e32/e21)``; ``e21 = phi2 - phi1``, ``e32 = phi3 - phi2`` (phi1 the finest),
    ``r21 = h2/h1`` and ``r32 = h3/h2`` the refinement ratios (> 1).

    Where the iteration does not settle (it contracts only while ln r32 < 2 ln r21 or so),
    p is the root of the same equation found by bisection. Returns NaN where the equation
    has no positive root.
    """
    if not (r21 > 1.0 and r32 > 1.0) or e21 == 0.0 or e32 == 0.0:
        return math.nan
    s = 1.0 if e32 / e21 > 0 else -1.0
    ln_ratio = math.log(abs(e32 / e21))
    ln21 = math.log(r21)

    def q(p: float) -> float:
        return math.log((r21**p - s) / (r32**p - s))

    p = min(abs(ln_ratio) / ln21, _MAX_ORDER)  # the order of a constant ratio (q = 0)
    for _ in range(500):
        if p <= 0.0:
            break
        new = min(abs(ln_ratio + q(p)) / ln21, _MAX_ORDER)
        if abs(new - p) <= 1e-12 * max(1.0, p):
            if new < _MAX_ORDER:
                return new
            break  # ran off to the cap: the iteration does not contract here
        p = new
    if s < 0:
        return math.nan
    return _bisect_order(r21, r32, ln_ratio)


def _bisect_order(r21: float, r32: float, ln_ratio: float) -> float:
    """The root p > 0 of p ln r21 - ln((r21^p - 1)/(r32^p - 1)) = ln(e32/e21) (s = 1)."""

    def g(p: float) -> float:
        return p * math.log(r21) - math.log((r21**p - 1.0) / (r32**p - 1.0)) - ln_ratio

    lo, hi = 1e-9, _MAX_ORDER
    if g(lo) >= 0.0 or g(hi) <= 0.0:
        return math.nan
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if g(mid) > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def grid_convergence(
    cells_per_dp: Sequence[float],
    values: Sequence[float],
    *,
    safety_factor: float = GCI_SAFETY_FACTOR,
) -> GridConvergence:
    """The grid convergence index of three runs, finest first.

    ``cells_per_dp``: each run's representative resolution, cells per particle diameter
    (any measure proportional to 1/h: Celik's h = (volume / cells)^(1/3) gives the same
    ratios); ``values``: its result (dp/L, Pa/m). Monotone convergence gives the apparent
    order, the Richardson-extrapolated value and ``gci = Fs |(phi1 - phi2)/phi1| /
    (r21^p - 1)``; anything else ``converged=False`` and a bound of 3 times the spread.

    >>> g = grid_convergence((12, 9, 6), (10.0, 9.8, 9.3))
    >>> g.converged, f"{g.uncertainty:.3f} Pa/m"
    (True, '0.419 Pa/m')
    """
    n = tuple(float(c) for c in cells_per_dp)
    phi = tuple(float(v) for v in values)
    if len(n) != 3 or len(phi) != 3:
        raise CfdInputError(f"a grid study takes three runs; got {len(n)} and {len(phi)}")
    if not all(math.isfinite(x) and x > 0 for x in n) or not n[0] > n[1] > n[2]:
        raise CfdInputError(f"the resolutions must be positive and finest first; got {n}")
    if not all(math.isfinite(v) for v in phi) or phi[0] == 0.0:
        raise CfdInputError(f"the three values must be finite and the finest non-zero: {phi}")
    r21, r32 = n[0] / n[1], n[1] / n[2]
    e21, e32 = phi[1] - phi[0], phi[2] - phi[1]
    cells = (n[0], n[1], n[2])
    values3 = (phi[0], phi[1], phi[2])
    if e21 == 0.0 and e32 == 0.0:
        return GridConvergence(
            cells,
            values3,
            math.nan,
            phi[0],
            0.0,
            safety_factor,
            0.0,
            True,
            ("the three grids gave the same value: no dependence on the grid was seen",),
        )
    notes: list[str] = []
    if ratio_note := _ratio_note(r21, r32):
        notes.append(ratio_note)
    why = None
    p = math.nan
    if e21 == 0.0 or e32 == 0.0:
        which = "two finest" if e21 == 0.0 else "two coarsest"
        why = f"the {which} grids gave the same value and the other did not: no order is seen"
    elif e32 / e21 < 0:
        p = apparent_order(r21, r32, e21, e32)
        why = (
            "the values oscillate as the grid is refined (oscillatory convergence): Richardson "
            "extrapolation does not apply"
        )
    # Same sign: converging when the differences shrink faster than the ratios alone would
    # (e32/e21 > ln r32 / ln r21, which is p > 0; 1 for a constant ratio).
    elif e32 / e21 <= math.log(r32) / math.log(r21):
        why = "the differences grow as the grid is refined (monotone divergence): no order"
    else:
        p = apparent_order(r21, r32, e21, e32)
        if not math.isfinite(p):
            why = "no apparent order could be found"
    if why is not None:
        return _bound(cells, values3, p, [*notes, why])
    growth = r21**p - 1.0
    extrapolated = (r21**p * phi[0] - phi[1]) / growth
    gci = safety_factor * abs(e21 / phi[0]) / growth
    lo, hi = _PLAUSIBLE_ORDER
    if not lo <= p <= hi:
        notes.append(
            f"the observed order {p:.2f} lies outside {lo}-{hi}: the grids may not be in the "
            "asymptotic range, and the index is less certain"
        )
    return GridConvergence(
        cells, values3, p, extrapolated, gci, safety_factor, gci * abs(phi[0]), True, tuple(notes)
    )


def _ratio_note(r21: float, r32: float) -> str | None:
    if min(r21, r32) < GRID_REFINEMENT_RATIO - 1e-9:
        return (
            f"refinement ratios {r21:.3f} and {r32:.3f}: below {GRID_REFINEMENT_RATIO} the "
            "discretization error is hard to tell from other errors (Celik et al. 2008)"
        )
    return None


def _bound(
    cells: tuple[float, float, float],
    values: tuple[float, float, float],
    order: float,
    notes: list[str],
) -> GridConvergence:
    """Three values without monotone convergence: 3 times their spread, as a bound."""
    spread = max(values) - min(values)
    gci = GCI_BOUND_SAFETY_FACTOR * spread / abs(values[0])
    bound = (
        f"the uncertainty is {GCI_BOUND_SAFETY_FACTOR:g} times the spread of the three values, "
        "a bound rather than an estimate"
    )
    return GridConvergence(
        cells,
        values,
        order,
        math.nan,
        gci,
        GCI_BOUND_SAFETY_FACTOR,
        gci * abs(values[0]),
        False,
        (*notes, bound),
    )


def plus_minus(value: float, uncertainty: float) -> str:
    """``value ± uncertainty``, the uncertainty to two significant digits and the value to
    the same decimal place.

    >>> plus_minus(10.0512, 0.2134), plus_minus(2453.2, 34.4)
    ('10.05 ± 0.21', '2453 ± 34')
    """
    if not (math.isfinite(value) and math.isfinite(uncertainty)) or uncertainty <= 0.0:
        return f"{value:.4g} ± {uncertainty:.2g}"
    decimals = max(0, 1 - math.floor(math.log10(uncertainty)))
    return f"{value:.{decimals}f} ± {uncertainty:.{decimals}f}"


SINGLE_GRID = "uncertainty unknown (single grid; use --converge)"
"""What a result of one resolution says about its numerical uncertainty."""


def pressure_drop_text(result: FlowResult, *, grid: bool = True) -> str:
    """The pressure drop with its numerical uncertainty, as every output shows it:
    ``dp/L = X ± U Pa/m (GCI, 3 grids)``; a single-resolution run says its uncertainty is
    unknown; ``grid=False`` (a correlation, no grid) says there is none to estimate.

    >>> pressure_drop_text(result)  # doctest: +SKIP
    'dp/L = 10.05 ± 0.21 Pa/m (GCI, 3 grids)'
    """
    return uncertainty_text(result.pressure_drop_per_length, result.uncertainty, grid=grid)


def uncertainty_text(dp: float, g: GridConvergence | None, *, grid: bool = True) -> str:
    """:func:`pressure_drop_text` of a pressure drop ``dp`` (Pa/m) and its study ``g``."""
    if g is not None and g.converged:
        return f"dp/L = {plus_minus(dp, g.uncertainty)} Pa/m (GCI, 3 grids)"
    if g is not None:
        return (
            f"dp/L = {plus_minus(dp, g.uncertainty)} Pa/m (3 grids not converging "
            "monotonically: a bound, 3 x their spread)"
        )
    if not grid:
        return f"dp/L = {dp:.4g} Pa/m (a correlation: no grid, no numerical uncertainty)"
    return f"dp/L = {dp:.4g} Pa/m, {SINGLE_GRID}"


def grid_study_specs(spec: BedSpec, solver: str | None = None) -> tuple[BedSpec, BedSpec, BedSpec]:
    """The specs of a three-grid study of ``spec`` with ``solver`` (default ``cfd.solver``),
    finest first: the spec's own ``cfd.cells_per_dp`` and the two of :func:`grid_levels`.

    The finest is the spec's resolution, so the study's value is the one a single run gives,
    now with its uncertainty, and no run is finer (larger) than the spec asked for.

    Raises :class:`~bedflow.UsageError` for a solver without a grid (the correlations) and
    :class:`~bedflow.BedValidationError`, about ``cfd.cells_per_dp``, where the solver refuses
    a coarser level (naming the smallest resolution whose three levels it accepts).
    """
    chosen = select_solver(spec, solver)
    if not getattr(chosen, "grid_study", True):
        raise UsageError(
            f"the {chosen.name} solver has no grid to refine: a grid convergence study needs a "
            "solver whose result depends on cfd.cells_per_dp (lbm, openfoam)"
        )
    levels = grid_levels(spec.cfd.cells_per_dp)
    refused = _refused(chosen, spec, levels)
    if refused is None:
        return _at(spec, levels[0]), _at(spec, levels[1]), _at(spec, levels[2])
    enough = next(
        (m for m in range(levels[0] + 1, 201) if _refused(chosen, spec, grid_levels(m)) is None),
        None,
    )
    fix = f" (a study needs cfd.cells_per_dp = {enough} or more)" if enough else ""
    n, why = refused
    message = (
        f"a grid convergence study runs at {levels[0]}, {levels[1]} and {levels[2]} cells per "
        f"diameter, and at {n}: {why}{fix}"
    )
    raise BedValidationError([Diagnostic(message, path=("cfd", "cells_per_dp"))])


def _at(spec: BedSpec, cells_per_dp: int) -> BedSpec:
    return spec.model_copy(
        update={"cfd": spec.cfd.model_copy(update={"cells_per_dp": cells_per_dp})}
    )


def _refused(chosen: Solver, spec: BedSpec, levels: tuple[int, int, int]) -> tuple[int, str] | None:
    """The first level the solver refuses, and why; None when it takes all three."""
    for n in levels:
        if n < _MIN_CELLS_PER_DP:
            return n, f"fewer than {_MIN_CELLS_PER_DP} cells across a particle resolve nothing"
        for problem in chosen.check(_at(spec, n)):
            if problem.path == ("cfd", "cells_per_dp"):
                return n, problem.message
    return None


@dataclass(frozen=True)
class Agreement:
    """Whether two studied pressure drops agree within their numerical uncertainty.

    ``difference`` is ``b - a`` of the fine values (Pa/m); ``combined`` the two uncertainties
    in quadrature, sqrt(U_a^2 + U_b^2), as ASME V&V 20 combines independent numerical
    uncertainties; ``agree`` when ``|difference| <= combined``. ``relative`` is the difference
    over the mean of the two values. ``bounded`` is true when either study only gives a bound
    (no monotone convergence).
    """

    difference: float
    combined: float
    relative: float
    agree: bool
    bounded: bool


def agreement(a: FlowResult, b: FlowResult) -> Agreement:
    """Compare two results that both carry a grid study (``uncertainty``).

    >>> agreement(lbm, openfoam).agree  # doctest: +SKIP
    True
    """
    if a.uncertainty is None or b.uncertainty is None:
        raise UsageError("both results need a grid convergence study (converge) to compare")
    x, y = a.pressure_drop_per_length, b.pressure_drop_per_length
    difference = y - x
    combined = math.hypot(a.uncertainty.uncertainty, b.uncertainty.uncertainty)
    return Agreement(
        difference=difference,
        combined=combined,
        relative=difference / (0.5 * (x + y)),
        agree=abs(difference) <= combined,
        bounded=not (a.uncertainty.converged and b.uncertainty.converged),
    )
