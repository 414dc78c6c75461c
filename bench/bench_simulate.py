"""Benchmark: the LBM on a packed bed — resolution study and time to solution.

Packs a bed (default: examples/quick-test.bed; --bed for another), then solves its flow with
the built-in LBM at several resolutions, printing dp/L, its ratio to Ergun and to
Eisfeld-Schnitzlein, iterations, cells, MLUPS and wall time, and the change from one
resolution to the next (the basis of the default cfd.cells_per_dp).

    .venv/bin/python bench/bench_simulate.py [--bed FILE] [--cells 8,12,16]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bedflow import dsl, geometry
from bedflow.cfd import simulate

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bed", type=Path, default=REPO / "examples" / "quick-test.bed")
    parser.add_argument("--cells", default="8,12,16")
    args = parser.parse_args()
    text = args.bed.read_text(encoding="utf-8")
    spec = dsl.parse_with_diagnostics(text, str(args.bed)).spec
    start = time.perf_counter()
    packed = geometry.pack(spec)
    print(
        f"bed {args.bed.name}: {packed.count} particles packed in "
        f"{time.perf_counter() - start:.1f} s (bulk porosity {packed.metrics.bulk_porosity:.4f})"
    )
    print(
        f"{'cells/d':>7} {'cells':>16} {'dp/L Pa/m':>11} {'/Ergun':>7} {'/E&S':>7} "
        f"{'change':>7} {'iter':>6} {'MLUPS':>6} {'time s':>7}"
    )
    previous = None
    for cells in (int(c) for c in args.cells.split(",")):
        run = dsl.parse_with_diagnostics(
            text, str(args.bed), overrides=[f"cfd.cells_per_dp={cells}"]
        ).spec
        t0 = time.perf_counter()
        r = simulate(packed, run, solver="lbm")
        wall = time.perf_counter() - t0
        dpdl = r.pressure_drop_per_length
        change = "" if previous is None else f"{dpdl / previous - 1:+.1%}"
        previous = dpdl
        shape = "x".join(str(n) for n in r.domain["cells"])
        print(
            f"{cells:>7} {shape:>16} {dpdl:>11.4g} {dpdl / r.correlations['ergun']:>7.3f} "
            f"{dpdl / r.correlations['eisfeld_schnitzlein']:>7.3f} {change:>7} "
            f"{r.iterations:>6} {r.timings['mlups']:>6.1f} {wall:>7.1f}"
        )


if __name__ == "__main__":
    main()
