"""Benchmark: the LBM and OpenFOAM, each as a three-grid study, on the held-out beds.

    python bench/bench_heldout_openfoam.py                       # held-d3, held-d4
    python bench/bench_heldout_openfoam.py --beds held-d3 --foam-cells 21 16 12

Issue 13's test of the two solvers on beds nobody tuned for (bench/heldout_beds.py: fixed
seeds, fixed before any tuning). Each bed is poured once; both solvers measure the one slab
every solver takes. The LBM runs at its defaults (cli walls, `cells_per_dp` 14, 10, 7, or the
resolutions given); OpenFOAM at its defaults (bridges at the contacts, two prism layers, the
packed region refined to the particles' level) at `--foam-cells` (21, 16, 12: its defaults
need about 21 cells/d for a GCI near 5%, docs/flow.md).

OpenFOAM meshes the column up to ``--above`` particle diameters over the bed's top (its
default, 2; the held-out columns leave room for the pour, 60-170 mm, and meshing their empty
upper part would cost more cells than the bed): the slab ends at least 1.5 d below the top.
Each study prints its values, observed order, extrapolated value and GCI (bedflow's
grid_convergence), then whether the two finest values agree within their combined
uncertainty and how far apart the extrapolated values are. Needs OpenFOAM on PATH; wall-clock
times on a possibly shared machine, OpenFOAM on two cores.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bedflow.cfd import simulate
from bedflow.cfd._convergence import grid_convergence
from bedflow.cfd._openfoam import detect_version, simulate_openfoam
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed, pack
from heldout_beds import BEDS, spec


def at(s: BedSpec, cells: int) -> BedSpec:
    return s.model_copy(update={"cfd": s.cfd.model_copy(update={"cells_per_dp": cells})})


def lbm_study(packed: PackedBed, s: BedSpec, cells: list[int]) -> tuple[list[float], float]:
    values = []
    t = time.perf_counter()
    for c in cells:
        r = simulate(packed, at(s, c), solver="lbm")
        values.append(r.pressure_drop_per_length)
    return values, time.perf_counter() - t


def foam_study(
    packed: PackedBed, s: BedSpec, cells: list[int], root: Path, cores: int, above: float
) -> tuple[list[float], list[int], float]:
    values, counts = [], []
    t = time.perf_counter()
    for c in cells:
        r = simulate_openfoam(packed, at(s, c), root / f"cpd{c}", cores=cores, outlet_above=above)
        values.append(r.pressure_drop_per_length)
        counts.append(r.cells)
        print(
            f"  openfoam {c:3d} cells/d: {r.cells:9,d} cells, "
            f"dp/L {r.pressure_drop_per_length:.4g} Pa/m, "
            f"porosity {r.porosity_geometric:.4f} (mesh {r.porosity_mesh:.4f}), "
            f"{sum(r.timings.values()):.0f} s",
            flush=True,
        )
    return values, counts, time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beds", default="held-d3,held-d4")
    parser.add_argument("--foam-cells", type=int, nargs=3, default=[21, 16, 12])
    parser.add_argument("--lbm-cells", type=int, nargs=3, default=[14, 10, 7])
    parser.add_argument("--above", type=float, default=2.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="write the OpenFOAM cases here")
    args = parser.parse_args()
    if detect_version() is None:
        print("OpenFOAM is not on PATH: apt-get install openfoam")
        return 1
    byname = {b.name: b for b in BEDS}
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_heldout_openfoam_"))
    for name in args.beds.split(","):
        s = spec(byname[name])
        t = time.perf_counter()
        packed = pack(s)
        d = packed.particle_diameter
        top = packed.metrics.bed_height
        print(
            f"# {name}: {packed.count} spheres, D/d {packed.column.diameter / d:.0f}, "
            f"Re_p {s.particle_reynolds:.3g}, {top / d:.1f} d deep, packed in "
            f"{time.perf_counter() - t:.0f} s",
            flush=True,
        )
        lbm_cells = sorted(args.lbm_cells, reverse=True)
        lv, lt = lbm_study(packed, s, lbm_cells)
        lg = grid_convergence(lbm_cells, lv)
        print(
            f"  lbm {'/'.join(map(str, lbm_cells))}: "
            + ", ".join(f"{v:.4g}" for v in lv)
            + f" Pa/m; order {lg.observed_order:.2f}, extrapolated {lg.extrapolated:.4g}, "
            f"GCI {lg.gci:.1%}{'' if lg.converged else ' (bound)'}; {lt:.0f} s",
            flush=True,
        )
        foam_cells = sorted(args.foam_cells, reverse=True)
        fv, counts, ft = foam_study(packed, s, foam_cells, root / name, args.cores, args.above)
        resolutions = [foam_cells[0] * (n / counts[0]) ** (1 / 3) for n in counts]
        fg = grid_convergence(resolutions, fv)
        print(
            f"  openfoam: order {fg.observed_order:.2f}, extrapolated {fg.extrapolated:.4g}, "
            f"GCI {fg.gci:.1%}{'' if fg.converged else ' (bound)'}; {ft:.0f} s",
            flush=True,
        )
        diff = fv[0] - lv[0]
        combined = math.hypot(lg.uncertainty, fg.uncertainty)
        ext = fg.extrapolated / lg.extrapolated - 1 if lg.converged and fg.converged else math.nan
        print(
            f"  finest: openfoam - lbm = {diff:+.4g} Pa/m ({diff / lv[0]:+.1%}), combined "
            f"uncertainty {combined:.3g}: {'agree' if abs(diff) <= combined else 'DISAGREE'}; "
            f"extrapolated openfoam / lbm - 1 = {ext:+.1%}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
