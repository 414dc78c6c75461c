"""Exact porosity metrics against analytical volumes."""

import math

import numpy as np
import pytest

from bedflow.geometry import (
    bed_metrics,
    hexagonal_pack,
    radial_solid_volumes,
    ring_pack,
    slab_solid_volume,
)

R = 0.0025  # sphere radius, m
D = 2 * R


def _cap(h: float, r: float = R) -> float:
    """Volume of a spherical cap of height h: pi h^2 (3r - h) / 3 (Archimedes; any
    handbook, e.g. CRC Standard Mathematical Tables)."""
    return math.pi * h * h * (3 * r - h) / 3


@pytest.mark.parametrize(("lo", "hi"), [(-R, 0.3 * R), (0.2 * R, 0.9 * R), (-2 * R, 2 * R)])
def test_single_sphere_slab_is_cap_difference(lo: float, hi: float) -> None:
    """A sphere centred at z = 0 cut by the slab [lo, hi]: cap(hi + r) - cap(lo + r), with
    the cap heights clipped to [0, 2r]. Same closed form evaluated independently, so the
    tolerance is round-off (1e-12 relative)."""
    centers = np.zeros((1, 3))
    expected = _cap(min(max(hi + R, 0), 2 * R)) - _cap(min(max(lo + R, 0), 2 * R))
    got = slab_solid_volume(centers, np.array([R]), lo, hi)
    assert got == pytest.approx(expected, rel=1e-12)


def test_simple_cubic_band_porosity() -> None:
    """Simple cubic lattice of spacing d: solid fraction pi/6, porosity 1 - pi/6 = 0.4764
    (Kepler; textbook value). Any slab whose thickness is a whole number of periods holds
    exactly one sphere volume per cell, so the result is exact to round-off."""
    n = 6
    g = (np.arange(n) + 0.5) * D
    x, y, z = np.meshgrid(g, g, g, indexing="ij")
    centers = np.column_stack((x.ravel(), y.ravel(), z.ravel()))
    radii = np.full(centers.shape[0], R)
    lo = 1.37 * D  # arbitrary phase, interior of the lattice
    hi = lo + 3 * D
    solid = slab_solid_volume(centers, radii, lo, hi)
    porosity = 1 - solid / ((n * D) ** 2 * (hi - lo))
    assert porosity == pytest.approx(1 - math.pi / 6, rel=1e-12)


@pytest.mark.parametrize("rho", [0.1 * R, 0.5 * R, 0.99 * R, 1.5 * R])
def test_radial_volume_on_axis_sphere(rho: float) -> None:
    """Sphere on the axis inside the cylinder x^2 + y^2 <= rho^2: V = 4/3 pi (r^3 -
    (r^2 - rho^2)^(3/2)) (sphere minus the two caps beyond the cylinder). The integrand is
    piecewise polynomial there, so Gauss-Legendre is exact to round-off (1e-10 relative)."""
    expected = 4 / 3 * math.pi * (R**3 - max(R * R - rho * rho, 0) ** 1.5)
    got = radial_solid_volumes(np.zeros((1, 3)), np.array([R]), np.array([rho]), -1.0, 1.0)[0]
    assert got == pytest.approx(expected, rel=1e-10)


def _reference_in_cylinder(s: float, rho: float, n: int = 40001) -> float:
    """Composite Simpson over z of the circle-disk intersection area (independent numpy)."""
    z = np.linspace(-R, R, n)
    c = np.sqrt(np.maximum(R * R - z * z, 0.0))
    area = np.zeros_like(z)
    full = s + c <= rho
    area[full] = math.pi * c[full] ** 2
    part = (~full) & (s < rho + c) & (c > 0)
    cc = c[part]
    a1 = np.clip((s * s + rho * rho - cc * cc) / (2 * s * rho), -1, 1)
    a2 = np.clip((s * s + cc * cc - rho * rho) / (2 * s * cc), -1, 1)
    k = (-s + rho + cc) * (s + rho - cc) * (s - rho + cc) * (s + rho + cc)
    area[part] = (
        rho * rho * np.arccos(a1) + cc * cc * np.arccos(a2) - 0.5 * np.sqrt(np.maximum(k, 0))
    )
    h = z[1] - z[0]
    return float(h / 3 * (area[0] + area[-1] + 4 * area[1:-1:2].sum() + 2 * area[2:-1:2].sum()))


@pytest.mark.parametrize(("s", "rho"), [(2 * R, 2.5 * R), (3 * R, 2.2 * R), (0.5 * R, 1.2 * R)])
def test_radial_volume_off_axis_sphere(s: float, rho: float) -> None:
    """Off-axis sphere cut by a coaxial cylinder, against an independent 40001-point Simpson
    quadrature (error < 1e-8 of the sphere volume at this resolution). Bound asserted:
    1e-6 of the sphere volume, the accuracy stated in bedflow.geometry._metrics."""
    centers = np.array([[s, 0.0, 0.0]])
    got = radial_solid_volumes(centers, np.array([R]), np.array([rho]), -1.0, 1.0)[0]
    assert got == pytest.approx(_reference_in_cylinder(s, rho), abs=1e-6 * 4 / 3 * math.pi * R**3)


def test_radial_shells_sum_to_sphere_volumes() -> None:
    """Shell volumes telescope: the outermost cylinder holds every sphere whole."""
    rng = np.random.default_rng(3)
    centers = np.column_stack((rng.uniform(-3 * R, 3 * R, (20, 2)), rng.uniform(R, 9 * R, 20)))
    edges = np.linspace(0, 6 * R, 31)
    v = radial_solid_volumes(centers, np.full(20, R), edges, 0.0, 1.0)
    assert v[-1] == pytest.approx(20 * 4 / 3 * math.pi * R**3, rel=1e-12)
    assert np.all(np.diff(v) >= -1e-18)


def test_hexagonal_core_has_close_packed_fraction() -> None:
    """Hexagonal close packing has solid fraction pi / (3 sqrt 2) = 0.74048 (Gauss 1831).

    Measured in a core cylinder (radius 7.5 d, away from the wall of a D/d = 30 column)
    over four whole ABAB periods, so only the disk's sampling of the triangular lattice
    differs from the unbounded value: measured 2e-4; asserted within 2e-3."""
    p = hexagonal_pack(column_diameter=30 * D, column_height=12 * D, particle_diameter=D)
    z0 = R + 0.5 * p.layer_spacing
    z1 = z0 + 8 * p.layer_spacing
    core = 7.5 * D
    v = radial_solid_volumes(p.centers, p.radii, np.array([core]), z0, z1)[0]
    phi = v / (math.pi * core**2 * (z1 - z0))
    assert phi == pytest.approx(math.pi / (3 * math.sqrt(2)), rel=2e-3)


def test_hexagonal_pack_contacts_without_overlap() -> None:
    """In HCP every sphere touches at most 12 others (kissing number), interior ones
    exactly 12; spheres only touch (overlap at round-off), stay inside the column."""
    p = hexagonal_pack(column_diameter=12 * D, column_height=6 * D, particle_diameter=D)
    m = bed_metrics(p.centers, p.radii, column_diameter=12 * D, column_height=6 * D)
    assert m.max_overlap < 1e-9
    assert m.max_wall_penetration < 1e-9
    assert m.escaped == 0
    assert 9.0 < m.coordination_number < 12.0
    assert m.bed_height <= 6 * D


def test_ring_pack_is_valid_and_deterministic() -> None:
    """Rings of floor(pi / asin(d / 2 rho)) spheres: 15, 9 and 2 for D/d = 6."""
    a = ring_pack(column_diameter=6 * D, column_height=4 * D, particle_diameter=D)
    b = ring_pack(column_diameter=6 * D, column_height=4 * D, particle_diameter=D)
    assert np.array_equal(a.centers, b.centers)
    assert a.centers.shape[0] == 4 * 26
    m = bed_metrics(a.centers, a.radii, column_diameter=6 * D)
    assert m.max_overlap < 1e-9
    assert m.max_wall_penetration < 1e-9


def test_ordered_count_truncates() -> None:
    p = hexagonal_pack(column_diameter=10 * D, column_height=10 * D, particle_diameter=D, count=50)
    assert p.centers.shape == (50, 3)
    assert p.radii.shape == (50,)


def test_bed_metrics_porosity_band_and_defects() -> None:
    """Porosity of the whole bed from exact slab volumes of a stack of simple-cubic layers
    in a cylinder; escaped and unsettled spheres are counted."""
    p = ring_pack(column_diameter=6 * D, column_height=8 * D, particle_diameter=D)
    centers = np.vstack((p.centers, [[10 * D, 0, D]]))  # one sphere outside the wall
    radii = np.append(p.radii, R)
    vel = np.zeros_like(centers)
    vel[0] = (0, 0, 1.0)
    m = bed_metrics(centers, radii, column_diameter=6 * D, velocities=vel, rest_velocity=0.01)
    assert m.escaped == 1
    assert m.unsettled == 1
    solid = centers.shape[0] * 4 / 3 * math.pi * R**3
    volume = math.pi * (3 * D) ** 2 * 8 * D
    assert m.porosity == pytest.approx(1 - solid / volume, rel=1e-12)
    assert m.bulk_band == pytest.approx((2 * D, 6 * D))
    assert m.axial_porosity.shape[0] + 1 == m.axial_edges.shape[0]
    assert np.all((m.radial_porosity >= -1e-9) & (m.radial_porosity <= 1 + 1e-9))


def test_bed_metrics_rejects_empty_input() -> None:
    with pytest.raises(ValueError):
        bed_metrics(np.zeros((0, 3)), np.zeros(0), column_diameter=0.05)
