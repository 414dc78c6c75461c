"""Where the exact walls cut the lattice's boundary links: the wall fractions of interpolated
bounce-back.

A boundary link joins a fluid node n to a solid neighbour m = n - c_q. Its wall fraction q is
where the straight segment from n to m first enters the solid, as a fraction of the segment
(0 < q <= 1; halfway bounce-back assumes 1/2 everywhere). Lattice units: node (k, j, i) lies
at (x, y, z) = (i, j, k). Spheres are exact; a column wall is a cylinder about an axis along
z or a rectangular box, fluid inside. A link the surfaces do not explain (a non-spherical
particle, a voxel that the exact geometry calls fluid) keeps q = 1/2, i.e. halfway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numba import njit
from numpy.typing import NDArray

from bedflow.cfd import _lbm_kernels as kernels
from bedflow.cfd._exceptions import CfdInputError

if TYPE_CHECKING:
    from bedflow.geometry import PackedBed, Voxels

__all__ = ["LatticeSurfaces", "bed_surfaces", "interpolation_coefficients", "wall_fractions"]

_F64 = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LatticeSurfaces:
    """The exact solid surfaces of a voxel mask, in lattice units (node ``[k, j, i]`` at
    x = i, y = j, z = k), for interpolated bounce-back in
    :func:`~bedflow.cfd.solve_periodic`.

    centers : (n, 3) float, sphere centres (x, y, z); periodic images are not implied: give
        every image that reaches into the lattice (see :meth:`periodic_images`)
    radii : (n,) float
    z_ranges : (n, 2) float or None, the z interval in which each sphere is solid (a sphere
        cut by a mirror plane; None: everywhere)
    cylinder : (x0, y0, R) or None, a column wall about the axis (x0, y0) along z, fluid inside
    box : (x_lo, x_hi, y_lo, y_hi) or None, a rectangular column wall, fluid inside

    A node the mask calls solid should lie in a sphere or beyond the wall; links the surfaces
    do not explain fall back to halfway bounce-back.
    """

    centers: _F64 = field(default_factory=lambda: np.zeros((0, 3)))
    radii: _F64 = field(default_factory=lambda: np.zeros(0))
    z_ranges: _F64 | None = None
    cylinder: tuple[float, float, float] | None = None
    box: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        centers = np.asarray(self.centers, dtype=np.float64).reshape(-1, 3)
        radii = np.asarray(self.radii, dtype=np.float64).reshape(-1)
        if radii.shape[0] != centers.shape[0]:
            raise CfdInputError(f"{centers.shape[0]} sphere centres but {radii.shape[0]} radii")
        if not (np.all(np.isfinite(centers)) and np.all(radii > 0.0)):
            raise CfdInputError("sphere centres must be finite and radii positive")
        object.__setattr__(self, "centers", centers)
        object.__setattr__(self, "radii", radii)
        if self.z_ranges is not None:
            zr = np.asarray(self.z_ranges, dtype=np.float64).reshape(-1, 2)
            if zr.shape[0] != centers.shape[0]:
                raise CfdInputError("z_ranges needs one (z_lo, z_hi) per sphere")
            object.__setattr__(self, "z_ranges", zr)
        if self.cylinder is not None and not self.cylinder[2] > 0.0:
            raise CfdInputError(f"the cylinder's radius must be positive, got {self.cylinder[2]}")

    def periodic_images(
        self, shape: tuple[int, int, int], axes: tuple[bool, bool, bool] = (True, True, True)
    ) -> LatticeSurfaces:
        """The same surfaces with the images of the spheres, periodic along the ``axes``
        (x, y, z) of a lattice of ``shape`` (nz, ny, nx), that reach into it (or a node
        beyond it); a sphere's z range moves with its image."""
        nz, ny, nx = shape
        period = np.array([nx, ny, nz], dtype=np.float64)
        zr = self.z_ranges
        reach = self.radii + 2.0
        out_c, out_r, out_z = [], [], []
        shifts = [(-1, 0, 1) if periodic else (0,) for periodic in axes]
        for sx in shifts[0]:
            for sy in shifts[1]:
                for sz in shifts[2]:
                    shift = np.array([sx, sy, sz]) * period
                    c = self.centers + shift
                    keep = np.all(
                        (c + reach[:, None] >= -1.0) & (c - reach[:, None] <= period), axis=1
                    )
                    out_c.append(c[keep])
                    out_r.append(self.radii[keep])
                    if zr is not None:
                        out_z.append(zr[keep] + shift[2])
        return LatticeSurfaces(
            centers=np.concatenate(out_c),
            radii=np.concatenate(out_r),
            z_ranges=np.concatenate(out_z) if zr is not None else None,
            cylinder=self.cylinder,
            box=self.box,
        )


def bed_surfaces(packed: PackedBed, vox: Voxels, *, pad: int, mirrored: bool) -> LatticeSurfaces:
    """The exact surfaces of ``vox`` (a voxelization of ``packed``) on the lattice the `lbm`
    solver builds from it: padded by ``pad`` solid layers across, and, when ``mirrored``,
    followed along z by its mirror image; periodic along z either way.

    Spheres are exact (with their mirror images, each solid on its own side of the mirror
    planes); other particles have no surface here (their links stay halfway); the column wall
    is the cylinder or the box.
    """
    dx = vox.spacing
    nz, ny, nx = vox.shape
    origin = np.asarray(vox.origin, dtype=np.float64)
    # node [k, j, i] of the voxels lies at origin + (i + 1/2) dx, at lattice x = i + pad
    shift = np.array([pad - 0.5, pad - 0.5, -0.5])

    def lattice(xyz: _F64) -> _F64:
        return np.asarray((xyz - origin) / dx + shift, dtype=np.float64)

    col = packed.column
    axis = lattice(np.zeros(3))
    cylinder = box = None
    if col.shape == "cylinder":
        cylinder = (float(axis[0]), float(axis[1]), 0.5 * col.diameter / dx)
    else:
        hx, hy = 0.5 * col.width / dx, 0.5 * col.depth / dx
        box = (float(axis[0] - hx), float(axis[0] + hx), float(axis[1] - hy), float(axis[1] + hy))
    centers = np.zeros((0, 3))
    radii = np.zeros(0)
    if packed.kind == "sphere" and len(packed.radii):
        centers = lattice(np.asarray(packed.centers, dtype=np.float64).reshape(-1, 3))
        radii = np.asarray(packed.radii, dtype=np.float64).reshape(-1) / dx
        near = (centers[:, 2] + radii >= -2.0) & (centers[:, 2] - radii <= nz + 1.0)
        centers, radii = centers[near], radii[near]
    length = 2 * nz if mirrored else nz
    z_ranges = None
    if mirrored:
        mirror = centers.copy()
        mirror[:, 2] = 2 * nz - 1 - centers[:, 2]  # index k <-> 2 nz - 1 - k
        z_ranges = np.concatenate([
            np.tile([-0.5, nz - 0.5], (radii.size, 1)),
            np.tile([nz - 0.5, 2 * nz - 0.5], (radii.size, 1)),
        ])  # fmt: skip
        centers = np.concatenate([centers, mirror])
        radii = np.concatenate([radii, radii])
    surfaces = LatticeSurfaces(centers, radii, z_ranges, cylinder=cylinder, box=box)
    return surfaces.periodic_images((length, ny + 2 * pad, nx + 2 * pad), (False, False, True))


def wall_fractions(
    surfaces: LatticeSurfaces,
    shape: tuple[int, int, int],
    node: NDArray[np.int64],
    direction: NDArray[np.integer],
) -> _F64:
    """The wall fraction q of each link (fluid node ``node``, flat index in a lattice of
    ``shape``; its solid neighbour lies at node - c_direction): the first point where the
    segment from the node to its neighbour enters a sphere or leaves the column, as a
    fraction of the segment; NaN where it does neither (halfway then)."""
    _, ny, nx = shape
    node = np.asarray(node, dtype=np.int64)
    z, rest = np.divmod(node, ny * nx)
    y, x = np.divmod(rest, nx)
    q = np.asarray(direction, dtype=np.int64)
    cx = kernels.CX[q].astype(np.float64)
    cy = kernels.CY[q].astype(np.float64)
    cz = kernels.CZ[q].astype(np.float64)
    pos = np.stack([x, y, z]).astype(np.float64)
    out = np.full(node.size, np.inf)
    if surfaces.radii.size:
        zr = surfaces.z_ranges
        if zr is None:
            zr = np.tile(np.array([-np.inf, np.inf]), (surfaces.radii.size, 1))
        start, items, lo, size, nbins = _bins(surfaces.centers, surfaces.radii)
        _sphere_entries(
            pos, cx, cy, cz, surfaces.centers, surfaces.radii, zr, start, items, lo, size,
            nbins, out,
        )  # fmt: skip
    if surfaces.cylinder is not None:
        x0, y0, radius = surfaces.cylinder
        out = np.minimum(out, _cylinder_exits(pos[0] - x0, pos[1] - y0, cx, cy, radius))
    if surfaces.box is not None:
        out = np.minimum(out, _box_exits(pos[0], pos[1], cx, cy, surfaces.box))
    out[~np.isfinite(out)] = np.nan
    return np.asarray(np.minimum(out, 1.0), dtype=np.float64)


def interpolation_coefficients(
    fraction: _F64, beyond_fluid: NDArray[np.bool_], scheme: str = "cli"
) -> _F64:
    """The kernels' coefficient ``kappa`` of each link from its wall fraction q (see
    ``bounce_back`` in ``tools/gen_lbm_kernels.py``).

    ``cli``: (1 - 2q) / (1 + 2q); ``bouzidi``: -(1 - 2q) for q < 1/2, (2q - 1) / (2q) for
    q >= 1/2. 0 (halfway) where q is NaN, and where the scheme needs the node beyond, n + c_q,
    and it is solid (a gap of one or two nodes): CLI always, Bouzidi for q < 1/2.
    """
    q = np.asarray(fraction, dtype=np.float64)
    kappa = np.zeros(q.size)
    known = np.isfinite(q)
    if scheme == "cli":
        ok = known & beyond_fluid
        kappa[ok] = (1.0 - 2.0 * q[ok]) / (1.0 + 2.0 * q[ok])
    elif scheme == "bouzidi":
        near = known & (q < 0.5) & beyond_fluid
        kappa[near] = -(1.0 - 2.0 * q[near])
        far = known & (q >= 0.5)
        kappa[far] = (2.0 * q[far] - 1.0) / (2.0 * q[far])
    else:
        raise CfdInputError(f"unknown interpolated bounce-back {scheme!r}: cli or bouzidi")
    return kappa


def _bins(
    centers: _F64, radii: _F64
) -> tuple[NDArray[np.int64], NDArray[np.int64], _F64, float, NDArray[np.int64]]:
    """A uniform grid of bins over the sphere centres, edge r_max + 2: a link whose segment
    enters a sphere has its solid end within r + sqrt(2) of the centre, so the sphere lies in
    the end's bin or a neighbouring one."""
    size = float(radii.max()) + 2.0
    lo = centers.min(axis=0) - size
    hi = centers.max(axis=0) + size
    nbins = np.maximum(np.ceil((hi - lo) / size).astype(np.int64), 1)
    ijk = np.clip(((centers - lo) / size).astype(np.int64), 0, nbins - 1)
    key = (ijk[:, 2] * nbins[1] + ijk[:, 1]) * nbins[0] + ijk[:, 0]
    items = np.argsort(key, kind="stable").astype(np.int64)
    start = np.zeros(int(np.prod(nbins)) + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=int(np.prod(nbins))), out=start[1:])
    return start, items, lo, size, nbins


@njit(cache=True)
def _sphere_entries(
    pos: _F64,
    cx: _F64,
    cy: _F64,
    cz: _F64,
    centers: _F64,
    radii: _F64,
    z_ranges: _F64,
    start: NDArray[np.int64],
    items: NDArray[np.int64],
    lo: _F64,
    size: float,
    nbins: NDArray[np.int64],
    out: _F64,
) -> None:  # pragma: no cover - compiled
    """Lower ``out`` to the fraction of each link's segment, from the fluid node at ``pos``
    towards pos - c, where it enters a sphere (within the sphere's z range)."""
    for k in range(out.size):
        px, py, pz = pos[0, k], pos[1, k], pos[2, k]
        dx, dy, dz = -cx[k], -cy[k], -cz[k]  # towards the solid neighbour
        a = dx * dx + dy * dy + dz * dz
        i0 = int((px + dx - lo[0]) // size)
        j0 = int((py + dy - lo[1]) // size)
        k0 = int((pz + dz - lo[2]) // size)
        best = out[k]
        for kk in range(max(k0 - 1, 0), min(k0 + 2, nbins[2])):
            for jj in range(max(j0 - 1, 0), min(j0 + 2, nbins[1])):
                for ii in range(max(i0 - 1, 0), min(i0 + 2, nbins[0])):
                    b = (kk * nbins[1] + jj) * nbins[0] + ii
                    for e in range(start[b], start[b + 1]):
                        s = items[e]
                        ox = px - centers[s, 0]
                        oy = py - centers[s, 1]
                        oz = pz - centers[s, 2]
                        c = ox * ox + oy * oy + oz * oz - radii[s] * radii[s]
                        if c <= 0.0:  # the fluid node lies in the sphere: not this one
                            continue
                        half_b = ox * dx + oy * dy + oz * dz
                        disc = half_b * half_b - a * c
                        if disc < 0.0:
                            continue
                        t = (-half_b - math.sqrt(disc)) / a
                        if t < 0.0 or t > 1.0 + 1e-9 or t >= best:
                            continue
                        ze = pz + t * dz
                        if ze < z_ranges[s, 0] - 1e-9 or ze > z_ranges[s, 1] + 1e-9:
                            continue
                        best = t
        out[k] = best


def _cylinder_exits(ox: _F64, oy: _F64, cx: _F64, cy: _F64, radius: float) -> _F64:
    """Fraction of each segment from (ox, oy) (relative to the axis, inside) towards
    (ox, oy) - c where it leaves the cylinder; inf where it does not within the segment."""
    dx, dy = -cx, -cy
    a = dx * dx + dy * dy
    half_b = ox * dx + oy * dy
    c = ox * ox + oy * oy - radius * radius
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (-half_b + np.sqrt(np.maximum(half_b * half_b - a * c, 0.0))) / a
    ok = (a > 0.0) & (c <= 0.0) & (t >= 0.0) & (t <= 1.0 + 1e-9)
    return np.where(ok, np.minimum(t, 1.0), np.inf)


def _box_exits(
    x: _F64, y: _F64, cx: _F64, cy: _F64, box: tuple[float, float, float, float]
) -> _F64:
    """Fraction of each segment from (x, y) (inside the box) towards (x, y) - c where it
    leaves the box ``(x_lo, x_hi, y_lo, y_hi)``; inf where it does not within the segment."""
    x_lo, x_hi, y_lo, y_hi = box
    out = np.full(x.size, np.inf)
    for p, d, low, high in ((x, -cx, x_lo, x_hi), (y, -cy, y_lo, y_hi)):
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(d > 0, (high - p) / d, np.where(d < 0, (low - p) / d, np.inf))
        inside = (p >= low) & (p <= high)
        ok = inside & (t >= 0.0) & (t <= 1.0 + 1e-9)
        out = np.where(ok, np.minimum(out, np.minimum(t, 1.0)), out)
    return out
