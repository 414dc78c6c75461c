"""DEM pouring: reproducibility, quality of a small bed, callbacks and input checks.

Small beds (150 spheres of 5 mm in a 30 mm column, D/d = 6) keep the suite fast.
"""

from typing import Any

import numpy as np
import pytest

from bedflow.geometry import (
    DemProgress,
    DemResult,
    PackingCancelled,
    bed_metrics,
    dem_pack,
)

SMALL: dict[str, Any] = {
    "column_diameter": 0.03,
    "column_height": 0.06,
    "particle_diameter": 0.005,
    "count": 150,
    "density": 2500.0,
    "restitution": 0.5,
    "friction": 0.3,
    "gravity": (0.0, 0.0, -9.81),
    "rest_velocity": 0.01,
    "max_time": 3.0,
}


@pytest.fixture(scope="module")
def small_bed() -> DemResult:
    return dem_pack(**SMALL, seed=7)


def test_same_seed_gives_bit_identical_bed(small_bed: DemResult) -> None:
    again = dem_pack(**SMALL, seed=7)
    assert np.array_equal(again.centers, small_bed.centers)
    assert again.steps == small_bed.steps


def test_other_seed_gives_other_bed(small_bed: DemResult) -> None:
    other = dem_pack(**SMALL, seed=8)
    assert not np.array_equal(other.centers, small_bed.centers)


def test_small_bed_quality(small_bed: DemResult) -> None:
    """All spheres poured, settled, inside the column; overlaps below 0.5 % of d (the
    quality target of the packing; the stiffness is chosen for ~0.1 % static overlap)."""
    r = small_bed
    assert r.settled
    assert r.count == SMALL["count"]
    assert np.all(r.radii == 0.0025)
    m = bed_metrics(
        r.centers,
        r.radii,
        column_diameter=SMALL["column_diameter"],
        column_height=SMALL["column_height"],
        velocities=r.velocities,
        rest_velocity=SMALL["rest_velocity"],
    )
    assert m.max_overlap < 0.005
    assert m.max_wall_penetration < 0.005
    assert m.escaped == 0
    assert m.unsettled == 0
    assert r.max_speed < SMALL["rest_velocity"]
    # a poured bed is random and loose: well below close packing, above the walls' 0.5
    assert 0.38 < m.bulk_porosity < 0.52
    assert 3.0 < m.coordination_number < 7.0


def test_contact_time_and_step(small_bed: DemResult) -> None:
    """Time step is 1/25 of the particle-particle contact time pi sqrt(m / 2k)."""
    mass = 2500.0 * np.pi * 0.005**3 / 6
    tc = np.pi * np.sqrt(0.5 * mass / small_bed.stiffness)
    assert small_bed.contact_time == pytest.approx(tc, rel=1e-12)
    assert small_bed.time_step == pytest.approx(tc / 25, rel=1e-12)


def test_clearance_keeps_gaps() -> None:
    """With clearance c, contacts act on spheres grown by c/2 and walls moved in by c/2, so
    surface gaps are c minus the (sub-0.5 %-of-contact-diameter) spring overlap."""
    c = 0.0002
    r = dem_pack(**{**SMALL, "count": 60}, seed=3, clearance=c)
    pairs = r.centers[:, None, :] - r.centers[None, :, :]
    dist = np.sqrt((pairs**2).sum(-1)) + np.eye(r.count)
    assert dist.min() - 0.005 > c - 0.005 * (0.005 + c)
    rho = np.hypot(r.centers[:, 0], r.centers[:, 1])
    assert (0.015 - rho - 0.0025).min() > c - 0.005 * (0.005 + c)
    assert (r.centers[:, 2] - 0.0025).min() > c - 0.005 * (0.005 + c)


def test_progress_and_cancel() -> None:
    seen: list[DemProgress] = []
    dem_pack(**{**SMALL, "count": 30}, seed=1, progress=seen.append)
    assert seen and seen[-1].placed == 30
    assert seen[-1].time > 0 and seen[-1].steps > 0
    with pytest.raises(PackingCancelled):
        dem_pack(**SMALL, seed=1, cancel=lambda: True)


def test_max_time_stops_unsettled() -> None:
    r = dem_pack(**{**SMALL, "max_time": 0.01}, seed=1)
    assert not r.settled
    assert r.time >= 0.01
    assert r.count < SMALL["count"]
    assert r.in_bed < r.count


@pytest.mark.parametrize(
    "change",
    [
        {"count": 0},
        {"density": -1.0},
        {"restitution": 1.5},
        {"friction": -0.1},
        {"gravity": (0.0, 0.0, 9.81)},
        {"column_diameter": 0.005},
        {"rest_velocity": 0.0},
    ],
)
def test_bad_input_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dem_pack(**{**SMALL, **change}, seed=1)


def _tilted(rolling_friction: float) -> float:
    """Distance from the axis where one sphere comes to rest on a floor tilted by 2.9 degrees
    (gravity tan = 0.05), in a 100 mm column."""
    g = 9.81
    r = dem_pack(
        **{
            **SMALL,
            "count": 1,
            "column_diameter": 0.1,
            "gravity": (0.05 * g, 0.0, -g),
            "max_time": 20.0,
        },
        seed=2,
        rolling_friction=rolling_friction,
    )
    assert r.settled
    return float(np.hypot(r.centers[0, 0], r.centers[0, 1]))


def test_rolling_friction_holds_a_sphere_on_a_gentle_slope() -> None:
    # Without rolling resistance a sphere rolls down any slope to the wall (friction makes it
    # roll, not stop); a torque of up to mu_r r N holds it where tan(slope) < mu_r.
    wall = 0.05 - 0.0025
    assert _tilted(0.0) == pytest.approx(wall, abs=1e-4)
    assert _tilted(0.2) < wall - 0.005


@pytest.mark.slow
def test_damping_brings_the_bed_to_rest_sooner() -> None:
    # at rest means slower than 0.1 mm/s: the last jiggles of the bed take long undamped
    slow = {**SMALL, "rest_velocity": 1e-4}
    free = dem_pack(**slow, seed=3, damping=0.0)
    damped = dem_pack(**slow, seed=3, damping=0.99)
    assert free.settled and damped.settled
    assert damped.time < free.time


@pytest.mark.parametrize("change", [{"rolling_friction": -0.1}, {"damping": 1.5}])
def test_bad_rolling_friction_or_damping_is_rejected(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        dem_pack(**SMALL, seed=1, **change)
