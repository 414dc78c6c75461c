"""Hagen-Poiseuille flow through the `openfoam` solver's meshing path (needs OpenFOAM on PATH).

The empty column (25 mm across, 60 mm tall, water at 0.1 mm/s: Re_D = 2.5, laminar) goes
through the solver's own case writer and runner: blockMesh, snappyHexMesh on the column's
wall STL (level 2 at the wall), checkMesh, simpleFoam, dp/L between two planes. The writer
needs one particle to size the mesh (cell = 5 mm / cells) and to place the planes: a 1 mm
sphere lies in the corner of the background box, outside the column, where snappyHexMesh
discards it with the wall's outside (its height, between the planes, keeps the writer's
slab porosity below 1 for its Ergun figure, which is not used). The planes are moved to
1 D above the inlet and 1 D below the outlet by setting the writer's plane offsets for the
run. The plug inlet profile develops within L/D = (0.619^1.6 + (0.0567 Re)^1.6)^(1/1.6) =
0.66 at Re_D = 2.5 (Durst et al. 2005, J. Fluids Eng. 127, 1154); at 1 mm/s (Re_D = 25) it
takes 1.6 D and the planes read +6 %. dp/L is compared with 8 mu Q / (pi R^4), Q the flow
rate measured through the inlet.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from bedflow import dsl
from bedflow.cfd._openfoam import simulate_openfoam
from bedflow.geometry import PackedBed
from tests.utils.beds import sphere_bed

DIAMETER = 0.025  # m
HEIGHT = 0.060  # m
D_PARTICLE = 0.005  # m, sets the mesh: cell = D_PARTICLE / cells
VELOCITY = 1e-4  # m/s
MU = 1e-3  # Pa s
TOP_PLANE = HEIGHT - DIAMETER  # m

SPEC = """
bed {{ diameter = 25 mm; height = 60 mm }}
particles {{ diameter = 5 mm; count = 1 }}
cfd {{
    solver = openfoam; inlet_velocity = 0.1 mm/s;
    fluid_density = 1000 kg/m3; fluid_viscosity = 1e-3 Pa.s;
    cells_per_dp = {cells}; max_iterations = 2000; convergence_criteria = 1e-6;
    mesh_levels = {{ walls = 2; particles = 2 }}; mesh_layers = 0
}}
"""


def empty_column() -> PackedBed:
    """The column with one 1 mm sphere outside it, in the corner of the background box."""
    r = 0.5 * DIAMETER
    corner = 0.8 * r  # distance 1.13 R from the axis: outside the wall, inside the box
    return sphere_bed([[corner, corner, TOP_PLANE - 0.4e-3]], 0.5e-3, D_PARTICLE, DIAMETER, HEIGHT)


def run(cells: int, workdir: Path, layers: int = 0) -> tuple[float, float, int, bool, float, float]:
    """(dp/L error, dp/L, mesh cells, converged, seconds, mesh volume over the column's
    between the planes) of one mesh, with ``layers`` prism layers at the wall."""
    spec = dsl.parse(SPEC.format(cells=cells))
    # planes 1 D from inlet and outlet
    t0 = time.perf_counter()
    r = simulate_openfoam(
        empty_column(), spec, workdir / f"hp{cells}-{layers}", layers=layers,
        slab=(DIAMETER, TOP_PLANE), contacts="shrink", fill=False, outlet_above=None,
    )  # fmt: skip
    # (the dummy sphere lies outside the column: no bridge to it, no packed region to fill,
    # and the outlet stays at the top of the column)
    radius = 0.5 * DIAMETER
    exact = 8.0 * MU * r.flow_rate / (math.pi * radius**4)
    err = r.pressure_drop_per_length / exact - 1.0
    took = time.perf_counter() - t0
    return err, r.pressure_drop_per_length, r.cells, r.converged, took, r.porosity_mesh
