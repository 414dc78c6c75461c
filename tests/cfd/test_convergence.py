"""The grid convergence index of three runs (Celik et al. 2008), against the paper's worked
example and against values built from a known order and limit."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedflow import cfd, dsl
from bedflow._exceptions import BedValidationError, CfdInputError, UsageError
from bedflow.constants import GRID_REFINEMENT_RATIO


def test_celik_table_1_reattachment_length() -> None:
    """Celik, Ghia, Roache, Freitas, Coleman & Raad 2008, J. Fluids Eng. 130, 078001, Table 1,
    first column (monotone convergence): N = 18000, 8000, 4500 cells of a 2D domain, so
    h = (A/N)^(1/2) and r21 = 1.5, r32 = 1.333; phi = 6.063, 5.972, 5.863. The paper gives
    p = 1.53, phi_ext = 6.1685, e_a = 1.5%, e_ext = 1.7%, GCI_fine = 2.17% (also reproduced by
    pyGCS's example of the same table). Tolerances: half a unit of the paper's last digit."""
    g = cfd.grid_convergence([math.sqrt(n) for n in (18000, 8000, 4500)], (6.063, 5.972, 5.863))
    assert g.converged
    assert g.observed_order == pytest.approx(1.53, abs=0.005)
    assert g.extrapolated == pytest.approx(6.1685, abs=0.00005)
    assert g.gci == pytest.approx(0.0217, abs=0.00005)
    assert g.safety_factor == 1.25
    assert g.uncertainty == pytest.approx(g.gci * 6.063)
    assert abs((g.extrapolated - 6.063) / g.extrapolated) == pytest.approx(0.017, abs=0.0005)
    assert not g.notes


resolutions = st.floats(4.0, 60.0)
ratios = st.floats(GRID_REFINEMENT_RATIO, 2.5)


@given(
    n1=resolutions,
    r21=ratios,
    r32=ratios,
    order=st.floats(0.5, 3.0),
    limit=st.floats(1.0, 1e4),
    coefficient=st.floats(0.001, 0.5),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_a_known_order_and_limit_come_back(
    n1: float, r21: float, r32: float, order: float, limit: float, coefficient: float, sign: float
) -> None:
    """Values phi_i = phi_0 + C h_i^p (h = 1/n) follow Richardson's model exactly: the study
    recovers p and phi_0 to rounding, and its index is exactly 1.25 times the true relative
    error of the finest value (Fs = 1.25 when the model holds)."""
    n = (n1, n1 / r21, n1 / r21 / r32)
    c = sign * coefficient * limit * n1**order  # an error of 0.1-50% of the limit on the finest
    values = [limit + c / ni**order for ni in n]
    g = cfd.grid_convergence(n, values)
    assert g.converged
    assert g.observed_order == pytest.approx(order, rel=1e-6)
    assert g.extrapolated == pytest.approx(limit, rel=1e-6)
    true_error = abs((values[0] - limit) / values[0])
    assert g.gci == pytest.approx(1.25 * true_error, rel=1e-6)


@given(n1=resolutions, r21=ratios, r32=ratios, order=st.floats(0.5, 3.0))
def test_the_fixed_point_iteration_solves_celik_equation(
    n1: float, r21: float, r32: float, order: float
) -> None:
    """The order the iteration returns satisfies eq. 3 of Celik et al.: with unequal ratios
    p ln r21 = ln(e32/e21) + ln((r21^p - 1)/(r32^p - 1))."""
    e21 = 1.0 / (n1 / r21) ** order - 1.0 / n1**order
    e32 = 1.0 / (n1 / r21 / r32) ** order - 1.0 / (n1 / r21) ** order
    p = cfd.apparent_order(r21, r32, e21, e32)
    residual = p * math.log(r21) - math.log(e32 / e21) - math.log((r21**p - 1) / (r32**p - 1))
    assert abs(residual) < 1e-9
    assert p == pytest.approx(order, rel=1e-6)


def test_oscillating_values_get_a_bound_not_an_estimate() -> None:
    g = cfd.grid_convergence((12, 9, 6), (10.0, 9.5, 10.3))
    assert not g.converged
    assert g.safety_factor == 3.0
    assert g.gci == pytest.approx(3 * 0.8 / 10.0)
    assert g.uncertainty == pytest.approx(2.4)
    assert math.isnan(g.extrapolated)
    assert any("oscillat" in note for note in g.notes)


def test_diverging_values_get_a_bound_not_an_estimate() -> None:
    """The differences grow on refinement (0.1 from 6 to 9 cells, 0.4 from 9 to 12)."""
    g = cfd.grid_convergence((12, 9, 6), (10.5, 10.1, 10.0))
    assert not g.converged
    assert math.isnan(g.observed_order) and math.isnan(g.extrapolated)
    assert g.uncertainty == pytest.approx(3 * 0.5)
    assert any("divergence" in note for note in g.notes)


def test_equal_values_show_no_grid_dependence() -> None:
    g = cfd.grid_convergence((12, 9, 6), (7.0, 7.0, 7.0))
    assert g.converged and g.gci == 0.0 and g.extrapolated == 7.0


def test_two_equal_values_of_three_give_no_order() -> None:
    g = cfd.grid_convergence((12, 9, 6), (7.0, 7.0, 6.5))
    assert not g.converged and g.uncertainty == pytest.approx(1.5)


def test_a_small_refinement_ratio_is_noted() -> None:
    g = cfd.grid_convergence((12, 11, 6), (10.0, 9.95, 9.3))
    assert any("below 1.3" in note for note in g.notes)


@pytest.mark.parametrize(
    ("cells", "values"),
    [((6, 9, 12), (1.0, 2.0, 3.0)), ((12, 9), (1.0, 2.0)), ((12, 9, 6), (0.0, 1.0, 2.0))],
)
def test_bad_input_is_refused(cells: tuple[float, ...], values: tuple[float, ...]) -> None:
    with pytest.raises(CfdInputError):
        cfd.grid_convergence(cells, values)


@pytest.mark.parametrize("finest", range(4, 200))
def test_grid_levels_are_each_1_3_coarser_or_more(finest: int) -> None:
    levels = cfd.grid_levels(finest)
    assert levels[0] == finest
    for fine, coarse in itertools.pairwise(levels):
        assert fine / coarse >= GRID_REFINEMENT_RATIO - 1e-12
        assert fine / (coarse + 1) < GRID_REFINEMENT_RATIO  # the finest such level


def test_grid_levels_of_the_default_resolution() -> None:
    assert cfd.grid_levels(12) == (12, 9, 6)


def test_the_correlation_solver_has_no_grid_to_study() -> None:
    spec = dsl.parse("bed { diameter = 25 mm } particles { count = 60 }")
    with pytest.raises(UsageError, match="correlation solver has no grid"):
        cfd.grid_study_specs(spec, "correlation")


def test_a_study_below_openfoams_resolution_names_the_one_it_needs() -> None:
    """OpenFOAM meshes 8 cells per diameter or more: the default 14, 10, 7 is refused, 15, 11,
    8 is not."""
    spec = dsl.parse("bed { diameter = 25 mm } particles { count = 60 } cfd { solver = openfoam }")
    with pytest.raises(BedValidationError) as info:
        cfd.grid_study_specs(spec)
    (d,) = info.value.diagnostics
    assert d.path == ("cfd", "cells_per_dp")
    assert "at 7:" in d.message and "cfd.cells_per_dp = 15 or more" in d.message
    spec15 = dsl.parse(
        "bed { diameter = 25 mm } particles { count = 60 } "
        "cfd { solver = openfoam; cells_per_dp = 15 }"
    )
    assert [s.cfd.cells_per_dp for s in cfd.grid_study_specs(spec15)] == [15, 11, 8]


def test_pressure_drop_text() -> None:
    spec = dsl.parse("bed { diameter = 25 mm } particles { count = 60 }")
    single = cfd.FlowResult.from_pressure_drop(
        spec,
        solver="lbm",
        solver_version="x",
        pressure_drop_per_length=10.0512,
        porosity=0.4,
        column_diameter=0.025,
        iterations=1,
        converged=True,
        history=(),
        timings={},
    )
    assert cfd.pressure_drop_text(single) == (
        "dp/L = 10.05 Pa/m, uncertainty unknown (single grid; use --converge)"
    )
    study = cfd.grid_convergence((12, 9, 6), (10.0512, 9.8, 9.3))
    text = cfd.pressure_drop_text(dataclasses.replace(single, uncertainty=study))
    assert text == f"dp/L = {cfd.plus_minus(10.0512, study.uncertainty)} Pa/m (GCI, 3 grids)"
    assert "±" in text


def _studied(dp: float, u: float, converged: bool = True) -> cfd.FlowResult:
    spec = dsl.parse("bed { diameter = 25 mm } particles { count = 60 }")
    study = cfd.GridConvergence(
        (12, 9, 6), (dp, dp, dp), 2.0, dp, u / dp, 1.25 if converged else 3.0, u, converged
    )
    return cfd.FlowResult.from_pressure_drop(
        spec,
        solver="lbm",
        solver_version="x",
        pressure_drop_per_length=dp,
        porosity=0.4,
        column_diameter=0.025,
        iterations=1,
        converged=True,
        history=(),
        timings={},
        uncertainty=study,
    )


def test_two_results_agree_within_their_uncertainties_combined_in_quadrature() -> None:
    """ASME V&V 20 combines independent numerical uncertainties as sqrt(U1^2 + U2^2):
    10 ± 0.3 and 10.45 ± 0.4 differ by 0.45 <= 0.5 and agree; 10.55 does not."""
    near = cfd.agreement(_studied(10.0, 0.3), _studied(10.45, 0.4))
    assert near.agree and near.combined == pytest.approx(0.5)
    assert near.difference == pytest.approx(0.45) and not near.bounded
    assert near.relative == pytest.approx(0.45 / 10.225)
    far = cfd.agreement(_studied(10.0, 0.3), _studied(10.55, 0.4, converged=False))
    assert not far.agree and far.bounded


def test_agreement_needs_two_studies() -> None:
    single = dataclasses.replace(_studied(10.0, 0.3), uncertainty=None)
    with pytest.raises(UsageError):
        cfd.agreement(single, _studied(10.0, 0.3))
