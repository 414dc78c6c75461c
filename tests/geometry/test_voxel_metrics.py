"""Metrics of beds the exact sphere formulas do not cover: cubes, cylinders, square columns."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from bedflow.dsl import parse
from bedflow.geometry import Column, PackedBed, packing_report, quality_problems
from bedflow.geometry._voxel_metrics import core_porosity


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


def test_core_porosity_of_the_cube_lattice_leaves_the_wall_out() -> None:
    """Exact by construction: the bulk band is 2 d to 7.75 d (bed top 9.75 d); 0.625 d off the
    walls leaves a 3.75 d square in which the lattice's cubes fill 3 d of each side, and the
    band holds 4.5 d of cubes in 5.75 d, so 1 - 0.8 * 0.8 * 4.5 / 5.75 = 0.49913. Every face
    and bound lies on the 16 cells/d grid (tolerance 1e-3). With no gap it is the bulk."""
    bed = cube_lattice()
    d = bed.particle_diameter
    assert core_porosity(bed, 0.625 * d) == pytest.approx(1 - 0.64 * 4.5 / 5.75, abs=1e-3)
    assert core_porosity(bed, 0.0) == pytest.approx(bed.metrics.bulk_porosity, abs=1e-12)


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


def test_report_of_a_cylinder_bed_in_a_tube_holds_it_against_benyahia_oneill() -> None:
    """Cylinders of 4 x 4 mm in a 40 mm tube (D/d_pe = 10 / 1.5^(1/3) = 8.736): Benyahia &
    O'Neill (2005) give 0.373 + 1.703 / 9.347^2 = 0.3925 for the whole poured bed."""
    d = 0.004
    bed = dataclasses.replace(
        cube_lattice(),
        kind="cylinder",
        particle_length=d,
        column=Column("cylinder", 10 * d, 10 * d, 10 * d, 12 * d),
    )
    spec = parse(
        "bed { diameter = 40 mm; height = 48 mm }\n"
        "particles { kind = cylinder; diameter = 4 mm; length = 4 mm; count = 128 }"
    )
    entry = packing_report(bed, spec)["correlations"]["benyahia_oneill_2005_cylinders"]
    assert entry["porosity"] == pytest.approx(0.3925, abs=5e-5)
    assert entry["bulk_minus_correlation"] == pytest.approx(
        bed.metrics.bulk_porosity - entry["porosity"], abs=1e-12
    )
