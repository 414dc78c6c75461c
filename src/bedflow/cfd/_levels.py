"""The resolutions of a three-grid study: apart from :mod:`bedflow.cfd._convergence`, so that a
solver can ask for them (the convergence module imports the solvers)."""

from __future__ import annotations

import math

from bedflow.constants import GRID_REFINEMENT_RATIO

__all__ = ["grid_levels"]


def grid_levels(finest: int, *, ratio: float = GRID_REFINEMENT_RATIO) -> tuple[int, int, int]:
    """The resolutions (cells per particle diameter) of a three-grid study whose finest is
    ``finest``, finest first: each the largest whole number ``ratio`` times coarser or more
    than the one before (Celik et al. 2008 ask r > 1.3).

    >>> grid_levels(12), grid_levels(16)
    ((12, 9, 6), (16, 12, 9))
    """
    levels = [finest]
    for _ in range(2):
        levels.append(math.floor(levels[-1] / ratio + 1e-9))
    return levels[0], levels[1], levels[2]
