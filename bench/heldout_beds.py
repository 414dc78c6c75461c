"""The held-out beds of issue 13: fixed before any tuning, for checking the solvers' defaults.

Poured (DEM) beds of 5 mm spheres in water, D/d from 3 to 20, 50 to 1,400 spheres, particle
Reynolds numbers 1 to 10, each with a fixed seed. None of them was used to choose a default
or a constant; a change tuned on one of them makes it no longer held out (say so in the
commit and add another).

The count follows from the depth a measured slab needs: a bed at least 3.5 d deep (1 d above
the floor to 1.5 d below the top, 1 d apart; :mod:`bedflow.cfd._region`). At 1,000 spheres a
D/d = 20 bed is only about 2.8 d deep, so that bed has 1,400 (the one bed past the issue's
1,000).

    .venv/bin/python bench/heldout_beds.py            # lists them
    .venv/bin/python bench/heldout_beds.py --write DIR  # writes DIR/NAME.bed
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bedflow import dsl


@dataclass(frozen=True)
class HeldOut:
    name: str
    column_mm: float
    count: int
    velocity_mm_s: float  # water, 5 mm spheres: Re_p = 5 x velocity in mm/s
    seed: int
    friction: float

    @property
    def ratio(self) -> float:
        return self.column_mm / 5.0

    @property
    def reynolds(self) -> float:
        return 1000.0 * self.velocity_mm_s * 1e-3 * 5e-3 / 1e-3

    def text(self) -> str:
        # the column's height leaves room for the pour; the bed settles far below its top
        height = max(60.0, 5.0 * 1.6 * self.count / self.ratio**2 * 1.5 + 20.0)
        return (
            f'name = "{self.name}";\n'
            f"bed {{ diameter = {self.column_mm:g} mm; height = {height:.0f} mm }}\n"
            f"particles {{ diameter = 5 mm; count = {self.count}; seed = {self.seed}; "
            f"friction = {self.friction:g}; density = 2500 kg/m3 }}\n"
            "packing { method = dem }\n"
            f"cfd {{ inlet_velocity = {self.velocity_mm_s:g} mm/s; fluid_density = 1000 kg/m3;"
            " fluid_viscosity = 1 mPa.s }\n"
        )


BEDS: tuple[HeldOut, ...] = (
    HeldOut("held-d3", 15.0, 50, 1.0, 301, 0.3),
    HeldOut("held-d4", 20.0, 120, 0.4, 402, 0.5),
    HeldOut("held-d6", 30.0, 250, 2.0, 603, 0.3),
    HeldOut("held-d8", 40.0, 400, 0.2, 804, 0.4),
    HeldOut("held-d12", 60.0, 800, 1.0, 1205, 0.3),
    HeldOut("held-d16", 80.0, 1000, 0.6, 1606, 0.5),
    HeldOut("held-d20", 100.0, 1400, 1.0, 2007, 0.3),
)


def spec(bed: HeldOut) -> dsl.BedSpec:
    return dsl.parse(bed.text(), bed.name + ".bed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write each bed to DIR/NAME.bed")
    args = parser.parse_args()
    for bed in BEDS:
        spec(bed)  # each one parses
        print(f"{bed.name:9} D/d {bed.ratio:4.0f}  {bed.count:5d} spheres  Re_p {bed.reynolds:4.1f}"
              f"  friction {bed.friction:.1f}  seed {bed.seed}")  # fmt: skip
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / f"{bed.name}.bed").write_text(bed.text(), encoding="utf-8")


if __name__ == "__main__":
    main()
