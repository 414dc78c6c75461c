"""Wall-bounded and touching-sphere verification cases of the lattice-Boltzmann solver.

Shared by ``tests/cfd/test_lbm_verification.py`` (one cheap point each) and
``bench/bench_verification.py`` (the tables and the observed orders). The column wall and the
spheres in a tube go through the solver's own voxelizer (:func:`bedflow.geometry.voxelize`:
a cell is solid when its centre lies in a particle or outside the column), padded by one
solid layer as :func:`bedflow.cfd._solvers.lbm.lbm_flow` pads it, so the wall that is
verified is the packed bed's wall.

Reference values (sources in the docstrings):

* Hagen-Poiseuille: U = g R^2 / (8 nu).
* A sphere held on the axis of a tube in Poiseuille flow: Haberman & Sayre (1958).
* Simple cubic arrays up to close packing: Zick & Homsy (1982), Table 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from bedflow.cfd import LatticeSurfaces, solve_periodic
from bedflow.cfd._lbm_walls import bed_surfaces
from bedflow.geometry import PackedBed, Voxels, voxelize
from tests.utils.beds import sphere_bed

# Zick, A. A. & Homsy, G. M. (1982), Stokes flow through periodic arrays of spheres,
# J. Fluid Mech. 115, 13-26, Table 2, simple cubic array: solid fraction c -> drag coefficient
# K = F / (6 pi mu a U), F the drag per sphere, U the superficial velocity. As reproduced by
# the Basilisk test src/test/spheres.c (basilisk.fr); c = 0.5236 = pi/6 is close packing
# (each sphere touches six neighbours: contact points across and along the flow).
ZICK_HOMSY_SC: dict[float, float] = {
    0.027: 2.008,
    0.064: 2.810,
    0.125: 4.292,
    0.216: 7.442,
    0.343: 15.4,
    0.45: 28.1,
    0.5236: 42.1,
}

#: Sphere centres of one cubic cell, in units of the cell edge, and the solid fraction at
#: which the spheres touch (SC: pi/6, BCC: pi sqrt(3)/8, FCC: pi sqrt(2)/6).
LATTICES: dict[str, tuple[tuple[tuple[float, float, float], ...], float]] = {
    "sc": (((0.0, 0.0, 0.0),), math.pi / 6.0),
    "bcc": (((0.0, 0.0, 0.0), (0.5, 0.5, 0.5)), math.pi * math.sqrt(3.0) / 8.0),
    "fcc": (
        ((0.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.5, 0.0, 0.5), (0.0, 0.5, 0.5)),
        math.pi * math.sqrt(2.0) / 6.0,
    ),
}


def haberman_sayre_fixed_sphere(ratio: float) -> float:
    """Drag factor K of a sphere held fixed on the axis of a tube in Poiseuille flow.

    F = 6 pi mu a V K, with a the sphere radius and V the centre-line velocity of the
    undisturbed Poiseuille flow of the same flow rate (V = 2 Q / (pi R^2)); ``ratio`` = d/D.
    Haberman, W. L. & Sayre, R. M. (1958), Motion of rigid and fluid spheres in stationary and
    moving liquids inside cylindrical tubes, David Taylor Model Basin Report 1143; the same
    formula in Happel & Brenner, Low Reynolds Number Hydrodynamics (1965), ch. 7:

        K = (1 - 2/3 l^2 - 0.20217 l^5) / (1 - 2.1050 l + 2.0865 l^3 - 1.7068 l^5 + 0.72603 l^6)

    Its small-l limit is Faxen's law (1 - 2/3 l^2) with Faxen's wall factor 1/(1 - 2.105 l).
    H&S state it good to a few tenths of a percent for l <= 0.6 against their method of
    reflections; the numerator's ratio to the free-sphere numerator 1 - 0.75857 l^5 is the
    lag coefficient of hindered-transport theory, which quotes the same coefficients.
    """
    lam = float(ratio)
    num = 1.0 - 2.0 / 3.0 * lam**2 - 0.20217 * lam**5
    den = 1.0 - 2.1050 * lam + 2.0865 * lam**3 - 1.7068 * lam**5 + 0.72603 * lam**6
    return num / den


def _bed(diameter: float, length: float, d: float, centers: NDArray[np.float64]) -> PackedBed:
    return sphere_bed(centers, 0.5 * d, d, diameter, length)


def _column(cells_across: int, length: int, sphere_cells: int) -> tuple[PackedBed, Voxels]:
    dx = 1.0
    if sphere_cells > 0:
        centers = np.array([[0.0, 0.0, 0.5 * length]])
        packed = _bed(float(cells_across), float(length), float(sphere_cells), centers)
        return packed, voxelize(packed, cells_per_dp=sphere_cells)
    packed = _bed(float(cells_across), float(length), dx, np.zeros((0, 3)))
    return packed, voxelize(packed, cells_per_dp=1)


def column_lattice(
    cells_across: int, length: int, sphere_cells: int = 0
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """(solid, inside) of a column ``cells_across`` cells wide and ``length`` cells long, as
    the `lbm` solver builds it (voxelizer, one padding layer), with a sphere of
    ``sphere_cells`` cells diameter on the axis at mid-length when > 0.

    The grid spacing is 1: the column's radius is ``cells_across / 2`` lattice units and the
    axis lies on the centre of the grid (between nodes for an even width).
    """
    _, vox = _column(cells_across, length, sphere_cells)
    solid = np.pad(vox.solid, ((0, 0), (1, 1), (1, 1)), constant_values=True)
    inside = np.pad(vox.inside, ((0, 0), (1, 1), (1, 1)), constant_values=False)
    return solid, inside


def column_surfaces(
    cells_across: int, length: int, sphere_cells: int = 0, boundary: str = "cli"
) -> LatticeSurfaces | None:
    """The exact surfaces of :func:`column_lattice`'s lattice (periodic along z, not
    mirrored), as the `lbm` solver computes them; None for ``boundary="halfway"``."""
    if boundary == "halfway":
        return None
    packed, vox = _column(cells_across, length, sphere_cells)
    return bed_surfaces(packed, vox, pad=1, mirrored=False)


@dataclass(frozen=True)
class PoiseuilleError:
    """Empty column of ``cells`` cells across, at a fixed body force."""

    cells: int
    area_error: float  # flux / (pi R^2) against g R^2 / (8 nu), relative
    solver_error: float  # flux / (inside cells), as the `lbm` solver reads it, relative
    pressure_drop_error: float  # dp/L the solver would report at the exact velocity, relative
    iterations: int


def hagen_poiseuille(
    cells: int, *, tau: float = 1.5, tolerance: float = 1e-9, boundary: str = "halfway"
) -> PoiseuilleError:
    """Body-force-driven flow through the empty column, periodic along z (4 layers).

    The exact mean velocity is U = g R^2 / (8 nu) with R = cells / 2. ``solver_error`` is the
    error of the superficial velocity as :func:`~bedflow.cfd._solvers.lbm.lbm_flow` computes
    it: the flow rate over the number of cells whose centre lies inside the column with
    halfway bounce-back (the staircase wall), over the exact area pi R^2 with interpolated
    bounce-back; the solver's dp/L at a given velocity is then off by
    1 / (1 + solver_error) - 1.
    """
    solid, inside = column_lattice(cells, 4)
    g = 1e-6
    res = solve_periodic(
        solid,
        tau=tau,
        body_force=g,
        tolerance=tolerance,
        dtype=np.float64,
        surfaces=column_surfaces(cells, 4, boundary=boundary),
        boundary=boundary,
    )
    flux = float(res.velocity[2].sum()) / solid.shape[0]
    radius = 0.5 * cells
    exact = g * radius**2 / (8.0 * res.viscosity)
    by_area = flux / (math.pi * radius**2) / exact - 1.0
    by_cells = flux / float(inside[0].sum()) / exact - 1.0
    solver = by_cells if boundary == "halfway" else by_area
    return PoiseuilleError(cells, by_area, solver, 1.0 / (1.0 + solver) - 1.0, res.iterations)


@dataclass(frozen=True)
class SphereInTube:
    """Drag factor of a sphere on the axis of the column against Haberman & Sayre.

    ``drag_factor`` uses the nominal radii (R = D/2, a = d/2) as the packed-bed solver does;
    ``wall_drag_factor`` and ``wall_reference`` use instead the effective radius of the
    voxelized column (the R of a circle that passes the same Hagen-Poiseuille flow rate), so
    that their ratio isolates the error of the voxel sphere from the wall's.
    """

    ratio: float  # d / D
    cells_across: int
    drag_factor: float  # K = F / (6 pi mu a V), nominal R
    reference: float  # Haberman & Sayre at d / D
    wall_radius: float  # effective radius of the voxel column, cells
    wall_drag_factor: float  # K with V from the effective radius
    wall_reference: float  # Haberman & Sayre at a / R_eff
    volume_error: float  # voxel volume of the sphere over pi d^3 / 6, minus 1

    @property
    def error(self) -> float:
        return self.drag_factor / self.reference - 1.0

    @property
    def sphere_error(self) -> float:
        return self.wall_drag_factor / self.wall_reference - 1.0


def sphere_in_tube(
    cells_across: int,
    ratio: float,
    *,
    periods: float = 2.0,
    tau: float = 1.5,
    tolerance: float = 1e-8,
    surface: float = 0.5,
    boundary: str = "halfway",
) -> SphereInTube:
    """Drag on a sphere (d = ``ratio`` D) held on the axis of the column, periodic along z
    with spacing ``periods`` D, against :func:`haberman_sayre_fixed_sphere`.

    Spacing: the slowest Stokes disturbance in a tube decays as exp(-4.47 z / R) (the first
    Papkovich-Fadle eigenvalue of a pipe), so at 2 D the image spheres change the drag by
    ~exp(-8.9) = 1e-4: negligible.

    The force on the sphere is the momentum balance of the fluid inside a coaxial cylinder
    of radius r_c halfway between sphere and wall, over one period (the body force stands for
    the mean pressure gradient; in the pressure-driven frame the force includes the mean
    gradient's push on the sphere, as H&S's does):
    F = g pi r_c^2 L + mu r_c sum_z int du_z/dr dtheta (the d u_r/dz term integrates to 0
    over a period). du_z/dr comes from central differences, bilinearly interpolated; r_c must
    lie two cells from both the sphere and the wall. V = 2 Q / (pi R^2) with the nominal
    radius R = D/2 and a = d/2, as the packed-bed solver takes its nominal geometry.
    """
    sphere_cells = round(ratio * cells_across)
    if abs(sphere_cells - ratio * cells_across) > 1e-9:
        raise ValueError("ratio * cells_across must be a whole number of cells")
    length = round(periods * cells_across)
    solid, _ = column_lattice(cells_across, length, sphere_cells)
    wall, _ = column_lattice(cells_across, length)
    voxels = int(np.count_nonzero(solid & ~wall))
    g = 1e-6
    res = solve_periodic(
        solid,
        tau=tau,
        body_force=g,
        tolerance=tolerance,
        dtype=np.float64,
        surfaces=column_surfaces(cells_across, length, sphere_cells, boundary),
        boundary=boundary,
    )
    mu = res.viscosity  # rho0 = 1
    big_r, a = 0.5 * cells_across, 0.5 * sphere_cells
    r_c = a + surface * (big_r - a)
    if r_c - a < 2.0 or big_r - r_c < 2.0:
        raise ValueError(f"the gap between sphere and wall ({big_r - a:g} cells) is too narrow")
    uz = res.velocity[2].astype(np.float64)
    duz_dy = np.gradient(uz, axis=1)
    duz_dx = np.gradient(uz, axis=2)
    ny, nx = uz.shape[1:]
    centre_x, centre_y = 0.5 * nx - 0.5, 0.5 * ny - 0.5  # the axis, in node indices
    theta = np.linspace(0.0, 2.0 * math.pi, 512, endpoint=False)
    xs, ys = centre_x + r_c * np.cos(theta), centre_y + r_c * np.sin(theta)
    dur = np.cos(theta)[None, :] * _bilinear(duz_dx, xs, ys) + np.sin(theta)[None, :] * _bilinear(
        duz_dy, xs, ys
    )
    lateral = mu * r_c * float(dur.mean(axis=1).sum()) * 2.0 * math.pi
    force = g * math.pi * r_c**2 * length + lateral
    flux = float(uz.sum()) / length
    v_centre = 2.0 * flux / (math.pi * big_r**2)
    k = force / (6.0 * math.pi * mu * a * v_centre)
    r_eff = effective_radius(cells_across, tau=tau, boundary=boundary)
    k_eff = force / (6.0 * math.pi * mu * a * 2.0 * flux / (math.pi * r_eff**2))
    return SphereInTube(
        ratio,
        cells_across,
        k,
        haberman_sayre_fixed_sphere(ratio),
        r_eff,
        k_eff,
        haberman_sayre_fixed_sphere(a / r_eff),
        voxels / (math.pi / 6.0 * sphere_cells**3) - 1.0,
    )


@lru_cache(maxsize=16)
def effective_radius(cells: int, *, tau: float = 1.5, boundary: str = "halfway") -> float:
    """Radius (cells) of the circular tube that passes the flow rate of the voxelized column
    ``cells`` wide at the same force: Q = pi g R^4 / (8 nu)."""
    solid, _ = column_lattice(cells, 4)
    g = 1e-6
    res = solve_periodic(
        solid,
        tau=tau,
        body_force=g,
        tolerance=1e-9,
        dtype=np.float64,
        surfaces=column_surfaces(cells, 4, boundary=boundary),
        boundary=boundary,
    )
    flux = float(res.velocity[2].sum()) / solid.shape[0]
    return float((8.0 * res.viscosity * flux / (math.pi * g)) ** 0.25)


def _bilinear(
    field: NDArray[np.float64], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> NDArray[np.float64]:
    """(nz, n) values of ``field`` (nz, ny, nx) at the points (xs, ys) of every layer."""
    i0, j0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = xs - i0, ys - j0
    f00 = field[:, j0, i0]
    f01 = field[:, j0, i0 + 1]
    f10 = field[:, j0 + 1, i0]
    f11 = field[:, j0 + 1, i0 + 1]
    return np.asarray((1 - fy) * ((1 - fx) * f00 + fx * f01) + fy * ((1 - fx) * f10 + fx * f11))


def cubic_array(
    lattice: str, solid_fraction: float, radius_cells: float, *, rule: str = "volume"
) -> tuple[NDArray[np.bool_], float]:
    """(solid, radius) of one periodic cubic cell of a SC, BCC or FCC array whose spheres have
    about ``radius_cells`` cells radius; the cell edge is rounded to whole cells and the radius
    follows from the solid fraction.

    Each voxel sphere is the ``round(c n^3 / spheres)`` nodes nearest its centre (periodic
    distance), the centres shifted off the node lattice so that distances are distinct: the
    voxel volume matches the solid fraction (as in ``sphere_cell``). At close packing the
    spheres touch and share no node (a node goes to the nearest sphere). ``rule="centre"``
    takes instead the nodes whose centre lies in a sphere, as the bed's voxelizer does (the
    voxel volume then misses the nominal one by up to a few percent at 8 cells radius).
    """
    centres, _ = LATTICES[lattice]
    m = len(centres)
    n, radius = _array_cell(lattice, solid_fraction, radius_cells)
    x = np.arange(n) + 0.5
    shift = _ARRAY_SHIFT
    per_sphere = round(solid_fraction * n**3 / m)
    best = np.full((n, n, n), np.inf)
    owner = np.full((n, n, n), -1)
    dists = []
    for s, c in enumerate(centres):
        centre = np.asarray(c) * n + n / 2 + shift
        d2 = np.zeros((n, n, n))
        for axis, (xc, shape) in enumerate(
            zip(centre[::-1], [(n, 1, 1), (1, n, 1), (1, 1, n)], strict=True)
        ):
            del axis
            dd = np.abs(x - xc) % n
            dd = np.minimum(dd, n - dd)
            d2 = d2 + (dd**2).reshape(shape)
        dists.append(d2)
        closer = d2 < best
        best[closer] = d2[closer]
        owner[closer] = s
    if rule == "centre":
        return best <= radius**2, float(radius)
    solid = np.zeros((n, n, n), dtype=bool)
    for s, d2 in enumerate(dists):
        mine = np.where(owner == s, d2, np.inf)
        kth = np.sort(mine.ravel())[per_sphere - 1]
        solid |= mine <= kth
    return solid, float(radius)


_ARRAY_SHIFT = np.array([0.13, 0.29, 0.41])  # sphere centres off the nodes: distinct distances


def _array_cell(lattice: str, solid_fraction: float, radius_cells: float) -> tuple[int, float]:
    """Edge (whole cells) and sphere radius of the cubic cell of :func:`cubic_array`."""
    m = len(LATTICES[lattice][0])
    edge = radius_cells * (4.0 * math.pi * m / (3.0 * solid_fraction)) ** (1.0 / 3.0)
    n = max(round(edge), 4)
    return n, n * (3.0 * solid_fraction / (4.0 * math.pi * m)) ** (1.0 / 3.0)


def array_surfaces(lattice: str, solid_fraction: float, radius_cells: float) -> LatticeSurfaces:
    """The exact spheres of :func:`cubic_array` (with their periodic images), lattice units
    (node i at x = i; :func:`cubic_array` puts it at i + 1/2)."""
    n, radius = _array_cell(lattice, solid_fraction, radius_cells)
    centres = np.asarray(LATTICES[lattice][0]) * n + n / 2 + _ARRAY_SHIFT - 0.5
    surfaces = LatticeSurfaces(centres, np.full(len(centres), radius))
    return surfaces.periodic_images((n, n, n))


def array_drag(
    lattice: str,
    solid_fraction: float,
    radius_cells: float,
    *,
    tau: float = 1.5,
    tolerance: float = 1e-6,
    dtype: type = np.float32,
    rule: str = "volume",
    boundary: str = "halfway",
) -> tuple[float, int]:
    """Zick & Homsy's K = F / (6 pi mu a U) of the array, and the cell edge in cells.

    F = g n^3 / spheres per sphere (the body force stands for the mean pressure gradient;
    Zick & Homsy's force is the gradient times the cell volume), U the superficial velocity.
    The default tolerance suits float32: its mean velocity wanders by ~1e-7 between checks,
    so a tighter one may never be met.

    ``boundary`` other than halfway: interpolated bounce-back on the exact spheres, on the
    voxels whose centre lies in a sphere (``rule`` is then ignored).
    """
    surfaces = None
    if boundary != "halfway":
        rule = "centre"
        surfaces = array_surfaces(lattice, solid_fraction, radius_cells)
    solid, radius = cubic_array(lattice, solid_fraction, radius_cells, rule=rule)
    n = solid.shape[0]
    m = len(LATTICES[lattice][0])
    g = 1e-5 / max(radius_cells / 8.0, 1.0) ** 2
    res = solve_periodic(
        solid,
        tau=tau,
        body_force=g,
        tolerance=tolerance,
        dtype=dtype,
        surfaces=surfaces,
        boundary=boundary,
    )
    force = res.body_force * n**3 / m
    return force / (6.0 * math.pi * res.viscosity * radius * res.mean_velocity), n


def observed_order(h: tuple[float, float, float], f: tuple[float, float, float]) -> float:
    """Observed order p of three solutions f at spacings h (coarse to fine, any ratios), from
    (f1 - f2) / (f2 - f3) = (h1^p - h2^p) / (h2^p - h3^p), by bisection; NaN when the
    differences change sign (oscillatory or converged to noise)."""
    e12, e23 = f[0] - f[1], f[1] - f[2]
    if e12 * e23 <= 0.0:
        return math.nan
    target = e12 / e23

    def ratio(p: float) -> float:
        return (h[0] ** p - h[1] ** p) / (h[1] ** p - h[2] ** p)

    lo, hi = 0.05, 8.0
    if not (ratio(lo) - target) * (ratio(hi) - target) < 0.0:
        return math.nan
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if (ratio(lo) - target) * (ratio(mid) - target) <= 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def richardson(h: tuple[float, float], f: tuple[float, float], order: float) -> float:
    """Extrapolated value from two solutions at spacings h (coarse, fine) and an order."""
    r = (h[0] / h[1]) ** order
    return f[1] + (f[1] - f[0]) / (r - 1.0)


def gci_fine(h: tuple[float, float], f: tuple[float, float], order: float) -> float:
    """Roache's grid convergence index of the fine solution, safety factor 1.25 (three grids),
    as a fraction of the fine value."""
    r = (h[0] / h[1]) ** order
    return 1.25 * abs((f[1] - f[0]) / f[1]) / (r - 1.0)
