"""`PackedBed`: particles at rest in a column, as every packing engine returns them.

Saved as two files side by side: ``packing.npz`` (the arrays) and ``packing.json`` (a header:
format and version, units, the column, the engine, the seed and the spec hash). The format is
documented in ``docs/packing-format.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bedflow._exceptions import BedInputError, Diagnostic
from bedflow.dsl import BedSpec
from bedflow.geometry._metrics import BedMetrics, bed_metrics
from bedflow.geometry._types import FloatArray
from bedflow.geometry._voxel_metrics import voxel_metrics

__all__ = ["FORMAT", "FORMAT_VERSION", "Column", "PackedBed", "column_of", "load_packing"]

FORMAT = "bedflow-packing"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Column:
    """The inside of the column the particles lie in; its floor is z = 0, its axis x = y = 0.

    ``height`` is the free inner height (between the lids); ``width``/``depth`` are those of a
    box and equal ``diameter`` for a cylinder.
    """

    shape: str
    diameter: float
    width: float
    depth: float
    height: float


def column_of(spec: BedSpec) -> Column:
    """The column interior of a spec."""
    b = spec.bed
    return Column(b.shape, b.diameter, b.inner_width, b.inner_depth, spec.inner_height)


@dataclass(frozen=True)
class PackedBed:
    """Particles at rest in a column.

    Attributes
    ----------
    centers : (n, 3) float, m
    radii : (n,) float, m
        Sphere radius; for other shapes the radius of the circumscribed sphere.
    orientations : (n, 4) float
        Unit quaternions (w, x, y, z) of non-spherical particles; identity for spheres.
    velocities : (n, 3) float, m/s, or None
        Velocities at the end of the pour, when the engine reports them.
    """

    centers: FloatArray
    radii: FloatArray
    orientations: FloatArray
    kind: str
    particle_diameter: float
    particle_length: float | None
    column: Column
    engine: str
    engine_version: str
    seed: int
    settled: bool
    simulated_time: float
    wall_time: float
    spec_hash: str
    rest_velocity: float
    velocities: FloatArray | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def count(self) -> int:
        return int(self.centers.shape[0])

    @property
    def exact_metrics(self) -> bool:
        """True for spheres in a cylinder, whose metrics are exact; others use voxels."""
        return self.kind == "sphere" and self.column.shape == "cylinder"

    @cached_property
    def metrics(self) -> BedMetrics:
        """Porosities, profiles, contacts and defects: exact for spheres in a cylinder, from
        the voxel model otherwise (overlaps and contacts then NaN)."""
        rest = self.rest_velocity if self.velocities is not None else None
        if not self.exact_metrics:
            return voxel_metrics(self, rest_velocity=rest)
        return bed_metrics(
            self.centers,
            self.radii,
            column_diameter=self.column.diameter,
            column_height=self.column.height,
            velocities=self.velocities,
            rest_velocity=self.rest_velocity if self.velocities is not None else None,
        )

    def header(self) -> dict[str, Any]:
        """The JSON header written next to the arrays."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "units": "SI (m, m/s)",
            "count": self.count,
            "kind": self.kind,
            "particle_diameter": self.particle_diameter,
            "particle_length": self.particle_length,
            "column": self.column.__dict__,
            "engine": self.engine,
            "engine_version": self.engine_version,
            "seed": self.seed,
            "settled": self.settled,
            "simulated_time": self.simulated_time,
            "wall_time": self.wall_time,
            "spec_hash": self.spec_hash,
            "rest_velocity": self.rest_velocity,
            "notes": list(self.notes),
        }

    def save(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``packing.npz`` and ``packing.json`` into ``directory``; return their paths."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, FloatArray] = {
            "centers": self.centers,
            "radii": self.radii,
            "orientations": self.orientations,
        }
        if self.velocities is not None:
            arrays["velocities"] = self.velocities
        npz = out / "packing.npz"
        np.savez_compressed(npz, **arrays)  # type: ignore[arg-type]
        head = out / "packing.json"
        head.write_text(json.dumps(self.header(), indent=2) + "\n", encoding="utf-8")
        return npz, head


def load_packing(directory: str | Path) -> PackedBed:
    """Read a packing written by :meth:`PackedBed.save` (checks format and version)."""
    where = Path(directory)
    try:
        header = json.loads((where / "packing.json").read_text(encoding="utf-8"))
        if header.get("format") != FORMAT or header.get("version") != FORMAT_VERSION:
            raise ValueError(f"not a {FORMAT} v{FORMAT_VERSION} header")
        with np.load(where / "packing.npz", allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k], dtype=np.float64) for k in data.files}
    except (OSError, ValueError, KeyError) as exc:
        raise BedInputError(
            [Diagnostic(f"cannot read the packing: {exc}", filename=str(where))]
        ) from None
    return PackedBed(
        centers=arrays["centers"],
        radii=arrays["radii"],
        orientations=arrays["orientations"],
        velocities=arrays.get("velocities"),
        kind=header["kind"],
        particle_diameter=header["particle_diameter"],
        particle_length=header["particle_length"],
        column=Column(**header["column"]),
        engine=header["engine"],
        engine_version=header["engine_version"],
        seed=header["seed"],
        settled=header["settled"],
        simulated_time=header["simulated_time"],
        wall_time=header["wall_time"],
        spec_hash=header["spec_hash"],
        rest_velocity=header["rest_velocity"],
        notes=tuple(header.get("notes", ())),
    )
