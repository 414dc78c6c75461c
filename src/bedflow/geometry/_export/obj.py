"""Wavefront OBJ: one ``o <part>`` object per part in ``bed.obj`` (the fluid in
``bed-fluid.obj``). Read back with ``trimesh.load_scene(path, split_objects=True)``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import trimesh

from bedflow.geometry._export import encoded, scene_groups, scene_of

#: Decimals written per coordinate: 1e-9 of the export unit.
DIGITS = 9


class Obj:
    name = "obj"
    description = "Wavefront OBJ, one named object per part"

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for path, group in scene_groups(parts, directory, "obj"):
            path.write_bytes(encoded(scene_of(group), "obj", digits=DIGITS, include_normals=False))
            files.append(path)
        return files
