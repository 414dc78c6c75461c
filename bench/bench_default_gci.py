"""Benchmark: the LBM's numerical uncertainty at its defaults (issue 13: GCI <= 5%).

For each bed (the bundled examples the LBM runs, and the held-out set of
bench/heldout_beds.py), packs it once, then runs the LBM's three-grid study at the spec's
own resolution (12, 9 and 6 cells per diameter at the default) with each wall scheme
(``cfd.lbm_boundary``: halfway, cli), and prints dp/L on each grid, the observed order, the
Richardson-extrapolated value, GCI_fine and the wall time, with the ratio of the two schemes'
times. ``--json FILE`` keeps the figures.

    .venv/bin/python bench/bench_default_gci.py [--beds quick-test,held-d3] [--boundaries halfway,cli]
"""  # noqa: E501

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bedflow import cfd, dsl, geometry
from bedflow._exceptions import BedflowError, BedValidationError

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from heldout_beds import BEDS  # noqa: E402

EXAMPLES = ("quick-test", "spheres-d10", "cylinders")


def load(name: str) -> dsl.BedSpec:
    if name in EXAMPLES:
        path = REPO / "examples" / f"{name}.bed"
        return dsl.parse_with_diagnostics(path.read_text(encoding="utf-8"), str(path)).spec
    held = {b.name: b for b in BEDS}
    if name not in held:
        raise SystemExit(f"unknown bed {name!r}: one of {', '.join([*EXAMPLES, *held])}")
    return dsl.parse(held[name].text(), name + ".bed")


def study(packed: geometry.PackedBed, spec: dsl.BedSpec, boundary: str) -> dict[str, Any]:
    at = spec.model_copy(
        update={"cfd": spec.cfd.model_copy(update={"lbm_boundary": boundary, "solver": "lbm"})}
    )
    try:
        specs = cfd.grid_study_specs(at, "lbm")
    except BedValidationError:  # too fast for the coarsest grid: the first resolution that is not
        for m in range(at.cfd.cells_per_dp + 1, 40):
            finer = at.model_copy(update={"cfd": at.cfd.model_copy(update={"cells_per_dp": m})})
            try:
                specs = cfd.grid_study_specs(finer, "lbm")
                break
            except BedValidationError:
                continue
    values, cells, notes = [], [], []
    start = time.perf_counter()
    first = None
    for s in specs:
        r = cfd.simulate(packed, s, solver="lbm")
        first = first or r
        values.append(r.pressure_drop_per_length)
        cells.append(s.cfd.cells_per_dp)
        notes += list(r.notes)
    took = time.perf_counter() - start
    g = cfd.grid_convergence(cells, values)
    assert first is not None
    return {
        "boundary": boundary,
        "cells_per_dp": cells,
        "values": values,
        "order": g.observed_order,
        "extrapolated": g.extrapolated,
        "gci": g.gci,
        "converged": g.converged,
        "seconds": took,
        "slab_m": first.domain.get("slab_m"),
        "slab_from": first.domain.get("slab_from"),
        "porosity": first.porosity,
        "reynolds": first.particle_reynolds,
        "eisfeld": first.correlations.get("eisfeld_schnitzlein"),
        "notes": notes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beds", default=",".join(["quick-test", *(b.name for b in BEDS)]))
    parser.add_argument("--boundaries", default="halfway,cli")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    head = (
        f"{'bed':12} {'D/d':>4} {'Re_p':>5} {'eps':>6} {'wall':8} "
        f"{'dp/L fine, medium, coarse (Pa/m)':>34} {'at':>8} {'order':>6} {'extrap':>9} "
        f"{'GCI':>7} {'/E-S':>6} {'time':>7}"
    )
    print(head, flush=True)
    for name in args.beds.split(","):
        spec = load(name)
        t0 = time.perf_counter()
        packed = geometry.pack(spec)
        deep = packed.metrics.bed_height / packed.particle_diameter
        took = time.perf_counter() - t0
        print(f"# {name}: {packed.count} particles packed in {took:.0f} s, {deep:.1f} d deep")
        times = {}
        for boundary in args.boundaries.split(","):
            try:
                row = study(packed, spec, boundary)
            except BedflowError as exc:  # a run that failed: say so and go on
                print(f"{name:12} {boundary:8} FAILED: {str(exc).splitlines()[0][:140]}")
                rows.append({"bed": name, "boundary": boundary, "failed": str(exc)})
                continue
            row["bed"] = name
            row["ratio"] = packed.column.diameter / packed.particle_diameter
            rows.append(row)
            times[boundary] = row["seconds"]
            vals = ", ".join(f"{v:.4g}" for v in row["values"])
            gci = f"{row['gci']:.1%}" + ("" if row["converged"] else "*")
            best = row["extrapolated"] if row["converged"] else row["values"][0]
            es = best / row["eisfeld"]
            at = "/".join(str(c) for c in row["cells_per_dp"])
            print(
                f"{name:12} {row['ratio']:4.0f} {row['reynolds']:5.1f} {row['porosity']:6.3f} "
                f"{boundary:8} {vals:>34} {at:>8} {row['order']:6.2f} "
                f"{row['extrapolated']:9.4g} {gci:>7} {es:6.3f} {row['seconds']:6.0f}s",
                flush=True,
            )
        if len(times) == 2:
            a, b = times
            print(f"# {name}: {b} / {a} time {times[b] / times[a]:.2f}", flush=True)
        if args.json:
            args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("* no monotone convergence: the GCI column is a bound (3 x the spread)")
    print("/E-S: the extrapolated value (else the finest) over Eisfeld-Schnitzlein at the slab's")
    print("porosity; 'at': the study's resolutions (the spec's own unless too fast for it)")


if __name__ == "__main__":
    main()
