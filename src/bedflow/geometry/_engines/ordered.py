"""Ordered arrangements for validation: `hexagonal_3d` (layered hexagonal) and
`spherical_packing` (concentric rings). Deterministic, instantaneous, exactly known."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from bedflow._version import __version__
from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn, spheres_in_a_cylinder
from bedflow.geometry._ordered import OrderedPacking, hexagonal_pack, ring_pack
from bedflow.geometry._packed import PackedBed, column_of


class _Ordered:
    name = ""
    description = ""
    arrangement: Callable[..., OrderedPacking]

    def version(self) -> str:
        return f"bedflow-ordered {__version__}"

    def unavailable(self) -> str | None:
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        return spheres_in_a_cylinder(spec, f"the {self.name} engine")

    def pack(
        self, spec: BedSpec, *, count: int, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> PackedBed:
        start = time.perf_counter()
        column = column_of(spec)
        result = self.arrangement(
            column_diameter=column.diameter,
            column_height=column.height,
            particle_diameter=spec.particles.diameter,
            count=count,
            clearance=spec.bed.clearance,
        )
        n = result.centers.shape[0]
        if progress is not None:
            progress(PackProgress(1.0, n, count, 0.0, 0.0, 0.0, "arranged"))
        notes = () if n == count else (f"only {n} of {count} spheres fit the arrangement",)
        return PackedBed(
            centers=result.centers,
            radii=result.radii,
            orientations=np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
            velocities=np.zeros((n, 3)),
            kind="sphere",
            particle_diameter=spec.particles.diameter,
            particle_length=None,
            column=column,
            engine=self.name,
            engine_version=self.version(),
            seed=spec.particles.seed,
            settled=True,
            simulated_time=0.0,
            wall_time=time.perf_counter() - start,
            spec_hash=spec_hash(spec),
            rest_velocity=spec.packing.rest_velocity,
            notes=notes,
        )


class HexagonalEngine(_Ordered):
    name = "hexagonal_3d"
    description = "layered hexagonal close packing (ABAB), cut by the cylinder"
    arrangement = staticmethod(hexagonal_pack)


class RingEngine(_Ordered):
    name = "spherical_packing"
    description = "concentric rings of spheres, layer on layer"
    arrangement = staticmethod(ring_pack)
