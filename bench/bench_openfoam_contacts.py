"""Benchmark: how OpenFOAM meshes the contacts, and prism layers, against its grid limit.

    python bench/bench_openfoam_contacts.py                          # the defaults, 12/16/21
    python bench/bench_openfoam_contacts.py --contacts shrink bridges --layers 0 2
    python bench/bench_openfoam_contacts.py --walls 2 --no-fill --cells 12 16

Issue 13's 80-sphere bed (5 mm spheres, DEM seed 1, 25 mm column, D/d = 5, water at 1 mm/s,
Re_p = 5), packed once. For each way of meshing the contacts (``cfd.mesh_contacts``: bridges
or a 1 % shrink) and each number of prism layers, OpenFOAM runs at each resolution; with
three resolutions the study's observed order, Richardson-extrapolated dp/L and GCI follow
(bedflow's own grid_convergence, resolutions from the cell counts as `--converge` takes
them). The LBM (cli walls) runs the same three resolutions on the same slab as the
reference. dp/L is between the same planes in every run (the slab every solver measures);
the porosity column is the meshed solid's in that slab (geometric) and the mesh's own.
Needs OpenFOAM on PATH; wall-clock times on a possibly shared machine, both cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bedflow import dsl
from bedflow.cfd import simulate
from bedflow.cfd._convergence import grid_convergence
from bedflow.cfd._openfoam import detect_version, simulate_openfoam
from bedflow.geometry import pack

BED = """
name = "issue-13-80"
bed {{ diameter = 25 mm; height = 30 mm }}
particles {{ diameter = 5 mm; count = 80; seed = 1 }}
cfd {{
    solver = openfoam; inlet_velocity = 1 mm/s; fluid_density = 1000 kg/m3;
    fluid_viscosity = 1 mPa.s; cells_per_dp = {cells}; mesh_levels = {{ walls = {walls} }}
}}
"""


def study(cells: list[int], values: list[float], counts: list[int] | None) -> str:
    if len(cells) != 3:
        return ""
    if counts is None:
        at = [float(c) for c in cells]
    else:  # Celik's h = (V / N)^(1/3), relative to the finest run's nominal resolution
        at = [cells[0] * (n / counts[0]) ** (1 / 3) for n in counts]
    g = grid_convergence(at, values)
    head = f"order {g.observed_order:.2f}, extrapolated {g.extrapolated:.4g} Pa/m"
    return head + f", GCI {g.gci:.1%}" + ("" if g.converged else " (a bound: not monotone)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[21, 16, 12])
    parser.add_argument("--contacts", nargs="+", default=["bridges"])
    parser.add_argument("--layers", type=int, nargs="+", default=[2])
    parser.add_argument("--walls", type=int, default=2, help="mesh_levels.walls (default 2)")
    parser.add_argument("--no-fill", action="store_true", help="refine only at the surfaces")
    parser.add_argument("--no-lbm", action="store_true", help="skip the LBM reference")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="write the OpenFOAM cases here")
    args = parser.parse_args()
    cells = sorted(args.cells, reverse=True)

    version = detect_version()
    if version is None:
        print("OpenFOAM is not on PATH: apt-get install openfoam")
        return 1
    specs = {c: dsl.parse(BED.format(cells=c, walls=args.walls)) for c in cells}
    t = time.perf_counter()
    packed = pack(specs[cells[0]])
    print(
        f"{version}; {packed.count} spheres, D/d 5, Re_p {specs[cells[0]].particle_reynolds:.3g}"
        f", packed in {time.perf_counter() - t:.1f} s; walls level {args.walls}, "
        f"{'surfaces only' if args.no_fill else 'packed region filled'} at the particles' level"
    )
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_openfoam_contacts_"))
    print(
        f"{'contacts':8} {'layers':>6} {'cells/d':>7} {'cells':>9} {'dp/L Pa/m':>10} "
        f"{'eps geo':>8} {'eps mesh':>8} {'time':>7}"
    )
    for contacts in args.contacts:
        for layers in args.layers:
            values, counts = [], []
            for c in cells:
                t = time.perf_counter()
                r = simulate_openfoam(
                    packed,
                    specs[c],
                    root / f"{contacts}-L{layers}-{c}",
                    cores=args.cores,
                    contacts=contacts,
                    layers=layers,
                    fill=not args.no_fill,
                )
                took = time.perf_counter() - t
                values.append(r.pressure_drop_per_length)
                counts.append(r.cells)
                print(
                    f"{contacts:8} {layers:6d} {c:7d} {r.cells:9,d} "
                    f"{r.pressure_drop_per_length:10.4g} {r.porosity_geometric:8.4f} "
                    f"{r.porosity_mesh:8.4f} {took:6.0f}s",
                    flush=True,
                )
            line = study(cells, values, counts)
            if line:
                print(f"  {contacts}, {layers} layers: {line}", flush=True)
    if not args.no_lbm:
        values = []
        for c in cells:
            t = time.perf_counter()
            lbm_spec = specs[c].model_copy(
                update={"cfd": specs[c].cfd.model_copy(update={"solver": "lbm"})}
            )
            r = simulate(packed, lbm_spec, solver="lbm")
            values.append(r.pressure_drop_per_length)
            print(
                f"{'LBM cli':8} {'':6} {c:7d} {'':9} {r.pressure_drop_per_length:10.4g} "
                f"{r.porosity:8.4f} {'':8} {time.perf_counter() - t:6.0f}s",
                flush=True,
            )
        line = study(cells, values, None)
        if line:
            print(f"  LBM: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
