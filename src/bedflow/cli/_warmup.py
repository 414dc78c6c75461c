"""`bedflow warm-up`: compile and cache the numerical kernels once, ahead of the first run."""

from __future__ import annotations

import logging
import tempfile
import time

from bedflow.cli._app import app, out

WARM_UP_BED = """
name = "warm-up"
bed { diameter = 20 mm; height = 30 mm }
particles { diameter = 5 mm; count = 20; seed = 1 }
export { formats = ["stl"] }
cfd { solver = lbm; inlet_velocity = 1 mm/s; cells_per_dp = 6; max_iterations = 50 }
"""
"""A bed small enough to pack and simulate in moments: it runs every kernel the default
pipeline runs (DEM, metrics, voxelization, the single-precision LBM)."""


@app.command("warm-up")
def warm_up() -> None:
    """Compile the numba kernels (packing, metrics, LBM) and cache them on disk.

    The first run after installation otherwise spends up to a minute compiling; `make demo`
    calls this once when it installs. Nothing is written outside the package's numba cache.
    """
    from bedflow.pipeline import run_pipeline

    start = time.perf_counter()
    out.print("compiling the numerical kernels (once; cached for later runs)...")
    quiet = logging.getLogger("bedflow")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the tiny run's own warnings (not converged) mean nothing
    try:
        with tempfile.TemporaryDirectory(prefix="bedflow-warm-up-") as cache:
            run_pipeline(WARM_UP_BED, cache_dir=cache, filename="<warm-up>", force=True)
    finally:
        quiet.setLevel(level)
    out.print(f"kernels ready in {time.perf_counter() - start:.0f} s")
