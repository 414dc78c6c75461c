"""Numba kernels of the D3Q19 two-relaxation-time (TRT) lattice-Boltzmann solver.

Machine-written (the 19 directions unrolled by hand) and kept as plain source so that numba can
cache it; after an edit, rerun the validation tests in ``tests/cfd/``.

Layout (structure of arrays): one flat buffer per time level, population ``q`` of node
``n = (z * ny + y) * nx + x`` at ``q * s + n``. The stride ``s >= nz*ny*nx`` is padded by the
caller so that the 19 streams do not share cache sets (with a power-of-two stride they all map to
the same set and the kernel runs ~10x slower). Populations are stored as deviations from the
lattice weights, ``f_q - w_q``: float32 then resolves the small departures from equilibrium
instead of spending its mantissa on the constant ``w_q``.

Scheme: pull streaming fused with collision, two buffers. A buffer holds post-collision
populations; a step pulls ``f_q(x - c_q)`` from ``src`` (or, halfway bounce-back, the
post-collision ``f_qbar(x)`` when ``x - c_q`` is solid), collides and writes ``dst``. Rows with no
wall nearby take a branch-free loop; solid nodes are skipped and their entries never read.

Directions: ``q`` and ``q + 9`` are opposite (``q = 1..9``), so TRT works on pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

__all__ = [
    "CX",
    "CY",
    "CZ",
    "FLUID",
    "NEAR_WALL",
    "SOLID",
    "WEIGHTS",
    "Q",
    "macroscopic",
    "stream_collide",
]

_Float = NDArray[Any]
_U8 = NDArray[np.uint8]
_F64 = NDArray[np.float64]

Q = 19
# Node classes in ``flag``: the pull needs per-direction solid tests only next to a wall.
FLUID = 0
NEAR_WALL = 1
SOLID = 2

W0 = 1.0 / 3.0
W1 = 1.0 / 18.0
W2 = 1.0 / 36.0
CX = np.array([0, 1, 0, 0, 1, 1, 1, 1, 0, 0, -1, 0, 0, -1, -1, -1, -1, 0, 0], dtype=np.int64)
CY = np.array([0, 0, 1, 0, 1, -1, 0, 0, 1, 1, 0, -1, 0, -1, 1, 0, 0, -1, -1], dtype=np.int64)
CZ = np.array([0, 0, 0, 1, 0, 0, 1, -1, 1, -1, 0, 0, -1, 0, 0, -1, 1, -1, 1], dtype=np.int64)
WEIGHTS = np.array([W0] + [W1] * 3 + [W2] * 6 + [W1] * 3 + [W2] * 6)

# No 'nnan'/'ninf': the driver detects divergence from NaN in the reductions; the numpy
# error model lets 1/rho give inf instead of raising, which keeps the loops branch-free.
_FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(parallel=True, cache=True, fastmath=_FASTMATH, error_model="numpy")
def stream_collide(
    src: _Float,
    dst: _Float,
    s: int,
    flag: _U8,
    row_flag: _U8,
    nz: int,
    ny: int,
    nx: int,
    omega_p: float,
    omega_m: float,
    gz: float,
    jz_slab: _F64,
    usq_slab: _F64,
) -> None:
    """One fused pull-stream + TRT collision step, ``src`` -> ``dst``.

    src, dst : (19 * s,) float32/float64, post-collision populations minus weights, stride s
    flag : (nz*ny*nx,) uint8, FLUID / NEAR_WALL / SOLID per node
    row_flag : (nz*ny,) uint8, max of ``flag`` over each x row (FLUID: branch-free fast path)
    omega_p, omega_m : TRT rates of the symmetric / antisymmetric parts
    gz : body-force density along z, lattice units
    jz_slab : (nz,) float64 out, per z slab the sum of the momentum density j_z (half-force
        corrected, pre-collision)
    usq_slab : (nz,) float64 out, per z slab the max of |u|^2
    """
    cf_p = 1.0 - 0.5 * omega_p
    cf_m = 1.0 - 0.5 * omega_m
    hgz = 0.5 * gz
    for z in prange(nz):
        zm = z - 1 if z > 0 else nz - 1
        zp = z + 1 if z < nz - 1 else 0
        jz_acc = 0.0
        usq_max = 0.0
        for y in range(ny):
            ym = y - 1 if y > 0 else ny - 1
            yp = y + 1 if y < ny - 1 else 0
            r00 = (z * ny + y) * nx
            r0m = (zm * ny + y) * nx
            r0p = (zp * ny + y) * nx
            rm0 = (z * ny + ym) * nx
            rmm = (zm * ny + ym) * nx
            rmp = (zp * ny + ym) * nx
            rp0 = (z * ny + yp) * nx
            rpm = (zm * ny + yp) * nx
            rpp = (zp * ny + yp) * nx
            if row_flag[z * ny + y] == FLUID and nx > 2:
                # Interior of a wall-free row: contiguous pulls, no wrap, no solid tests.
                # Unsigned indices: numba then omits its negative-index wraparound test.
                b0 = np.uint64(r00)
                b1 = np.uint64(1 * s + r00 - 1)
                b2 = np.uint64(2 * s + rm0)
                b3 = np.uint64(3 * s + r0m)
                b4 = np.uint64(4 * s + rm0 - 1)
                b5 = np.uint64(5 * s + rp0 - 1)
                b6 = np.uint64(6 * s + r0m - 1)
                b7 = np.uint64(7 * s + r0p - 1)
                b8 = np.uint64(8 * s + rmm)
                b9 = np.uint64(9 * s + rmp)
                b10 = np.uint64(10 * s + r00 + 1)
                b11 = np.uint64(11 * s + rp0)
                b12 = np.uint64(12 * s + r0p)
                b13 = np.uint64(13 * s + rp0 + 1)
                b14 = np.uint64(14 * s + rm0 + 1)
                b15 = np.uint64(15 * s + r0p + 1)
                b16 = np.uint64(16 * s + r0m + 1)
                b17 = np.uint64(17 * s + rpp)
                b18 = np.uint64(18 * s + rpm)
                d1 = np.uint64(1 * s + r00)
                d2 = np.uint64(2 * s + r00)
                d3 = np.uint64(3 * s + r00)
                d4 = np.uint64(4 * s + r00)
                d5 = np.uint64(5 * s + r00)
                d6 = np.uint64(6 * s + r00)
                d7 = np.uint64(7 * s + r00)
                d8 = np.uint64(8 * s + r00)
                d9 = np.uint64(9 * s + r00)
                d10 = np.uint64(10 * s + r00)
                d11 = np.uint64(11 * s + r00)
                d12 = np.uint64(12 * s + r00)
                d13 = np.uint64(13 * s + r00)
                d14 = np.uint64(14 * s + r00)
                d15 = np.uint64(15 * s + r00)
                d16 = np.uint64(16 * s + r00)
                d17 = np.uint64(17 * s + r00)
                d18 = np.uint64(18 * s + r00)
                for xi in range(1, nx - 1):
                    xu = np.uint64(xi)
                    f0 = src[xu + b0]
                    f1 = src[xu + b1]
                    f2 = src[xu + b2]
                    f3 = src[xu + b3]
                    f4 = src[xu + b4]
                    f5 = src[xu + b5]
                    f6 = src[xu + b6]
                    f7 = src[xu + b7]
                    f8 = src[xu + b8]
                    f9 = src[xu + b9]
                    f10 = src[xu + b10]
                    f11 = src[xu + b11]
                    f12 = src[xu + b12]
                    f13 = src[xu + b13]
                    f14 = src[xu + b14]
                    f15 = src[xu + b15]
                    f16 = src[xu + b16]
                    f17 = src[xu + b17]
                    f18 = src[xu + b18]
                    drho = (f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8 + f9) + (
                        f10 + f11 + f12 + f13 + f14 + f15 + f16 + f17 + f18
                    )
                    rho = 1.0 + drho
                    jx = (f1 + f4 + f5 + f6 + f7) - (f10 + f13 + f14 + f15 + f16)
                    jy = (f2 + f4 + f8 + f9 + f14) - (f5 + f11 + f13 + f17 + f18)
                    jz = (f3 + f6 + f8 + f16 + f18) - (f7 + f9 + f12 + f15 + f17) + hgz
                    inv_rho = 1.0 / rho
                    ux = jx * inv_rho
                    uy = jy * inv_rho
                    uz = jz * inv_rho
                    usq = ux * ux + uy * uy + uz * uz
                    ug = uz * gz
                    dst[xu + b0] = (
                        f0 - omega_p * (f0 - W0 * (drho - 1.5 * rho * usq)) - cf_p * W0 * 3.0 * ug
                    )
                    cu = ux
                    sp = omega_p * (
                        0.5 * (f1 + f10) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f1 - f10) - W1 * 3.0 * rho * cu)
                    fe = cf_p * W1 * (-3.0 * ug)
                    dst[xu + d1] = f1 - sp - sm + fe
                    dst[xu + d10] = f10 - sp + sm + fe
                    cu = uy
                    sp = omega_p * (
                        0.5 * (f2 + f11) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f2 - f11) - W1 * 3.0 * rho * cu)
                    fe = cf_p * W1 * (-3.0 * ug)
                    dst[xu + d2] = f2 - sp - sm + fe
                    dst[xu + d11] = f11 - sp + sm + fe
                    cu = uz
                    sp = omega_p * (
                        0.5 * (f3 + f12) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f3 - f12) - W1 * 3.0 * rho * cu)
                    fe = cf_p * W1 * (9.0 * cu * (gz) - 3.0 * ug)
                    fo = cf_m * W1 * 3.0 * (gz)
                    dst[xu + d3] = f3 - sp - sm + fe + fo
                    dst[xu + d12] = f12 - sp + sm + fe - fo
                    cu = ux + uy
                    sp = omega_p * (
                        0.5 * (f4 + f13) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f4 - f13) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (-3.0 * ug)
                    dst[xu + d4] = f4 - sp - sm + fe
                    dst[xu + d13] = f13 - sp + sm + fe
                    cu = ux - uy
                    sp = omega_p * (
                        0.5 * (f5 + f14) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f5 - f14) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (-3.0 * ug)
                    dst[xu + d5] = f5 - sp - sm + fe
                    dst[xu + d14] = f14 - sp + sm + fe
                    cu = ux + uz
                    sp = omega_p * (
                        0.5 * (f6 + f15) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f6 - f15) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (9.0 * cu * (gz) - 3.0 * ug)
                    fo = cf_m * W2 * 3.0 * (gz)
                    dst[xu + d6] = f6 - sp - sm + fe + fo
                    dst[xu + d15] = f15 - sp + sm + fe - fo
                    cu = ux - uz
                    sp = omega_p * (
                        0.5 * (f7 + f16) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f7 - f16) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (9.0 * cu * (-gz) - 3.0 * ug)
                    fo = cf_m * W2 * 3.0 * (-gz)
                    dst[xu + d7] = f7 - sp - sm + fe + fo
                    dst[xu + d16] = f16 - sp + sm + fe - fo
                    cu = uy + uz
                    sp = omega_p * (
                        0.5 * (f8 + f17) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f8 - f17) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (9.0 * cu * (gz) - 3.0 * ug)
                    fo = cf_m * W2 * 3.0 * (gz)
                    dst[xu + d8] = f8 - sp - sm + fe + fo
                    dst[xu + d17] = f17 - sp + sm + fe - fo
                    cu = uy - uz
                    sp = omega_p * (
                        0.5 * (f9 + f18) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq))
                    )
                    sm = omega_m * (0.5 * (f9 - f18) - W2 * 3.0 * rho * cu)
                    fe = cf_p * W2 * (9.0 * cu * (-gz) - 3.0 * ug)
                    fo = cf_m * W2 * 3.0 * (-gz)
                    dst[xu + d9] = f9 - sp - sm + fe + fo
                    dst[xu + d18] = f18 - sp + sm + fe - fo
                    jz_acc += jz
                    usq_max = max(usq_max, usq)
                step = nx - 1  # the generic loop below does the two wrapped ends
            else:
                step = 1
            for x in range(0, nx, step):
                n = r00 + x
                if flag[n] == SOLID:
                    continue
                xm = x - 1 if x > 0 else nx - 1
                xp = x + 1 if x < nx - 1 else 0
                f0 = src[n]
                k = r00 + xm
                f1 = src[1 * s + k] if flag[k] != SOLID else src[10 * s + n]
                k = rm0 + x
                f2 = src[2 * s + k] if flag[k] != SOLID else src[11 * s + n]
                k = r0m + x
                f3 = src[3 * s + k] if flag[k] != SOLID else src[12 * s + n]
                k = rm0 + xm
                f4 = src[4 * s + k] if flag[k] != SOLID else src[13 * s + n]
                k = rp0 + xm
                f5 = src[5 * s + k] if flag[k] != SOLID else src[14 * s + n]
                k = r0m + xm
                f6 = src[6 * s + k] if flag[k] != SOLID else src[15 * s + n]
                k = r0p + xm
                f7 = src[7 * s + k] if flag[k] != SOLID else src[16 * s + n]
                k = rmm + x
                f8 = src[8 * s + k] if flag[k] != SOLID else src[17 * s + n]
                k = rmp + x
                f9 = src[9 * s + k] if flag[k] != SOLID else src[18 * s + n]
                k = r00 + xp
                f10 = src[10 * s + k] if flag[k] != SOLID else src[1 * s + n]
                k = rp0 + x
                f11 = src[11 * s + k] if flag[k] != SOLID else src[2 * s + n]
                k = r0p + x
                f12 = src[12 * s + k] if flag[k] != SOLID else src[3 * s + n]
                k = rp0 + xp
                f13 = src[13 * s + k] if flag[k] != SOLID else src[4 * s + n]
                k = rm0 + xp
                f14 = src[14 * s + k] if flag[k] != SOLID else src[5 * s + n]
                k = r0p + xp
                f15 = src[15 * s + k] if flag[k] != SOLID else src[6 * s + n]
                k = r0m + xp
                f16 = src[16 * s + k] if flag[k] != SOLID else src[7 * s + n]
                k = rpp + x
                f17 = src[17 * s + k] if flag[k] != SOLID else src[8 * s + n]
                k = rpm + x
                f18 = src[18 * s + k] if flag[k] != SOLID else src[9 * s + n]
                drho = (f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8 + f9) + (
                    f10 + f11 + f12 + f13 + f14 + f15 + f16 + f17 + f18
                )
                rho = 1.0 + drho
                jx = (f1 + f4 + f5 + f6 + f7) - (f10 + f13 + f14 + f15 + f16)
                jy = (f2 + f4 + f8 + f9 + f14) - (f5 + f11 + f13 + f17 + f18)
                jz = (f3 + f6 + f8 + f16 + f18) - (f7 + f9 + f12 + f15 + f17) + hgz
                inv_rho = 1.0 / rho
                ux = jx * inv_rho
                uy = jy * inv_rho
                uz = jz * inv_rho
                usq = ux * ux + uy * uy + uz * uz
                ug = uz * gz
                dst[n] = f0 - omega_p * (f0 - W0 * (drho - 1.5 * rho * usq)) - cf_p * W0 * 3.0 * ug
                cu = ux
                sp = omega_p * (0.5 * (f1 + f10) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f1 - f10) - W1 * 3.0 * rho * cu)
                fe = cf_p * W1 * (-3.0 * ug)
                dst[1 * s + n] = f1 - sp - sm + fe
                dst[10 * s + n] = f10 - sp + sm + fe
                cu = uy
                sp = omega_p * (0.5 * (f2 + f11) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f2 - f11) - W1 * 3.0 * rho * cu)
                fe = cf_p * W1 * (-3.0 * ug)
                dst[2 * s + n] = f2 - sp - sm + fe
                dst[11 * s + n] = f11 - sp + sm + fe
                cu = uz
                sp = omega_p * (0.5 * (f3 + f12) - W1 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f3 - f12) - W1 * 3.0 * rho * cu)
                fe = cf_p * W1 * (9.0 * cu * (gz) - 3.0 * ug)
                fo = cf_m * W1 * 3.0 * (gz)
                dst[3 * s + n] = f3 - sp - sm + fe + fo
                dst[12 * s + n] = f12 - sp + sm + fe - fo
                cu = ux + uy
                sp = omega_p * (0.5 * (f4 + f13) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f4 - f13) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (-3.0 * ug)
                dst[4 * s + n] = f4 - sp - sm + fe
                dst[13 * s + n] = f13 - sp + sm + fe
                cu = ux - uy
                sp = omega_p * (0.5 * (f5 + f14) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f5 - f14) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (-3.0 * ug)
                dst[5 * s + n] = f5 - sp - sm + fe
                dst[14 * s + n] = f14 - sp + sm + fe
                cu = ux + uz
                sp = omega_p * (0.5 * (f6 + f15) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f6 - f15) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (9.0 * cu * (gz) - 3.0 * ug)
                fo = cf_m * W2 * 3.0 * (gz)
                dst[6 * s + n] = f6 - sp - sm + fe + fo
                dst[15 * s + n] = f15 - sp + sm + fe - fo
                cu = ux - uz
                sp = omega_p * (0.5 * (f7 + f16) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f7 - f16) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (9.0 * cu * (-gz) - 3.0 * ug)
                fo = cf_m * W2 * 3.0 * (-gz)
                dst[7 * s + n] = f7 - sp - sm + fe + fo
                dst[16 * s + n] = f16 - sp + sm + fe - fo
                cu = uy + uz
                sp = omega_p * (0.5 * (f8 + f17) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f8 - f17) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (9.0 * cu * (gz) - 3.0 * ug)
                fo = cf_m * W2 * 3.0 * (gz)
                dst[8 * s + n] = f8 - sp - sm + fe + fo
                dst[17 * s + n] = f17 - sp + sm + fe - fo
                cu = uy - uz
                sp = omega_p * (0.5 * (f9 + f18) - W2 * (drho + rho * (4.5 * cu * cu - 1.5 * usq)))
                sm = omega_m * (0.5 * (f9 - f18) - W2 * 3.0 * rho * cu)
                fe = cf_p * W2 * (9.0 * cu * (-gz) - 3.0 * ug)
                fo = cf_m * W2 * 3.0 * (-gz)
                dst[9 * s + n] = f9 - sp - sm + fe + fo
                dst[18 * s + n] = f18 - sp + sm + fe - fo
                jz_acc += jz
                usq_max = max(usq_max, usq)
        jz_slab[z] = jz_acc
        usq_slab[z] = usq_max


@njit(parallel=True, cache=True, fastmath=_FASTMATH, error_model="numpy")
def macroscopic(
    src: _Float,
    s: int,
    flag: _U8,
    nz: int,
    ny: int,
    nx: int,
    gz: float,
    rho_out: _Float,
    u_out: _Float,
) -> None:
    """Density and velocity after streaming the post-collision populations ``src``.

    src : (19 * s,) float, populations minus weights, stride s
    rho_out : (nz*ny*nx,) float out, density (1 on solid nodes)
    u_out : (3, nz*ny*nx) float out, velocity with the half-force correction (0 on solid nodes)
    """
    hgz = 0.5 * gz
    for z in prange(nz):
        zm = z - 1 if z > 0 else nz - 1
        zp = z + 1 if z < nz - 1 else 0
        for y in range(ny):
            ym = y - 1 if y > 0 else ny - 1
            yp = y + 1 if y < ny - 1 else 0
            r00 = (z * ny + y) * nx
            r0m = (zm * ny + y) * nx
            r0p = (zp * ny + y) * nx
            rm0 = (z * ny + ym) * nx
            rmm = (zm * ny + ym) * nx
            rmp = (zp * ny + ym) * nx
            rp0 = (z * ny + yp) * nx
            rpm = (zm * ny + yp) * nx
            rpp = (zp * ny + yp) * nx
            for x in range(nx):
                n = r00 + x
                if flag[n] == SOLID:
                    rho_out[n] = 1.0
                    u_out[0, n] = 0.0
                    u_out[1, n] = 0.0
                    u_out[2, n] = 0.0
                    continue
                xm = x - 1 if x > 0 else nx - 1
                xp = x + 1 if x < nx - 1 else 0
                f0 = src[n]
                k = r00 + xm
                f1 = src[1 * s + k] if flag[k] != SOLID else src[10 * s + n]
                k = rm0 + x
                f2 = src[2 * s + k] if flag[k] != SOLID else src[11 * s + n]
                k = r0m + x
                f3 = src[3 * s + k] if flag[k] != SOLID else src[12 * s + n]
                k = rm0 + xm
                f4 = src[4 * s + k] if flag[k] != SOLID else src[13 * s + n]
                k = rp0 + xm
                f5 = src[5 * s + k] if flag[k] != SOLID else src[14 * s + n]
                k = r0m + xm
                f6 = src[6 * s + k] if flag[k] != SOLID else src[15 * s + n]
                k = r0p + xm
                f7 = src[7 * s + k] if flag[k] != SOLID else src[16 * s + n]
                k = rmm + x
                f8 = src[8 * s + k] if flag[k] != SOLID else src[17 * s + n]
                k = rmp + x
                f9 = src[9 * s + k] if flag[k] != SOLID else src[18 * s + n]
                k = r00 + xp
                f10 = src[10 * s + k] if flag[k] != SOLID else src[1 * s + n]
                k = rp0 + x
                f11 = src[11 * s + k] if flag[k] != SOLID else src[2 * s + n]
                k = r0p + x
                f12 = src[12 * s + k] if flag[k] != SOLID else src[3 * s + n]
                k = rp0 + xp
                f13 = src[13 * s + k] if flag[k] != SOLID else src[4 * s + n]
                k = rm0 + xp
                f14 = src[14 * s + k] if flag[k] != SOLID else src[5 * s + n]
                k = r0p + xp
                f15 = src[15 * s + k] if flag[k] != SOLID else src[6 * s + n]
                k = r0m + xp
                f16 = src[16 * s + k] if flag[k] != SOLID else src[7 * s + n]
                k = rpp + x
                f17 = src[17 * s + k] if flag[k] != SOLID else src[8 * s + n]
                k = rpm + x
                f18 = src[18 * s + k] if flag[k] != SOLID else src[9 * s + n]
                drho = (f0 + f1 + f2 + f3 + f4 + f5 + f6 + f7 + f8 + f9) + (
                    f10 + f11 + f12 + f13 + f14 + f15 + f16 + f17 + f18
                )
                rho = 1.0 + drho
                jx = (f1 + f4 + f5 + f6 + f7) - (f10 + f13 + f14 + f15 + f16)
                jy = (f2 + f4 + f8 + f9 + f14) - (f5 + f11 + f13 + f17 + f18)
                jz = (f3 + f6 + f8 + f16 + f18) - (f7 + f9 + f12 + f15 + f17) + hgz
                inv_rho = 1.0 / rho
                ux = jx * inv_rho
                uy = jy * inv_rho
                uz = jz * inv_rho
                rho_out[n] = rho
                u_out[0, n] = ux
                u_out[1, n] = uy
                u_out[2, n] = uz
