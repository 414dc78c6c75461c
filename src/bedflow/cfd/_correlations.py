"""Pressure drop per length through packed beds of spheres, and the dimensionless groups.

All functions broadcast like numpy ufuncs: pass floats for one value (a float comes back) or
arrays for a sweep. Inputs are SI: superficial velocity ``u`` (m/s, volumetric flow / empty
column cross-section), porosity ``eps`` (void fraction, -), particle diameter ``d`` (m), fluid
density ``rho`` (kg/m^3), DYNAMIC viscosity ``mu`` (Pa s), column diameter ``D`` (m).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd._constants import EISFELD_SPHERES, ERGUN_A, ERGUN_B, KOZENY_CARMAN
from bedflow.cfd._exceptions import CfdInputError
from bedflow.cfd._types import FloatOrArray

__all__ = [
    "carman_kozeny_pressure_gradient",
    "darcy_permeability",
    "eisfeld_schnitzlein_pressure_gradient",
    "ergun_friction_factor",
    "ergun_pressure_gradient",
    "modified_reynolds_number",
    "particle_reynolds_number",
]


def _arr(name: str, value: FloatOrArray, *, low: float = 0.0, high: float = np.inf) -> NDArray[Any]:
    """``value`` as a float64 array, checked to lie in (low, high)."""
    a = np.asarray(value, dtype=np.float64)
    if not np.all((a > low) & (a < high)):
        raise CfdInputError(f"{name} must lie in ({low:g}, {high:g}), got {value!r}")
    return a


def _out(a: NDArray[Any]) -> FloatOrArray:
    return float(a) if a.ndim == 0 else a


def particle_reynolds_number(
    u: FloatOrArray, d: FloatOrArray, rho: FloatOrArray, mu: FloatOrArray
) -> FloatOrArray:
    """Particle Reynolds number Re_p = rho u d / mu (superficial velocity), dimensionless.

    >>> particle_reynolds_number(u=0.01, d=0.005, rho=1000.0, mu=1e-3)
    50.0
    """
    return _out(_arr("u", u, low=-np.inf) * _arr("d", d) * _arr("rho", rho) / _arr("mu", mu))


def modified_reynolds_number(
    u: FloatOrArray, eps: FloatOrArray, d: FloatOrArray, rho: FloatOrArray, mu: FloatOrArray
) -> FloatOrArray:
    """Ergun's modified Reynolds number Re_m = Re_p / (1 - eps), dimensionless."""
    re_p = np.asarray(particle_reynolds_number(u, d, rho, mu))
    return _out(re_p / (1.0 - _arr("eps", eps, high=1.0)))


def ergun_pressure_gradient(
    u: FloatOrArray, eps: FloatOrArray, d: FloatOrArray, rho: FloatOrArray, mu: FloatOrArray
) -> FloatOrArray:
    """Pressure drop per length of a packed bed, Pa/m, by Ergun's equation.

    dp/L = 150 mu u (1-eps)^2 / (eps^3 d^2) + 1.75 rho u^2 (1-eps) / (eps^3 d)

    Source: S. Ergun (1952), "Fluid flow through packed columns", Chem. Eng. Prog. 48, 89-94.
    Fitted to beds of spheres, sand and crushed coke for 1 < Re_m < ~2400 (Re_m = Re_p /
    (1 - eps)); wall effects are ignored, so use it for D/d > ~10. The velocity term uses |u| u
    so that the sign follows the flow.

    >>> round(ergun_pressure_gradient(u=0.01, eps=0.4, d=0.005, rho=1000.0, mu=1e-3), 3)
    665.625
    """
    u_ = _arr("u", u, low=-np.inf)
    e = _arr("eps", eps, high=1.0)
    d_ = _arr("d", d)
    viscous = ERGUN_A * _arr("mu", mu) * u_ * (1.0 - e) ** 2 / (e**3 * d_**2)
    inertial = ERGUN_B * _arr("rho", rho) * np.abs(u_) * u_ * (1.0 - e) / (e**3 * d_)
    return _out(viscous + inertial)


def carman_kozeny_pressure_gradient(
    u: FloatOrArray, eps: FloatOrArray, d: FloatOrArray, mu: FloatOrArray
) -> FloatOrArray:
    """Pressure drop per length in creeping flow, Pa/m, by the Carman-Kozeny equation.

    dp/L = 180 mu u (1-eps)^2 / (eps^3 d^2)   (Kozeny constant 5, specific surface 6/d)

    Source: P. C. Carman (1937), "Fluid flow through granular beds", Trans. Inst. Chem. Eng.
    15, 150-166. Valid for creeping flow, Re_m = Re_p/(1-eps) < ~10, and porosities ~0.3-0.5 of
    random packings of near-spherical particles; no wall correction.

    >>> round(carman_kozeny_pressure_gradient(u=1e-3, eps=0.4, d=0.001, mu=1e-3), 4)
    1012.5
    """
    e = _arr("eps", eps, high=1.0)
    return _out(
        KOZENY_CARMAN
        * _arr("mu", mu)
        * _arr("u", u, low=-np.inf)
        * (1.0 - e) ** 2
        / (e**3 * _arr("d", d) ** 2)
    )


def eisfeld_schnitzlein_pressure_gradient(
    u: FloatOrArray,
    eps: FloatOrArray,
    d: FloatOrArray,
    rho: FloatOrArray,
    mu: FloatOrArray,
    D: FloatOrArray,
) -> FloatOrArray:
    """Pressure drop per length, Pa/m, of a bed of spheres in a column of diameter D, with the
    wall correction of Eisfeld & Schnitzlein.

    dp/L = K1 A_w^2 mu u (1-eps)^2 / (eps^3 d^2) + (A_w / B_w) rho u^2 (1-eps) / (eps^3 d)
    A_w = 1 + 2 / (3 (D/d) (1-eps))         (wall surface added to the particle surface)
    B_w = [k1 (d/D)^2 + k2]^2               (wall channelling in the inertial term)
    spheres: K1 = 154, k1 = 1.15, k2 = 0.87

    Source: B. Eisfeld, K. Schnitzlein (2001), "The influence of confining walls on the pressure
    drop in packed beds", Chem. Eng. Sci. 56, 4321-4329; extends Reichelt (1972). Their data
    base spans 0.01 < Re_p < 17635, 0.330 < eps < 0.882 and 1.624 < D/d < 250.

    >>> round(eisfeld_schnitzlein_pressure_gradient(0.01, 0.4, 0.005, 1000.0, 1e-3, 0.05), 2)
    695.89
    """
    u_ = _arr("u", u, low=-np.inf)
    e = _arr("eps", eps, high=1.0)
    d_ = _arr("d", d)
    ratio = _arr("D", D) / d_
    c = EISFELD_SPHERES
    a_w = 1.0 + 2.0 / (3.0 * ratio * (1.0 - e))
    b_w = (c.k1 / ratio**2 + c.k2) ** 2
    viscous = c.K1 * a_w**2 * _arr("mu", mu) * u_ * (1.0 - e) ** 2 / (e**3 * d_**2)
    inertial = a_w / b_w * _arr("rho", rho) * np.abs(u_) * u_ * (1.0 - e) / (e**3 * d_)
    return _out(viscous + inertial)


def darcy_permeability(
    u: FloatOrArray, pressure_gradient: FloatOrArray, mu: FloatOrArray
) -> FloatOrArray:
    """Darcy permeability k = mu u / (dp/L), m^2, from a superficial velocity (m/s), a pressure
    drop per length (Pa/m) and the dynamic viscosity (Pa s). Meaningful in creeping flow, where
    dp/L is proportional to u (Darcy 1856).

    >>> f"{darcy_permeability(u=1e-3, pressure_gradient=1000.0, mu=1e-3):.3g}"
    '1e-09'
    """
    return _out(_arr("mu", mu) * _arr("u", u) / _arr("pressure_gradient", pressure_gradient))


def ergun_friction_factor(
    pressure_gradient: FloatOrArray,
    u: FloatOrArray,
    eps: FloatOrArray,
    d: FloatOrArray,
    rho: FloatOrArray,
) -> FloatOrArray:
    """Ergun's friction factor f = (dp/L) d eps^3 / (rho u^2 (1-eps)), dimensionless; the Ergun
    equation reads f = 150 / Re_m + 1.75 (Ergun 1952).

    >>> round(ergun_friction_factor(665.625, u=0.01, eps=0.4, d=0.005, rho=1000.0), 6)
    3.55
    """
    e = _arr("eps", eps, high=1.0)
    return _out(
        _arr("pressure_gradient", pressure_gradient, low=-np.inf)
        * _arr("d", d)
        * e**3
        / (_arr("rho", rho) * _arr("u", u) ** 2 * (1.0 - e))
    )
