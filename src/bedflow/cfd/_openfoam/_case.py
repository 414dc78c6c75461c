"""`write_case`: a complete OpenFOAM case of a packed bed, ready for ``./Allrun``."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
from numpy.typing import NDArray

from bedflow._exceptions import CfdInputError
from bedflow.cfd._openfoam._constants import (
    BRIDGE_REACH,
    CONTACTS,
    DEFAULT_SHRINK,
    OUTLET_ABOVE_BED,
)
from bedflow.cfd._openfoam._dicts import PATCHES, FlowSettings, case_dictionaries
from bedflow.cfd._openfoam._layout import CaseLayout, layout_case
from bedflow.cfd._openfoam._version import ESI_V1912, OpenFoamVersion, detect_version
from bedflow.cfd._region import measurement_slab, too_shallow
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed, bridged_spheres, solver_particles

__all__ = ["OpenFoamCase", "write_case"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenFoamCase:
    """A case written by :func:`write_case`.

    ``layout`` holds the mesh numbers (background cells, levels, ``locationInMesh``, pressure
    planes, geometric porosities of the meshed particles); ``nu`` is the kinematic viscosity
    (m2/s) written to the case and ``rho`` the density (kg/m3) that turns OpenFOAM's kinematic
    pressure into Pa; ``shrink`` the fraction the particle radii were reduced by.
    """

    directory: Path
    version: OpenFoamVersion
    cores: int
    layout: CaseLayout
    nu: float
    rho: float
    mu: float
    velocity: float
    max_iterations: int
    tolerance: float
    turbulence_model: str | None
    shrink: float
    particle_count: int
    contacts: str = "shrink"
    """How touching particles are made meshable: ``bridges`` or ``shrink``."""
    bridges: int = 0
    """Bridges written (sphere-sphere, sphere-wall and sphere-floor)."""

    @property
    def patches(self) -> tuple[str, ...]:
        """Patch names of the meshed case."""
        return PATCHES

    @property
    def solver_argv(self) -> list[str]:
        return self.version.solver_argv

    def summary(self) -> dict[str, Any]:
        """The case as JSON-ready data (written to ``bedflow-case.json``)."""
        data = dataclasses.asdict(self)
        data["directory"] = str(self.directory)
        data["version"] = dataclasses.asdict(self.version)
        return data


def _wall_mesh(lay: CaseLayout) -> trimesh.Trimesh:
    """The open side of the column, one background cell longer than the box at both ends so
    that it cuts the inlet and outlet faces cleanly."""
    n = lay.wall_sections
    dz = lay.background_cell[2]
    theta = 2.0 * math.pi * np.arange(n) / n
    ring = np.column_stack([lay.radius * np.cos(theta), lay.radius * np.sin(theta)])
    bottom = np.column_stack([ring, np.full(n, -dz)])
    top = np.column_stack([ring, np.full(n, lay.height + dz)])
    i = np.arange(n)
    j = (i + 1) % n
    # normals point into the column (into the fluid)
    faces = np.concatenate([np.column_stack([i, n + i, j]), np.column_stack([j, n + i, n + j])])
    return trimesh.Trimesh(np.concatenate([bottom, top]), faces, process=False)


def _write_stl(mesh: trimesh.Trimesh, path: Path, name: str) -> None:
    """A binary STL; snappyHexMesh names the patch after the geometry entry, not the solid."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = mesh.export(file_type="stl")
    if not isinstance(data, bytes):
        raise TypeError(f"trimesh returned {type(data).__name__} for a binary STL")
    # the 80-byte header names the solid; it must not start with "solid", which makes
    # OpenFOAM (and others) read the file as ASCII
    head = f"bedflow binary STL: {name}".encode("ascii")[:80].ljust(80, b" ")
    path.write_bytes(head + data[80:])


def _allrun(case: OpenFoamCase) -> str:
    solver = " ".join(case.solver_argv)
    lines = [
        "#!/usr/bin/env bash",
        "# Runs this case: mesh, check, solve. Written by bedflow for " + str(case.version),
        "set -euo pipefail",
        'cd "$(dirname "$0")"',
        "# Debian's openfoam (v1912) needs WM_PROJECT_DIR; other installs set it themselves",
        'export WM_PROJECT_DIR="${WM_PROJECT_DIR:-/usr/share/openfoam}"',
        "blockMesh > log.blockMesh 2>&1",
        "snappyHexMesh -overwrite > log.snappyHexMesh 2>&1",
        "checkMesh > log.checkMesh 2>&1 || true",
        "grep -q 'Mesh OK' log.checkMesh || echo 'checkMesh: some checks failed (log.checkMesh)'",
    ]
    if case.cores > 1:
        lines += [
            'mpi=(mpirun -np "' + str(case.cores) + '")',
            'if [ "$(id -u)" = 0 ]; then mpi+=(--allow-run-as-root); fi',
            "decomposePar -force > log.decomposePar 2>&1",
            f'"${{mpi[@]}}" {solver} -parallel > log.solver 2>&1',
            "reconstructPar -latestTime > log.reconstructPar 2>&1",
        ]
    else:
        lines.append(f"{solver} > log.solver 2>&1")
    lines += [
        "# kinematic pressure (m2/s2) on the planes: the last line of each file",
        "tail -n 1 postProcessing/pPlane1/0/surfaceFieldValue.dat "
        "postProcessing/pPlane2/0/surfaceFieldValue.dat",
        "",
    ]
    return "\n".join(lines)


def write_case(
    packed: PackedBed,
    spec: BedSpec,
    directory: str | Path,
    *,
    cores: int = 1,
    shrink: float | None = None,
    contacts: str | None = None,
    version: OpenFoamVersion | None = None,
    layers: int | None = None,
    slab: tuple[float, float] | None = None,
    fill: bool = True,
    outlet_above: float | None = OUTLET_ABOVE_BED,
) -> OpenFoamCase:
    """Write a complete OpenFOAM case of ``packed`` with the flow of ``spec.cfd``.

    Background blockMesh box around the column (``inlet`` at z = 0, ``outlet`` at the column
    top), snappyHexMesh on ``particles.stl`` and ``wall.stl``, simpleFoam (or foamRun)
    laminar or RANS with ``nu = mu / rho``, pressure
    averaged on two planes inside the packed region, ``case.foam``, ``Allrun`` and, with
    ``cores > 1``, a ``decomposeParDict``. ``version`` defaults to the OpenFOAM found on PATH
    (v1912 syntax when there is none). ``layers`` prism layers (default
    ``cfd.mesh_layers``) are added at the particles and the wall (0: none; snappyHexMesh
    extrudes them where it can, not in the tightest gaps between particles). ``contacts``
    (default ``cfd.mesh_contacts``) says how the points where particles touch are made
    meshable: ``bridges`` joins the spheres there by thin rods
    (:func:`~bedflow.geometry.bridged_spheres`; ``particles.stl`` is their union), ``shrink``
    shrinks every sphere by ``shrink`` of its radius (default ``DEFAULT_SHRINK``; with bridges
    0). ``fill`` refines the whole packed region, not only the particles' surfaces, to the
    particles' level, so that a finer ``cells_per_dp`` refines the pores uniformly. The
    ``outlet`` lies ``outlet_above`` particle diameters above the top of the highest particle
    when the column is taller (None: at the column's top): the empty column above a bed holds
    no pressure drop but would cost cells. The pressure
    planes bound ``slab`` (m), by default the slab every solver measures
    (:func:`~bedflow.cfd._region.measurement_slab`; a bed too shallow for one is refused). The
    solver always writes its final fields: the case is the output, whatever
    ``cfd.write_fields`` says.

    >>> case = write_case(packed, spec, "runs/bed1")  # doctest: +SKIP
    >>> case.layout.location, case.layout.planes  # doctest: +SKIP
    """
    if packed.kind != "sphere" or packed.column.shape != "cylinder":
        raise CfdInputError(
            "the OpenFOAM engine meshes spheres in a cylindrical column; got "
            f"{packed.kind}s in a {packed.column.shape}"
        )
    if cores < 1:
        raise CfdInputError(f"cores must be at least 1, got {cores}")
    layers = spec.cfd.mesh_layers if layers is None else layers
    if not 0 <= layers <= 10:
        raise CfdInputError(f"layers must lie between 0 and 10, got {layers}")
    contacts = spec.cfd.mesh_contacts if contacts is None else contacts
    if contacts not in CONTACTS:
        raise CfdInputError(f"contacts must be one of {', '.join(CONTACTS)}, got {contacts!r}")
    if shrink is None:
        shrink = DEFAULT_SHRINK if contacts == "shrink" else 0.0
    if not 0.0 <= shrink < 0.2:
        raise CfdInputError(f"shrink must lie in [0, 0.2), got {shrink}")
    if packed.count == 0:
        raise CfdInputError("the bed has no particles")
    version = version or detect_version() or ESI_V1912
    cfd = spec.cfd
    radii: NDArray[np.float64] = np.asarray(packed.radii, dtype=np.float64) * (1.0 - shrink)
    meshed = dataclasses.replace(packed, radii=radii)
    d = packed.particle_diameter
    height = packed.column.height
    if outlet_above is not None:
        if outlet_above < 1.0:
            raise CfdInputError(f"outlet_above must be at least 1 diameter, got {outlet_above}")
        top = float(np.max(packed.centers[:, 2] + packed.radii))
        height = min(height, top + outlet_above * d)
    bridged = bridged_spheres(meshed) if contacts == "bridges" else None
    solid_volume = None
    if bridged is not None:
        column_radius = 0.5 * packed.column.diameter

        def solid_volume(z_lo: float, z_hi: float) -> float:
            return bridged.slab_solid_volume(z_lo, z_hi, column_radius)

    if slab is None:
        shared = measurement_slab(packed.metrics.bed_height, d)
        if shared is None:
            raise CfdInputError(too_shallow(packed.metrics.bed_height, d))
        planes = (shared.z_min, shared.z_max, shared.source)
    else:
        planes = (slab[0], slab[1], "given")
    try:
        lay = layout_case(
            packed.centers,
            radii,
            column_diameter=packed.column.diameter,
            column_height=height,
            particle_diameter=d,
            mesh_diameter=d * (1.0 - shrink),
            cells_per_dp=cfd.cells_per_dp,
            level_particles=cfd.mesh_levels.particles,
            level_walls=cfd.mesh_levels.walls,
            layers=layers,
            slab=planes,
            solid_volume=solid_volume,
            fill=fill,
        )
    except ValueError as exc:
        raise CfdInputError(str(exc)) from None
    if bridged is not None and lay.clearance <= BRIDGE_REACH * d:
        # the bridges' solid outside the spheres lies within BRIDGE_REACH of them
        raise CfdInputError(
            f"locationInMesh is {lay.clearance:.3g} m from the nearest sphere, which may lie "
            "inside a bridge between spheres; use mesh_contacts = shrink for this bed"
        )
    flow = FlowSettings(
        nu=cfd.kinematic_viscosity,
        velocity=cfd.inlet_velocity,
        flow_rate=cfd.inlet_velocity * lay.cross_section,
        max_iterations=cfd.max_iterations,
        tolerance=cfd.convergence_criteria,
        turbulence_model=cfd.effective_turbulence_model,
        cores=cores,
    )
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for rel, text in case_dictionaries(lay, flow, version).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    surfaces = out / version.surface_dir
    # the solvers' own surface, never the export tessellation (export.chord_error): a lighter
    # export must not change a pressure drop
    surface = solver_particles(meshed) if bridged is None else bridged.mesh
    _write_stl(surface, surfaces / "particles.stl", "particles")
    _write_stl(_wall_mesh(lay), surfaces / "wall.stl", "wall")
    (out / "case.foam").write_text("", encoding="utf-8")
    case = OpenFoamCase(
        directory=out,
        version=version,
        cores=cores,
        layout=lay,
        nu=cfd.kinematic_viscosity,
        rho=cfd.fluid_density,
        mu=cfd.fluid_viscosity,
        velocity=cfd.inlet_velocity,
        max_iterations=cfd.max_iterations,
        tolerance=cfd.convergence_criteria,
        turbulence_model=flow.turbulence_model,
        shrink=shrink,
        particle_count=packed.count,
        contacts=contacts,
        bridges=0 if bridged is None else bridged.count,
    )
    allrun = out / "Allrun"
    allrun.write_text(_allrun(case), encoding="utf-8")
    allrun.chmod(allrun.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (out / "bedflow-case.json").write_text(
        json.dumps(case.summary(), indent=2) + "\n", encoding="utf-8"
    )
    logger.info(
        "wrote %s case in %s: background %s cells of %.3g m, location %s, planes %s",
        version,
        out,
        lay.cells,
        lay.background_cell[0],
        lay.location,
        lay.planes,
    )
    return case
