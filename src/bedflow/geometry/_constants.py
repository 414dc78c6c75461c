"""Physical constants, numerical tolerances and tuning of the packing engines.

Lengths given "in diameters" are multiplied by the particle diameter ``d`` where they are used.
"""

from __future__ import annotations

from typing import Final

from bedflow.constants import STANDARD_GRAVITY as STANDARD_GRAVITY

# --- DEM contact model -------------------------------------------------------------------------

#: Overlap allowed at the hardest impact of a pour, as a fraction of d. Impacts are transient;
#: the overlaps left in the settled bed come from the static load and are far smaller.
IMPACT_OVERLAP_FRACTION: Final = 0.02
#: Overlap allowed under the static load of the moving part of the bed, as a fraction of d.
STATIC_OVERLAP_FRACTION: Final = 0.001
#: Peak contact force over the mean weight carried per particle (force chains), dimensionless.
FORCE_CHAIN_FACTOR: Final = 2.0
#: Time step as a fraction of the shortest (particle-particle) contact duration.
TIME_STEP_PER_CONTACT: Final = 1.0 / 25.0
#: Tangential over normal spring stiffness; 2/7 matches the tangential and normal periods of
#: homogeneous spheres (Schäfer, Dippel & Wolf 1996, J. Phys. I France 6, 5-20).
TANGENTIAL_STIFFNESS_RATIO: Final = 2.0 / 7.0
#: Tangential over normal damping coefficient.
TANGENTIAL_DAMPING_RATIO: Final = 2.0 / 7.0

#: The rolling-resistance torque of one contact is at most ``I |w| / (N dt)`` with N this many
#: contacts: even N contacts at once cannot reverse a rotation within a step (the constant
#: torque of Ai et al.'s model A would, and a bed at rest would chatter).
ROLLING_VISCOUS_CONTACTS: Final = 12

# --- DEM pouring -------------------------------------------------------------------------------

#: Height of the slab in which a batch of particles is created, in diameters.
SPAWN_SLAB_HEIGHT: Final = 2.0
#: Gap between the top of the landed bed and the bottom of the next batch, in diameters.
SPAWN_GAP: Final = 1.5
#: Extra fall into the pores of the bed counted in the impact speed, in diameters.
SPAWN_EXTRA_FALL: Final = 1.0
#: Height, in diameters, a poured particle has fallen when it enters its spawn slab (it
#: starts there with the speed of that fall, along gravity).
POUR_HEIGHT: Final = 0.0
#: Solid fraction aimed at in a batch slab (random sequential addition jams near 0.38).
SPAWN_SOLID_FRACTION: Final = 0.30
#: Candidate positions drawn per particle wanted in a batch.
SPAWN_CANDIDATES_PER_PARTICLE: Final = 40
#: Margin between spawned particles and the wall, and between spawned particles, in diameters.
SPAWN_MARGIN: Final = 0.05

#: Compile the DEM time step with numba's parallel loops. Off: one step of a 1000-sphere bed
#: is too short to share between threads, and on a busy 2-core machine a parallel step waits
#: for a descheduled thread (bench/bench_dem.py ran several times slower with two threads
#: while another process was running). The kernels stay written as deterministic parallel
#: loops, so switching this on changes no result.
DEM_PARALLEL: Final = False

# --- DEM neighbour lists, freezing and stopping -------------------------------------------------

#: Verlet skin, in diameters: lists hold pairs closer than 2 r + skin, rebuilt after any
#: particle moved more than half the skin.
VERLET_SKIN: Final = 0.25
#: Initial neighbour slots per particle (grown when a list overflows).
NEIGHBOUR_SLOTS: Final = 24
#: Time steps between two checks of the pour (spawning, freezing, settling, progress); even.
CHECK_STEPS: Final = 40
#: Particles deeper than this below the top of the landed bed that have stayed slower than the
#: rest velocity for FREEZE_CHECKS checks are frozen, in diameters. Real particles are orders of
#: magnitude stiffer than DEM springs, so a deep bed at rest no longer moves; freezing keeps the
#: soft springs from compacting it artificially and keeps the cost per step bounded.
FREEZE_DEPTH: Final = 4.0
#: Consecutive calm checks before a deep particle is frozen.
FREEZE_CHECKS: Final = 10
#: Consecutive checks with every particle slower than the rest velocity before the bed counts
#: as settled.
SETTLE_CHECKS: Final = 5
#: Seconds of wall time between two progress reports.
PROGRESS_INTERVAL: Final = 0.25

# --- metrics -------------------------------------------------------------------------------------

#: Gap below which two spheres (or a sphere and a wall) count as touching, fraction of d.
CONTACT_GAP_FRACTION: Final = 0.01
#: Width of the floor and free-surface layers left out of the bulk porosity, in diameters.
BULK_EXCLUSION: Final = 2.0
#: Gauss-Legendre points per smooth piece of the radial-volume quadrature.
RADIAL_QUADRATURE_POINTS: Final = 24

# --- how many particles to pour --------------------------------------------------------------

#: Porosity assumed for a poured bed when neither count nor target porosity is given, used only
#: to decide how many particles fill the column (the packed bed is then measured). Spheres in
#: cylinders use Dixon (1988) instead, cylinders in cylinders Benyahia & O'Neill (2005); both
#: include the looser wall region of a narrow tube. The values here are for wide beds, away from
#: walls: cylinders of aspect ratio ~1 pour to ~0.36 (Zhang et al. 2006, AIChE J. 52, 1906;
#: Benyahia & O'Neill's fit tends to 0.373); cubes (plastic dice) pack stably between 0.46
#: (loosest, fluidized and settled) and 0.33 (densest, vibrated) (Baker & Kudrolli 2010, Phys.
#: Rev. E 82, 061304), 0.40 is the middle of that range, not a measured pour.
TYPICAL_POURED_POROSITY: Final = {"sphere": 0.40, "cylinder": 0.36, "cube": 0.40}
#: Smallest D / d_pe of Benyahia & O'Neill's (2005) fit for solid cylinders (1.7 to 26.3).
BENYAHIA_ONEILL_CYLINDER_MIN_RATIO: Final = 1.7

# --- quality checks of a packed bed ------------------------------------------------------------

#: Largest particle-particle overlap a packed bed may keep, fraction of d. Overlaps shrink the
#: void space and close throats; the DEM target is 0.5 % and CFD meshing tolerates ~1 %.
MAX_ACCEPTED_OVERLAP: Final = 0.01
#: Largest penetration of a particle into the wall or floor, fraction of d.
MAX_ACCEPTED_WALL_PENETRATION: Final = 0.01

#: Resolution of the voxel model that measures beds of cylinders and cubes (and square
#: columns), cells per particle diameter; ~1% porosity error at 16 (simple-cubic check).
VOXEL_METRICS_CELLS_PER_DP: Final = 16
