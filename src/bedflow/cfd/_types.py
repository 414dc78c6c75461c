"""Type aliases shared by the cfd modules."""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray", "FloatOrArray"]

FloatArray: TypeAlias = NDArray[np.floating[Any]]
BoolArray: TypeAlias = NDArray[np.bool_]
FloatOrArray: TypeAlias = float | NDArray[np.floating[Any]]
"""A scalar or an array; correlations broadcast over arrays like numpy ufuncs."""
