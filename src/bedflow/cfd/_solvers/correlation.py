"""The `correlation` solver: no simulation, the published correlations for the packed bed."""

from __future__ import annotations

import math
import time
from pathlib import Path

from bedflow._exceptions import CfdInputError
from bedflow._version import __version__
from bedflow.cfd._flow import FlowResult, correlations_for
from bedflow.cfd._solvers import CancelFn, ProgressFn
from bedflow.dsl import BedSpec, SpecProblem
from bedflow.geometry import PackedBed


class CorrelationSolver:
    name = "correlation"
    description = "Ergun, Carman-Kozeny and Eisfeld-Schnitzlein for the bed's bulk porosity"
    grid_study = False  # no grid to refine: --converge refuses it

    def version(self) -> str:
        return f"bedflow-correlations {__version__}"

    def unavailable(self) -> str | None:
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        return []

    def run(
        self,
        packed: PackedBed,
        spec: BedSpec,
        *,
        output_dir: Path | None,
        progress: ProgressFn | None,
        cancel: CancelFn | None,
    ) -> FlowResult:
        start = time.perf_counter()
        m = packed.metrics
        porosity, where = m.bulk_porosity, "bulk band"
        if not math.isfinite(porosity):
            porosity, where = m.porosity, "whole bed (too shallow for a bulk band)"
        if not 0.0 < porosity < 1.0:
            raise CfdInputError(f"the bed's porosity {porosity} leaves no flow to compute")
        ergun = correlations_for(
            spec,
            porosity=porosity,
            velocity=spec.cfd.inlet_velocity,
            column_diameter=packed.column.diameter,
        )["ergun"]
        return FlowResult.from_pressure_drop(
            spec,
            solver=self.name,
            solver_version=self.version(),
            pressure_drop_per_length=ergun,
            porosity=porosity,
            column_diameter=packed.column.diameter,
            iterations=0,
            converged=True,
            history=(),
            timings={"total_s": time.perf_counter() - start},
            domain={"porosity_from": where},
            notes=("pressure drop from Ergun (1952); no flow was simulated",),
        )
