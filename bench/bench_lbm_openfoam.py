"""Benchmark: the same packed bed through the built-in LBM and through OpenFOAM.

    python bench/bench_lbm_openfoam.py                         # OpenFOAM 10/d, LBM 12, 16/d
    python bench/bench_lbm_openfoam.py --foam-cells 10 14 18 --lbm-cells 14 18
    python bench/bench_lbm_openfoam.py --velocity 0.005        # Re_p = 25 (LBM needs >= 18/d)

The bed is the OpenFOAM reference case of bench_openfoam.py (80 spheres of 5 mm, DEM seed 1,
in a 25 mm column, water). Like for like:

- geometry: both see the spheres shrunk by 1 % (OpenFOAM needs the gaps to mesh them; the LBM
  voxelizes the same shrunk spheres) and the column wall;
- region: OpenFOAM takes dp/L between its two pressure planes inside the packed region; the
  LBM simulates that slab with ``--buffer`` diameters of bed beyond each plane (default 0.5;
  mirrored along z to make it periodic, driven by a body force) and takes dp/L between the
  same planes from the fluid's mean pressure there plus the force, so both average over the
  same spheres, the same porosity and the same wall. ``--buffer 0`` simulates the slab alone
  and reads dp/L from the force, which puts the spheres cut by the planes against their
  mirror images: 9% lower on this bed;
- porosity and diameter: the exact porosity of the shrunk spheres in that slab and the shrunk
  diameter, for Ergun's ratio of both;
- Reynolds number: both at the spec's superficial velocity (OpenFOAM through its inlet; the
  LBM matches Re_p and carries its dp/L to that velocity with Ergun's shape).

What still differs: OpenFOAM's flow enters from the whole bed below (the LBM's from half a
diameter of bed and its mirror image) and its mesh cuts the spheres with snappyHexMesh, the
LBM's staircases them. "cells"
is cells per (unshrunk) diameter for both: the LBM grid spacing, and OpenFOAM's finest cell at
the particles (its background cell is 4 times coarser at refinement level 2). Both converge to
1e-5 (OpenFOAM: every initial residual; the LBM: relative change of its mean velocity).
Needs OpenFOAM on PATH; timings are wall-clock on a possibly shared machine, OpenFOAM on one
core, the LBM on all.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bedflow import dsl
from bedflow.cfd._correlations import ergun_pressure_gradient
from bedflow.cfd._openfoam import detect_version, simulate_openfoam
from bedflow.cfd._openfoam._constants import DEFAULT_SHRINK
from bedflow.cfd._solvers.lbm import lbm_flow
from bedflow.geometry import pack

REFERENCE = """
name = "lbm-openfoam"
bed {{ diameter = 25 mm; height = 30 mm }}
particles {{ diameter = 5 mm; count = 80; seed = 1 }}
cfd {{
    inlet_velocity = {velocity} m/s; fluid_density = 1000 kg/m3; fluid_viscosity = 1e-3 Pa.s;
    max_iterations = 20000; convergence_criteria = 1e-5;
    mesh_levels = {{ walls = 2; particles = 2 }}
}}
"""


def observed_order(h1: float, h2: float, h3: float, f1: float, f2: float, f3: float) -> float:
    """The order p of f = f0 + C h^p through three meshes (bisection on p in [0.01, 6]);
    NaN when the changes are not monotone or fit no p in that range."""
    if (f2 - f1) * (f3 - f2) <= 0.0:
        return math.nan
    target = (f2 - f1) / (f3 - f2)

    def ratio(p: float) -> float:
        return float((h1**p - h2**p) / (h2**p - h3**p))

    lo, hi = 0.01, 6.0
    if not ratio(lo) <= target <= ratio(hi):
        return math.nan
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if ratio(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--velocity", type=float, default=0.0005, help="m/s (Re_p = 5000 u)")
    parser.add_argument("--foam-cells", type=int, nargs="*", default=[10])
    parser.add_argument("--lbm-cells", type=int, nargs="*", default=[12, 16])
    parser.add_argument(
        "--layers", type=int, default=0, help="OpenFOAM prism layers at particles and wall"
    )
    parser.add_argument(
        "--buffer",
        type=float,
        default=0.5,
        help="LBM: bed simulated beyond each plane, in particle diameters; dp/L is measured "
        "between the planes (0: the slab alone, mirrored, dp/L from its driving force)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="write the OpenFOAM cases here")
    args = parser.parse_args()

    version = detect_version()
    if version is None:
        print("OpenFOAM is not on PATH: apt-get install openfoam")
        return 1
    spec = dsl.parse(REFERENCE.format(velocity=args.velocity))
    t = time.perf_counter()
    packed = pack(spec)
    print(
        f"{version}; {packed.count} spheres of {packed.particle_diameter * 1e3:g} mm in a "
        f"{packed.column.diameter * 1e3:g} mm column, packed in {time.perf_counter() - t:.1f} s; "
        f"water at {args.velocity * 1e3:g} mm/s, Re_p = {spec.particle_reynolds:.3g}"
    )
    shrunk = dataclasses.replace(packed, radii=np.asarray(packed.radii) * (1.0 - DEFAULT_SHRINK))
    d = packed.particle_diameter * (1.0 - DEFAULT_SHRINK)
    cfd = spec.cfd
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_lbm_openfoam_"))

    foam = {}
    for cells in args.foam_cells:
        run = spec.model_copy(update={"cfd": cfd.model_copy(update={"cells_per_dp": cells})})
        t = time.perf_counter()
        # like for like with the LBM on the same shrunk spheres (its figures predate bridges)
        r = simulate_openfoam(
            packed, run, root / f"cpd{cells}", layers=args.layers, contacts="shrink", fill=False
        )
        foam[cells] = (r, time.perf_counter() - t)
        print(
            f"OpenFOAM {cells:2d} cells/d{f', {args.layers} layers' if args.layers else ''}: "
            f"{r.cells:,} cells, dp/L {r.pressure_drop_per_length:.4g}"
            f" Pa/m, {r.ergun_ratio:.3f} x Ergun, mesh porosity {r.porosity_mesh:.4f} "
            f"(geometric {r.porosity_geometric:.4f}), {r.iterations} iterations"
            f"{'' if r.converged else ' NOT converged'}, {foam[cells][1]:.0f} s "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in r.timings.items())})",
            flush=True,
        )
    # The planes follow the bed and the mesh: the LBM runs on the slab of each OpenFOAM run.
    table = []
    for fc, (fr, _) in foam.items():
        planes = fr.planes
        print(
            f"\nslab of the OpenFOAM {fc} cells/d run: z = {planes[0] * 1e3:.2f}-"
            f"{planes[1] * 1e3:.2f} mm, porosity of the shrunk spheres "
            f"{fr.porosity_geometric:.4f}, diameter {d * 1e3:.3f} mm"
        )
        for lc in args.lbm_cells:
            run = spec.model_copy(update={"cfd": cfd.model_copy(update={"cells_per_dp": lc})})
            t = time.perf_counter()
            lr = lbm_flow(
                shrunk,
                run,
                z_range=planes,
                slab_from="OpenFOAM planes",
                particle_diameter=d,
                buffer=args.buffer * packed.particle_diameter,
            )
            wall = time.perf_counter() - t
            ergun = float(
                ergun_pressure_gradient(
                    u=cfd.inlet_velocity,
                    eps=lr.porosity,
                    d=d,
                    rho=cfd.fluid_density,
                    mu=cfd.fluid_viscosity,
                )
            )
            print(
                f"  LBM {lc:2d} cells/d, {args.buffer:g} d of bed beyond each plane: "
                f"{'x'.join(map(str, lr.domain['cells']))} cells, "
                f"dp/L {lr.pressure_drop_per_length:.4g} Pa/m, "
                f"{lr.pressure_drop_per_length / ergun:.3f} x Ergun, porosity "
                f"{lr.porosity:.4f} (voxels {lr.domain['voxel_porosity']:.4f}), tau "
                f"{lr.domain['tau']:.3f}, {lr.iterations} iterations"
                f"{'' if lr.converged else ' NOT converged'}, {wall:.0f} s",
                flush=True,
            )
            table.append((fc, lc, fr.pressure_drop_per_length, lr.pressure_drop_per_length))

    print("\nOF cells/d  LBM cells/d  OpenFOAM Pa/m  LBM Pa/m  LBM/OpenFOAM - 1")
    for fc, lc, fp, lp in table:
        print(f"{fc:10d} {lc:12d} {fp:14.4g} {lp:9.4g} {lp / fp - 1:+17.1%}")
    if len(foam) >= 3:
        # Three meshes, h ~ 1 / cells per diameter: the observed order and the limit h -> 0.
        (c1, (r1, _)), (c2, (r2, _)), (c3, (r3, _)) = list(foam.items())[-3:]
        f1, f2, f3 = (r.pressure_drop_per_length for r in (r1, r2, r3))
        h1, h2, h3 = 1 / c1, 1 / c2, 1 / c3
        print(
            f"OpenFOAM change {c1}->{c2} cells/d: {f2 / f1 - 1:+.1%}, {c2}->{c3}: "
            f"{f3 / f2 - 1:+.1%}; observed order {observed_order(h1, h2, h3, f1, f2, f3):.2f}"
        )
        for order in (1.0, 2.0):
            slope = (f3 - f2) / (h3**order - h2**order)
            print(
                f"OpenFOAM extrapolated to h -> 0 from {c2} and {c3} cells/d, order "
                f"{order:g}: {f3 - slope * h3**order:.4g} Pa/m"
            )
    print(f"\nOpenFOAM cases in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
