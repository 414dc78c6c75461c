"""Physical constants, packing limits and tolerances used across bedflow, with their sources.

Solvers and validators import from here instead of writing numbers inline, so every limit
has one definition and one citation.
"""

from __future__ import annotations

import math

__all__ = [
    "GCI_BOUND_SAFETY_FACTOR",
    "GCI_SAFETY_FACTOR",
    "GRID_REFINEMENT_RATIO",
    "KEPLER_SOLID_FRACTION",
    "MASS_DENSITY_ROUNDING",
    "MASS_DENSITY_TOLERANCE",
    "MAX_COLUMN_SIZE",
    "MAX_PARTICLE_COUNT",
    "MAX_PARTICLE_SIZE",
    "MAX_POURED_SOLID_FRACTION",
    "MAX_TARGET_POROSITY",
    "MIN_PARTICLE_SIZE",
    "RCP_SPHERE_SOLID_FRACTION",
    "RE_P_LAMINAR_LIMIT",
    "STANDARD_GRAVITY",
]

STANDARD_GRAVITY = 9.80665
"""Standard acceleration of gravity, m/s2 (CGPM 1901)."""

KEPLER_SOLID_FRACTION = math.pi / (3.0 * math.sqrt(2.0))
"""Densest packing of equal spheres, pi/(3 sqrt 2) = 0.7405 (Kepler; proved by Hales 2005).
No arrangement of equal spheres, ordered or not, fills more of a container."""

RCP_SPHERE_SOLID_FRACTION = 0.64
"""Random close packing of equal spheres, ~0.637 (Scott & Kilgour 1969, J. Phys. D 2, 863).
A poured (random) bed of spheres cannot be denser; its porosity is at least 1 - 0.64 = 0.36."""

MAX_POURED_SOLID_FRACTION = {
    "sphere": RCP_SPHERE_SOLID_FRACTION,
    # Random packings of cylinders of aspect ratio near 1 reach ~0.72 when densified
    # (Zhang et al. 2006, AIChE J. 52, 1906); poured cubes stay below ~0.75 (Baker &
    # Kudrolli 2010, Phys. Rev. E 82, 061304). Used only to refuse impossible requests.
    "cylinder": 0.72,
    "cube": 0.75,
}
"""Upper bound of the solid fraction a poured (random) bed of each particle kind can reach."""

MAX_TARGET_POROSITY = 0.95
"""Largest target porosity accepted: beyond it the particles no longer form a packed bed."""

MAX_PARTICLE_COUNT = 10_000_000
"""Largest particle count a spec may ask for; well above what a workstation can pack."""

MAX_COLUMN_SIZE = 1000.0
"""Largest column diameter, width, depth or height a spec accepts, m (industrial columns are
tens of metres; the bound keeps every derived volume finite)."""

MIN_PARTICLE_SIZE = 1e-6
"""Smallest particle diameter or length, m (1 um: below it a packed bed is no longer a bed of
discrete grains resolved by these methods)."""

MAX_PARTICLE_SIZE = 10.0
"""Largest particle diameter or length, m."""

RE_P_LAMINAR_LIMIT = 300.0
"""Particle Reynolds number above which flow in a packed bed is turbulent (Jolls & Hanratty
1966 report the onset of turbulence at Re_p ~ 110-370; Hlushkou & Tallarek 2006 ~ 300). A
laminar run above it gets a warning."""

MASS_DENSITY_ROUNDING = 0.005
"""Relative difference up to which a particle's `mass` and `density` agree without a word: a
mass written to three significant digits (0.164 g for 0.16362 g) is off by up to 0.5%."""

MASS_DENSITY_TOLERANCE = 0.05
"""Relative difference up to which `mass` and `density` that disagree are a warning (a mass
written to one or two digits, a density from a handbook) rather than an error; `mass`
decides."""

GCI_SAFETY_FACTOR = 1.25
"""Safety factor of the grid convergence index from three grids with an observed order
(Roache 1998; Celik et al. 2008, J. Fluids Eng. 130, 078001, eq. 7): GCI = 1.25 |e_a| / (r^p - 1)
covers the error of the fine grid with about 95% confidence."""

GCI_BOUND_SAFETY_FACTOR = 3.0
"""Safety factor where no order can be observed (Roache's factor for two grids): three grids
that do not converge monotonically get 3 times their spread as a bound, not an estimate."""

GRID_REFINEMENT_RATIO = 1.3
"""Smallest ratio of grid sizes between the runs of a convergence study: below it the
discretization error is hard to tell from other errors (Celik et al. 2008, step 2: "it is
desired that the grid refinement factor r = h_coarse/h_fine be greater than 1.3")."""
