"""The simulate stage of a grid convergence study (``converge``): the solver at three
resolutions, coarsest first, each run kept whole in its own folder ``grid-N/`` (N cells per
particle diameter: its ``result.json``, ``convergence.png``, fields, OpenFOAM case) and its
result again as ``result-grid-N.json`` among the stage's files, and in the stage's
``result.json`` the finest run's result with the study as its ``uncertainty``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from bedflow import cfd, geometry

if TYPE_CHECKING:
    from bedflow.pipeline._stages import Context

__all__ = ["GRID_FOLDER", "RUN_RESULT", "simulate_grids"]

GRID_FOLDER = "grid-{cells_per_dp}"
"""The folder of one run of a study, in the stage's folder and in the output folder."""
RUN_RESULT = "result-grid-{cells_per_dp}.json"
"""One run's result.json again among the stage's files (a job stores those, not folders)."""

Relative = Callable[[Mapping[str, str], Path], dict[str, str]]


def _resolution(
    result: cfd.FlowResult, nominal: int, fine: cfd.FlowResult, fine_nominal: int
) -> float:
    """A run's representative resolution, cells per diameter (proportional to 1/h).

    The LBM's lattice is exactly ``nominal`` cells per diameter. A mesh that counts its cells
    (OpenFOAM: snapped, refined near walls) takes Celik et al.'s h = (V/N)^(1/3): the finest
    run's nominal resolution scaled by the cube root of the cell counts.
    """
    cells, fine_cells = result.domain.get("cells"), fine.domain.get("cells")
    if isinstance(cells, int) and isinstance(fine_cells, int) and cells > 0 and fine_cells > 0:
        return float(fine_nominal * math.cbrt(cells / fine_cells))
    return float(nominal)


def _progress(
    ctx: Context, info: dict[str, int], start: float, share: float
) -> Callable[[cfd.FlowProgress], None]:
    """The progress callback of one run: ``share`` of the stage, from ``start``."""

    def progress(p: cfd.FlowProgress) -> None:
        ctx.reporter.progress(
            "simulate",
            start + share * p.fraction,
            f"grid {info['grid'] + 1}/{info['grids']} ({info['cells_per_dp']} cells/d): {p.status}",
            {**info, "fraction": p.fraction},
        )

    return progress


def simulate_grids(ctx: Context, tmp: Path, relative: Relative) -> cfd.FlowResult:
    """Run the study into ``tmp``; returns the finest run's result carrying its uncertainty.

    Progress: one status event per solver update, with ``data`` naming the run (``grid``
    0-2, ``grids``, ``cells_per_dp``, ``fraction`` of that run); the stage's own fraction
    weights each run by its cells (n^3). The cancel callback is passed to every run and
    checked between them.
    """
    specs = cfd.grid_study_specs(ctx.spec, ctx.solver)
    chosen = cfd.select_solver(ctx.spec, ctx.solver, to_run=True)
    packed = geometry.load_packing(ctx.folder("pack"))
    runs = list(reversed(specs))  # coarsest first: quick feedback, kernels compiled once
    weights = [float(s.cfd.cells_per_dp) ** 3 for s in runs]
    total = sum(weights)
    levels = ", ".join(str(s.cfd.cells_per_dp) for s in specs)
    ctx.reporter.log(
        "simulate", f"grid convergence study with {chosen.name} at {levels} cells per diameter"
    )
    results: list[cfd.FlowResult] = []
    started = time.perf_counter()
    for i, spec in enumerate(runs):
        ctx.check_cancel()
        n = spec.cfd.cells_per_dp
        folder = tmp / GRID_FOLDER.format(cells_per_dp=n)
        done = sum(weights[:i])
        info: dict[str, int] = {"grids": len(runs), "grid": i, "cells_per_dp": n}
        ctx.reporter.progress(
            "simulate", done / total, f"grid {i + 1}/3 ({n} cells/d)", {**info, "fraction": 0.0}
        )
        result = cfd.simulate(
            packed,
            spec,
            solver=chosen.name,
            output_dir=folder,
            progress=_progress(ctx, info, done / total, weights[i] / total),
            cancel=ctx.cancel,
        )
        result = dataclasses.replace(result, fields=relative(result.fields, folder))
        text = json.dumps(result.to_json(), indent=2) + "\n"
        (folder / "result.json").write_text(text, "utf-8")
        # and beside the stage's own files, which the job workers store with the result
        (tmp / RUN_RESULT.format(cells_per_dp=n)).write_text(text, "utf-8")
        if result.history:
            cfd.plot_convergence(result, folder / "convergence.png")
        ctx.reporter.progress(
            "simulate",
            (done + weights[i]) / total,
            f"grid {i + 1}/3 ({n} cells/d): done",
            {**info, "fraction": 1.0},
        )
        ctx.reporter.log(
            "simulate", f"{n} cells per diameter: dp/L = {result.pressure_drop_per_length:.5g} Pa/m"
        )
        results.append(result)
    fine, medium, coarse = reversed(results)
    nominal = [s.cfd.cells_per_dp for s in specs]
    study = cfd.grid_convergence(
        [
            _resolution(r, n, fine, nominal[0])
            for r, n in zip((fine, medium, coarse), nominal, strict=True)
        ],
        [r.pressure_drop_per_length for r in (fine, medium, coarse)],
    )
    fine_folder = GRID_FOLDER.format(cells_per_dp=nominal[0])
    notes = [
        *fine.notes,
        *(
            f"at {n} cells/d: {note}"
            for r, n in zip((medium, coarse), nominal[1:], strict=True)
            for note in r.notes
        ),
    ]
    return dataclasses.replace(
        fine,
        uncertainty=study,
        notes=tuple(notes),
        fields={
            name: path if Path(path).is_absolute() else f"{fine_folder}/{path}"
            for name, path in fine.fields.items()
        },
        timings={**fine.timings, "grid_study": time.perf_counter() - started},
    )
