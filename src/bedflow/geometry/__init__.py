"""Packing of spheres in a column: DEM pouring, ordered arrangements, bed metrics.

>>> from bedflow.geometry import bed_metrics, dem_pack, dixon_porosity
>>> r = dem_pack(column_diameter=0.05, column_height=0.1, particle_diameter=0.005,
...              count=1000, density=2500.0, restitution=0.5, friction=0.5,
...              rest_velocity=0.01, max_time=10.0, seed=1)  # doctest: +SKIP
>>> m = bed_metrics(r.centers, r.radii, column_diameter=0.05)  # doctest: +SKIP
>>> m.bulk_porosity, dixon_porosity(10.0)  # doctest: +SKIP
(0.41..., 0.40912)
"""

from bedflow.geometry._bridges import BridgedSpheres, bridged_spheres
from bedflow.geometry._correlations import (
    benyahia_oneill_cylinder_porosity,
    benyahia_oneill_porosity,
    dixon_porosity,
    volume_equivalent_diameter,
)
from bedflow.geometry._dem import DemProgress, DemResult, PackingCancelled, dem_pack
from bedflow.geometry._engines import Engine, PackProgress, engines
from bedflow.geometry._export import ExportReport, export_formats, export_geometry
from bedflow.geometry._mesh import BedGeometry, build_geometry, solver_particles
from bedflow.geometry._metrics import (
    BedMetrics,
    bed_metrics,
    radial_solid_volumes,
    slab_solid_volume,
)
from bedflow.geometry._ordered import OrderedPacking, hexagonal_pack, ring_pack
from bedflow.geometry._pack import pack, particle_count, select_engine
from bedflow.geometry._packed import Column, PackedBed, load_packing, packing_differences
from bedflow.geometry._plot import plot_profiles
from bedflow.geometry._pour import expected_porosity
from bedflow.geometry._report import packing_report, quality_problems
from bedflow.geometry._voxel import Voxels, voxelize

__all__ = [
    "BedGeometry",
    "BedMetrics",
    "BridgedSpheres",
    "Column",
    "DemProgress",
    "DemResult",
    "Engine",
    "ExportReport",
    "OrderedPacking",
    "PackProgress",
    "PackedBed",
    "PackingCancelled",
    "Voxels",
    "bed_metrics",
    "benyahia_oneill_cylinder_porosity",
    "benyahia_oneill_porosity",
    "bridged_spheres",
    "build_geometry",
    "dem_pack",
    "dixon_porosity",
    "engines",
    "expected_porosity",
    "export_formats",
    "export_geometry",
    "hexagonal_pack",
    "load_packing",
    "pack",
    "packing_differences",
    "packing_report",
    "particle_count",
    "plot_profiles",
    "quality_problems",
    "radial_solid_volumes",
    "ring_pack",
    "select_engine",
    "slab_solid_volume",
    "solver_particles",
    "volume_equivalent_diameter",
    "voxelize",
]
