"""pack(spec): engine choice, how many particles, the saved packing and its report."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from bedflow import BedInputError, BedValidationError
from bedflow.dsl import packing_hash, parse
from bedflow.geometry import (
    dixon_porosity,
    engines,
    load_packing,
    pack,
    packing_differences,
    packing_report,
    particle_count,
    quality_problems,
)

SMALL = "bed { diameter = 25 mm; height = 50 mm } particles { diameter = 5 mm; count = 40 }"


def test_engines_table_lists_the_built_in_engines() -> None:
    table = engines()
    assert {"dem", "hexagonal_3d", "spherical_packing"} <= set(table)
    assert all(
        e.unavailable() is None for n, e in table.items() if n != "rigid_body" and n != "blender"
    )


def test_count_decides_when_given() -> None:
    assert particle_count(parse(SMALL)) == 40


def test_target_porosity_fills_the_column_at_that_porosity() -> None:
    # Inner volume pi/4 0.025^2 (0.05 - 0.004) = 2.258e-5 m3; (1 - 0.45) of it over the
    # 6.545e-8 m3 of a 5 mm sphere is 189.8 -> 189 spheres.
    spec = parse("bed { diameter = 25 mm; height = 50 mm } particles { target_porosity = 0.45 }")
    volume = math.pi / 4 * 0.025**2 * 0.046
    assert particle_count(spec) == math.floor(0.55 * volume / (math.pi / 6 * 0.005**3)) == 189


def test_neither_fills_the_column_at_the_dixon_porosity() -> None:
    spec = parse("bed { diameter = 25 mm; height = 50 mm } particles { }")
    volume = math.pi / 4 * 0.025**2 * 0.046
    expected = math.floor((1 - dixon_porosity(5.0)) * volume / (math.pi / 6 * 0.005**3))
    assert particle_count(spec) == expected


def test_engine_that_cannot_pack_the_bed_is_refused_with_the_reason() -> None:
    spec = parse("bed { shape = box; height = 50 mm } particles { count = 10 }")
    with pytest.raises(BedValidationError, match="cylindrical columns only"):
        pack(spec, engine="dem")
    with pytest.raises(BedValidationError, match="unknown packing engine 'lattice'"):
        pack(parse(SMALL), engine="lattice")


def test_ordered_packing_is_exact_and_reported(tmp_path: Path) -> None:
    spec = parse(SMALL)
    bed = pack(spec, engine="spherical_packing")
    assert bed.count == 40 and bed.settled and bed.engine == "spherical_packing"
    assert bed.metrics.max_overlap == pytest.approx(0.0, abs=1e-12)
    report = packing_report(bed, spec)
    assert report["quality"] == {"ok": True, "problems": []}
    assert report["correlations"]["dixon_1988"]["porosity"] == pytest.approx(dixon_porosity(5.0))
    json.dumps(report, allow_nan=False)  # NaN-free: valid JSON for every consumer


def test_dem_pack_of_a_spec_is_settled_clean_and_reproducible() -> None:
    spec = parse(SMALL)
    first, second = pack(spec), pack(spec)
    assert np.array_equal(first.centers, second.centers)
    assert first.settled and quality_problems(first) == []
    assert first.metrics.escaped == 0
    r = first.radii[0]
    assert np.all(np.hypot(first.centers[:, 0], first.centers[:, 1]) <= 0.0125 - r * 0.99)


def test_packing_round_trips_through_its_files(tmp_path: Path) -> None:
    bed = pack(parse(SMALL), engine="hexagonal_3d")
    npz, header = bed.save(tmp_path)
    assert json.loads(header.read_text())["format"] == "bedflow-packing"
    again = load_packing(tmp_path)
    assert np.array_equal(again.centers, bed.centers) and again.column == bed.column
    assert again.spec_hash == bed.spec_hash
    npz.write_bytes(b"not a zip")
    with pytest.raises(BedInputError, match="cannot read the packing"):
        load_packing(tmp_path)


def test_unsettled_bed_is_flagged_not_accepted() -> None:
    # every particle is in the bed by 0.4 s, none is slower than 1 um/s by then
    spec = parse(
        SMALL.replace("count = 40", "count = 40; seed = 3")
        + " packing { max_time = 400 ms; rest_velocity = 0.001 mm/s }"
    )
    bed = pack(spec)
    assert not bed.settled
    assert any("did not come to rest" in p for p in quality_problems(bed))
    assert bed.notes


def test_a_packing_names_how_another_spec_differs_from_its_own(tmp_path: Path) -> None:
    """Regression: `simulate --packing` compared whole-spec hashes, so a packing of 40
    particles ran under a spec of 20 with a warning, and a new cfd section warned too."""
    spec = parse(SMALL)
    pack(spec, engine="hexagonal_3d").save(tmp_path)
    header = json.loads((tmp_path / "packing.json").read_text())
    assert header["packing_hash"] == packing_hash(spec)
    packed = load_packing(tmp_path)
    assert packing_differences(packed, spec) == []
    assert packing_differences(packed, parse(SMALL + " cfd { solver = correlation }")) == []
    fewer = parse(SMALL.replace("count = 40", "count = 20"))
    assert packing_differences(packed, fewer) == ["particles.count: packed 40, now 20"]
    wider = parse(SMALL.replace("25 mm", "30 mm") + " packing { method = dem }")
    assert packing_differences(packed, wider) == [
        "bed.diameter: packed 0.025, now 0.03",
        'packing.method: packed "auto", now "dem"',
    ]


def test_a_packing_without_its_sections_is_compared_on_its_header(tmp_path: Path) -> None:
    """Packings written before they kept their sections: count, shape, sizes and column."""
    spec = parse(SMALL)
    dataclasses.replace(pack(spec, engine="hexagonal_3d"), packed_from=None).save(tmp_path)
    old = load_packing(tmp_path)
    assert old.packed_from is None and packing_differences(old, spec) == []
    fewer = parse(SMALL.replace("count = 40", "count = 20"))
    assert packing_differences(old, fewer) == ["particles.count: packed 40, now 20"]
