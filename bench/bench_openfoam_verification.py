"""Hagen-Poiseuille flow through the openfoam solver's meshing path (needs OpenFOAM on PATH).

    python bench/bench_openfoam_verification.py                 # 8, 12, 16 cells per 5 mm
    python bench/bench_openfoam_verification.py --cells 8 12

The case and its references: tests/cfd/_verification_foam.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.cfd._verification_foam import D_PARTICLE, DIAMETER, run  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--layers", type=int, default=0, help="prism layers at the wall")
    parser.add_argument("--keep", type=Path, default=None, help="keep the cases here")
    args = parser.parse_args(argv)
    if shutil.which("simpleFoam") is None:
        print("OpenFOAM is not installed (apt-get install openfoam): skipped")
        return
    print(
        "\n## OpenFOAM: Hagen-Poiseuille in the empty column (25 mm, snappyHexMesh wall, "
        f"{args.layers} layers)"
    )
    print(
        "| cells per 5 mm | wall cell (mm) | D / cell | mesh cells | mesh porosity (by centre) "
        "| dp/L (Pa/m) | error | s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bedflow-hp-"))
    errs, hs = [], []
    for cells in args.cells:
        err, dpdl, n, ok, took, area = run(cells, work, args.layers)
        h = D_PARTICLE / cells
        errs.append(err)
        hs.append(h)
        flag = "" if ok else " (not converged)"
        print(
            f"| {cells} | {h * 1e3:.3f} | {DIAMETER / h:.0f} | {n} | {area:.4f} | {dpdl:.4f} | "
            f"{err:+.2%}{flag} | {took:.0f} |",
            flush=True,
        )
    if len(errs) >= 2 and all(e != 0 for e in errs):
        p = np.polyfit(np.log(hs), np.log(np.abs(errs)), 1)[0]
        print(f"\nfitted order |err| ~ h^p: p = {p:.2f}")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
