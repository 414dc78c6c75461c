"""The `correlation` solver: no simulation, the published correlations for the packed bed at
the porosity of the slab every solver measures (:mod:`bedflow.cfd._region`), so that its
figures stand beside the LBM's and OpenFOAM's of the same bed."""

from __future__ import annotations

import time
from pathlib import Path

from bedflow._exceptions import CfdInputError
from bedflow._version import __version__
from bedflow.cfd._flow import FlowDomain, FlowResult, correlations_for
from bedflow.cfd._region import measurement_slab, slab_porosity
from bedflow.cfd._solvers import CancelFn, ProgressFn
from bedflow.dsl import BedSpec, SpecProblem
from bedflow.geometry import PackedBed


class CorrelationSolver:
    name = "correlation"
    description = (
        "Ergun, Carman-Kozeny and Eisfeld-Schnitzlein at the porosity of the slab the other "
        "solvers measure"
    )
    grid_study = False  # no grid to refine: --converge refuses it

    def version(self) -> str:
        # method 2: the porosity of the shared slab, not of the whole bulk band
        return f"bedflow-correlations {__version__} method 2"

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
        slab = measurement_slab(m.bed_height, packed.particle_diameter)
        domain: FlowDomain
        if slab is None:
            porosity, where = m.porosity, "whole bed (too shallow for a slab)"
            domain = {"porosity_from": where}
        else:
            porosity = slab_porosity(packed, slab.z_min, slab.z_max, spec.cfd.cells_per_dp)
            where = f"slab {slab.z_min * 1e3:.4g}-{slab.z_max * 1e3:.4g} mm ({slab.source})"
            domain = {
                "slab_m": [slab.z_min, slab.z_max],
                "slab_from": slab.source,
                "porosity_from": where,
            }
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
            domain=domain,
            notes=("pressure drop from Ergun (1952); no flow was simulated",),
        )
