"""glTF 2.0: ``glb`` (binary) and ``gltf`` (JSON with embedded buffers), one named node per
part in ``bed.glb`` / ``bed.gltf`` (the fluid in ``bed-fluid.*``). glTF viewers take
coordinates as metres: with ``units = mm`` the bed looks 1000 times larger there."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import trimesh

from bedflow.geometry._export import encoded, scene_groups, scene_of


class Glb:
    name = "glb"
    description = "binary glTF, one named node per part"

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for path, group in scene_groups(parts, directory, "glb"):
            path.write_bytes(encoded(scene_of(group), "glb"))
            files.append(path)
        return files


class Gltf:
    name = "gltf"
    description = "glTF JSON with embedded buffers, one named node per part"

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for path, group in scene_groups(parts, directory, "gltf"):
            path.write_bytes(encoded(scene_of(group), "gltf", embed_buffers=True))
            files.append(path)
        return files
