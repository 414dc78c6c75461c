"""Units: parsing, dimensions, exact conversion to SI and exact formatting back."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedflow.dsl._units import (
    DENSITY,
    LENGTH,
    VELOCITY,
    VISCOSITY,
    UnitError,
    format_quantity,
    parse_unit,
    short_number,
    to_si,
)


@pytest.mark.parametrize(
    ("unit", "factor", "dimension"),
    [
        ("m", 1, "length"),
        ("cm", Fraction(1, 100), "length"),
        ("mm", Fraction(1, 1000), "length"),
        ("um", Fraction(1, 10**6), "length"),
        ("μm", Fraction(1, 10**6), "length"),
        ("kg", 1, "mass"),
        ("g", Fraction(1, 1000), "mass"),
        ("s", 1, "time"),
        ("ms", Fraction(1, 1000), "time"),
        ("Pa", 1, "pressure"),
        ("kPa", 1000, "pressure"),
        ("N", 1, "force"),
        ("m/s", 1, "velocity"),
        ("mm/s", Fraction(1, 1000), "velocity"),
        ("kg/m3", 1, "density"),
        ("g/cm3", 1000, "density"),
        ("Pa.s", 1, "dynamic viscosity"),
        ("mPa.s", Fraction(1, 1000), "dynamic viscosity"),
        ("m/s2", 1, "acceleration"),
        ("m/s²", 1, "acceleration"),
        ("kg/m/s", 1, "dynamic viscosity"),
    ],
)
def test_units_have_exact_factors_and_dimensions(
    unit: str, factor: Fraction, dimension: str
) -> None:
    got_factor, got_dim = parse_unit(unit)
    assert got_factor == factor
    assert got_dim.name == dimension


@pytest.mark.parametrize("unit", ["furlong", "m//s", "kgg", "5m", "m^", ""])
def test_unknown_units_are_refused(unit: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(unit)


def test_conversion_is_exact_not_a_float_product() -> None:
    # 0.1 * 3 != 0.3 in floating point; exact fractions give the float nearest to 0.3 m.
    assert to_si("300", "mm") == 0.3
    assert to_si("1", "g/cm3") == 1000.0
    assert to_si("7", None) == 7 and isinstance(to_si("7", None), int)


@pytest.mark.parametrize(
    ("value", "dim", "text"),
    [
        (0.05, LENGTH, "50 mm"),
        (0.1, LENGTH, "100 mm"),
        (2.0, LENGTH, "2 m"),
        (1e-6, LENGTH, "1 um"),
        (0.005, VELOCITY, "5 mm/s"),
        (0.05, VELOCITY, "0.05 m/s"),
        (2500.0, DENSITY, "2500 kg/m3"),
        (1.81e-5, VISCOSITY, "1.81e-5 Pa.s"),
    ],
)
def test_formatting_picks_a_readable_unit(value: float, dim: object, text: str) -> None:
    assert format_quantity(value, dim) == text  # type: ignore[arg-type]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_short_numbers_read_back_exactly(x: float) -> None:
    assert float(short_number(x)) == x


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_formatted_quantities_read_back_exactly(x: float) -> None:
    for dim in (LENGTH, VELOCITY, DENSITY, VISCOSITY):
        number, _, unit = format_quantity(x, dim).partition(" ")
        assert to_si(number, unit or None) == x
