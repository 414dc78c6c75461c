"""Factories of `.bed` text and specs for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from bedflow.geometry import Column, PackedBed

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.bed"))
DATA = REPO / "tests" / "data"

MINIMAL = "bed { }\nparticles { }\n"


def bed_text(bed: str = "", particles: str = "count = 100;", extra: str = "") -> str:
    """A valid bed with the given section bodies (5 mm spheres in a 50 mm column by default)."""
    return f"bed {{ {bed} }}\nparticles {{ {particles} }}\n{extra}"


def sphere_bed(
    centers: ArrayLike, radius: float, particle_diameter: float, diameter: float, height: float
) -> PackedBed:
    """Spheres of ``radius`` placed by hand at ``centers`` (n, 3) in a cylindrical column,
    settled, as a test or a verification case builds them (all in m)."""
    points = np.asarray(centers, dtype=np.float64).reshape(-1, 3)
    n = points.shape[0]
    return PackedBed(
        centers=points,
        radii=np.full(n, radius),
        orientations=np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
        kind="sphere",
        particle_diameter=particle_diameter,
        particle_length=None,
        column=Column("cylinder", diameter, diameter, diameter, height),
        engine="verification",
        engine_version="0",
        seed=0,
        settled=True,
        simulated_time=0.0,
        wall_time=0.0,
        spec_hash="",
        rest_velocity=0.0,
    )
