"""The rigid-body engine (`rigid_body`): spheres, cylinders or cubes poured with Bullet (pybullet).

Bullet's collision margins, contact thresholds and restitution threshold are absolute lengths
and speeds tuned for bodies about a metre across; at millimetre scale they swamp the particles
(overlaps of 10 % of d and more). So the scene is built in scaled units: lengths in particle
diameters ``d`` and times in ``tau = sqrt(d / g)``, which makes gravity 1, particles 1 across
and every threshold a fraction of d. A frame lasts ``FRAME_TAU * tau`` and is split into
``packing.substeps`` steps, so the same spec gives the same dynamics at any particle size.
Bodies have unit mass: with rigid contacts and gravity only, mass drops out of the motion.

Bullet combines two bodies' friction and restitution by multiplying them, and their rolling
friction as ``rf0 f1 + rf1 f0`` (a length); each body gets the value whose combination gives
the spec's coefficient for every contact, walls included.

Particles are poured in batches, like the DEM engine: each batch is placed at random in a slab
just above the landed bed, and the next one follows when it has fallen out of its slab, so
impacts are gentle and nothing tunnels. The pour ends when every particle moves slower than
``packing.rest_velocity`` (real units), or at ``packing.max_time``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import time

import numpy as np

from bedflow.dsl import BedSpec, SpecProblem, spec_hash
from bedflow.geometry._engines import CancelFn, ProgressFn
from bedflow.geometry._engines._bullet_pour import Pour, installed, pybullet
from bedflow.geometry._engines._rigid_scene import (
    KINDS,
    QUALITY_MAX_OVERLAP,
    RigidScene,
    quality_notes,
    rigid_scene,
    spawn_batch,
    wall_facets,
)
from bedflow.geometry._packed import PackedBed, column_of
from bedflow.geometry._pour_time import incomplete
from bedflow.geometry._types import FloatArray

__all__ = [
    "QUALITY_MAX_OVERLAP",
    "BulletEngine",
    "RigidScene",
    "quality_notes",
    "rigid_scene",
    "spawn_batch",
    "wall_facets",
]

logger = logging.getLogger(__name__)


class BulletEngine:
    name = "rigid_body"
    description = "Bullet rigid bodies (pybullet): spheres, cylinders, cubes; cylinder or box"

    def version(self) -> str:
        try:
            return f"pybullet {importlib.metadata.version('pybullet')}"
        except importlib.metadata.PackageNotFoundError:
            return "pybullet (not installed)"

    def unavailable(self) -> str | None:
        if not installed():
            return (
                "the rigid_body engine needs pybullet, which is not installed: "
                "pip install 'bedflow[bullet]' (or pip install pybullet)"
            )
        return None

    def check(self, spec: BedSpec) -> list[SpecProblem]:
        if spec.particles.kind not in KINDS:
            message = f"the rigid_body engine does not pack {spec.particles.kind}s"
            return [SpecProblem(path=("packing", "method"), message=message)]
        return []

    def pack(
        self, spec: BedSpec, *, count: int, progress: ProgressFn | None, cancel: CancelFn | None
    ) -> PackedBed:
        start = time.perf_counter()
        scene = rigid_scene(spec, count)
        pb = pybullet()
        client = pb.connect(pb.DIRECT)
        try:
            run = Pour(pb, client, scene, count, progress, cancel)
            run.pour()
        finally:
            pb.disconnect(physicsClientId=client)
        column = column_of(spec)
        d, v_unit = scene.d, scene.velocity_unit
        centers = run.centers * d
        velocities = run.velocities * v_unit
        if run.in_bed < count:
            raise incomplete(
                spec, placed=run.in_bed, count=count, max_time=scene.max_time * scene.tau
            )
        notes = (
            []
            if run.settled
            else [f"not settled within max_time = {scene.max_time * scene.tau:.3g} s"]
        )
        notes += quality_notes(
            kind=scene.kind,
            centers=centers,
            diameter=d,
            column=column,
            velocities=velocities,
            rest_velocity=spec.packing.rest_velocity,
            overlap=run.overlap,
        )
        part = spec.particles
        orientations = run.orientations if scene.kind != "sphere" else _identity(run.count)
        return PackedBed(
            centers=centers,
            radii=np.full(run.count, scene.rc * d),
            orientations=orientations,
            velocities=velocities,
            kind=scene.kind,
            particle_diameter=d,
            particle_length=part.length if part.kind == "cylinder" else None,
            column=column,
            engine=self.name,
            engine_version=self.version(),
            seed=part.seed,
            settled=run.settled,
            simulated_time=run.time * scene.tau,
            wall_time=time.perf_counter() - start,
            spec_hash=spec_hash(spec),
            rest_velocity=spec.packing.rest_velocity,
            notes=tuple(notes),
        )


def _identity(n: int) -> FloatArray:
    return np.tile([1.0, 0.0, 0.0, 0.0], (n, 1))
