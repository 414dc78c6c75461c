"""The OpenFOAM engine: write a packed bed's case, run it, read the pressure drop.

- :func:`write_case` writes a complete case (blockMesh background around the column with
  ``inlet`` and ``outlet`` patches, snappyHexMesh on the particles and the wall, simpleFoam or
  foamRun laminar or RANS with the kinematic viscosity, pressure planes inside the packed
  region, ``case.foam``, ``Allrun``) for the OpenFOAM :func:`detect_version` finds;
- :func:`run_case` meshes, checks and solves it with live progress and cancellation;
- :func:`simulate_openfoam` does both and compares Δp/L with Ergun.

>>> from bedflow.cfd import simulate_openfoam
>>> r = simulate_openfoam(packed, spec, "runs/bed1")  # doctest: +SKIP
"""

from bedflow.cfd._openfoam._case import OpenFoamCase, write_case
from bedflow.cfd._openfoam._constants import FOAM_CELLS_PER_DP
from bedflow.cfd._openfoam._layout import CaseLayout, location_problems, too_coarse
from bedflow.cfd._openfoam._run import (
    OpenFoamError,
    OpenFoamProgress,
    OpenFoamResult,
    run_case,
    simulate_openfoam,
)
from bedflow.cfd._openfoam._version import OpenFoamVersion, detect_version

__all__ = [
    "FOAM_CELLS_PER_DP",
    "CaseLayout",
    "OpenFoamCase",
    "OpenFoamError",
    "OpenFoamProgress",
    "OpenFoamResult",
    "OpenFoamVersion",
    "detect_version",
    "location_problems",
    "run_case",
    "simulate_openfoam",
    "too_coarse",
    "write_case",
]
