"""Voxel geometries shared by the lattice-Boltzmann tests."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def sphere_cell(n: int, solid_fraction: float) -> tuple[NDArray[np.bool_], float]:
    """(n, n, n) periodic cell holding one voxelized sphere, and its nominal radius (voxels).

    The voxel sphere is the ``round(c n^3)`` nodes nearest to a centre slightly off the cell
    centre: off-centre, node distances are all distinct, so the voxel volume matches the nominal
    solid fraction to one voxel (a centred sphere grows in shells of 48 nodes, +-4 % volume at
    n = 32, which would dominate the drag error).
    """
    radius = n * (3.0 * solid_fraction / (4.0 * np.pi)) ** (1.0 / 3.0)
    x = np.arange(n) + 0.5 - n / 2
    r2 = (
        (x[:, None, None] - 0.13) ** 2
        + (x[None, :, None] - 0.29) ** 2
        + (x[None, None, :] - 0.41) ** 2
    )
    kth = np.sort(r2.ravel())[round(solid_fraction * n**3) - 1]
    return r2 <= kth, float(radius)


def square_duct(side: int, length: int = 4) -> NDArray[np.bool_]:
    """(length, side + 2, side + 2) duct along z: ``side`` fluid nodes between one-voxel walls.

    With halfway bounce-back the walls sit half a voxel outside the outer fluid nodes, so the
    hydraulic cross-section is exactly side x side voxels.
    """
    solid = np.ones((length, side + 2, side + 2), dtype=bool)
    solid[:, 1:-1, 1:-1] = False
    return solid


def square_duct_exact(side: int, g: float, nu: float, terms: int = 200) -> NDArray[np.float64]:
    """(side, side) analytic u_z at the fluid node centres of :func:`square_duct`.

    Series solution for a rectangular duct (e.g. White, Viscous Fluid Flow, 3rd ed., eq. 3-48),
    walls at 0 and a = side, nodes at i + 1/2:
    u = 4 g a^2 / (nu pi^3) sum_{n odd} n^-3 [1 - cosh(n pi (y - a/2) / a) / cosh(n pi / 2)]
        sin(n pi x / a)
    """
    a = float(side)
    c = np.arange(side) + 0.5
    x, y = c[None, :], c[:, None]
    u = np.zeros((side, side))
    for n in range(1, 2 * terms, 2):
        k = n * np.pi / a
        u += (1.0 - np.cosh(k * (y - a / 2)) / np.cosh(n * np.pi / 2)) * np.sin(k * x) / n**3
    return np.asarray(4.0 * g * a * a / (nu * np.pi**3) * u)


def square_duct_mean(side: int, g: float, nu: float, terms: int = 200) -> float:
    """Analytic mean velocity over the duct cross-section (continuous):
    U = g a^2 / (12 nu) [1 - 192 / pi^5 sum_{n odd} tanh(n pi / 2) / n^5]."""
    s = sum(np.tanh(n * np.pi / 2) / n**5 for n in range(1, 2 * terms, 2))
    return float(g * side**2 / (12.0 * nu) * (1.0 - 192.0 / np.pi**5 * s))
