"""`PackedBed`: particles at rest in a column, as every packing engine returns them.

Saved as two files side by side: ``packing.npz`` (the arrays) and ``packing.json`` (a header:
format and version, units, the column, the engine, the seed and the spec hash). The format is
documented in ``docs/packing-format.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from bedflow._exceptions import BedInputError, Diagnostic
from bedflow.dsl import BedSpec, packing_sections
from bedflow.geometry._metrics import BedMetrics, bed_metrics
from bedflow.geometry._types import FloatArray
from bedflow.geometry._voxel_metrics import voxel_metrics

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Column",
    "PackedBed",
    "column_of",
    "load_packing",
    "packing_differences",
]

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
    packed_from : dict or None
        The sections of the spec that shaped it (``dsl.packing_sections``), to tell later
        whether another spec describes the same packing; None for packings of older versions.
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
    packed_from: dict[str, Any] | None = None

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
        } | (
            {}
            if self.packed_from is None
            else {"packing_hash": _hash(self.packed_from), "packed_from": self.packed_from}
        )

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
        packed_from=header.get("packed_from"),
    )


def _hash(sections: dict[str, Any]) -> str:
    text = json.dumps(sections, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        out |= _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    return out


def packing_differences(packed: PackedBed, spec: BedSpec) -> list[str]:
    """How ``spec`` differs from the spec ``packed`` was made from, in the sections that shape
    a packing (bed, lids, particles, packing): one ``"key: packed X, now Y"`` per key; empty
    when it describes the same packing. ``cfd`` and ``export`` never count.

    Packings written before bedflow kept those sections are compared on what their header
    holds (the particles and the column).
    """
    if packed.packed_from is not None:
        if packed.packed_from == (now := packing_sections(spec)):
            return []
        old, new = _leaves(packed.packed_from), _leaves(now)
        return [
            f"{key}: packed {_show(old.get(key))}, now {_show(new.get(key))}"
            for key in sorted(old.keys() | new.keys())
            if old.get(key) != new.get(key)
        ]
    p = spec.particles
    header = {
        "particles.kind": (packed.kind, p.kind),
        "particles.diameter": (packed.particle_diameter, p.diameter),
        "particles.length": (packed.particle_length, p.length if p.kind == "cylinder" else None),
        "bed (column interior)": (packed.column, column_of(spec)),
    }
    if p.count is not None:
        header["particles.count"] = (packed.count, p.count)
    return [
        f"{key}: packed {_show(a)}, now {_show(b)}"
        for key, (a, b) in header.items()
        if not _same(a, b)
    ]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9)
    return bool(a == b)


def _show(value: Any) -> str:
    if value is None:
        return "(unset)"
    return json.dumps(value) if isinstance(value, str) else str(value)
