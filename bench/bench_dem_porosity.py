"""Calibration of the DEM against published bulk porosities of poured beds of spheres.

    .venv/bin/python bench/bench_dem_porosity.py                  # D/d 3, 5, 10; mu 0.1-0.7
    .venv/bin/python bench/bench_dem_porosity.py --ratios 3,5,10,20 --layers 12

Pours beds of 5 mm spheres ``--layers`` diameters deep (the count follows from Dixon's
porosity) at each column-to-particle ratio D/d and friction coefficient, measures the bulk
porosity (``bed_metrics``: the band 2 d above the floor to 2 d below the free surface, wall
region included, as in the measured whole-bed voidages) and prints it against Dixon (1988)
and Benyahia & O'Neill (2005), with the simulated and the wall time of each pour. The
difference to Dixon is printed in porosity units. See docs/packing.md for a run's figures.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

try:
    import bedflow.geometry as geo
except ModuleNotFoundError:  # run from a checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import bedflow.geometry as geo
from bedflow.geometry import _constants as geo_c

D_P = 0.005  # particle diameter, m


def pour(ratio: float, friction: float, seed: int, args: argparse.Namespace) -> tuple[float, ...]:
    """Bulk porosity, simulated time and wall time of one pour."""
    column = ratio * D_P
    solid = 1.0 - geo.dixon_porosity(ratio)
    count = math.ceil(solid * column**2 * args.layers * D_P / (D_P**3 / 1.5))
    r = geo.dem_pack(
        column_diameter=column,
        column_height=4.0 * args.layers * D_P,
        particle_diameter=D_P,
        count=count,
        density=2500.0,
        restitution=args.restitution,
        friction=friction,
        rolling_friction=args.rolling_friction,
        rest_velocity=args.rest_velocity,
        max_time=120.0,
        seed=seed,
        drop_height=None if args.pour_height is None else args.pour_height * D_P,
    )
    m = geo.bed_metrics(r.centers, r.radii, column_diameter=column)
    return float(count), m.bulk_porosity, r.time, r.wall_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratios", default="3,5,10", help="D/d values, comma-separated")
    parser.add_argument("--frictions", default="0.1,0.3,0.5,0.7")
    parser.add_argument("--seeds", type=int, default=1, help="pours per point (averaged)")
    parser.add_argument("--layers", type=float, default=10.0, help="bed depth in diameters")
    parser.add_argument("--restitution", type=float, default=0.5, help="the .bed default")
    parser.add_argument("--rolling-friction", type=float, default=0.0)
    parser.add_argument(
        "--pour-height", type=float, default=None, help="in diameters (default: POUR_HEIGHT)"
    )
    parser.add_argument("--rest-velocity", type=float, default=0.002, help="m/s (.bed default)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    geo.dem_pack(column_diameter=0.02, column_height=0.02, particle_diameter=D_P, count=10,
                 density=2500.0, restitution=0.5, friction=0.3, rest_velocity=0.01,
                 max_time=0.5, seed=0)  # fmt: skip
    print(f"JIT compile / cache load + tiny bed: {time.perf_counter() - t0:.2f} s")
    print(
        f"e = {args.restitution}, mu_r = {args.rolling_friction}, {args.layers:g} d deep, "
        f"{args.seeds} seed(s) per point, pour height "
        f"{args.pour_height if args.pour_height is not None else geo_c.POUR_HEIGHT:g} d"
    )
    head = "  D/d    mu      n   bulk   Dixon  B&O'N  -Dixon   sim s  wall s"
    print(head)
    for ratio in (float(x) for x in args.ratios.split(",")):
        for friction in (float(x) for x in args.frictions.split(",")):
            runs = [pour(ratio, friction, seed, args) for seed in range(1, args.seeds + 1)]
            count = runs[0][0]
            bulk = statistics.fmean(r[1] for r in runs)
            sim = statistics.fmean(r[2] for r in runs)
            wall = statistics.fmean(r[3] for r in runs)
            dixon = geo.dixon_porosity(ratio)
            print(
                f"{ratio:5g} {friction:5.2f} {count:6.0f} {bulk:6.3f} {dixon:7.3f} "
                f"{geo.benyahia_oneill_porosity(ratio):6.3f} {bulk - dixon:+7.3f} "
                f"{sim:7.2f} {wall:7.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
