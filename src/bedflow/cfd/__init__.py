"""Flow solvers and correlations: pressure drop and permeability of packed beds.

- Correlations (SI units, broadcast over arrays): :func:`ergun_pressure_gradient`,
  :func:`carman_kozeny_pressure_gradient`, :func:`eisfeld_schnitzlein_pressure_gradient`,
  :func:`particle_reynolds_number`, :func:`darcy_permeability`, :func:`ergun_friction_factor`.
- Lattice Boltzmann (D3Q19, TRT, periodic, body-force driven; halfway bounce-back, or
  interpolated bounce-back on exact :class:`LatticeSurfaces`): :func:`solve_periodic` on a
  voxel mask, :func:`permeability_from_voxels` in SI units.
- Grid convergence: :func:`grid_convergence` (Roache's GCI from three runs, Celik et al.
  2008) into a :class:`GridConvergence`, :func:`grid_levels` (the three resolutions of a
  study), :func:`pressure_drop_text` (``dp/L = X ± U Pa/m (GCI, 3 grids)``).
- Export: :func:`write_vti` (VTK ImageData for ParaView).
- OpenFOAM: :func:`write_openfoam_case`, :func:`run_openfoam_case`, :func:`simulate_openfoam`
  (snappyHexMesh + simpleFoam/foamRun cases of a packed bed, Δp/L next to Ergun).

>>> import numpy as np
>>> from bedflow import cfd
>>> round(cfd.ergun_pressure_gradient(u=0.01, eps=0.4, d=0.005, rho=1000.0, mu=1e-3), 1)
665.6
"""

from bedflow.cfd._convergence import (
    Agreement,
    agreement,
    apparent_order,
    grid_convergence,
    grid_levels,
    grid_study_specs,
    plus_minus,
    pressure_drop_text,
    uncertainty_text,
)
from bedflow.cfd._correlations import (
    carman_kozeny_pressure_gradient,
    darcy_permeability,
    eisfeld_schnitzlein_pressure_gradient,
    ergun_friction_factor,
    ergun_pressure_gradient,
    modified_reynolds_number,
    particle_reynolds_number,
)
from bedflow.cfd._exceptions import CfdInputError, LatticeStabilityError, SolverCancelled
from bedflow.cfd._flow import (
    FlowDomain,
    FlowResult,
    GridConvergence,
    MeasuredRegion,
    correlations_for,
)
from bedflow.cfd._lbm import (
    LbmResult,
    Permeability,
    SolverProgress,
    permeability_from_voxels,
    solve_periodic,
)
from bedflow.cfd._lbm_walls import LatticeSurfaces
from bedflow.cfd._openfoam import (
    OpenFoamCase,
    OpenFoamError,
    OpenFoamProgress,
    OpenFoamResult,
    OpenFoamVersion,
    simulate_openfoam,
)
from bedflow.cfd._openfoam import detect_version as detect_openfoam_version
from bedflow.cfd._openfoam import run_case as run_openfoam_case
from bedflow.cfd._openfoam import write_case as write_openfoam_case
from bedflow.cfd._plot import plot_convergence
from bedflow.cfd._simulate import select_solver, simulate
from bedflow.cfd._solvers import FlowProgress, Solver, solvers
from bedflow.cfd._vtk import write_vti

__all__ = [
    "Agreement",
    "CfdInputError",
    "FlowDomain",
    "FlowProgress",
    "FlowResult",
    "GridConvergence",
    "LatticeStabilityError",
    "LatticeSurfaces",
    "LbmResult",
    "MeasuredRegion",
    "OpenFoamCase",
    "OpenFoamError",
    "OpenFoamProgress",
    "OpenFoamResult",
    "OpenFoamVersion",
    "Permeability",
    "Solver",
    "SolverCancelled",
    "SolverProgress",
    "agreement",
    "apparent_order",
    "carman_kozeny_pressure_gradient",
    "correlations_for",
    "darcy_permeability",
    "detect_openfoam_version",
    "eisfeld_schnitzlein_pressure_gradient",
    "ergun_friction_factor",
    "ergun_pressure_gradient",
    "grid_convergence",
    "grid_levels",
    "grid_study_specs",
    "modified_reynolds_number",
    "particle_reynolds_number",
    "permeability_from_voxels",
    "plot_convergence",
    "plus_minus",
    "pressure_drop_text",
    "run_openfoam_case",
    "select_solver",
    "simulate",
    "simulate_openfoam",
    "solve_periodic",
    "solvers",
    "uncertainty_text",
    "write_openfoam_case",
    "write_vti",
]
