"""Export of a :class:`~bedflow.geometry.BedGeometry` to 3D files, one module per format.

Each module here defines an exporter, named in the registry
``bedflow._registry.EXPORT_FORMATS`` (another package's through an entry point in the group
``bedflow.export_formats``); :func:`exporters` imports them all. Adding a format is adding one
module. File names come from the part names
only (``bed.<ext>``, ``bed-<part>.<ext>``), never from user text.

Formats that hold several named objects (ASCII STL, OBJ, glTF/GLB) write the bed's parts into
one file ``bed.<ext>``; formats that hold one unnamed mesh (binary STL, PLY) write one file
per part, ``bed-particles.stl``, ``bed-wall.stl``, ... The fluid cavity overlaps the other
parts, so it always goes to its own file ``bed-fluid.<ext>``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol, cast

import numpy as np
import trimesh

from bedflow._exceptions import BedValidationError, Diagnostic, EngineUnavailable
from bedflow._registry import EXPORT_FORMATS
from bedflow.dsl import BedSpec
from bedflow.geometry._mesh import BedGeometry

__all__ = [
    "STEM",
    "UNIT_FACTORS",
    "ExportReport",
    "Exporter",
    "encoded",
    "export_formats",
    "export_geometry",
    "exporters",
    "part_path",
    "scene_groups",
    "scene_of",
]

logger = logging.getLogger(__name__)

#: Stem of every exported file name.
STEM: Final = "bed"
#: Length of one metre in each export unit.
UNIT_FACTORS: Final = {"m": 1.0, "cm": 100.0, "mm": 1000.0}
#: The part that gets a file of its own in every format.
SEPARATE_PART: Final = "fluid"


class Exporter(Protocol):
    """What an export format provides."""

    name: str
    description: str

    def unavailable(self) -> str | None:
        """None when the format can be written here, else why not and how to fix it."""

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        """Write ``parts`` (already in ``units``) into ``directory``; return the files."""


def exporters() -> dict[str, Exporter]:
    """Every registered export format, by name (importing each format module once)."""
    return EXPORT_FORMATS.load_all()


def export_formats() -> tuple[str, ...]:
    """Names of the export formats, sorted.

    >>> "stl_ascii" in export_formats()
    True
    """
    return tuple(sorted(EXPORT_FORMATS.names()))


def encoded(obj: trimesh.Trimesh | trimesh.Scene, file_type: str, **options: Any) -> bytes:
    """``obj.export(file_type=...)`` as bytes (trimesh's export is untyped and returns text
    for text formats)."""
    data: Any = cast(Any, obj).export(file_type=file_type, **options)
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, dict):
        # glTF with embedded buffers: one JSON file
        (data,) = data.values()
    if not isinstance(data, bytes):
        raise TypeError(f"trimesh returned {type(data).__name__} for {file_type}")
    return data


def scene_of(group: Mapping[str, trimesh.Trimesh]) -> trimesh.Scene:
    """A scene with one node per part, named after it."""
    scene = trimesh.Scene()
    for part, mesh in group.items():
        scene.add_geometry(mesh, geom_name=part, node_name=part)
    return scene


def part_path(directory: Path, part: str, ext: str) -> Path:
    """``directory / "bed-<part>.<ext>"``."""
    return directory / f"{STEM}-{part}.{ext}"


def scene_groups(
    parts: Mapping[str, trimesh.Trimesh], directory: Path, ext: str
) -> list[tuple[Path, dict[str, trimesh.Trimesh]]]:
    """The files of a multi-object format: ``bed.<ext>`` with every part but the fluid, and
    ``bed-fluid.<ext>`` with the fluid cavity when there is one."""
    bed = {k: v for k, v in parts.items() if k != SEPARATE_PART}
    groups = [(directory / f"{STEM}.{ext}", bed)] if bed else []
    if SEPARATE_PART in parts:
        groups.append(
            (part_path(directory, SEPARATE_PART, ext), {SEPARATE_PART: parts[SEPARATE_PART]})
        )
    return groups


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_geometry` wrote and found.

    ``factor`` is the multiplier applied to SI coordinates (unit factor times ``scale``);
    ``watertight`` is per part (empty when ``manifold_check`` is off); ``warnings`` lists the
    closed parts that are not watertight after vertex merging, and the geometry's own notes.
    """

    files: tuple[Path, ...]
    units: str
    factor: float
    watertight: Mapping[str, bool] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Path]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def _merge(mesh: trimesh.Trimesh, distance: float) -> trimesh.Trimesh:
    """Vertices on the same cell of a grid of pitch ``distance`` become one; triangles that
    collapse are dropped."""
    verts = np.asarray(mesh.vertices, dtype=np.float64)
    faces = np.asarray(mesh.faces, dtype=np.int64)
    if distance <= 0.0 or len(verts) == 0:
        return mesh
    keys = np.round(verts / distance).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    if len(first) == len(verts):
        return mesh
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    remap = rank[inverse.reshape(-1)]
    new_faces = remap[faces]
    keep = (
        (new_faces[:, 0] != new_faces[:, 1])
        & (new_faces[:, 1] != new_faces[:, 2])
        & (new_faces[:, 0] != new_faces[:, 2])
    )
    return trimesh.Trimesh(verts[first[order]], new_faces[keep], process=False)


def _prepared(geometry: BedGeometry, factor: float, merge: float) -> dict[str, trimesh.Trimesh]:
    out: dict[str, trimesh.Trimesh] = {}
    for name, mesh in geometry.parts.items():
        scaled = trimesh.Trimesh(
            np.asarray(mesh.vertices, dtype=np.float64) * factor,
            np.asarray(mesh.faces, dtype=np.int64),
            process=False,
        )
        out[name] = _merge(scaled, merge)
    return out


def export_geometry(
    geometry: BedGeometry,
    spec: BedSpec,
    directory: str | Path,
    *,
    formats: Sequence[str] | None = None,
) -> ExportReport:
    """Write ``geometry`` in the formats of ``spec.export`` (or ``formats``) to ``directory``.

    Coordinates are multiplied by the ``export.units`` factor (m: 1, cm: 100, mm: 1000) and
    ``export.scale``; vertices closer than ``export.merge_distance`` (m) are merged. ``stl``
    and ``stl_binary`` write one binary file per part (``bed-particles.stl``, ``bed-wall.stl``,
    ``bed-inlet.stl``, ...), since binary STL cannot name solids; ``stl_ascii`` writes one
    ``bed.stl`` with the named solids ``particles``, ``wall``, ``lids``, ``inlet``, ``outlet``
    (snappyHexMesh tells patches apart by them). Every format is checked to be available
    before anything is written (``blend`` needs the ``blender`` executable).

    >>> report = export_geometry(geo, spec, "out")  # doctest: +SKIP
    >>> [p.name for p in report.files], report.warnings  # doctest: +SKIP
    (['bed-particles.stl', 'bed-wall.stl', ...], ())
    """
    table = exporters()
    chosen = list(dict.fromkeys(formats if formats is not None else spec.export.formats))
    unknown = [f for f in chosen if f not in table]
    if unknown:
        raise BedValidationError(
            [
                Diagnostic(
                    f"unknown export format {f!r}; known: {', '.join(sorted(table))}",
                    path=("export", "formats"),
                )
                for f in unknown
            ]
        )
    for name in chosen:
        why = table[name].unavailable()
        if why is not None:
            raise EngineUnavailable(f"export format {name!r} cannot be written here: {why}")

    ex = spec.export
    factor = UNIT_FACTORS[ex.units] * ex.scale
    if not (math.isfinite(factor) and factor > 0.0):
        raise BedValidationError(
            [Diagnostic(f"export scale gives the factor {factor!r}", path=("export", "scale"))]
        )
    parts = _prepared(geometry, factor, ex.merge_distance * factor)

    warnings: list[str] = list(geometry.notes)
    watertight: dict[str, bool] = {}
    if ex.manifold_check:
        watertight = {name: bool(mesh.is_watertight) for name, mesh in parts.items()}
        warnings.extend(
            f"part {name!r} is not watertight: its mesh has open or non-manifold edges"
            for name, ok in watertight.items()
            if name in geometry.closed and not ok
        )
    for text in warnings:
        logger.warning("export: %s", text)

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name in chosen:
        for path in table[name].write(parts, out, ex.units):
            if path not in files:
                files.append(path)
    logger.info("exported %d files (%s) to %s", len(files), ", ".join(chosen), out)
    return ExportReport(
        files=tuple(files),
        units=ex.units,
        factor=factor,
        watertight=watertight,
        warnings=tuple(warnings),
    )
