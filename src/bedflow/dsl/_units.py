"""Units of the `.bed` language: parsing unit strings, dimensions, exact conversion to SI.

A unit string is a product of symbols with optional exponents, divided by others:
``mm``, ``m/s2``, ``m/s²``, ``kg/m3``, ``g/cm3``, ``Pa.s``, ``mPa.s``, ``m/s^2``. Symbols are SI
base or derived units (m, g, s, Pa, N, P) with an optional prefix (k, c, m, u, µ, n, M, G).
Conversion uses exact fractions, so ``50 mm`` is exactly the float nearest to 0.05 m.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

__all__ = [
    "DIMENSIONLESS",
    "DIMENSIONS",
    "Dimension",
    "UnitError",
    "format_quantity",
    "parse_unit",
    "rounded_quantity",
    "short_number",
    "to_si",
]


@dataclass(frozen=True)
class Dimension:
    """A physical dimension as exponents of mass, length and time, with its SI unit symbol."""

    name: str
    si: str
    mass: int = 0
    length: int = 0
    time: int = 0

    @property
    def exponents(self) -> tuple[int, int, int]:
        return (self.mass, self.length, self.time)


DIMENSIONLESS = Dimension("dimensionless", "", 0, 0, 0)
LENGTH = Dimension("length", "m", 0, 1, 0)
MASS = Dimension("mass", "kg", 1, 0, 0)
TIME = Dimension("time", "s", 0, 0, 1)
VELOCITY = Dimension("velocity", "m/s", 0, 1, -1)
ACCELERATION = Dimension("acceleration", "m/s2", 0, 1, -2)
DENSITY = Dimension("density", "kg/m3", 1, -3, 0)
VISCOSITY = Dimension("dynamic viscosity", "Pa.s", 1, -1, -1)
PRESSURE = Dimension("pressure", "Pa", 1, -1, -2)
FORCE = Dimension("force", "N", 1, 1, -2)

DIMENSIONS: dict[str, Dimension] = {
    d.si: d
    for d in (LENGTH, MASS, TIME, VELOCITY, ACCELERATION, DENSITY, VISCOSITY, PRESSURE, FORCE)
}
_BY_EXPONENTS = {d.exponents: d for d in (*DIMENSIONS.values(), DIMENSIONLESS)}

# symbol -> (factor to SI, (mass, length, time) exponents)
_BASE: dict[str, tuple[Fraction, tuple[int, int, int]]] = {
    "m": (Fraction(1), (0, 1, 0)),
    "g": (Fraction(1, 1000), (1, 0, 0)),
    "s": (Fraction(1), (0, 0, 1)),
    "min": (Fraction(60), (0, 0, 1)),
    "h": (Fraction(3600), (0, 0, 1)),
    "Pa": (Fraction(1), (1, -1, -2)),
    "N": (Fraction(1), (1, 1, -2)),
    "P": (Fraction(1, 10), (1, -1, -1)),  # poise; cP = mPa.s
}
_PREFIX: dict[str, Fraction] = {
    "G": Fraction(10**9),
    "M": Fraction(10**6),
    "k": Fraction(1000),
    "c": Fraction(1, 100),
    "m": Fraction(1, 1000),
    "u": Fraction(1, 10**6),
    "µ": Fraction(1, 10**6),  # micro sign U+00B5
    "μ": Fraction(1, 10**6),  # Greek mu U+03BC
    "n": Fraction(1, 10**9),
}
_SUPERSCRIPT = {"²": "2", "³": "3", "¹": "1", "⁻": "-"}
_FACTOR = re.compile(r"^([A-Za-zµμ]+)(?:\^?(-?\d+))?$")


class UnitError(ValueError):
    """A unit string that is not understood (the message says which part)."""


@lru_cache(maxsize=256)
def parse_unit(unit: str) -> tuple[Fraction, Dimension]:
    """The exact factor to SI and the dimension of a unit string.

    >>> parse_unit("mm")
    (Fraction(1, 1000), Dimension(name='length', si='m', mass=0, length=1, time=0))
    """
    text = unit.strip()
    for sup, plain in _SUPERSCRIPT.items():
        text = text.replace(sup, plain)
    if not text:
        raise UnitError("empty unit")
    factor = Fraction(1)
    exps = [0, 0, 0]
    for i, part in enumerate(text.split("/")):
        sign = 1 if i == 0 else -1
        for piece in re.split(r"[.*·]", part):
            match = _FACTOR.match(piece)
            if match is None:
                raise UnitError(f"cannot read unit {unit!r} (at {piece!r})")
            symbol, power_text = match.groups()
            power = int(power_text) if power_text else 1
            f, dims = _symbol(symbol, unit)
            factor *= f ** (sign * power)
            for k in range(3):
                exps[k] += sign * power * dims[k]
    key = (exps[0], exps[1], exps[2])
    dim = _BY_EXPONENTS.get(key) or Dimension(f"M^{key[0]} L^{key[1]} T^{key[2]}", unit, *key)
    return factor, dim


def _symbol(symbol: str, unit: str) -> tuple[Fraction, tuple[int, int, int]]:
    if symbol in _BASE:
        return _BASE[symbol]
    prefix, rest = symbol[:1], symbol[1:]
    if prefix in _PREFIX and rest in _BASE:
        f, dims = _BASE[rest]
        return _PREFIX[prefix] * f, dims
    raise UnitError(f"unknown unit {symbol!r} in {unit!r}")


def to_si(number: str, unit: str | None) -> int | float:
    """Convert a number written in the source (``"5"``, ``"1.8e-05"``) with a unit to SI.

    Without a unit the number is returned as written: an ``int`` when it has no point or
    exponent, a ``float`` otherwise.
    """
    if unit is None:
        if re.fullmatch(r"[+-]?\d+", number):
            return int(number)
        return float(number)
    factor, _ = parse_unit(unit)
    if factor == 1:
        return float(number)
    exact = Fraction(number) * factor
    try:
        return float(exact)
    except OverflowError:  # 1e999 km: as float("1e999") would, give an infinity for validation
        return float("inf") if exact > 0 else float("-inf")


# Display units tried, in order, when formatting; the first that round-trips exactly and gives
# a number in [lower, upper) wins, SI is the fallback.
_DISPLAY: dict[str, tuple[tuple[str, float, float], ...]] = {
    "m": (("mm", 1e-3, 1.0), ("um", 1e-6, 1e-3)),
    "m/s": (("mm/s", 1e-6, 1e-2),),
    "kg": (("g", 1e-6, 1.0),),
    "s": (("ms", 1e-6, 1e-1),),
}


def _short(x: float) -> str:
    """The shortest text that reads back as exactly ``x``: 5, 0.05, 1e-4, 1.81e-5, 2e20.

    Fixed notation unless scientific notation is shorter.
    """
    if not math.isfinite(x):
        return repr(x)
    fixed = repr(x)
    if "e" in fixed:
        fixed = format(Decimal(fixed), "f")
    if "." in fixed:
        fixed = fixed.rstrip("0").rstrip(".")
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    assert isinstance(exponent, int)
    mantissa = "".join(map(str, digits))
    exp = exponent + len(mantissa) - 1
    mantissa = mantissa[0] + ("." + mantissa[1:] if len(mantissa) > 1 else "")
    sci = f"{'-' if sign else ''}{mantissa}e{exp}"
    return sci if len(sci) < len(fixed) else fixed


def format_quantity(value: float, dim: Dimension) -> str:
    """Shortest readable text for an SI value that parses back to exactly the same float.

    >>> format_quantity(0.05, LENGTH)
    '50 mm'
    """
    if dim is DIMENSIONLESS or not dim.si:
        return _short(float(value))
    mag = abs(value)
    for unit, lower, upper in _DISPLAY.get(dim.si, ()):
        if lower <= mag < upper:
            factor, _ = parse_unit(unit)
            text = _short(float(Fraction(value) / factor))
            if to_si(text, unit) == value:
                return f"{text} {unit}"
    return f"{_short(float(value))} {dim.si}"


def rounded_quantity(value: float, dim: Dimension, digits: int = 3) -> str:
    """``value`` rounded to ``digits`` significant digits, in the unit :func:`format_quantity`
    would pick: for messages, where 0.1636246173744684 g reads better as 0.164 g.

    >>> rounded_quantity(1.636246173744684e-4, MASS)
    '0.164 g'
    """
    if not math.isfinite(value) or value == 0:
        return format_quantity(value, dim)
    if dim is DIMENSIONLESS or not dim.si:
        return _short(float(f"{value:.{digits}g}"))
    mag = abs(value)
    for unit, lower, upper in _DISPLAY.get(dim.si, ()):
        if lower <= mag < upper:
            factor, _ = parse_unit(unit)
            return f"{_short(float(f'{value / float(factor):.{digits}g}'))} {unit}"
    return f"{_short(float(f'{value:.{digits}g}'))} {dim.si}"


short_number = _short
