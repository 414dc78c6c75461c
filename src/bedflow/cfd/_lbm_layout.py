"""Memory layout of the LBM kernels' inputs: the bounce-back link lists and the padded
population stride (see the layout section of :mod:`bedflow.cfd._lbm_kernels`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd import _lbm_kernels as kernels
from bedflow.cfd._constants import CACHE_PAGE_BYTES, CACHE_STREAM_OFFSET_BYTES
from bedflow.cfd._types import BoolArray

__all__ = ["boundary_links", "padded_stride"]


def boundary_links(
    solid: BoolArray, stride: int
) -> tuple[NDArray[np.integer[Any]], NDArray[np.integer[Any]], NDArray[np.integer[Any]]]:
    """Halfway bounce-back links for the kernels, grouped by row.

    A link is a fluid node n whose neighbour m = n - c_q (periodic) is solid. Returns
    ``link_ptr`` (nz ny + 1,): the links of row r = n // nx are ``link_ptr[r]:link_ptr[r + 1]``
    (by direction, then x); and ``slot_even``, ``slot_odd`` (n_links,): the flat index, in the
    population buffer of stride ``stride``, of the slot the link fills before an even step
    (q stride + n) and before an odd one (qbar stride + m). int32 where they fit: half the
    index traffic.
    """
    nz, ny, nx = solid.shape
    fluid = ~solid
    index = np.int32 if kernels.Q * stride < 2**31 else np.int64
    keys, evens, odds = [], [], []
    for q in range(1, kernels.Q):
        c = (int(kernels.CZ[q]), int(kernels.CY[q]), int(kernels.CX[q]))
        n = np.flatnonzero(fluid & np.roll(solid, c, axis=(0, 1, 2)))
        z, rest = np.divmod(n, ny * nx)
        y, x = np.divmod(rest, nx)
        m = (((z - c[0]) % nz) * ny + (y - c[1]) % ny) * nx + (x - c[2]) % nx
        keys.append(n // nx * (kernels.Q - 1) + (q - 1))
        evens.append((q * stride + n).astype(index))
        odds.append((int(kernels.OPPOSITE[q]) * stride + m).astype(index))
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")  # by row and direction, then x
    link_ptr = np.zeros(nz * ny + 1, dtype=index)
    np.cumsum(np.bincount(key // (kernels.Q - 1), minlength=nz * ny), out=link_ptr[1:])
    return link_ptr, np.concatenate(evens)[order], np.concatenate(odds)[order]


def padded_stride(n_nodes: int, itemsize: int) -> int:
    """Population stride s >= n_nodes with s * itemsize = 3 cache lines (mod 4 KiB).

    With a power-of-two stride (a 64^3 or 128^3 box) the 19 streams of a step all map to the same
    cache set and the kernel runs ~10x slower; offsets of 3 lines spread them over 57 sets.
    """
    page = CACHE_PAGE_BYTES // itemsize
    target = CACHE_STREAM_OFFSET_BYTES // itemsize
    return n_nodes + (target - n_nodes) % page
