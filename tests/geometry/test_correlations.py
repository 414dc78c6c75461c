"""Porosity correlations against their published forms and worked values."""

import math

import pytest

from bedflow.dsl import parse
from bedflow.geometry import (
    benyahia_oneill_cylinder_porosity,
    benyahia_oneill_porosity,
    dixon_porosity,
    expected_porosity,
    volume_equivalent_diameter,
)


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(10.0, 0.4 + 0.05 / 10 + 0.412 / 100), (5.0, 0.4 + 0.01 + 0.412 / 25), (2.0, 0.528)],
)
def test_dixon_worked_values(ratio: float, expected: float) -> None:
    """Dixon (1988), Can. J. Chem. Eng. 66, 705: eps = 0.4 + 0.05 d/D + 0.412 (d/D)^2.

    Evaluated by hand (D/d = 10: 0.4 + 0.005 + 0.00412 = 0.40912); same arithmetic, so the
    tolerance is round-off.
    """
    assert dixon_porosity(ratio) == pytest.approx(expected, rel=1e-12)


def test_dixon_branches_join() -> None:
    """Dixon's three branches meet at d/D = 0.5 and 0.536; the published coefficients are
    rounded to 3-4 digits, so the joins agree to 1e-3."""
    for x in (0.5, 0.536):
        below = dixon_porosity(1.0 / (x - 1e-9))
        above = dixon_porosity(1.0 / (x + 1e-9))
        assert above == pytest.approx(below, abs=1e-3)


def test_dixon_large_tubes_tend_to_04() -> None:
    """For D/d -> infinity the Dixon form reduces to its constant 0.4."""
    assert dixon_porosity(1e6) == pytest.approx(0.4, abs=1e-6)


def test_benyahia_oneill_worked_value() -> None:
    """Benyahia & O'Neill (2005), Part. Sci. Technol. 23, 169: eps = 0.390 + 1.740/(D/d +
    1.140)^2; D/d = 50 gives 0.3906653157443224 (the example of the `fluids` library's
    voidage_Benyahia_Oneil_spherical), to round-off."""
    assert benyahia_oneill_porosity(50.0) == pytest.approx(0.3906653157443224, rel=1e-12)


def test_benyahia_oneill_cylinders_worked_value() -> None:
    """Benyahia & O'Neill (2005), solid cylinders: eps = 0.373 + 1.703/(D/d_pe + 0.611)^2;
    D/d_pe = 10 gives 0.38812523109607894 (the example of the `fluids` library's
    voidage_Benyahia_Oneil_cylindrical), to round-off."""
    assert benyahia_oneill_cylinder_porosity(10.0) == pytest.approx(0.38812523109607894, rel=1e-12)


def test_volume_equivalent_diameter_of_a_cylinder() -> None:
    """A sphere of diameter (1.5 d^2 L)^(1/3) has the volume pi d^2 L / 4 of the cylinder."""
    d_pe = volume_equivalent_diameter(0.005, 0.008)
    assert math.pi / 6 * d_pe**3 == pytest.approx(math.pi / 4 * 0.005**2 * 0.008, rel=1e-12)


def test_expected_porosity_of_cylinders_in_a_tube_follows_benyahia_oneill() -> None:
    """Equilateral 5 mm cylinders in a 50 mm tube: D/d_pe = 10/1.5^(1/3) = 8.736, so
    0.373 + 1.703/9.347^2 = 0.3925 (the wall region of a narrow tube included); in a tube
    narrower than the fit's 1.7 d_pe, and in a box, the wide-bed value."""
    spec = parse(
        "bed { diameter = 50 mm; height = 100 mm } "
        "particles { kind = cylinder; diameter = 5 mm; length = 5 mm; count = 10 } "
        "packing { method = rigid_body }"
    )
    assert expected_porosity(spec) == pytest.approx(0.3925, abs=5e-5)
    narrow = parse(
        "bed { diameter = 8 mm; height = 100 mm } "
        "particles { kind = cylinder; diameter = 5 mm; length = 5 mm; count = 3 } "
        "packing { method = rigid_body }"
    )
    assert expected_porosity(narrow) == 0.36
    box = parse(
        "bed { shape = box; diameter = 50 mm; height = 100 mm } "
        "particles { kind = cylinder; diameter = 5 mm; length = 5 mm; count = 10 } "
        "packing { method = rigid_body }"
    )
    assert expected_porosity(box) == 0.36


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_correlations_reject_bad_ratios(bad: float) -> None:
    with pytest.raises(ValueError):
        dixon_porosity(bad)
    with pytest.raises(ValueError):
        benyahia_oneill_porosity(bad)
    with pytest.raises(ValueError):
        benyahia_oneill_cylinder_porosity(bad)
