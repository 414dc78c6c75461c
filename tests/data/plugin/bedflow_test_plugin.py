"""A plugin of another package: one module, registered by its package's entry points
(``bedflow_test_plugin-0.1.dist-info/entry_points.txt``), without any change to bedflow.

``cubic`` stacks spheres on a simple cubic lattice; ``potential`` gives Ergun's pressure drop
and refuses (its own check) a bed finer than 20 cells per diameter.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from bedflow.cfd import FlowResult, correlations_for
from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry import Column, PackedBed

MAX_CELLS_PER_DP = 20


class CubicEngine:
    name = "cubic"
    description = "spheres on a simple cubic lattice (test plugin)"

    def version(self) -> str:
        return "cubic 0.1"

    def unavailable(self) -> str | None:
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        if spec.particles.kind != "sphere":
            return [SpecProblem(path=("packing", "method"), message="cubic stacks spheres only")]
        return []

    def pack(self, spec: BedSpec, *, count: int, progress: Any, cancel: Any) -> PackedBed:
        d, b = spec.particles.diameter, spec.bed
        r = 0.5 * b.diameter - 0.5 * d
        side = np.arange(-r, r + 1e-12, d)
        x, y = np.meshgrid(side, side)
        inside = np.hypot(x, y) <= r
        layer = np.column_stack([x[inside], y[inside]])
        layers = max(1, math.ceil(count / len(layer)))
        z = 0.5 * d + d * np.arange(layers)
        centers = np.array([[px, py, pz] for pz in z for px, py in layer])[:count]
        n = len(centers)
        return PackedBed(
            centers=centers,
            radii=np.full(n, 0.5 * d),
            orientations=np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
            kind="sphere",
            particle_diameter=d,
            particle_length=None,
            column=Column(b.shape, b.diameter, b.inner_width, b.inner_depth, spec.inner_height),
            engine=self.name,
            engine_version=self.version(),
            seed=spec.particles.seed,
            settled=True,
            simulated_time=0.0,
            wall_time=0.0,
            spec_hash=spec_hash(spec),
            rest_velocity=spec.packing.rest_velocity,
        )


class PotentialSolver:
    name = "potential"
    description = "Ergun's pressure drop for the bed's porosity (test plugin)"

    def version(self) -> str:
        return "potential 0.1"

    def unavailable(self) -> str | None:
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        if spec.cfd.cells_per_dp > MAX_CELLS_PER_DP:
            message = f"the potential solver resolves at most {MAX_CELLS_PER_DP} cells per diameter"
            return [SpecProblem(path=("cfd", "cells_per_dp"), message=message)]
        return []

    def run(
        self,
        packed: PackedBed,
        spec: BedSpec,
        *,
        output_dir: Path | None,
        progress: Any,
        cancel: Any,
    ) -> FlowResult:
        porosity = packed.metrics.porosity
        dp = correlations_for(
            spec, porosity=porosity, velocity=spec.cfd.inlet_velocity,
            column_diameter=packed.column.diameter,
        )["ergun"]  # fmt: skip
        return FlowResult.from_pressure_drop(
            spec,
            solver=self.name,
            solver_version=self.version(),
            pressure_drop_per_length=dp,
            porosity=porosity,
            column_diameter=packed.column.diameter,
            iterations=0,
            converged=True,
            history=(),
            timings={},
        )
