"""Parameter studies: a grid of `.bed` settings expanded into points, each checked first.

A grid maps settings (``section.key``, as ``bedflow run --set`` takes them) to the values to
try, in `.bed` syntax (``"0.05 m/s"``); its points are every combination. The values go
through the `.bed` compiler's overrides, so each is checked with a located message, and the
whole grid is checked before anything is created.

>>> points = check_grid(spec, {"cfd.inlet_velocity": ["0.01 m/s", "0.05 m/s"]})  # doctest: +SKIP
>>> points[1]  # doctest: +SKIP
{'cfd.inlet_velocity': '0.05 m/s'}
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Mapping, Sequence

from bedflow._exceptions import BedInputError, BedValidationError, Diagnostic
from bedflow.dsl import BedSpec, format_spec, parse_with_diagnostics

__all__ = ["MAX_POINTS", "check_grid", "expand_grid", "overrides_of", "spec_with_overrides"]

MAX_POINTS = 100
"""The most points a study may have."""

_SOURCE = "--set"  # the file name the compiler gives an override's diagnostics


def expand_grid(grid: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """Every combination of the grid's values, the last setting varying fastest."""
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def overrides_of(point: Mapping[str, str]) -> list[str]:
    """The point as ``section.key=value`` overrides."""
    return [f"{key}={value}" for key, value in point.items()]


def spec_with_overrides(spec: BedSpec, overrides: Sequence[str]) -> BedSpec:
    """``spec`` with ``section.key=value`` settings applied, validated again.

    Raises :class:`BedValidationError` (located in the override) when a value is wrong.
    """
    if not overrides:
        return spec
    return parse_with_diagnostics(format_spec(spec), "<bed>", overrides=overrides).spec


def _relabel(diagnostics: Sequence[Diagnostic], where: str, prefix: str = "") -> list[Diagnostic]:
    return [
        dataclasses.replace(
            d,
            filename=where if d.filename == _SOURCE else d.filename,
            message=f"{prefix}{d.message}",
        )
        for d in diagnostics
    ]


def check_grid(spec: BedSpec, grid: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """The grid's points, after checking every value and every point on ``spec``.

    Raises :class:`BedValidationError` listing every problem: a value that is wrong on its
    own is reported as ``grid["cfd.inlet_velocity"][1]`` with the line and column of the
    problem in that setting; a point whose values only clash together names the point.
    """
    size = 1
    for values in grid.values():
        size *= len(values)
    problems: list[Diagnostic] = []
    if not grid:
        problems.append(Diagnostic("the grid is empty: name at least one setting", "grid"))
    for key, values in grid.items():
        if not values:
            problems.append(Diagnostic(f"no values for {key!r}", f"grid[{json.dumps(key)}]"))
    if size > MAX_POINTS:
        problems.append(
            Diagnostic(f"the grid has {size} points; a study may have at most {MAX_POINTS}", "grid")
        )
    if problems:
        raise BedValidationError(problems)
    for key, values in grid.items():
        for i, value in enumerate(values):
            try:
                spec_with_overrides(spec, [f"{key}={value}"])
            except BedInputError as exc:
                problems += _relabel(exc.diagnostics, f"grid[{json.dumps(key)}][{i}]")
    if problems:
        raise BedValidationError(problems)
    points = expand_grid(grid)
    if len(grid) > 1:  # values fine alone may clash together (a particle too big for a column)
        for i, point in enumerate(points):
            try:
                spec_with_overrides(spec, overrides_of(point))
            except BedInputError as exc:
                label = ", ".join(f"{k}={v}" for k, v in point.items())
                problems += _relabel(exc.diagnostics, f"point {i}", f"point {i} ({label}): ")
    if problems:
        raise BedValidationError(problems)
    return points
