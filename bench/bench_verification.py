"""Verification of the flow solvers on wall-bounded problems with known answers.

    python bench/bench_verification.py            # LBM tables (~10 min on 2 cores)
    python bench/bench_verification.py --quick    # coarser subsets (~2 min)
    python bench/bench_verification.py --only poiseuille tube arrays
    python bench/bench_verification.py --only interpolated   # halfway vs CLI vs Bouzidi
    python bench/bench_verification.py --only openfoam   # needs simpleFoam on PATH

Prints, for the built-in LBM (geometry and references in tests/cfd/_verification.py):

1. Hagen-Poiseuille in the empty voxelized column (the solver's wall) at D = 8 ... 64 cells:
   error of the mean velocity over pi R^2 and over the cells inside the column (what the
   solver reads), and the observed order of a least-squares fit |error| ~ D^-p.
2. A sphere on the axis of the column against Haberman & Sayre (1958), d/D = 0.1 ... 0.6, at
   D = 20 and 40 cells (2 D apart): with the nominal radii and with the column's effective
   radius (isolating the voxel sphere).
3. Simple cubic arrays against Zick & Homsy (1982) at a = 8, 12, 16 cells per radius, up to
   close packing; BCC and FCC arrays at close packing (touching spheres: contact points) as a
   self-convergence study (observed order, Richardson extrapolation, GCI), for want of their
   published table at hand.

4. (``interpolated``) Halfway bounce-back against interpolated bounce-back on the exact
   surfaces (``cfd.lbm_boundary = cli`` and ``bouzidi``), side by side: Hagen-Poiseuille in
   the column and Zick & Homsy's SC arrays at c = 0.125, 0.343, 0.45, a = 8, 12, 16, with
   the observed order of each.

With ``--only openfoam``: Hagen-Poiseuille through the openfoam solver's meshing path (see
bench_openfoam_verification.py).
"""

from __future__ import annotations

import argparse
import datetime
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.cfd._verification import (  # noqa: E402
    LATTICES,
    ZICK_HOMSY_SC,
    array_drag,
    gci_fine,
    hagen_poiseuille,
    observed_order,
    richardson,
    sphere_in_tube,
)


def fitted_order(h: list[float], err: list[float]) -> float:
    """Slope p of log|err| = p log h + c (least squares)."""
    x, y = np.log(h), np.log(np.abs(err))
    return float(np.polyfit(x, y, 1)[0])


def poiseuille(quick: bool) -> None:
    print("\n## Hagen-Poiseuille in the empty voxelized column (U = g R^2 / 8 nu)")
    print("| D (cells) | error, Q / pi R^2 | error, Q / inside cells (solver) | solver dp/L |")
    print("|---|---|---|---|")
    sizes = [8, 12, 16, 24, 32] if quick else [8, 12, 16, 20, 24, 32, 40, 48, 64]
    rows = []
    for n in sizes:
        r = hagen_poiseuille(n)
        rows.append(r)
        print(
            f"| {n} | {r.area_error:+.2%} | {r.solver_error:+.2%} | {r.pressure_drop_error:+.2%} |",
            flush=True,
        )
    h = [1.0 / r.cells for r in rows]
    p_area = fitted_order(h, [r.area_error for r in rows])
    p_solver = fitted_order(h, [r.solver_error for r in rows])
    print(f"\nfitted order |err| ~ (1/D)^p: area p = {p_area:.2f}, solver p = {p_solver:.2f}")


def tube(quick: bool) -> None:
    print("\n## Sphere on the axis of the column, 2 D apart, vs Haberman & Sayre (1958)")
    print(
        "| d/D | D (cells) | d (cells) | voxel volume | K (LBM) | K (H&S) | error | error, R_eff |"
    )
    print("|---|---|---|---|---|---|---|---|")
    cases = [(20, lam) for lam in (0.2, 0.4, 0.6)]
    if not quick:
        cases = [(20, lam) for lam in (0.2, 0.3, 0.4, 0.5, 0.6)]
        cases += [(40, lam) for lam in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]
    for n, lam in cases:
        r = sphere_in_tube(n, lam)
        print(
            f"| {lam:.1f} | {n} | {round(lam * n)} | {r.volume_error:+.1%} | "
            f"{r.drag_factor:.4f} | {r.reference:.4f} | "
            f"{r.error:+.2%} | {r.sphere_error:+.2%} |",
            flush=True,
        )


def arrays(quick: bool) -> None:
    radii = (8.0, 12.0) if quick else (8.0, 12.0, 16.0)
    print("\n## Touching spheres: arrays at close packing, self-convergence")
    print("| array | c | a = 8 | a = 12 | a = 16 | p | K extrapolated | GCI (a = 16) |")
    print("|---|---|---|---|---|---|---|---|")
    for lattice in ("sc", "bcc", "fcc"):
        c = LATTICES[lattice][1]
        ks = []
        for a in radii:
            k, _ = array_drag(lattice, c, a)
            ks.append(k)
        if len(ks) < 3:
            print(f"| {lattice} | {c:.4f} | " + " | ".join(f"{k:.2f}" for k in ks) + " | | | |")
            continue
        h = (1.0 / radii[0], 1.0 / radii[1], 1.0 / radii[2])
        p = observed_order(h, (ks[0], ks[1], ks[2]))
        # without a clean order, extrapolate at first order (staircase surfaces) and say so
        p_used = p if math.isfinite(p) else 1.0
        ext = richardson((h[1], h[2]), (ks[1], ks[2]), p_used)
        gci = gci_fine((h[1], h[2]), (ks[1], ks[2]), p_used)
        tag = "" if math.isfinite(p) else " (p = 1 assumed)"
        print(
            f"| {lattice} | {c:.4f} | {ks[0]:.2f} | {ks[1]:.2f} | {ks[2]:.2f} | {p:.2f} | "
            f"{ext:.2f}{tag} | {gci:.1%} |",
            flush=True,
        )

    print("\n## Simple cubic arrays vs Zick & Homsy (1982), K = F / (6 pi mu a U)")
    print("| c | K (Z&H) | " + " | ".join(f"a = {a:g}" for a in radii) + " | observed order |")
    print("|---|---|" + "---|" * len(radii) + "---|")
    table = ZICK_HOMSY_SC if not quick else {c: ZICK_HOMSY_SC[c] for c in (0.125, 0.343, 0.5236)}
    for c, ref in table.items():
        # the dilute cells grow as c^(-1/3) a and converge slowly: a = 8 alone takes 2 min at
        # c = 0.027 on a busy 2-core machine
        use = radii if c > 0.1 else radii[:1]
        errs = [array_drag("sc", c, a)[0] / ref - 1.0 for a in use]
        order = math.nan
        if len(use) == 3:
            order = observed_order(
                (1 / use[0], 1 / use[1], 1 / use[2]), (errs[0], errs[1], errs[2])
            )
        cells = " | ".join(f"{e:+.2%}" for e in errs) + " | " * (len(radii) - len(use))
        print(f"| {c} | {ref} | {cells} | {order:.2f} |", flush=True)


def interpolated(quick: bool) -> None:
    schemes = ("halfway", "cli", "bouzidi")
    print("\n## Halfway vs interpolated bounce-back: Hagen-Poiseuille in the column")
    print("| D (cells) | " + " | ".join(f"{b}, solver's reading" for b in schemes) + " |")
    print("|---|" + "---|" * len(schemes))
    sizes = [8, 12, 16, 24] if quick else [8, 12, 16, 20, 24, 32, 48, 64]
    errs: dict[str, list[float]] = {b: [] for b in schemes}
    for n in sizes:
        for b in schemes:
            errs[b].append(hagen_poiseuille(n, boundary=b).solver_error)
        print(f"| {n} | " + " | ".join(f"{errs[b][-1]:+.2%}" for b in schemes) + " |", flush=True)
    h = [1.0 / n for n in sizes]
    print(
        "\nfitted order |err| ~ (1/D)^p: "
        + ", ".join(f"{b} p = {fitted_order(h, errs[b]):.2f}" for b in schemes)
    )
    radii = (8.0, 12.0) if quick else (8.0, 12.0, 16.0)
    print("\n## Halfway vs interpolated bounce-back: SC arrays vs Zick & Homsy (tau 1.5, f32)")
    print("| c | K (Z&H) | scheme | " + " | ".join(f"a = {a:g}" for a in radii) + " | order |")
    print("|---|---|---|" + "---|" * len(radii) + "---|")
    for c in (0.125, 0.343, 0.45):
        ref = ZICK_HOMSY_SC[c]
        for b in schemes:
            e = [array_drag("sc", c, a, boundary=b)[0] / ref - 1.0 for a in radii]
            order = math.nan
            if len(e) == 3:
                order = observed_order(
                    (1 / radii[0], 1 / radii[1], 1 / radii[2]), (e[0], e[1], e[2])
                )
            cells = " | ".join(f"{x:+.2%}" for x in e)
            print(f"| {c} | {ref} | {b} | {cells} | {order:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["poiseuille", "tube", "arrays", "interpolated", "openfoam"],
        default=None,
    )
    args = parser.parse_args()
    only = args.only or ["poiseuille", "tube", "arrays", "interpolated"]
    print(f"# Verification, {datetime.date.today().isoformat()}, `{' '.join(sys.argv)}`")
    t0 = time.perf_counter()
    if "poiseuille" in only:
        poiseuille(args.quick)
    if "tube" in only:
        tube(args.quick)
    if "arrays" in only:
        arrays(args.quick)
    if "interpolated" in only:
        interpolated(args.quick)
    if "openfoam" in only:
        from bench.bench_openfoam_verification import main as foam_main

        foam_main([])
    print(f"\n{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
