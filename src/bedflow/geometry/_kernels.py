"""Numba kernels of the geometry package: the DEM time loop, neighbour search and volumes.

Everything here works on plain arrays, in SI units, and is deterministic: parallel loops only
write to the rows of the particle they own (each pair force is computed by both partners), so
the same input gives bit-identical output whatever the number of threads. The typed,
documented entry points are in the other modules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np

from bedflow.geometry._constants import DEM_PARALLEL
from bedflow.geometry._types import BoolArray, FloatArray, IntArray

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(*, parallel: bool = False) -> Callable[[_F], _F]:
    """``numba.njit`` with on-disk caching, typed for mypy."""
    return cast(Callable[[_F], _F], numba.njit(cache=True, parallel=parallel, nogil=True))


_prange = cast(Callable[[int], range], numba.prange)

# Layout of the DEM parameter vector ``prm``.
P_RC = 0  # contact radius, m
P_MASS = 1  # particle mass, kg
P_INERTIA = 2  # moment of inertia, kg m2
P_KN = 3  # normal stiffness, N/m
P_GN_PP = 4  # normal damping, particle-particle, N s/m
P_GN_W = 5  # normal damping, particle-wall, N s/m
P_KT = 6  # tangential stiffness, N/m
P_GT_PP = 7  # tangential damping, particle-particle, N s/m
P_GT_W = 8  # tangential damping, particle-wall, N s/m
P_MU = 9  # Coulomb friction coefficient
P_DT = 10  # time step, s
P_GX = 11  # gravity, m/s2
P_GY = 12
P_GZ = 13
P_RWALL = 14  # radius of the wall seen by particle surfaces, m
P_ZFLOOR = 15  # height of the floor seen by particle surfaces, m
P_SKIN = 16  # Verlet skin, m
P_MUR = 17  # rolling friction coefficient (dimensionless)
P_CR = 18  # viscous cap of the rolling torque of one contact, N m s
P_KEEP = 19  # fraction of the velocity a particle keeps over one step (global damping)
N_PARAMS = 20


@_jit()
def _contact(
    nx: float,
    ny: float,
    nz: float,
    delta: float,
    vrx: float,
    vry: float,
    vrz: float,
    sx: float,
    sy: float,
    sz: float,
    kn: float,
    gn: float,
    kt: float,
    gt: float,
    mu: float,
    dt: float,
) -> tuple[float, float, float, float, float, float, float, float, float, float]:
    """Spring-dashpot normal force and Coulomb-capped tangential spring on one contact.

    ``n`` points from the particle to its partner, ``vr`` is the velocity of the particle's
    contact point relative to the partner's and ``s`` the tangential spring elongation.
    Returns the force on the particle, its tangential part, the updated spring and the
    normal force magnitude.
    """
    vn = vrx * nx + vry * ny + vrz * nz
    fn = kn * delta + gn * vn
    if fn < 0.0:
        fn = 0.0
    vtx = vrx - vn * nx
    vty = vry - vn * ny
    vtz = vrz - vn * nz
    # keep the spring in the current tangent plane, then stretch it by the sliding of this step
    sn = sx * nx + sy * ny + sz * nz
    sx = sx - sn * nx + vtx * dt
    sy = sy - sn * ny + vty * dt
    sz = sz - sn * nz + vtz * dt
    ftx = -kt * sx - gt * vtx
    fty = -kt * sy - gt * vty
    ftz = -kt * sz - gt * vtz
    ft = math.sqrt(ftx * ftx + fty * fty + ftz * ftz)
    limit = mu * fn
    if ft > limit:
        scale = limit / ft
        ftx *= scale
        fty *= scale
        ftz *= scale
        # sliding: the spring holds exactly the Coulomb force
        sx = -(ftx + gt * vtx) / kt
        sy = -(fty + gt * vty) / kt
        sz = -(ftz + gt * vtz) / kt
    return (-fn * nx + ftx, -fn * ny + fty, -fn * nz + ftz, ftx, fty, ftz, sx, sy, sz, fn)


@_jit()
def _rolling(
    nx: float, ny: float, nz: float, wx: float, wy: float, wz: float,
    fn: float, radius: float, mur: float, cr: float,
) -> tuple[float, float, float]:  # fmt: skip
    """Rolling-resistance torque on a particle whose rotation relative to its partner is ``w``.

    Model A of Ai, Chen, Rotter & Ooi (2011, Powder Technol. 206, 269-282): a torque
    ``mu_r R fn`` against the relative rolling (``w`` less its twist about ``n``), ``R`` the
    rolling radius. Below the angular speed where ``cr |w|`` falls under that, the torque is
    ``cr |w|`` instead: the constant torque of model A would reverse a small rotation within
    one step and make a bed at rest chatter.
    """
    wn = wx * nx + wy * ny + wz * nz
    rx = wx - wn * nx
    ry = wy - wn * ny
    rz = wz - wn * nz
    w = math.sqrt(rx * rx + ry * ry + rz * rz)
    if w == 0.0 or fn <= 0.0:
        return 0.0, 0.0, 0.0
    torque = min(mur * radius * fn, cr * w)
    return -torque * rx / w, -torque * ry / w, -torque * rz / w


@_jit(parallel=DEM_PARALLEL)
def _advance(
    pos: FloatArray,
    vel: FloatArray,
    omg: FloatArray,
    pos_o: FloatArray,
    vel_o: FloatArray,
    omg_o: FloatArray,
    active: IntArray,
    n_active: int,
    nbr: IntArray,
    nnbr: IntArray,
    spring: FloatArray,
    wspring: FloatArray,
    fspring: FloatArray,
    pos_ref: FloatArray,
    disp2: FloatArray,
    landed: BoolArray,
    prm: FloatArray,
) -> None:
    """One semi-implicit Euler step of the active particles, from ``pos`` into ``pos_o``."""
    rc = prm[P_RC]
    inv_m = 1.0 / prm[P_MASS]
    inv_i = 1.0 / prm[P_INERTIA]
    kn = prm[P_KN]
    gn_pp = prm[P_GN_PP]
    gn_w = prm[P_GN_W]
    kt = prm[P_KT]
    gt_pp = prm[P_GT_PP]
    gt_w = prm[P_GT_W]
    mu = prm[P_MU]
    dt = prm[P_DT]
    gx = prm[P_GX]
    gy = prm[P_GY]
    gz = prm[P_GZ]
    r_wall = prm[P_RWALL]
    z_floor = prm[P_ZFLOOR]
    mur = prm[P_MUR]
    cr = prm[P_CR]
    keep = prm[P_KEEP]
    touch2 = 4.0 * rc * rc
    for a in _prange(n_active):
        i = active[a]
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        vxi = vel[i, 0]
        vyi = vel[i, 1]
        vzi = vel[i, 2]
        wxi = omg[i, 0]
        wyi = omg[i, 1]
        wzi = omg[i, 2]
        fx = 0.0
        fy = 0.0
        fz = 0.0
        tx = 0.0
        ty = 0.0
        tz = 0.0
        touching = False
        for k in range(nnbr[i]):
            j = nbr[i, k]
            dx = pos[j, 0] - xi
            dy = pos[j, 1] - yi
            dz = pos[j, 2] - zi
            d2 = dx * dx + dy * dy + dz * dz
            if d2 >= touch2:
                spring[i, k, 0] = 0.0
                spring[i, k, 1] = 0.0
                spring[i, k, 2] = 0.0
                continue
            touching = True
            dist = math.sqrt(d2)
            nx = dx / dist
            ny = dy / dist
            nz = dz / dist
            # contact-point velocity of i relative to j: v_i - v_j + rc (w_i + w_j) x n
            sx = wxi + omg[j, 0]
            sy = wyi + omg[j, 1]
            sz = wzi + omg[j, 2]
            vrx = vxi - vel[j, 0] + rc * (sy * nz - sz * ny)
            vry = vyi - vel[j, 1] + rc * (sz * nx - sx * nz)
            vrz = vzi - vel[j, 2] + rc * (sx * ny - sy * nx)
            cfx, cfy, cfz, ftx, fty, ftz, s0, s1, s2, fn = _contact(
                nx, ny, nz, 2.0 * rc - dist, vrx, vry, vrz,
                spring[i, k, 0], spring[i, k, 1], spring[i, k, 2],
                kn, gn_pp, kt, gt_pp, mu, dt,
            )  # fmt: skip
            if mur > 0.0:
                rtx, rty, rtz = _rolling(
                    nx, ny, nz, wxi - omg[j, 0], wyi - omg[j, 1], wzi - omg[j, 2],
                    fn, 0.5 * rc, mur, cr,
                )  # fmt: skip
                tx += rtx
                ty += rty
                tz += rtz
            spring[i, k, 0] = s0
            spring[i, k, 1] = s1
            spring[i, k, 2] = s2
            fx += cfx
            fy += cfy
            fz += cfz
            tx += rc * (ny * ftz - nz * fty)
            ty += rc * (nz * ftx - nx * ftz)
            tz += rc * (nx * fty - ny * ftx)
        # floor, normal (0, 0, -1)
        gap = zi - z_floor
        if gap < rc:
            touching = True
            vrx = vxi - rc * wyi
            vry = vyi + rc * wxi
            vrz = vzi
            cfx, cfy, cfz, ftx, fty, ftz, s0, s1, s2, fn = _contact(
                0.0, 0.0, -1.0, rc - gap, vrx, vry, vrz,
                fspring[i, 0], fspring[i, 1], fspring[i, 2],
                kn, gn_w, kt, gt_w, mu, dt,
            )  # fmt: skip
            if mur > 0.0:
                rtx, rty, rtz = _rolling(0.0, 0.0, -1.0, wxi, wyi, wzi, fn, rc, mur, cr)
                tx += rtx
                ty += rty
                tz += rtz
            fspring[i, 0] = s0
            fspring[i, 1] = s1
            fspring[i, 2] = s2
            fx += cfx
            fy += cfy
            fz += cfz
            tx += rc * fty
            ty -= rc * ftx
        else:
            fspring[i, 0] = 0.0
            fspring[i, 1] = 0.0
            fspring[i, 2] = 0.0
        # cylinder wall, normal (x, y, 0) / rho
        rho = math.sqrt(xi * xi + yi * yi)
        if rho + rc > r_wall and rho > 0.0:
            touching = True
            nx = xi / rho
            ny = yi / rho
            vrx = vxi - rc * wzi * ny
            vry = vyi + rc * wzi * nx
            vrz = vzi + rc * (wxi * ny - wyi * nx)
            cfx, cfy, cfz, ftx, fty, ftz, s0, s1, s2, fn = _contact(
                nx, ny, 0.0, rho + rc - r_wall, vrx, vry, vrz,
                wspring[i, 0], wspring[i, 1], wspring[i, 2],
                kn, gn_w, kt, gt_w, mu, dt,
            )  # fmt: skip
            if mur > 0.0:
                rtx, rty, rtz = _rolling(nx, ny, 0.0, wxi, wyi, wzi, fn, rc, mur, cr)
                tx += rtx
                ty += rty
                tz += rtz
            wspring[i, 0] = s0
            wspring[i, 1] = s1
            wspring[i, 2] = s2
            fx += cfx
            fy += cfy
            fz += cfz
            tx += rc * (ny * ftz)
            ty += rc * (-nx * ftz)
            tz += rc * (nx * fty - ny * ftx)
        else:
            wspring[i, 0] = 0.0
            wspring[i, 1] = 0.0
            wspring[i, 2] = 0.0
        if touching:
            landed[i] = True
        vxn = (vxi + (fx * inv_m + gx) * dt) * keep
        vyn = (vyi + (fy * inv_m + gy) * dt) * keep
        vzn = (vzi + (fz * inv_m + gz) * dt) * keep
        xn = xi + vxn * dt
        yn = yi + vyn * dt
        zn = zi + vzn * dt
        vel_o[i, 0] = vxn
        vel_o[i, 1] = vyn
        vel_o[i, 2] = vzn
        pos_o[i, 0] = xn
        pos_o[i, 1] = yn
        pos_o[i, 2] = zn
        omg_o[i, 0] = (wxi + tx * inv_i * dt) * keep
        omg_o[i, 1] = (wyi + ty * inv_i * dt) * keep
        omg_o[i, 2] = (wzi + tz * inv_i * dt) * keep
        ex = xn - pos_ref[i, 0]
        ey = yn - pos_ref[i, 1]
        ez = zn - pos_ref[i, 2]
        disp2[a] = ex * ex + ey * ey + ez * ez


@_jit()
def _cell_sort(
    pos: FloatArray, members: IntArray, size: float
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Counting sort of ``pos[members]`` into box cells no smaller than ``size`` (m).

    Returns the sorted particle ids, the start of each cell in them (``ncell + 1``), the
    grid shape ``(nx, ny, nz)`` and ``[x0, y0, z0, sx, sy, sz]``: grid origin and cell edges.
    """
    m = members.shape[0]
    lo = np.empty(3)
    hi = np.empty(3)
    for c in range(3):
        lo[c] = np.inf
        hi[c] = -np.inf
    for a in range(m):
        i = members[a]
        for c in range(3):
            v = pos[i, c]
            lo[c] = min(lo[c], v)
            hi[c] = max(hi[c], v)
    shape = np.empty(3, dtype=np.int64)
    grid = np.empty(6)
    for c in range(3):
        extent = hi[c] - lo[c] if m > 0 else 0.0
        n = int(extent / size)
        if n < 1:
            n = 1
        if n > 1024:
            n = 1024
        shape[c] = n
        grid[c] = lo[c] if m > 0 else 0.0
        grid[3 + c] = max(extent / n, size)
    ncell = shape[0] * shape[1] * shape[2]
    cell = np.empty(m, dtype=np.int64)
    start = np.zeros(ncell + 1, dtype=np.int64)
    for a in range(m):
        i = members[a]
        cx = min(int((pos[i, 0] - grid[0]) / grid[3]), shape[0] - 1)
        cy = min(int((pos[i, 1] - grid[1]) / grid[4]), shape[1] - 1)
        cz = min(int((pos[i, 2] - grid[2]) / grid[5]), shape[2] - 1)
        c = (cz * shape[1] + cy) * shape[0] + cx
        cell[a] = c
        start[c + 1] += 1
    for c in range(ncell):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    order = np.empty(m, dtype=np.int64)
    for a in range(m):
        c = cell[a]
        order[fill[c]] = members[a]
        fill[c] += 1
    return order, start, shape, grid


@_jit(parallel=DEM_PARALLEL)
def _rebuild(
    pos: FloatArray,
    active: IntArray,
    n_active: int,
    n_spawned: int,
    nbr: IntArray,
    nnbr: IntArray,
    spring: FloatArray,
    pos_ref: FloatArray,
    prm: FloatArray,
) -> int:
    """Rebuild the Verlet lists of the active particles, carrying the tangential springs over.

    Returns the largest neighbour count found; when it exceeds the slots of ``nbr`` the lists
    are left unchanged and the caller must grow them and call again.
    """
    slots = nbr.shape[1]
    cutoff = 2.0 * prm[P_RC] + prm[P_SKIN]
    cut2 = cutoff * cutoff
    zmin = np.inf
    for a in range(n_active):
        zmin = min(zmin, pos[active[a], 2])
    zlo = zmin - cutoff
    n_members = 0
    for j in range(n_spawned):
        if pos[j, 2] >= zlo:
            n_members += 1
    members = np.empty(n_members, dtype=np.int64)
    n_members = 0
    for j in range(n_spawned):
        if pos[j, 2] >= zlo:
            members[n_members] = j
            n_members += 1
    order, start, shape, grid = _cell_sort(pos, members, cutoff)
    tmp_nbr = np.empty((n_active, slots), dtype=np.int64)
    tmp_cnt = np.zeros(n_active, dtype=np.int64)
    for a in _prange(n_active):
        i = active[a]
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        cx = min(max(int((xi - grid[0]) / grid[3]), 0), shape[0] - 1)
        cy = min(max(int((yi - grid[1]) / grid[4]), 0), shape[1] - 1)
        cz = min(max(int((zi - grid[2]) / grid[5]), 0), shape[2] - 1)
        cnt = 0
        for qz in range(max(cz - 1, 0), min(cz + 2, shape[2])):
            for qy in range(max(cy - 1, 0), min(cy + 2, shape[1])):
                for qx in range(max(cx - 1, 0), min(cx + 2, shape[0])):
                    c = (qz * shape[1] + qy) * shape[0] + qx
                    for b in range(start[c], start[c + 1]):
                        j = order[b]
                        if j == i:
                            continue
                        dx = pos[j, 0] - xi
                        dy = pos[j, 1] - yi
                        dz = pos[j, 2] - zi
                        if dx * dx + dy * dy + dz * dz < cut2:
                            if cnt < slots:
                                tmp_nbr[a, cnt] = j
                            cnt += 1
        tmp_cnt[a] = cnt
    most = 0
    for a in range(n_active):
        most = max(most, tmp_cnt[a])
    if most > slots:
        return most
    for a in _prange(n_active):
        i = active[a]
        cnt = tmp_cnt[a]
        new_spring = np.zeros((cnt, 3))
        for ko in range(nnbr[i]):
            if spring[i, ko, 0] == 0.0 and spring[i, ko, 1] == 0.0 and spring[i, ko, 2] == 0.0:
                continue
            j = nbr[i, ko]
            for kn in range(cnt):
                if tmp_nbr[a, kn] == j:
                    new_spring[kn, 0] = spring[i, ko, 0]
                    new_spring[kn, 1] = spring[i, ko, 1]
                    new_spring[kn, 2] = spring[i, ko, 2]
                    break
        for kn in range(cnt):
            nbr[i, kn] = tmp_nbr[a, kn]
            spring[i, kn, 0] = new_spring[kn, 0]
            spring[i, kn, 1] = new_spring[kn, 1]
            spring[i, kn, 2] = new_spring[kn, 2]
        nnbr[i] = cnt
        pos_ref[i, 0] = pos[i, 0]
        pos_ref[i, 1] = pos[i, 1]
        pos_ref[i, 2] = pos[i, 2]
    return most


@_jit()
def dem_steps(
    pos: FloatArray,
    vel: FloatArray,
    omg: FloatArray,
    pos2: FloatArray,
    vel2: FloatArray,
    omg2: FloatArray,
    active: IntArray,
    n_active: int,
    n_spawned: int,
    nbr: IntArray,
    nnbr: IntArray,
    spring: FloatArray,
    wspring: FloatArray,
    fspring: FloatArray,
    pos_ref: FloatArray,
    landed: BoolArray,
    prm: FloatArray,
    n_steps: int,
    rebuild_first: bool,
) -> tuple[int, int, int]:
    """Advance the active particles by up to ``n_steps`` (even) time steps.

    ``pos, vel, omg`` hold the state on entry and on return; ``pos2, vel2, omg2`` are scratch
    buffers that must equal the state for frozen particles. Returns ``(steps done, list
    rebuilds, largest neighbour count)``; it stops early, with the state in ``pos``, when a
    neighbour list needs more slots than ``nbr`` has.
    """
    slots = nbr.shape[1]
    half_skin2 = 0.25 * prm[P_SKIN] * prm[P_SKIN]
    disp2 = np.zeros(n_active)
    rebuilds = 0
    most = 0
    if rebuild_first:
        most = _rebuild(pos, active, n_active, n_spawned, nbr, nnbr, spring, pos_ref, prm)
        rebuilds += 1
        if most > slots:
            return 0, rebuilds, most
    for s in range(n_steps):
        odd = s % 2 == 1
        if odd:
            _advance(pos2, vel2, omg2, pos, vel, omg, active, n_active, nbr, nnbr, spring,
                     wspring, fspring, pos_ref, disp2, landed, prm)  # fmt: skip
        else:
            _advance(pos, vel, omg, pos2, vel2, omg2, active, n_active, nbr, nnbr, spring,
                     wspring, fspring, pos_ref, disp2, landed, prm)  # fmt: skip
        worst = 0.0
        for a in range(n_active):
            worst = max(worst, disp2[a])
        if worst > half_skin2:
            cur = pos if odd else pos2
            most = _rebuild(cur, active, n_active, n_spawned, nbr, nnbr, spring, pos_ref, prm)
            rebuilds += 1
            if most > slots:
                if not odd:
                    for a in range(n_active):
                        i = active[a]
                        for c in range(3):
                            pos[i, c] = pos2[i, c]
                            vel[i, c] = vel2[i, c]
                            omg[i, c] = omg2[i, c]
                return s + 1, rebuilds, most
    return n_steps, rebuilds, most


@_jit()
def rsa_select(candidates: FloatArray, min_dist: float, wanted: int) -> IntArray:
    """Random sequential addition: greedily keep candidates at least ``min_dist`` apart.

    ``candidates : (m, 3) float, m`` in the order drawn; returns the kept indices (at most
    ``wanted``), in that order.
    """
    m = candidates.shape[0]
    kept = np.empty(min(m, wanted), dtype=np.int64)
    n = 0
    lim2 = min_dist * min_dist
    for a in range(m):
        if n >= wanted:
            break
        ok = True
        for b in range(n):
            q = kept[b]
            dx = candidates[a, 0] - candidates[q, 0]
            dy = candidates[a, 1] - candidates[q, 1]
            dz = candidates[a, 2] - candidates[q, 2]
            if dx * dx + dy * dy + dz * dz < lim2:
                ok = False
                break
        if ok:
            kept[n] = a
            n += 1
    return kept[:n].copy()


@_jit()
def close_pairs(pos: FloatArray, cutoff: float) -> tuple[IntArray, IntArray, FloatArray]:
    """All pairs ``i < j`` whose centres are closer than ``cutoff`` (m), with their distances."""
    n = pos.shape[0]
    members = np.arange(n)
    order, start, shape, grid = _cell_sort(pos, members, cutoff)
    cut2 = cutoff * cutoff
    cap = 16 * n + 16
    pi = np.empty(cap, dtype=np.int64)
    pj = np.empty(cap, dtype=np.int64)
    pd = np.empty(cap)
    count = 0
    for i in range(n):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        cx = min(max(int((xi - grid[0]) / grid[3]), 0), shape[0] - 1)
        cy = min(max(int((yi - grid[1]) / grid[4]), 0), shape[1] - 1)
        cz = min(max(int((zi - grid[2]) / grid[5]), 0), shape[2] - 1)
        for qz in range(max(cz - 1, 0), min(cz + 2, shape[2])):
            for qy in range(max(cy - 1, 0), min(cy + 2, shape[1])):
                for qx in range(max(cx - 1, 0), min(cx + 2, shape[0])):
                    c = (qz * shape[1] + qy) * shape[0] + qx
                    for b in range(start[c], start[c + 1]):
                        j = order[b]
                        if j <= i:
                            continue
                        dx = pos[j, 0] - xi
                        dy = pos[j, 1] - yi
                        dz = pos[j, 2] - zi
                        d2 = dx * dx + dy * dy + dz * dz
                        if d2 < cut2:
                            if count == cap:
                                cap *= 2
                                pi = np.concatenate((pi, np.empty(cap - count, dtype=np.int64)))
                                pj = np.concatenate((pj, np.empty(cap - count, dtype=np.int64)))
                                pd = np.concatenate((pd, np.empty(cap - count)))
                            pi[count] = i
                            pj[count] = j
                            pd[count] = math.sqrt(d2)
                            count += 1
    return pi[:count].copy(), pj[:count].copy(), pd[:count].copy()


@_jit()
def _disk_overlap(r1: float, r2: float, s: float) -> float:
    """Area of the intersection of two disks of radii ``r1``, ``r2`` with centres ``s`` apart."""
    if r1 <= 0.0 or r2 <= 0.0 or s >= r1 + r2:
        return 0.0
    if s <= abs(r1 - r2):
        rm = min(r1, r2)
        return math.pi * rm * rm
    c1 = min(max((s * s + r1 * r1 - r2 * r2) / (2.0 * s * r1), -1.0), 1.0)
    c2 = min(max((s * s + r2 * r2 - r1 * r1) / (2.0 * s * r2), -1.0), 1.0)
    k = (-s + r1 + r2) * (s + r1 - r2) * (s - r1 + r2) * (s + r1 + r2)
    return r1 * r1 * math.acos(c1) + r2 * r2 * math.acos(c2) - 0.5 * math.sqrt(max(k, 0.0))


@_jit()
def _below(zc: float, r: float, h: float) -> float:
    """Volume of the sphere (centre height ``zc``, radius ``r``) below the plane ``z = h``."""
    t = min(max(h - (zc - r), 0.0), 2.0 * r)
    return math.pi * t * t * (3.0 * r - t) / 3.0


@_jit()
def _in_cylinder(
    s: float, zc: float, r: float, rho: float, z_lo: float, z_hi: float,
    nodes: FloatArray, weights: FloatArray,
) -> float:  # fmt: skip
    """Volume of a sphere inside ``{x2 + y2 <= rho2, z_lo <= z <= z_hi}``.

    The sphere has radius ``r``, centre height ``zc`` and centre distance ``s`` from the axis.
    Exact when the cylinder holds the sphere's whole cross-sections; otherwise Gauss-Legendre
    quadrature over z of disk-intersection areas, split where the integrand has kinks.
    """
    a = max(zc - r, z_lo)
    b = min(zc + r, z_hi)
    if a >= b or rho <= 0.0 or s - r >= rho:
        return 0.0
    if rho >= s + r:
        return _below(zc, r, b) - _below(zc, r, a)
    cuts = np.empty(6)
    cuts[0] = a
    n = 1
    for c in (abs(rho - s), rho + s):
        if c < r:
            t = math.sqrt(r * r - c * c)
            for z in (zc - t, zc + t):
                if a < z < b:
                    cuts[n] = z
                    n += 1
    cuts[n] = b
    n += 1
    cuts[:n].sort()
    total = 0.0
    for p in range(n - 1):
        lo = cuts[p]
        hi = cuts[p + 1]
        half = 0.5 * (hi - lo)
        mid = 0.5 * (hi + lo)
        acc = 0.0
        for q in range(nodes.shape[0]):
            z = mid + half * nodes[q]
            c2 = r * r - (z - zc) * (z - zc)
            if c2 > 0.0:
                acc += weights[q] * _disk_overlap(rho, math.sqrt(c2), s)
        total += acc * half
    return total


@_jit(parallel=True)
def cylinder_volumes(
    centers: FloatArray,
    radii: FloatArray,
    edges: FloatArray,
    z_lo: float,
    z_hi: float,
    nodes: FloatArray,
    weights: FloatArray,
) -> FloatArray:
    """Volume of each sphere inside coaxial cylinders of radii ``edges`` between two heights.

    Returns ``(n, len(edges)) float, m3``.
    """
    n = centers.shape[0]
    m = edges.shape[0]
    out = np.zeros((n, m))
    for i in _prange(n):
        s = math.sqrt(centers[i, 0] ** 2 + centers[i, 1] ** 2)
        for k in range(m):
            out[i, k] = _in_cylinder(
                s, centers[i, 2], radii[i], edges[k], z_lo, z_hi, nodes, weights
            )
    return out
