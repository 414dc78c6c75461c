"""PLY (binary): one file per part, ``bed-particles.ply``, ``bed-wall.ply``, ... (a PLY file
holds one unnamed mesh)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import trimesh

from bedflow.geometry._export import encoded, part_path


class Ply:
    name = "ply"
    description = "binary PLY, one file per part"

    def unavailable(self) -> str | None:
        return None

    def write(
        self, parts: Mapping[str, trimesh.Trimesh], directory: Path, units: str
    ) -> list[Path]:
        files = []
        for part, mesh in parts.items():
            path = part_path(directory, part, "ply")
            path.write_bytes(encoded(mesh, "ply", encoding="binary"))
            files.append(path)
        return files
