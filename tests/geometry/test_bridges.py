"""Bridges at the contacts (`bridged_spheres`): which pairs are joined, and the solid's volume
against the exact volume of the wedges a bridge fills."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bedflow import dsl
from bedflow.geometry import PackedBed, bridged_spheres, pack, slab_solid_volume
from tests.geometry.test_mesh import placed

D = 0.005  # particle diameter, m
R = 0.5 * D


def wedge_volume(a: float, r: float) -> float:
    """Exact volume outside two touching spheres of radius ``r`` and inside a cylinder of
    radius ``a`` on their line of centres: 2 pi r a^2 - 4 pi / 3 (r^3 - (r^2 - a^2)^1.5)."""
    return float(2 * math.pi * r * a**2 - 4 * math.pi / 3 * (r**3 - (r**2 - a**2) ** 1.5))


def bed(
    centers: list[list[float]], column: str = "bed { diameter = 50 mm; height = 40 mm }"
) -> PackedBed:
    spec = dsl.parse(f"{column} particles {{ diameter = 5 mm; count = {len(centers)} }}")
    return placed(spec, centers, [[1.0, 0.0, 0.0, 0.0]] * len(centers))


def test_touching_pair_gets_one_bridge_of_the_wedge_volume() -> None:
    z = 0.02
    pair = bridged_spheres(bed([[0.0, 0.0, z], [D, 0.0, z]]))
    alone = bridged_spheres(bed([[0.0, 0.0, z], [2 * D, 0.0, z]]))
    assert pair.pairs.tolist() == [[0, 1]] and len(alone.pairs) == 0
    assert len(pair.wall) == len(pair.floor) == 0 and pair.count == 1
    assert pair.mesh.is_watertight and len(pair.mesh.split(only_watertight=True)) == 1
    assert len(alone.mesh.split(only_watertight=True)) == 2
    # the bridge adds the wedges between the spheres and nothing else. The rod is a polygon
    # of 24 sides inscribed in its circle (area 1.1 % short, corrected for below); the
    # icospheres' facets lie up to ~5e-4 r inside the sphere, which widens the wedge by up to
    # 1e-3 r over the rod's cross-section, about 6 % of the wedge: tolerance 10 % of the
    # wedge (0.006 % of a sphere)
    added = pair.solid.volume() - alone.solid.volume()
    a = 0.5 * pair.bridge_diameter
    inscribed = 0.5 * 24 * math.sin(2 * math.pi / 24) / math.pi
    assert added == pytest.approx(wedge_volume(a * math.sqrt(inscribed), R), rel=0.1)
    assert added / (4 / 3 * math.pi * R**3) < 1e-3


def test_gap_threshold_wall_and_floor() -> None:
    # 0.01 d apart: bridged; 0.03 d apart: not (the threshold is 0.02 d)
    z = 0.02
    near = bridged_spheres(bed([[0.0, 0.0, z], [1.01 * D, 0.0, z]]))
    far = bridged_spheres(bed([[0.0, 0.0, z], [1.03 * D, 0.0, z]]))
    assert len(near.pairs) == 1 and len(far.pairs) == 0
    # resting on the floor and touching the wall of a 25 mm column
    one = bridged_spheres(bed([[0.0125 - R, 0.0, R]], "bed { diameter = 25 mm; height = 30 mm }"))
    assert one.wall.tolist() == [0] and one.floor.tolist() == [0] and one.mesh.is_watertight
    # what reaches past the wall and below the floor is not counted in the column
    inside = one.slab_solid_volume(-0.01, 0.03, 0.0125)
    assert inside == pytest.approx(one.solid.volume(), rel=0.02)
    assert inside < one.solid.volume()


def test_a_poured_bed_keeps_its_porosity() -> None:
    """The bridged solid of a packed bed is within 0.2 % of the exact spheres' volume in a
    slab (icospheres lose ~0.1 %, bridges add ~0.2 % of the solid)."""
    spec = dsl.parse(
        "bed { diameter = 25 mm; height = 30 mm } particles { diameter = 5 mm; count = 30 }"
    )
    packed = pack(spec, engine="hexagonal_3d")
    b = bridged_spheres(packed)
    assert b.mesh.is_watertight and b.count > 0
    z1, z2 = 0.002, 0.012
    exact = slab_solid_volume(packed.centers, packed.radii, z1, z2)
    assert b.slab_solid_volume(z1, z2, 0.0125) == pytest.approx(exact, rel=2e-3)
    # every pair it bridges is closer than the gap, every pair closer is bridged
    c = np.asarray(packed.centers)
    dist = np.linalg.norm(c[:, None] - c[None], axis=2)
    close = {(i, j) for i, j in zip(*np.nonzero(dist < D * 1.02), strict=True) if i < j}
    assert {tuple(p) for p in b.pairs.tolist()} == close


def test_only_spheres() -> None:
    spec = dsl.parse(
        "bed { diameter = 50 mm } particles { kind = cube; diameter = 4 mm; count = 1 }"
    )
    cube = placed(spec, [[0.0, 0.0, 0.01]], [[1.0, 0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="spheres"):
        bridged_spheres(cube)
