"""Ordered arrangements of spheres in a cylinder, deterministic, for validation.

Both arrangements keep every sphere inside the column (centre within ``D/2 - d/2 -
clearance`` of the axis, bottom at ``z >= clearance``, top at ``z <= column_height``) and
never overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bedflow.geometry._types import FloatArray, IntArray

__all__ = ["OrderedPacking", "hexagonal_pack", "ring_pack"]


@dataclass(frozen=True)
class OrderedPacking:
    """Spheres of an ordered arrangement.

    Attributes
    ----------
    centers : (n, 3) float, m
    radii : (n,) float, m
    layer : (n,) int
        Layer index of each sphere, from the floor up.
    layer_spacing : float, m
        Vertical distance between neighbouring layers.
    """

    centers: FloatArray
    radii: FloatArray
    layer: IntArray
    layer_spacing: float


def _check(column_diameter: float, column_height: float, particle_diameter: float,
           clearance: float) -> float:  # fmt: skip
    for name, value in (("column_diameter", column_diameter), ("column_height", column_height),
                        ("particle_diameter", particle_diameter)):  # fmt: skip
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    if not (math.isfinite(clearance) and clearance >= 0.0):
        raise ValueError(f"clearance must be >= 0, got {clearance!r}")
    room = 0.5 * column_diameter - 0.5 * particle_diameter - clearance
    if room < 0.0:
        raise ValueError("the particles do not fit in the column")
    return room


def _assemble(
    layers: list[FloatArray], spacing: float, r: float, clearance: float, column_height: float,
    count: int | None,
) -> OrderedPacking:  # fmt: skip
    blocks: list[FloatArray] = []
    ids: list[IntArray] = []
    z = r + clearance
    k = 0
    total = 0
    while z + r <= column_height * (1.0 + 1e-12) and (count is None or total < count):
        xy = layers[k % len(layers)]
        block = np.column_stack((xy, np.full(xy.shape[0], z)))
        blocks.append(block)
        ids.append(np.full(xy.shape[0], k, dtype=np.int64))
        total += xy.shape[0]
        z += spacing
        k += 1
    if not blocks:
        raise ValueError("the column is too short for one layer of particles")
    centers = np.concatenate(blocks)
    layer = np.concatenate(ids)
    if count is not None:
        centers = centers[:count]
        layer = layer[:count]
    return OrderedPacking(
        centers=centers, radii=np.full(centers.shape[0], r), layer=layer, layer_spacing=spacing
    )


def hexagonal_pack(
    *,
    column_diameter: float,
    column_height: float,
    particle_diameter: float,
    count: int | None = None,
    clearance: float = 0.0,
) -> OrderedPacking:
    """Hexagonal close packing (ABAB stacking) cut by the cylinder.

    Each layer is a triangular lattice of spacing ``d`` (one lattice point on the axis for A
    layers); B layers are shifted to the centroids of the A triangles, ``(d/2, d/(2 sqrt 3))``,
    and the layer spacing is ``d sqrt(2/3)``, so interior spheres touch 12 neighbours and the
    unbounded arrangement has solid fraction ``pi / (3 sqrt 2) = 0.7405``. Layers are filled
    from the floor; within a layer spheres are ordered by distance from the axis, so ``count``
    truncates the top layer from the centre out.

    >>> p = hexagonal_pack(column_diameter=0.05, column_height=0.02, particle_diameter=0.005)
    >>> p.centers.shape[1], int(p.layer.max()) + 1
    (3, 4)
    """
    room = _check(column_diameter, column_height, particle_diameter, clearance)
    d = particle_diameter
    n = math.ceil(room / d) + 2
    i, j = np.meshgrid(np.arange(-2 * n, 2 * n + 1), np.arange(-2 * n, 2 * n + 1))
    base = np.column_stack(((i + 0.5 * j).ravel() * d, (j * math.sqrt(3.0) / 2.0).ravel() * d))
    layers: list[FloatArray] = []
    for shift in ((0.0, 0.0), (0.5 * d, 0.5 * d / math.sqrt(3.0))):
        xy = base + np.array(shift)
        rho = np.hypot(xy[:, 0], xy[:, 1])
        keep = rho <= room * (1.0 + 1e-12)
        xy, rho = xy[keep], rho[keep]
        order = np.lexsort((np.arctan2(xy[:, 1], xy[:, 0]), np.round(rho / d, 9)))
        layers.append(xy[order])
    return _assemble(layers, d * math.sqrt(2.0 / 3.0), 0.5 * d, clearance, column_height, count)


def ring_pack(
    *,
    column_diameter: float,
    column_height: float,
    particle_diameter: float,
    count: int | None = None,
    clearance: float = 0.0,
) -> OrderedPacking:
    """Concentric rings of spheres in each layer, layers stacked straight at spacing ``d``.

    Ring ``m`` has its centres on radius ``rho_m = D/2 - d/2 - clearance - m d`` and holds
    ``floor(pi / asin(d / (2 rho_m)))`` equally spaced spheres (neighbours at least ``d``
    apart); a last sphere sits on the axis when the innermost ring leaves room for it. The
    first sphere of each ring lies on the x axis. ``count`` truncates the top layer from the
    wall in.

    >>> p = ring_pack(column_diameter=0.03, column_height=0.005, particle_diameter=0.005)
    >>> int(p.centers.shape[0])  # rings of 15, 9 and 2 spheres
    26
    """
    room = _check(column_diameter, column_height, particle_diameter, clearance)
    d = particle_diameter
    pts: list[FloatArray] = []
    rho = room
    while rho >= 0.5 * d * (1.0 - 1e-9):
        per_ring = math.floor(math.pi / math.asin(min(d / (2.0 * rho), 1.0)) + 1e-9)
        theta = 2.0 * math.pi * np.arange(per_ring) / per_ring
        pts.append(np.column_stack((rho * np.cos(theta), rho * np.sin(theta))))
        rho -= d
    if not pts or rho >= -1e-9 * d:
        # the innermost ring (radius rho + d) is at least d from the axis
        pts.append(np.zeros((1, 2)))
    layer = np.concatenate(pts)
    return _assemble([layer], d, 0.5 * d, clearance, column_height, count)
