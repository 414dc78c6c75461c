"""Parameter studies in the core: grids checked on a spec, points as typed job params."""

from __future__ import annotations

import pytest

from bedflow import BedValidationError
from bedflow.dsl import format_spec, parse, parse_with_diagnostics
from bedflow.pipeline import JobParams, check_grid

BED = """name = "s"
bed { diameter = 25 mm; height = 50 mm }
particles { count = 40; diameter = 5 mm }
cfd { solver = correlation; inlet_velocity = 5 mm/s }
"""


def test_points_carry_their_settings_and_si_values() -> None:
    spec = parse(BED)
    points = check_grid(spec, {"cfd.inlet_velocity": ["1 cm/s", "2 cm/s"], "bed.height": ["6 cm"]})
    assert [p.point_index for p in points] == [0, 1]
    assert points[1].point == {"cfd.inlet_velocity": "2 cm/s", "bed.height": "6 cm"}
    assert points[1].values == {"cfd": {"inlet_velocity": 0.02}, "bed": {"height": 0.06}}
    # the worker's spec is the one the .bed compiler gives for the same settings
    expected = parse_with_diagnostics(
        format_spec(spec), overrides=["cfd.inlet_velocity=2 cm/s", "bed.height=6 cm"]
    ).spec
    assert points[1].spec_for(spec) == expected


def test_a_point_survives_the_job_row() -> None:
    """The params a job row stores read back to the same spec."""
    spec = parse(BED)
    (point,) = check_grid(spec, {"particles.diameter": ["4 mm"]})
    stored = (
        JobParams(solver="lbm", force=True)
        .model_copy(update={"point_index": 0, "point": point.point, "values": point.values})
        .stored()
    )
    back = JobParams.model_validate(stored)
    assert (back.solver, back.force) == ("lbm", True)
    assert back.spec_for(spec).particles.diameter == pytest.approx(0.004)


def test_params_stored_by_older_versions_are_still_read() -> None:
    """Before JobParams a study point was stored as `overrides` strings (and `point`), with
    no values; such rows must still run their point."""
    spec = parse(BED)
    old = {
        "force": False,
        "point_index": 2,
        "point": {"cfd.inlet_velocity": "0.05 m/s"},
        "overrides": ["cfd.inlet_velocity=0.05 m/s"],
    }
    params = JobParams.model_validate(old)
    assert params.point_index == 2 and params.values is None
    assert params.spec_for(spec).cfd.inlet_velocity == pytest.approx(0.05)
    only_overrides = JobParams.model_validate({"overrides": ["cfd.inlet_velocity = 3 cm/s"]})
    assert only_overrides.point == {"cfd.inlet_velocity": "3 cm/s"}
    assert only_overrides.spec_for(spec).cfd.inlet_velocity == pytest.approx(0.03)
    assert JobParams.model_validate({}).spec_for(spec) is spec


def test_a_wrong_value_is_located_in_its_setting() -> None:
    spec = parse(BED)
    with pytest.raises(BedValidationError) as caught:
        check_grid(spec, {"cfd.inlet_velocity": ["1 cm/s", "5 kg"]})
    (problem,) = caught.value.diagnostics
    assert problem.filename == 'grid["cfd.inlet_velocity"][1]' and problem.column > 1
    few = parse(BED.replace("count = 40", "count = 2"))
    with pytest.raises(BedValidationError, match=r"point 0 \(bed.diameter=6 mm"):
        check_grid(few, {"bed.diameter": ["6 mm"], "particles.diameter": ["7 mm"]})


def test_a_point_that_changes_nothing_runs_the_bed_as_it_is() -> None:
    spec = parse(BED)
    (same,) = check_grid(spec, {"cfd.inlet_velocity": ["5 mm/s"]})
    assert same.values == {} and JobParams.model_validate(same.stored()).values == {}
    assert same.spec_for(spec) is spec
