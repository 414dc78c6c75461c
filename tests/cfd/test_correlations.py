"""Packed-bed correlations against values worked by hand, step by step, in each test.

Common case: water-like fluid rho = 1000 kg/m^3, mu = 1e-3 Pa s, spheres d = 5 mm, porosity
0.4, superficial velocity 1 cm/s, so (1 - eps) = 0.6, eps^3 = 0.064, Re_p = 50.
"""

import numpy as np
import pytest

from bedflow.cfd import (
    CfdInputError,
    carman_kozeny_pressure_gradient,
    darcy_permeability,
    eisfeld_schnitzlein_pressure_gradient,
    ergun_friction_factor,
    ergun_pressure_gradient,
    modified_reynolds_number,
    particle_reynolds_number,
)

CASE = {"u": 0.01, "eps": 0.4, "d": 0.005, "rho": 1000.0, "mu": 1e-3}


def test_reynolds_numbers() -> None:
    # Re_p = 1000 * 0.01 * 0.005 / 1e-3 = 50; Re_m = 50 / 0.6 = 83.33
    assert particle_reynolds_number(0.01, 0.005, 1000.0, 1e-3) == pytest.approx(50.0)
    assert modified_reynolds_number(**CASE) == pytest.approx(50.0 / 0.6)


def test_ergun_by_hand() -> None:
    """Ergun (1952), Chem. Eng. Prog. 48, 89.

    viscous   150 * 1e-3 * 0.01 * 0.6^2 / (0.064 * 0.005^2) = 5.4e-4 / 1.6e-6 = 337.5 Pa/m
    inertial  1.75 * 1000 * 0.01^2 * 0.6 / (0.064 * 0.005) = 0.105 / 3.2e-4  = 328.125 Pa/m
    """
    assert ergun_pressure_gradient(**CASE) == pytest.approx(337.5 + 328.125, rel=1e-12)


def test_ergun_matches_an_independent_implementation() -> None:
    """fluids.packed_bed.Ergun(dp=8e-4, voidage=0.4, vs=1e-3, rho=1e3, mu=1e-3) documents
    1338.8671875 Pa for L = 1 m (C. Bell, fluids, MIT licence)."""
    dp = ergun_pressure_gradient(u=1e-3, eps=0.4, d=8e-4, rho=1e3, mu=1e-3)
    assert dp == pytest.approx(1338.8671875, rel=1e-12)


def test_ergun_friction_factor_is_150_over_re_m_plus_1_75() -> None:
    # f = 665.625 * 0.005 * 0.064 / (1000 * 1e-4 * 0.6) = 0.213 / 0.06 = 3.55
    # and 150 / 83.333 + 1.75 = 1.8 + 1.75 = 3.55
    f = ergun_friction_factor(665.625, u=0.01, eps=0.4, d=0.005, rho=1000.0)
    assert f == pytest.approx(3.55, rel=1e-12)
    assert f == pytest.approx(150.0 / (50.0 / 0.6) + 1.75, rel=1e-12)


def test_carman_kozeny_by_hand() -> None:
    """Carman (1937): 180 * 1e-3 * 1e-3 * 0.36 / (0.064 * 1e-6) = 6.48e-5 / 6.4e-8 = 1012.5."""
    dp = carman_kozeny_pressure_gradient(u=1e-3, eps=0.4, d=1e-3, mu=1e-3)
    assert dp == pytest.approx(1012.5, rel=1e-12)


def test_eisfeld_schnitzlein_by_hand() -> None:
    """Eisfeld & Schnitzlein (2001), Chem. Eng. Sci. 56, 4321, spheres, D/d = 10.

    A_w = 1 + 2 / (3 * 10 * 0.6) = 1.111111;  B_w = (1.15 * 0.01 + 0.87)^2 = 0.8815^2 = 0.77704225
    viscous   154 * A_w^2 * 1e-3 * 0.01 * 0.36 / (0.064 * 2.5e-5) = 427.7778 Pa/m
    inertial  A_w / B_w * 1000 * 1e-4 * 0.6 / (0.064 * 0.005)    = 268.1107 Pa/m
    """
    a_w = 1.0 + 2.0 / 18.0
    b_w = 0.8815**2
    viscous = 154.0 * a_w**2 * 1e-3 * 0.01 * 0.36 / (0.064 * 2.5e-5)
    inertial = a_w / b_w * 1000.0 * 1e-4 * 0.6 / (0.064 * 0.005)
    assert viscous == pytest.approx(427.7778, abs=1e-4)
    assert inertial == pytest.approx(268.1107, abs=1e-4)
    dp = eisfeld_schnitzlein_pressure_gradient(**CASE, D=0.05)
    assert dp == pytest.approx(viscous + inertial, rel=1e-12)


def test_eisfeld_tends_to_an_ergun_like_law_in_wide_columns() -> None:
    # D/d -> infinity: A_w -> 1, B_w -> 0.87^2, so dp/L -> 154 (..) + 1.3212 (..)
    wide = eisfeld_schnitzlein_pressure_gradient(**CASE, D=1e6)
    expected = 337.5 * 154.0 / 150.0 + 328.125 / 1.75 / 0.87**2
    assert wide == pytest.approx(expected, rel=1e-6)


def test_darcy_permeability_inverts_carman_kozeny() -> None:
    # k = d^2 eps^3 / (180 (1-eps)^2) = 1e-6 * 0.064 / (180 * 0.36) = 9.8765e-10 m^2
    dp = carman_kozeny_pressure_gradient(u=1e-3, eps=0.4, d=1e-3, mu=1e-3)
    k = darcy_permeability(u=1e-3, pressure_gradient=dp, mu=1e-3)
    assert k == pytest.approx(1e-6 * 0.064 / (180.0 * 0.36), rel=1e-12)


def test_correlations_broadcast_over_arrays() -> None:
    u = np.array([0.0, 0.01, 0.02])
    dp = ergun_pressure_gradient(u, 0.4, 0.005, 1000.0, 1e-3)
    assert isinstance(dp, np.ndarray)
    assert dp.shape == (3,)
    assert dp[1] == pytest.approx(665.625)
    assert dp[0] == 0.0
    assert isinstance(ergun_pressure_gradient(**CASE), float)


@pytest.mark.parametrize(
    ("name", "value"), [("eps", 0.0), ("eps", 1.0), ("d", 0.0), ("mu", -1e-3), ("rho", 0.0)]
)
def test_out_of_range_inputs_are_rejected(name: str, value: float) -> None:
    with pytest.raises(CfdInputError, match=name):
        ergun_pressure_gradient(**{**CASE, name: value})
    with pytest.raises(ValueError):  # input errors are ValueErrors too
        ergun_pressure_gradient(**{**CASE, name: value})
