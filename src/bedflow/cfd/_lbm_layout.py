"""Memory layout of the LBM kernels' inputs: the bounce-back link lists, the arguments of
halfway or interpolated bounce-back built on them, and the padded population stride (see the
layout section of :mod:`bedflow.cfd._lbm_kernels`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd import _lbm_kernels as kernels
from bedflow.cfd._constants import CACHE_PAGE_BYTES, CACHE_STREAM_OFFSET_BYTES
from bedflow.cfd._lbm_walls import LatticeSurfaces, interpolation_coefficients, wall_fractions
from bedflow.cfd._types import BoolArray

__all__ = ["BoundaryLinks", "KernelLinks", "boundary_links", "kernel_links", "padded_stride"]

_Index = NDArray[np.integer[Any]]

KernelLinks = tuple[Any, Any, Any, Any, Any, Any, Any, int]
"""The bounce-back arguments of ``stream_collide`` and ``fill_ghosts``: ptr, slot_even,
slot_odd, ghost (the bounce-back populations), far_even, far_odd, kappa and the scheme."""


@dataclass(frozen=True, eq=False)
class BoundaryLinks:
    """The bounce-back links of a voxel mask for the kernels, grouped by row.

    A link is a fluid node n whose neighbour m = n - c_q (periodic) is solid. The links of
    row r = n // nx are ``ptr[r]:ptr[r + 1]`` (by direction, then x). Flat indices into the
    population buffer of stride s (int32 where they fit: half the index traffic):

    slot_even, slot_odd : the slot the link fills before an even step, q s + n, and before an
        odd one, qbar s + m
    far_even, far_odd : the slot of the second term of interpolated bounce-back in an even /
        odd step, qbar s + n and q s + (n + c_q) (see ``bounce_back`` in
        ``tools/gen_lbm_kernels.py``)
    node : (n_links,) int64, n; direction : (n_links,) int8, q
    beyond_fluid : (n_links,) bool, whether n + c_q (the next node away from the wall) is
        fluid, which interpolation for a wall nearer than half a link needs
    """

    ptr: _Index
    slot_even: _Index
    slot_odd: _Index
    far_even: _Index
    far_odd: _Index
    node: NDArray[np.int64]
    direction: NDArray[np.int8]
    beyond_fluid: NDArray[np.bool_]

    @property
    def size(self) -> int:
        return int(self.node.size)


def boundary_links(solid: BoolArray, stride: int) -> BoundaryLinks:
    """The :class:`BoundaryLinks` of ``solid`` (nz, ny, nx) for a population stride ``stride``."""
    nz, ny, nx = solid.shape
    fluid = ~solid
    flat_fluid = fluid.reshape(-1)
    index = np.int32 if kernels.Q * stride < 2**31 else np.int64
    keys, nodes, dirs, evens, odds, far_e, far_o, beyond = [], [], [], [], [], [], [], []
    for q in range(1, kernels.Q):
        c = (int(kernels.CZ[q]), int(kernels.CY[q]), int(kernels.CX[q]))
        qbar = int(kernels.OPPOSITE[q])
        n = np.flatnonzero(fluid & np.roll(solid, c, axis=(0, 1, 2)))
        z, rest = np.divmod(n, ny * nx)
        y, x = np.divmod(rest, nx)
        m = (((z - c[0]) % nz) * ny + (y - c[1]) % ny) * nx + (x - c[2]) % nx
        p = (((z + c[0]) % nz) * ny + (y + c[1]) % ny) * nx + (x + c[2]) % nx
        keys.append(n // nx * (kernels.Q - 1) + (q - 1))
        nodes.append(n)
        dirs.append(np.full(n.size, q, dtype=np.int8))
        evens.append((q * stride + n).astype(index))
        odds.append((qbar * stride + m).astype(index))
        far_e.append((qbar * stride + n).astype(index))
        far_o.append((q * stride + p).astype(index))
        beyond.append(flat_fluid[p])
    key = np.concatenate(keys)
    order = np.argsort(key, kind="stable")  # by row and direction, then x
    ptr = np.zeros(nz * ny + 1, dtype=index)
    np.cumsum(np.bincount(key // (kernels.Q - 1), minlength=nz * ny), out=ptr[1:])
    return BoundaryLinks(
        ptr=ptr,
        slot_even=np.concatenate(evens)[order],
        slot_odd=np.concatenate(odds)[order],
        far_even=np.concatenate(far_e)[order],
        far_odd=np.concatenate(far_o)[order],
        node=np.concatenate(nodes).astype(np.int64)[order],
        direction=np.concatenate(dirs)[order],
        beyond_fluid=np.concatenate(beyond).astype(bool)[order],
    )


def kernel_links(
    bl: BoundaryLinks,
    solid: BoolArray,
    dt: np.dtype[Any],
    walls: tuple[LatticeSurfaces, str] | None,
) -> tuple[str, KernelLinks, NDArray[Any]]:
    """The bounce-back of the links ``bl`` of ``solid`` (nz, ny, nx) in storage ``dt``: the
    boundary's name, the :data:`KernelLinks` and kappa, (n_links,) the weight of each link's far
    term (0: halfway; empty when all are). ``walls``: the surfaces and the interpolated
    bounce-back, None for halfway."""
    ghost = np.zeros(bl.size, dtype=dt)  # bounce-back populations, at rest
    links: KernelLinks
    if walls is None:
        boundary = "halfway"
        none = np.zeros(0, dtype=bl.far_even.dtype)
        kappa = np.zeros(0, dtype=dt)
        links = (bl.ptr, bl.slot_even, bl.slot_odd, ghost, none, none, kappa, 0)
    else:
        surfaces, boundary = walls
        q = wall_fractions(surfaces, solid.shape, bl.node, bl.direction)
        kappa = interpolation_coefficients(q, bl.beyond_fluid, boundary).astype(dt)
        # a halfway link reads its own slot as the (zero-weighted) far term: no extra traffic
        halfway = kappa == 0.0
        far_even = np.where(halfway, bl.slot_even, bl.far_even)
        far_odd = np.where(halfway, bl.slot_odd, bl.far_odd)
        scheme = kernels.SCHEMES[boundary]
        links = (bl.ptr, bl.slot_even, bl.slot_odd, ghost, far_even, far_odd, kappa, scheme)
    return boundary, links, kappa


def padded_stride(n_nodes: int, itemsize: int) -> int:
    """Population stride s >= n_nodes with s * itemsize = 3 cache lines (mod 4 KiB).

    With a power-of-two stride (a 64^3 or 128^3 box) the 19 streams of a step all map to the same
    cache set and the kernel runs ~10x slower; offsets of 3 lines spread them over 57 sets.
    """
    page = CACHE_PAGE_BYTES // itemsize
    target = CACHE_STREAM_OFFSET_BYTES // itemsize
    return n_nodes + (target - n_nodes) % page
