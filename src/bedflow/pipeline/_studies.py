"""Parameter studies: a grid of `.bed` settings expanded into points, each checked first.

A grid maps settings (``section.key``, as ``bedflow run --set`` takes them) to the values to
try, in `.bed` syntax (``"0.05 m/s"``); its points are every combination. Each value is
compiled once on the spec (:func:`bedflow.dsl.apply_settings`: the setting is compiled, the
spec is not written out and read back), so it is checked with a located message, and the
whole grid is checked before anything is created. A point comes out as the
:class:`JobParams` of its job: its settings as written and its values in SI units, which the
job applies to the spec as they are.

>>> points = check_grid(spec, {"cfd.inlet_velocity": ["0.01 m/s", "0.05 m/s"]})  # doctest: +SKIP
>>> points[1].point, points[1].values  # doctest: +SKIP
({'cfd.inlet_velocity': '0.05 m/s'}, {'cfd': {'inlet_velocity': 0.05}})
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from bedflow._exceptions import BedInputError, BedValidationError, Diagnostic
from bedflow.dsl import BedSpec, apply_settings
from bedflow.pipeline._params import JobParams

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
    return apply_settings(spec, overrides, _SOURCE).spec


def _changes(spec: BedSpec, point: BedSpec) -> dict[str, Any]:
    """What ``point`` changes of ``spec``: by section, the keys whose values differ."""
    before, after = spec.model_dump(mode="json"), point.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name, value in after.items():
        was = before.get(name)
        if isinstance(value, dict) and isinstance(was, dict):
            changed = {k: v for k, v in value.items() if was.get(k) != v}
            if changed:
                out[name] = changed
        elif value != was:
            out[name] = value
    return out


def _relabel(diagnostics: Sequence[Diagnostic], where: str, prefix: str = "") -> list[Diagnostic]:
    return [
        dataclasses.replace(
            d,
            filename=where if d.filename == _SOURCE else d.filename,
            message=f"{prefix}{d.message}",
        )
        for d in diagnostics
    ]


def check_grid(spec: BedSpec, grid: Mapping[str, Sequence[str]]) -> list[JobParams]:
    """The grid's points (their index, settings and values), after checking every value and
    every point on ``spec``.

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
    points: list[JobParams] = []
    # Values fine alone may clash together (a particle too big for a column): every point is
    # compiled on the spec, which also gives the values its job applies.
    for i, point in enumerate(expand_grid(grid)):
        try:
            changed = spec_with_overrides(spec, overrides_of(point))
        except BedInputError as exc:
            label = ", ".join(f"{k}={v}" for k, v in point.items())
            problems += _relabel(exc.diagnostics, f"point {i}", f"point {i} ({label}): ")
            continue
        points.append(JobParams(point_index=i, point=point, values=_changes(spec, changed)))
    if problems:
        raise BedValidationError(problems)
    return points
