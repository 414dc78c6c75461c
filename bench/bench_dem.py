"""Benchmark of the DEM packing: wall time, overlaps and porosity of poured beds.

    .venv/bin/python bench/bench_dem.py            # 1000 spheres, d = 5 mm, D = 50 mm
    .venv/bin/python bench/bench_dem.py --large    # and 20000 spheres, D = 100 mm

The JIT compile (or the load of numba's on-disk cache) is timed separately on a tiny bed
first, so the bed timings exclude it.
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


def run_bed(
    name: str, *, diameter: float, height: float, count: int, args: argparse.Namespace
) -> None:
    d = 0.005
    r = geo.dem_pack(
        column_diameter=diameter,
        column_height=height,
        particle_diameter=d,
        count=count,
        density=args.density,
        restitution=args.restitution,
        friction=args.friction,
        gravity=(0.0, 0.0, -9.81),
        rest_velocity=args.rest_velocity,
        max_time=args.max_time,
        seed=args.seed,
    )
    t0 = time.perf_counter()
    m = geo.bed_metrics(
        r.centers,
        r.radii,
        column_diameter=diameter,
        column_height=height,
        velocities=r.velocities,
        rest_velocity=args.rest_velocity,
    )
    t_metrics = time.perf_counter() - t0
    ratio = diameter / d
    print(
        f"== {name}: {count} spheres d = {d * 1e3:g} mm in D = {diameter * 1e3:g} mm (D/d = "
        f"{ratio:g}), e = {args.restitution}, mu = {args.friction}, seed = {args.seed}"
    )
    print(f"  wall time         {r.wall_time:8.2f} s   (metrics {t_metrics:.2f} s)")
    print(
        f"  simulated         {r.time:8.3f} s in {r.steps} steps of {r.time_step:.3g} s "
        f"(contact {r.contact_time:.3g} s, k = {r.stiffness:.4g} N/m, {r.rebuilds} "
        "list rebuilds)"
    )
    print(
        f"  settled           {r.settled}  (max speed {r.max_speed:.3g} m/s, "
        f"{r.frozen} frozen at rest)"
    )
    print(
        f"  max overlap       {100 * m.max_overlap:8.3f} % d   (mean {100 * m.mean_overlap:.3f}"
        f" % d, wall {100 * m.max_wall_penetration:.3f} % d)"
    )
    print(f"  escaped/unsettled {m.escaped} / {m.unsettled}")
    print(
        f"  bed height        {m.bed_height * 1e3:8.2f} mm, coordination "
        f"{m.coordination_number:.2f}"
    )
    print(
        f"  porosity          whole bed {m.porosity:.4f}, bulk band "
        f"[{m.bulk_band[0] * 1e3:.1f}, {m.bulk_band[1] * 1e3:.1f}] mm {m.bulk_porosity:.4f}"
    )
    print(
        f"  correlations      Dixon (1988) {geo.dixon_porosity(ratio):.4f}, "
        f"Benyahia & O'Neill (2005) {geo.benyahia_oneill_porosity(ratio):.4f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also pour 20000 spheres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--density", type=float, default=2500.0, help="kg/m3 (glass)")
    parser.add_argument("--restitution", type=float, default=0.9)
    parser.add_argument("--friction", type=float, default=0.3)
    parser.add_argument("--rest-velocity", type=float, default=0.01, help="m/s")
    parser.add_argument("--max-time", type=float, default=20.0, help="simulated s")
    args = parser.parse_args()

    t0 = time.perf_counter()
    tiny = geo.dem_pack(column_diameter=0.02, column_height=0.02, particle_diameter=0.005,
                        count=10, density=2500.0, restitution=0.5, friction=0.3,
                        rest_velocity=0.01, max_time=0.5, seed=0)  # fmt: skip
    geo.bed_metrics(tiny.centers, tiny.radii, column_diameter=0.02)
    print(f"JIT compile / cache load + tiny bed: {time.perf_counter() - t0:.2f} s")

    run_bed("example bed", diameter=0.05, height=0.1, count=1000, args=args)
    if args.large:
        run_bed("large bed", diameter=0.1, height=0.4, count=20000, args=args)


if __name__ == "__main__":
    main()
