"""The pipeline's engines as the settings page shows them.

A static table: importing the geometry or cfd registries would load numba at app start. Each
engine is stored as the setting ``engine.<name>`` = ``{"enabled": bool, "options": {...}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ENGINES", "Engine"]


@dataclass(frozen=True)
class Engine:
    """A packing engine or solver, and whether it is on by default."""

    name: str
    kind: Literal["packing", "solver"]
    description: str
    enabled_by_default: bool = True

    @property
    def setting_key(self) -> str:
        """The installation setting that stores its state."""
        return f"engine.{self.name}"


ENGINES: dict[str, Engine] = {
    e.name: e
    for e in (
        Engine("dem", "packing", "soft-sphere DEM pour (numba)"),
        Engine("rigid_body", "packing", "rigid-body pour with Bullet (pybullet)"),
        Engine("blender", "packing", "rigid-body pour in Blender (needs a Blender install)", False),
        Engine("hexagonal_3d", "packing", "ordered hexagonal close packing"),
        Engine("spherical_packing", "packing", "ordered packing in concentric shells"),
        Engine("lbm", "solver", "D3Q19 lattice-Boltzmann (numba)"),
        Engine("openfoam", "solver", "OpenFOAM simpleFoam case (needs OpenFOAM)", False),
        Engine("correlation", "solver", "Ergun, Carman-Kozeny and Eisfeld-Schnitzlein only"),
    )
}
