"""Metrics of beds the exact sphere formulas do not cover: cubes, cylinders, square columns."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bedflow.dsl import parse
from bedflow.geometry import Column, PackedBed, packing_report, quality_problems


def cube_lattice() -> PackedBed:
    """4 x 4 x 8 cubes of edge d on a 1.25 d pitch in a square column 5 d wide."""
    d = 0.004
    xs = -2.5 * d + 0.625 * d + 1.25 * d * np.arange(4)
    zs = 0.5 * d + 1.25 * d * np.arange(8)
    centers = np.array([(x, y, z) for z in zs for y in xs for x in xs], dtype=np.float64)
    n = centers.shape[0]
    return PackedBed(
        centers=centers,
        radii=np.full(n, d * math.sqrt(3) / 2),
        orientations=np.tile([1.0, 0.0, 0.0, 0.0], (n, 1)),
        kind="cube",
        particle_diameter=d,
        particle_length=None,
        column=Column("box", 5 * d, 5 * d, 5 * d, 12 * d),
        engine="test",
        engine_version="0",
        seed=0,
        settled=True,
        simulated_time=0.0,
        wall_time=0.0,
        spec_hash="",
        rest_velocity=0.002,
        velocities=np.zeros((n, 3)),
    )


def test_cube_lattice_porosity_from_voxels() -> None:
    """Exact by construction: 128 cubes of d^3 in a 5 d x 5 d x 9.75 d box below the bed top
    give porosity 1 - 128 / 243.75 = 0.4749; the faces lie on the 16 cells/d grid, so the
    voxel count is exact up to rounding (tolerance 1e-3)."""
    bed = cube_lattice()
    m = bed.metrics
    assert not bed.exact_metrics
    assert m.bed_height == pytest.approx(9.75 * 0.004, rel=1e-9)
    assert m.porosity == pytest.approx(1 - 128 / 243.75, abs=1e-3)
    assert math.isnan(m.max_overlap) and m.escaped == 0 and m.unsettled == 0


def test_report_of_a_cube_bed_says_what_it_did_not_measure() -> None:
    bed = cube_lattice()
    spec = parse(
        "bed { shape = box; diameter = 20 mm; height = 48 mm }\n"
        "particles { kind = cube; diameter = 4 mm; count = 128 }"
    )
    report = packing_report(bed, spec)
    assert report["max_overlap_fraction_of_d"] is None
    assert report["correlations"] == {}
    assert quality_problems(bed) == []
