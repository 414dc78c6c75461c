"""OpenFOAM engine: mesh size, time per step, and Δp/L next to Ergun.

    python bench/bench_openfoam.py                      # reference: 80 x 5 mm in 25 mm, 10/d
    python bench/bench_openfoam.py --cells-per-dp 8 12  # a resolution sweep
    python bench/bench_openfoam.py --example            # examples/spheres-d10.bed (large)
    python bench/bench_openfoam.py --cores 2 --keep runs/of

The reference bed: 80 spheres of 5 mm poured (DEM, seed 1) into a 25 mm column 30 mm high,
shrunk 1 %, laminar water at 5 mm/s (Re_p = 25), walls and particles at refinement level 2.
Ergun is evaluated for the porosity of the slab between the two pressure planes (exact, of
the shrunk spheres) and the shrunk diameter. Needs OpenFOAM on PATH (apt-get install
openfoam); timings are wall-clock on a possibly shared machine.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bedflow import dsl
from bedflow.cfd._openfoam import OpenFoamProgress, detect_version, simulate_openfoam
from bedflow.dsl import BedSpec
from bedflow.geometry import pack

REFERENCE = """
name = "openfoam-reference"
bed { diameter = 25 mm; height = 30 mm }
particles { diameter = 5 mm; count = 80; seed = 1 }
cfd {
    solver = openfoam; inlet_velocity = 5 mm/s;
    fluid_density = 1000 kg/m3; fluid_viscosity = 1e-3 Pa.s;
    max_iterations = 2000; convergence_criteria = 1e-4;
    mesh_levels = { walls = 2; particles = 2 }
}
"""
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "spheres-d10.bed"


def with_mesh(
    spec: BedSpec, cells_per_dp: int | None, wall_level: int | None, velocity: float | None
) -> BedSpec:
    cfd = spec.cfd
    update: dict[str, object] = {}
    if velocity is not None:
        update["inlet_velocity"] = velocity
    if cells_per_dp is not None:
        update["cells_per_dp"] = cells_per_dp
    if wall_level is not None:
        update["mesh_levels"] = cfd.mesh_levels.model_copy(update={"walls": wall_level})
    return spec.model_copy(update={"cfd": cfd.model_copy(update=update)})


class Ticker:
    """Prints a progress line at most every 5 s."""

    def __init__(self) -> None:
        self.last = 0.0

    def __call__(self, p: OpenFoamProgress) -> None:
        now = time.monotonic()
        if now - self.last < 5.0:
            return
        self.last = now
        res = " ".join(f"{k}={v:.1e}" for k, v in p.residuals.items())
        print(f"    {p.step:<14} {p.elapsed:6.1f} s  {p.message} {res}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", action="store_true", help=f"run {EXAMPLE.name}")
    parser.add_argument("--cells-per-dp", type=int, nargs="*", default=None)
    parser.add_argument("--wall-level", type=int, default=None)
    parser.add_argument("--velocity", type=float, default=None, help="inlet velocity, m/s")
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None, help="write the cases here")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    version = detect_version()
    if version is None:
        print("OpenFOAM is not on PATH: apt-get install openfoam")
        return 1
    spec = dsl.parse(EXAMPLE.read_text()) if args.example else dsl.parse(REFERENCE)
    resolutions = args.cells_per_dp or [10]
    print(f"{version}; bed {spec.name or 'reference'}: {spec.particles.count} spheres")
    t = time.perf_counter()
    packed = pack(spec)
    print(f"packed {packed.count} spheres ({packed.engine}) in {time.perf_counter() - t:.1f} s")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_openfoam_"))
    rows = []
    for cpd in resolutions:
        run_spec = with_mesh(spec, cpd, args.wall_level, args.velocity)
        levels = run_spec.cfd.mesh_levels
        re_p = run_spec.particle_reynolds
        print(
            f"\n{cpd} cells/d, levels particles {levels.particles} walls {levels.walls}, "
            f"u = {run_spec.cfd.inlet_velocity:g} m/s, Re_p = {re_p:.3g}:"
        )
        t = time.perf_counter()
        r = simulate_openfoam(
            packed, run_spec, root / f"cpd{cpd}", cores=args.cores, progress=Ticker()
        )
        total = time.perf_counter() - t
        steps = "  ".join(f"{k} {v:.1f} s" for k, v in r.timings.items())
        print(f"  cells {r.cells:,}  checkMesh: {r.mesh_check.verdict}")
        print(f"  times: {steps}  (total {total:.1f} s)")
        print(
            f"  porosity between the planes z = {r.planes[0] * 1e3:.2f}-{r.planes[1] * 1e3:.2f} "
            f"mm: geometric {r.porosity_geometric:.4f}, mesh {r.porosity_mesh:.4f} "
            f"({r.porosity_mesh / r.porosity_geometric - 1:+.1%})"
        )
        print(
            f"  dp/L {r.pressure_drop_per_length:.2f} Pa/m, Ergun {r.ergun:.2f} Pa/m "
            f"(eps {r.porosity_geometric:.4f}, d {r.particle_diameter * 1e3:.3f} mm): "
            f"ratio {r.ergun_ratio:.3f}; {r.iterations} iterations, last change of dp "
            f"{r.pressure_drop_change:.1e}"
            f"{'' if r.converged else ' (NOT converged)'}"
        )
        rows.append((cpd, r.cells, r.timings.get("snappyHexMesh", 0.0), r.timings["solver"], r))
    print("\ncells/d   cells    snappy s  solver s  mesh eps  dp/L Pa/m  /Ergun")
    for cpd, cells, snappy, solver, r in rows:
        print(
            f"{cpd:7d} {cells:8,d} {snappy:9.1f} {solver:9.1f} {r.porosity_mesh:9.4f} "
            f"{r.pressure_drop_per_length:10.2f} {r.ergun_ratio:7.3f}"
        )
    print(f"\ncases in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
