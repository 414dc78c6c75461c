"""Every installed packing engine side by side on the example bed: time and quality.

    .venv/bin/python bench/bench_packing.py                       # 1000 spheres, all engines
    .venv/bin/python bench/bench_packing.py --count 300 --engines dem,rigid_body

The bed is examples/spheres-d10.bed (spheres d = 5 mm in D = 50 mm). Speed ratios are against
Blender when it is installed, else against dem. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:
    import bedflow.geometry as geo
    from bedflow import dsl
except ModuleNotFoundError:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT / "src"))
    import bedflow.geometry as geo
    from bedflow import dsl

ORDER = ["dem", "rigid_body", "blender", "hexagonal_3d", "spherical_packing"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=None, help="particles (default: the bed's)")
    parser.add_argument("--engines", default=None, help="comma-separated engine names")
    parser.add_argument("--bed", type=Path, default=ROOT / "examples" / "spheres-d10.bed")
    args = parser.parse_args()

    spec = dsl.load(args.bed)
    if args.count is not None:
        spec = spec.model_copy(
            update={"particles": spec.particles.model_copy(update={"count": args.count})}
        )
    table = geo.engines()
    names = args.engines.split(",") if args.engines else sorted(table, key=_rank)
    ratio_d = spec.bed.diameter / spec.particles.diameter
    dixon = geo.dixon_porosity(ratio_d)
    print(
        f"{args.bed.name}: {geo.particle_count(spec)} spheres d = {spec.particles.diameter * 1e3:g}"
        f" mm in D = {spec.bed.diameter * 1e3:g} mm (D/d = {ratio_d:g}); Dixon (1988) porosity "
        f"{dixon:.4f}"
    )
    rows: dict[str, tuple[float, geo.PackedBed]] = {}
    for name in names:
        engine = table.get(name)
        if engine is None:
            print(f"  {name}: unknown engine")
            continue
        missing = engine.unavailable() or "; ".join(p.message for p in engine.check(spec))
        if missing:
            print(f"  {name}: skipped ({missing})")
            continue
        t0 = time.perf_counter()
        bed = geo.pack(spec, engine=name)
        rows[name] = (time.perf_counter() - t0, bed)
        print(f"  {name}: {rows[name][0]:.1f} s ({engine.version()})", flush=True)

    base = "blender" if "blender" in rows else "dem"
    head = (
        f"{'engine':<18}{'wall s':>8}{'count':>7}{'overlap%d':>10}{'wall%d':>8}{'escaped':>8}"
        f"{'unsettled':>10}{'bulk eps':>9}{'Dixon':>7}{'diff':>8}{'speed x':>10}"
    )
    print()
    print(head)
    print("-" * len(head))
    for name, (wall, bed) in rows.items():
        m = bed.metrics
        speed = rows[base][0] / wall if base in rows and wall > 0 else math.nan
        print(
            f"{name:<18}{wall:>8.2f}{bed.count:>7}{100 * m.max_overlap:>10.3f}"
            f"{100 * m.max_wall_penetration:>8.3f}{m.escaped:>8}{m.unsettled!s:>10}"
            f"{m.bulk_porosity:>9.4f}{dixon:>7.4f}{m.bulk_porosity - dixon:>+8.4f}{speed:>10.2f}"
        )
    print(f"\nspeed x: how many times faster than {base}")
    for name, (_, bed) in rows.items():
        for note in bed.notes:
            print(f"  {name}: {note}")


def _rank(name: str) -> int:
    return ORDER.index(name) if name in ORDER else len(ORDER)


if __name__ == "__main__":
    main()
