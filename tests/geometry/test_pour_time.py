"""A pour cut short by max_time fails with a clear message; the default max_time scales."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow import PackingIncomplete
from bedflow.cli import app
from bedflow.dsl import parse
from bedflow.geometry import pack
from bedflow.geometry._engines._blender_script import Plan
from bedflow.geometry._engines.bullet import rigid_scene
from bedflow.geometry._pour_time import default_max_time, max_time_for

SMALL = "bed { diameter = 30 mm; height = 80 mm } particles { diameter = 5 mm; count = 150 }"


def test_dem_pour_cut_by_max_time_fails_naming_the_counts() -> None:
    spec = parse(SMALL + " packing { method = dem; max_time = 50 ms }")
    with pytest.raises(PackingIncomplete, match=r"of 150 particles in the bed") as err:
        pack(spec)
    assert err.value.placed < err.value.count == 150
    assert "raise packing.max_time" in str(err.value)


@pytest.mark.skipif(importlib.util.find_spec("pybullet") is None, reason="needs pybullet")
def test_rigid_body_pour_cut_by_max_time_fails() -> None:
    spec = parse(SMALL.replace("count = 150", "count = 60") + " packing { method = rigid_body; "
                 "max_time = 20 ms }")  # fmt: skip
    with pytest.raises(PackingIncomplete, match=r"of 60 particles in the bed"):
        pack(spec)


def test_blender_plan_too_long_for_max_time_is_known_before_blender_runs() -> None:
    spec = parse(SMALL + " packing { method = blender; max_time = 50 ms }")
    plan = Plan(rigid_scene(spec, 150), 150)
    assert plan.landed_by(plan.settle_frame) == 150
    assert plan.landed_by(plan.settle_frame - 1) < 150
    assert plan.landed_by(1) == 0


def test_short_pour_exits_non_zero_from_the_cli(tmp_path: Path) -> None:
    bed = tmp_path / "bed.bed"
    bed.write_text(SMALL + " packing { method = dem; max_time = 50 ms }\n")
    result = CliRunner().invoke(app, ["pack", str(bed), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "of 150 particles in the bed" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "o" / "metrics.json").exists()


def test_default_max_time_grows_with_the_count() -> None:
    spec = parse("bed { diameter = 50 mm; height = 2 m } particles { diameter = 5 mm }")
    small, large = default_max_time(spec, 1000), default_max_time(spec, 20000)
    # 1,000 spheres pour in about 1.2 s (measured with the DEM), under the floor of 10 s;
    # 20,000 take 20 times longer, and the default follows
    assert small == 10.0
    assert default_max_time(spec, 10000) > 20.0
    assert large > 1.9 * default_max_time(spec, 10000) - 4.0
    assert max_time_for(spec, 1000) == small
    given = parse(
        "bed { diameter = 50 mm } particles { diameter = 5 mm } packing { max_time = 3 s }"
    )
    assert max_time_for(given, 20000) == 3.0


def test_small_pour_with_the_default_max_time_completes() -> None:
    bed = pack(parse(SMALL + " packing { method = dem; rest_velocity = 0.01 m/s }"))
    assert bed.count == 150 and bed.settled
