"""The `rigid_body` engine (pybullet): quality of small beds of spheres, cylinders and cubes,
reproducibility, cancellation, and the message when pybullet is missing.

Small beds (40 particles of 5 mm in a 25 mm column) keep the module under ~15 s. The overlap
tolerance is the engine's own quality limit, 1 % of d (measured: ~0.05 % of d for spheres).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from bedflow import Cancelled, EngineUnavailable
from bedflow.dsl import parse
from bedflow.geometry import PackedBed, PackProgress, engines, pack
from bedflow.geometry._engines import bullet
from bedflow.geometry._engines._rigid_scene import escaped_mask

HAS_PYBULLET = importlib.util.find_spec("pybullet") is not None
needs_pybullet = pytest.mark.skipif(
    not HAS_PYBULLET, reason="pybullet is not installed (pip install 'bedflow[bullet]')"
)

SPHERES = (
    "bed { diameter = 25 mm; height = 60 mm } "
    "particles { diameter = 5 mm; count = 40; friction = 0.3; seed = 3 } "
    "packing { method = rigid_body }"
)
CYLINDERS = (
    "bed { diameter = 25 mm; height = 60 mm } "
    "particles { kind = cylinder; diameter = 5 mm; length = 6 mm; count = 25; seed = 3 }"
)
CUBES = (
    "bed { shape = box; diameter = 25 mm; height = 60 mm } "
    "particles { kind = cube; diameter = 5 mm; count = 30; seed = 3 }"
)
TOLERANCE = 0.01  # largest overlap and wall penetration, fraction of d


@pytest.fixture(scope="module")
def spheres() -> PackedBed:
    return pack(parse(SPHERES), engine="rigid_body")


@pytest.mark.slow
@needs_pybullet
def test_small_sphere_bed_is_settled_inside_and_barely_overlapping(spheres: PackedBed) -> None:
    bed = spheres
    m = bed.metrics
    assert bed.engine == "rigid_body" and bed.engine_version.startswith("pybullet ")
    assert bed.count == 40 and bed.settled
    assert bed.notes == ()
    assert m.escaped == 0 and m.unsettled == 0
    assert m.max_overlap < TOLERANCE
    assert m.max_wall_penetration < TOLERANCE
    assert np.all(bed.radii == 0.0025)
    assert np.array_equal(bed.orientations, np.tile([1.0, 0.0, 0.0, 0.0], (40, 1)))
    assert bed.velocities is not None
    assert np.all(np.linalg.norm(bed.velocities, axis=1) < bed.rest_velocity)
    # resting on the floor: the lowest sphere touches it
    assert np.min(bed.centers[:, 2]) == pytest.approx(0.0025, abs=TOLERANCE * 0.005)


@pytest.mark.slow
@needs_pybullet
def test_same_seed_gives_the_same_bed(spheres: PackedBed) -> None:
    again = pack(parse(SPHERES), engine="rigid_body")
    assert np.array_equal(again.centers, spheres.centers)
    assert again.simulated_time == spheres.simulated_time


@pytest.mark.slow
@needs_pybullet
def test_other_seed_gives_another_bed(spheres: PackedBed) -> None:
    other = pack(parse(SPHERES.replace("seed = 3", "seed = 4")), engine="rigid_body")
    assert not np.array_equal(other.centers, spheres.centers)


@pytest.mark.slow
@needs_pybullet
@pytest.mark.parametrize("text", [CYLINDERS, CUBES], ids=["cylinders", "cubes-in-a-box"])
def test_non_spherical_particles_settle_inside_the_column(text: str) -> None:
    spec = parse(text)
    bed = pack(spec, engine="rigid_body")
    assert bed.settled
    assert bed.count == spec.particles.count
    assert not any(n.startswith("quality") for n in bed.notes), bed.notes
    assert not escaped_mask(bed.centers, bed.column).any()
    # the circumscribed sphere of every particle sits above the floor, give or take overlap
    lowest = bed.centers[:, 2] - bed.radii
    assert np.all(lowest > -bed.radii)
    norms = np.linalg.norm(bed.orientations, axis=1)
    assert np.allclose(norms, 1.0)
    assert not np.allclose(bed.orientations[:, 0], 1.0)  # they are turned


@needs_pybullet
def test_progress_is_reported_and_cancel_stops_at_the_first_poll_that_asks() -> None:
    """The pour is cancelled once it has reported progress; it stops at that poll: no
    progress and no further poll after it (was: a wall-clock "within a second")."""
    spec = parse(
        "bed { diameter = 50 mm; height = 100 mm } particles { diameter = 5 mm; count = 600 }"
    )
    seen: list[PackProgress] = []
    polls_after: list[int] = []

    def cancel() -> bool:
        if seen:
            polls_after.append(len(seen))
            return True
        return False

    with pytest.raises(Cancelled, match="cancelled"):
        pack(spec, engine="rigid_body", progress=seen.append, cancel=cancel)
    assert len(polls_after) == 1 and polls_after[0] == len(seen)
    assert seen and all(0.0 <= p.fraction <= 1.0 and p.count == 600 for p in seen)


def test_missing_pybullet_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bullet, "installed", lambda: False)
    engine = engines()["rigid_body"]
    message = engine.unavailable()
    assert message is not None and "pip install 'bedflow[bullet]'" in message
    with pytest.raises(EngineUnavailable, match="pybullet"):
        pack(parse(SPHERES), engine="rigid_body")
