"""The built-in soft-sphere DEM engine (`dem`): spheres poured into a cylinder under gravity."""

from __future__ import annotations

import numpy as np

from bedflow._version import __version__
from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry._dem import DemProgress, dem_pack
from bedflow.geometry._engines import CancelFn, PackProgress, ProgressFn, spheres_in_a_cylinder
from bedflow.geometry._packed import PackedBed, column_of
from bedflow.geometry._pour_time import incomplete, max_time_for


class DemEngine:
    name = "dem"
    description = "built-in soft-sphere DEM (numba), spheres in a cylinder"

    def version(self) -> str:
        return f"bedflow-dem {__version__}"

    def unavailable(self) -> str | None:
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        return spheres_in_a_cylinder(spec, "the dem engine")

    def pack(
        self, spec: BedSpec, *, count: int, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> PackedBed:
        column = column_of(spec)

        def report(p: DemProgress) -> None:
            if progress is not None:
                progress(
                    PackProgress(
                        fraction=_fraction(p),
                        placed=p.placed,
                        count=p.count,
                        time=p.time,
                        kinetic_energy=p.kinetic_energy,
                        max_speed=p.max_speed,
                        message=f"{p.settled} of {p.placed} at rest",
                    )
                )

        part, pack = spec.particles, spec.packing
        max_time = max_time_for(spec, count)
        result = dem_pack(
            column_diameter=column.diameter,
            column_height=column.height,
            particle_diameter=part.diameter,
            count=count,
            density=part.particle_density,
            restitution=part.restitution,
            friction=part.friction,
            gravity=pack.gravity,
            rest_velocity=pack.rest_velocity,
            max_time=max_time,
            seed=part.seed,
            clearance=spec.bed.clearance,
            rolling_friction=part.rolling_friction,
            damping=pack.damping,
            progress=report,
            cancel=cancel,
        )
        if result.in_bed < count:
            raise incomplete(spec, placed=result.in_bed, count=count, max_time=max_time)
        notes = () if result.settled else (f"not settled within max_time = {max_time:.3g} s",)
        return PackedBed(
            centers=result.centers,
            radii=result.radii,
            orientations=np.tile([1.0, 0.0, 0.0, 0.0], (result.centers.shape[0], 1)),
            velocities=result.velocities,
            kind="sphere",
            particle_diameter=part.diameter,
            particle_length=None,
            column=column,
            engine=self.name,
            engine_version=self.version(),
            seed=part.seed,
            settled=result.settled,
            simulated_time=result.time,
            wall_time=result.wall_time,
            spec_hash=spec_hash(spec),
            rest_velocity=pack.rest_velocity,
            notes=notes,
        )


def _fraction(p: DemProgress) -> float:
    """Half for placing the particles, half for their coming to rest."""
    placed = p.placed / max(p.count, 1)
    resting = p.settled / max(p.count, 1)
    return min(0.5 * placed + 0.5 * resting, 1.0)
