"""The one slab every solver measures dp/L across by default (issue 13: their default outputs
read different regions of different porosity and could not be compared)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bedflow import dsl
from bedflow._exceptions import CfdInputError
from bedflow.cfd._openfoam import write_case
from bedflow.cfd._openfoam._version import ESI_V1912
from bedflow.cfd._region import (
    MAX_SLAB_DIAMETERS,
    measurement_slab,
    slab_porosity,
    too_shallow,
)
from bedflow.cfd._solvers.correlation import CorrelationSolver
from bedflow.cfd._solvers.lbm import LbmSolver, flow_slab
from bedflow.geometry import PackedBed, pack, slab_solid_volume
from tests.utils.examples import examples

D = 0.005

SPEC = """
bed {{ diameter = 25 mm; height = {height} mm }}
particles {{ diameter = 5 mm; count = {count}; seed = 1 }}
cfd {{ solver = lbm; inlet_velocity = 1 mm/s; cells_per_dp = 8; max_iterations = 400 }}
"""


def _spec(count: int, height: float = 60.0) -> dsl.BedSpec:
    return dsl.parse(SPEC.format(count=count, height=height))


@pytest.fixture(scope="module")
def beds() -> dict[str, tuple[PackedBed, dsl.BedSpec]]:
    """A shallow bed (80 spheres, about 4.5 d: no bulk band 1 d tall) and a deeper one."""
    out = {}
    for name, count, height in (("shallow", 80, 30.0), ("deep", 300, 90.0)):
        spec = _spec(count, height)
        out[name] = (pack(spec), spec)
    return out


@given(top=st.floats(0.0, 40.0))
@settings(max_examples=examples(200))
def test_rules(top: float) -> None:
    """Bulk band (2 d to top - 2 d) when at least 1 d tall, its middle 6 d when taller; else a
    shallow bed's 1 d to top - 1.5 d when at least 1 d tall; else none. Every slab leaves half
    a diameter of bed beyond each end (the LBM's buffer) and lies inside the bed."""
    slab = measurement_slab(top * D, D)
    if top < 3.5 - 1e-9:
        assert slab is None
        assert "too shallow" in too_shallow(top * D, D)
        return
    assert slab is not None
    lo, hi = slab.z_min / D, slab.z_max / D
    assert 1.0 - 1e-9 <= hi - lo <= MAX_SLAB_DIAMETERS + 1e-9
    assert lo >= 1.0 - 1e-9 and hi <= top - 1.5 + 1e-9
    if top >= 5.0:
        assert slab.source.startswith("bulk band")
        assert lo >= 2.0 - 1e-9 and hi <= top - 2.0 + 1e-9
        assert math.isclose(lo + hi, top, rel_tol=1e-9)  # centred in the band
    else:
        assert slab.source.startswith("shallow bed")
        assert (lo, hi) == pytest.approx((1.0, top - 1.5))


def test_bulk_band_is_the_beds_own(beds: dict[str, tuple[PackedBed, dsl.BedSpec]]) -> None:
    """The slab's bulk band is the one the bed's metrics report (BedMetrics.bulk_band)."""
    packed, _ = beds["deep"]
    m = packed.metrics
    slab = measurement_slab(m.bed_height, D)
    assert slab is not None
    if slab.source == "bulk band":
        assert (slab.z_min, slab.z_max) == pytest.approx(m.bulk_band)
    else:
        assert m.bulk_band[0] < slab.z_min < slab.z_max < m.bulk_band[1]


@pytest.mark.parametrize("name", ["shallow", "deep"])
def test_three_solvers_measure_one_slab(
    beds: dict[str, tuple[PackedBed, dsl.BedSpec]], name: str, tmp_path: Path
) -> None:
    """By default the LBM, OpenFOAM (its planes, to half a finest cell) and the correlation
    solver name the same slab, and the LBM's and the correlation solver's porosity is the
    exact porosity of that slab (the correlations beside each result use it)."""
    packed, spec = beds[name]
    slab = measurement_slab(packed.metrics.bed_height, D)
    assert slab is not None
    lo, hi, buffer, where = flow_slab(packed)
    assert (lo, hi, where) == (slab.z_min, slab.z_max, slab.source)
    assert buffer == pytest.approx(0.5 * D)

    case = write_case(packed, spec, tmp_path / "foam", version=ESI_V1912)
    fine = case.layout.fine[2]
    assert case.layout.planes == pytest.approx((lo, hi), abs=0.5 * fine)
    assert case.layout.slab_from == slab.source

    corr = CorrelationSolver().run(packed, spec, output_dir=None, progress=None, cancel=None)
    assert corr.region.z_min == lo and corr.region.z_max == hi
    area = math.pi * packed.column.diameter**2 / 4
    exact = 1.0 - slab_solid_volume(packed.centers, packed.radii, lo, hi) / (area * (hi - lo))
    assert corr.porosity == pytest.approx(exact, rel=1e-12)
    assert slab.source in corr.region.porosity_from
    if name == "shallow":  # the shallow bed was measured whole (mirrored) before the shared slab
        assert where.startswith("shallow bed")


def test_lbm_result_names_the_slab_and_its_porosity(
    beds: dict[str, tuple[PackedBed, dsl.BedSpec]],
) -> None:
    packed, spec = beds["shallow"]
    r = LbmSolver().run(packed, spec, output_dir=None, progress=None, cancel=None)
    slab = measurement_slab(packed.metrics.bed_height, D)
    assert slab is not None
    assert (r.region.z_min, r.region.z_max) == (slab.z_min, slab.z_max)
    assert slab.source in r.region.porosity_from
    assert r.domain["buffer_m"] == pytest.approx(0.5 * D)
    assert r.porosity == pytest.approx(slab_porosity(packed, slab.z_min, slab.z_max, 8))
    corr = CorrelationSolver().run(packed, spec, output_dir=None, progress=None, cancel=None)
    assert r.porosity == pytest.approx(corr.porosity, rel=1e-12)
    assert r.correlations == pytest.approx(corr.correlations, rel=1e-9)


def test_too_shallow_bed(beds: dict[str, tuple[PackedBed, dsl.BedSpec]], tmp_path: Path) -> None:
    """Under 3.5 d: the LBM measures the whole bed mirrored and says so, the correlation solver
    reads the whole bed's porosity, OpenFOAM refuses with the reason."""
    packed, spec = beds["shallow"]
    low = np.argsort(packed.centers[:, 2])[:30]
    thin = dataclasses.replace(packed, centers=packed.centers[low], radii=packed.radii[low])
    assert thin.metrics.bed_height < 3.5 * D
    assert flow_slab(thin)[3].startswith("whole bed")
    corr = CorrelationSolver().run(thin, spec, output_dir=None, progress=None, cancel=None)
    assert corr.porosity == pytest.approx(thin.metrics.porosity)
    assert corr.region.z_min is None and "whole bed" in corr.region.porosity_from
    with pytest.raises(CfdInputError, match="too shallow"):
        write_case(thin, spec, tmp_path / "thin", version=ESI_V1912)
