"""Porosity of poured beds of cylinders and cubes (rigid-body engines) against published values.

    .venv/bin/python bench/bench_rigid_porosity.py                 # 600 each, D/d 10, mu 0.5
    .venv/bin/python bench/bench_rigid_porosity.py --frictions 0.1,0.5 --engines blender

Pours ``--count`` particles of 5 mm (equilateral cylinders, L = d, and cubes of edge d) in a
column of ``--ratio`` diameters and prints, per pour, the porosity of the bulk band (2 d above
the floor to 2 d below the top, wall region included, as ``packing_report`` gives it), the
same band without the 1 d and 2 d next to the wall (the figure for a wide bed), the whole bed
and the published values:

- cylinders: Benyahia & O'Neill (2005), Part. Sci. Technol. 23, 169, fitted to whole poured
  beds in tubes (wall region included) at D over the volume-equivalent diameter; wide beds of
  L/d = 1 cylinders pour to about 0.36 (``TYPICAL_POURED_POROSITY``);
- cubes: Baker & Kudrolli (2010), Phys. Rev. E 82, 061304: plastic dice pack stably between
  0.46 (random loose, fluidized and settled) and 0.33 (densest, vibrated), +-0.01.

See docs/packing.md for a run's figures. Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

try:
    import bedflow.geometry as geo
except ModuleNotFoundError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import bedflow.geometry as geo
from bedflow import dsl
from bedflow.geometry._voxel_metrics import core_porosity

D_P = 5.0  # particle diameter (and cylinder length, cube edge), mm
CUBE_LOOSEST, CUBE_DENSEST = 0.46, 0.33  # Baker & Kudrolli (2010), porosity = 1 - phi


def spec_text(kind: str, engine: str, friction: float, seed: int, args: argparse.Namespace) -> str:
    length = f"; length = {D_P:g} mm" if kind == "cylinder" else ""
    column = args.ratio * D_P
    return (
        f"bed {{ diameter = {column:g} mm; height = {3.0 * column:g} mm }} "
        f"particles {{ kind = {kind}; diameter = {D_P:g} mm{length}; count = {args.count}; "
        f"friction = {friction:g}; restitution = {args.restitution:g}; seed = {seed} }} "
        f"packing {{ method = {engine} }}"
    )


def reference(kind: str, args: argparse.Namespace) -> str:
    if kind == "cylinder":
        d_pe = geo.volume_equivalent_diameter(D_P, D_P)
        tube = geo.benyahia_oneill_cylinder_porosity(args.ratio * D_P / d_pe)
        return f"B&O'N tube {tube:.3f}, wide ~0.36"
    return f"B&K {CUBE_DENSEST:.2f}-{CUBE_LOOSEST:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="cylinder,cube")
    parser.add_argument("--engines", default="rigid_body", help="rigid_body, blender")
    parser.add_argument("--frictions", default="0.5")
    parser.add_argument("--seeds", type=int, default=1, help="pours per point")
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--ratio", type=float, default=10.0, help="column over particle, D/d")
    parser.add_argument("--restitution", type=float, default=0.5, help="the .bed default")
    args = parser.parse_args()

    table = geo.engines()
    head = (
        f"{'engine':>10} {'kind':>8} {'mu':>4} {'seed':>4} {'bulk':>6} {'>1d':>6} {'>2d':>6} "
        f"{'whole':>6} {'sim s':>6} {'wall s':>6}  published"
    )
    print(f"{args.count} particles of {D_P:g} mm, D/d = {args.ratio:g}, e = {args.restitution}")
    print("bulk: band 2 d above the floor to 2 d below the top; >1d, >2d: the band without")
    print("the 1 d, 2 d next to the wall")
    print(head)
    for engine in args.engines.split(","):
        missing = table[engine].unavailable()
        if missing:
            print(f"{engine:>10}: skipped ({missing})")
            continue
        for kind in args.kinds.split(","):
            for friction in (float(f) for f in args.frictions.split(",")):
                for seed in range(1, args.seeds + 1):
                    spec = dsl.parse(spec_text(kind, engine, friction, seed, args))
                    bed = geo.pack(spec, engine=engine)
                    m = bed.metrics
                    d = bed.particle_diameter
                    core1, core2 = core_porosity(bed, d), core_porosity(bed, 2.0 * d)
                    notes = f"  [{'; '.join(bed.notes)}]" if bed.notes else ""
                    print(
                        f"{engine:>10} {kind:>8} {friction:4.2f} {seed:4d} "
                        f"{m.bulk_porosity:6.3f} {core1:6.3f} {core2:6.3f} {m.porosity:6.3f} "
                        f"{bed.simulated_time:6.2f} {bed.wall_time:6.1f}  "
                        f"{reference(kind, args)}{notes}",
                        flush=True,
                    )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - t0:.0f} s")
