"""STL: ``stl`` and ``stl_binary`` (one binary file per part: binary STL cannot name its
solid), ``stl_ascii`` (one file of named solids, ``solid particles`` ... ``endsolid
particles``, which snappyHexMesh reads as separate patches)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final, TextIO

import numpy as np
import trimesh

from bedflow.geometry._export import encoded, part_path, scene_groups


class BinaryStl:
    description = "binary STL, one file per part (bed-particles.stl, bed-wall.stl, ...)"

    def __init__(self, name: str) -> None:
        self.name = name

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for part, mesh in parts.items():
            path = part_path(directory, part, "stl")
            path.write_bytes(encoded(mesh, "stl"))
            files.append(path)
        return files


#: One facet of an ASCII STL; 9 significant digits keep 1e-9 of the bed's size.
FACET: Final = (
    "facet normal %.9g %.9g %.9g\n outer loop\n  vertex %.9g %.9g %.9g\n"
    "  vertex %.9g %.9g %.9g\n  vertex %.9g %.9g %.9g\n endloop\nendfacet\n"
)
#: Facets formatted at once (bounds the memory of the text being built).
CHUNK: Final = 65536


def write_solid(fh: TextIO, name: str, mesh: trimesh.Trimesh) -> None:
    """Write one ASCII STL solid called ``name`` (a part name, never user text).

    trimesh's ASCII writer cannot name a solid and is ~4 times slower than formatting
    whole chunks of facets with one ``%``.
    """
    normals = np.asarray(mesh.face_normals, dtype=np.float64)
    triangles = np.asarray(mesh.triangles, dtype=np.float64).reshape(-1, 9)
    fh.write(f"solid {name}\n")
    for start in range(0, len(triangles), CHUNK):
        rows = np.hstack((normals[start : start + CHUNK], triangles[start : start + CHUNK]))
        fh.write((FACET * len(rows)) % tuple(rows.ravel().tolist()))
    fh.write(f"endsolid {name}\n")


class AsciiStl:
    name = "stl_ascii"
    description = "ASCII STL with one named solid per part (bed.stl; the fluid in bed-fluid.stl)"

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for path, group in scene_groups(parts, directory, "stl"):
            with path.open("w", encoding="ascii", newline="\n") as fh:
                for part, mesh in group.items():
                    write_solid(fh, part, mesh)
            files.append(path)
        return files


STL = BinaryStl("stl")
STL_BINARY = BinaryStl("stl_binary")
