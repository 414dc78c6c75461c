"""Benchmark and validation figures of the D3Q19 TRT lattice-Boltzmann solver.

    python bench/bench_lbm.py            # 128^3 and 256^3 boxes, 128^3 bed, 48^3 sphere cells
    python bench/bench_lbm.py --quick    # 64^3 and 96^3 boxes, 64^3 bed, 32^3 sphere cells

Prints: MLUPS of empty periodic boxes (float32/float64, 1 and 2 threads) and of a packed-like
bed (random overlapping spheres, porosity ~0.4), each next to the memory-bandwidth ceiling
measured in the same run (numba STREAM triad right before each timing, same thread count):
ceiling = triad GB/s / (2 x 19 x itemsize B per node update), the traffic of one read and one
write of every population. Then the Zick & Homsy (1982) table and the Poiseuille error against
resolution with its observed order. Machines here are shared: each case is repeated and the
medians are printed (MLUPS, ceiling, and the median of the per-repetition percentages).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bedflow.cfd import solve_periodic

Q = 19
ZICK_HOMSY_SC = {0.027: 2.008, 0.064: 2.810, 0.125: 4.292, 0.216: 7.442, 0.343: 15.4}


@njit(parallel=True, cache=True)
def _triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, s: float) -> None:
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


def stream_triad_gbs(n: int = 40_000_000, reps: int = 3) -> float:
    """STREAM triad a = b + s c on float64 arrays (3 x 8 bytes per element, STREAM's count)."""
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    _triad(a, b, c, 3.0)
    best = math.inf
    for _ in range(reps):
        t = time.perf_counter()
        _triad(a, b, c, 3.0)
        best = min(best, time.perf_counter() - t)
    return 3 * 8 * n / best / 1e9


def ceiling_mlups(gbs: float, dtype: type) -> float:
    """Lattice updates per second that a bandwidth allows, at 2 x 19 values per update."""
    return gbs * 1e3 / (2 * Q * np.dtype(dtype).itemsize)


def timed_mlups(
    solid: np.ndarray, dtype: type, threads: int, reps: int, triad_n: int
) -> tuple[float, float, float]:
    """Median MLUPS, median ceiling (MLUPS) and median per-repetition percentage of it."""
    numba.set_num_threads(threads)
    steps = max(8, int(3e8 / solid.size))
    mlups, ceilings = [], []
    for _ in range(reps):
        ceilings.append(ceiling_mlups(stream_triad_gbs(triad_n), dtype))
        res = solve_periodic(
            solid, body_force=1e-9, tolerance=0.0, max_iterations=steps, dtype=dtype
        )
        mlups.append(res.mlups)
    ratio = [100 * m / c for m, c in zip(mlups, ceilings, strict=True)]
    return float(np.median(mlups)), float(np.median(ceilings)), float(np.median(ratio))


def random_spheres(n: int, diameter: float, porosity: float, seed: int = 0) -> np.ndarray:
    """(n, n, n) periodic bed of random overlapping spheres with roughly the given porosity."""
    rng = np.random.default_rng(seed)
    r = diameter / 2
    # overlapping (Boolean) spheres: porosity = exp(-N v / V)
    count = round(-math.log(porosity) * n**3 / (4 / 3 * math.pi * r**3))
    centres = rng.random((count, 3)) * n
    solid = np.zeros((n, n, n), dtype=bool)
    grid = np.arange(n) + 0.5
    for cz, cy, cx in centres:
        dz = (grid - cz + n / 2) % n - n / 2
        dy = (grid - cy + n / 2) % n - n / 2
        dx = (grid - cx + n / 2) % n - n / 2
        solid |= dz[:, None, None] ** 2 + dy[None, :, None] ** 2 + dx[None, None, :] ** 2 < r * r
    return solid


def sphere_cell(n: int, c: float) -> tuple[np.ndarray, float]:
    """One volume-matched voxel sphere in an n^3 cell (see tests/cfd/_geometry.py)."""
    radius = n * (3.0 * c / (4.0 * np.pi)) ** (1.0 / 3.0)
    x = np.arange(n) + 0.5 - n / 2
    r2 = (x[:, None, None] - 0.13) ** 2 + (x[None, :, None] - 0.29) ** 2
    r2 = r2 + (x[None, None, :] - 0.41) ** 2
    kth = np.sort(r2.ravel())[round(c * n**3) - 1]
    return r2 <= kth, float(radius)


def duct_error(side: int, g: float = 1e-6) -> float:
    """Relative L2 error of u_z in a square duct against the series solution at the nodes."""
    solid = np.ones((4, side + 2, side + 2), dtype=bool)
    solid[:, 1:-1, 1:-1] = False
    res = solve_periodic(solid, body_force=g, tolerance=1e-9, dtype=np.float64)
    a, nu = float(side), res.viscosity
    c = np.arange(side) + 0.5
    x, y = c[None, :], c[:, None]
    exact = np.zeros((side, side))
    for m in range(1, 400, 2):
        k = m * np.pi / a
        exact += (1 - np.cosh(k * (y - a / 2)) / np.cosh(m * np.pi / 2)) * np.sin(k * x) / m**3
    exact *= 4 * g * a * a / (nu * np.pi**3)
    u = res.velocity[2, 1, 1:-1, 1:-1]
    return float(np.linalg.norm(u - exact) / np.linalg.norm(exact))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller grids, fewer cases")
    parser.add_argument("--reps", type=int, default=None, help="repetitions per timing")
    args = parser.parse_args()
    sizes = (64, 96) if args.quick else (128, 256)
    bed_n = 64 if args.quick else 128
    cell = 32 if args.quick else 48
    reps = args.reps or (2 if args.quick else 3)
    triad_n = 10_000_000 if args.quick else 40_000_000
    threads = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})

    print(f"== MLUPS vs the STREAM-triad ceiling (medians of {reps}) ==")
    print(f"  {'case':<28} {'MLUPS':>7} {'ceiling':>8} {'% of it':>8}")
    for n in sizes:
        solid = np.zeros((n, n, n), dtype=bool)
        for dt in (np.float32, np.float64):
            for th in threads:
                mlups, ceiling, pct = timed_mlups(solid, dt, th, reps, triad_n)
                name = f"box {n}^3 {np.dtype(dt).name} {th} thr"
                print(f"  {name:<28} {mlups:7.1f} {ceiling:8.1f} {pct:7.1f} %", flush=True)
    bed = random_spheres(bed_n, 16.0, 0.4)
    porosity = 1.0 - float(bed.mean())
    for th in threads:
        mlups, ceiling, pct = timed_mlups(bed, np.float32, th, reps, triad_n)
        name = f"bed {bed_n}^3 float32 {th} thr"
        print(f"  {name:<28} {mlups:7.1f} {ceiling:8.1f} {pct:7.1f} %", flush=True)
    numba.set_num_threads(threads[-1])

    print(f"== packed-like bed: random overlapping spheres, d = 16 voxels, {bed_n}^3 ==")
    t = time.perf_counter()
    res = solve_periodic(bed, tau=1.5, body_force=1e-5, tolerance=1e-5)
    print(
        f"  porosity {porosity:.3f}: {res.iterations} it in {time.perf_counter() - t:.1f} s, "
        f"{res.mlups:.1f} MLUPS ({res.mflups:.1f} MFLUPS), k = {res.permeability:.4g} voxel^2, "
        f"max |u| = {np.abs(res.velocity).max():.2e}"
    )

    print(f"== Zick & Homsy (1982) simple cubic array, {cell}^3 cell, float32, tau 1.5 ==")
    for c, k_ref in ZICK_HOMSY_SC.items():
        solid, radius = sphere_cell(cell, c)
        t = time.perf_counter()
        res = solve_periodic(solid, tau=1.5, body_force=1e-5, tolerance=1e-6)
        k = res.body_force * cell**3 / (6 * np.pi * res.viscosity * radius * res.mean_velocity)
        print(
            f"  c = {c:5.3f}  a = {radius:5.2f}  K = {k:7.3f}  ref {k_ref:6.3f}  "
            f"error {100 * (k / k_ref - 1):+5.2f} %  ({res.iterations} it, "
            f"{time.perf_counter() - t:.1f} s)"
        )

    print("== square-duct Poiseuille, float64: relative L2 error vs side ==")
    sides = (8, 16, 32) if args.quick else (8, 16, 32, 64)
    errors = [duct_error(s) for s in sides]
    for i, (s, e) in enumerate(zip(sides, errors, strict=True)):
        order = "" if i == 0 else f"  observed order {math.log(errors[i - 1] / e, 2):.2f}"
        print(f"  side {s:3d}: error {e:.3e}{order}")


if __name__ == "__main__":
    main()
