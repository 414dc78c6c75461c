"""`run_case`: mesh, check and solve a written case, streaming progress, honouring cancel."""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bedflow._exceptions import CfdInputError, EngineUnavailable
from bedflow.cfd._correlations import ergun_pressure_gradient
from bedflow.cfd._openfoam._case import OpenFoamCase, write_case
from bedflow.cfd._openfoam._constants import OUTLET_ABOVE_BED
from bedflow.cfd._openfoam._logs import (
    MeshCheck,
    SolverLog,
    parse_boundary,
    parse_check_mesh,
    read_dat,
    read_scalar_field,
)
from bedflow.cfd._openfoam._process import (
    CancelFn,
    OpenFoamError,
    OpenFoamProgress,
    ProgressFn,
    Runner,
)
from bedflow.cfd._openfoam._version import foam_environment
from bedflow.cfd._types import FloatArray
from bedflow.dsl import BedSpec
from bedflow.geometry import PackedBed

__all__ = [
    "OpenFoamError",
    "OpenFoamProgress",
    "OpenFoamResult",
    "missing_tools",
    "run_case",
    "simulate_openfoam",
]

logger = logging.getLogger(__name__)

#: Fields written by the cell-volume step, removed again once read.
_CELL_FIELDS = ("V", "C", "Cx", "Cy", "Cz")


@dataclass(frozen=True)
class OpenFoamResult:
    """The outcome of a run, SI units.

    Pressures are OpenFOAM's kinematic pressure times the density (Pa). The pressure drop is
    taken between the two planes inside the packed region (``planes``, m) and compared with
    Ergun's equation for ``porosity_geometric`` (the exact porosity of the meshed, shrunk
    spheres between the planes) and ``particle_diameter`` (the meshed diameter) at the
    superficial velocity measured through the inlet. ``porosity_mesh`` is the fluid mesh
    volume between the planes over the column volume there: it shows what meshing did to the
    bed. ``residuals`` is the history ``(iteration, {field: initial residual})``.
    """

    case: OpenFoamCase
    cells: int
    mesh_check: MeshCheck
    patch_faces: dict[str, int]
    planes: tuple[float, float]
    porosity_geometric: float
    porosity_mesh: float
    porosity_geometric_domain: float
    porosity_mesh_domain: float
    pressures: dict[str, float]
    pressure_drop: float
    pressure_drop_per_length: float
    pressure_drop_change: float
    flow_rate: float
    superficial_velocity: float
    particle_diameter: float
    ergun: float
    iterations: int
    converged: bool
    residuals: tuple[tuple[int, dict[str, float]], ...]
    timings: dict[str, float]
    logs: dict[str, Path]
    notes: tuple[str, ...] = ()

    @property
    def ergun_ratio(self) -> float:
        """Simulated over Ergun pressure drop per length."""
        return self.pressure_drop_per_length / self.ergun

    @property
    def solver_version(self) -> str:
        return str(self.case.version)


def _tools(case: OpenFoamCase) -> list[str]:
    tools = ["blockMesh", "snappyHexMesh", "checkMesh", case.version.post_process]
    tools.append(case.solver_argv[0])
    if case.cores > 1:
        tools += ["decomposePar", "reconstructPar", "mpirun"]
    return tools


def missing_tools(case: OpenFoamCase, env: Mapping[str, str] | None = None) -> list[str]:
    """The OpenFOAM executables this case needs that are not on ``PATH``."""
    path = (env or os.environ).get("PATH")
    return [t for t in _tools(case) if shutil.which(t, path=path) is None]


def _unavailable(case: OpenFoamCase, missing: list[str]) -> EngineUnavailable:
    return EngineUnavailable(
        f"OpenFOAM is not installed here ({', '.join(missing)} not on PATH). The case is "
        f"written: install OpenFOAM (Debian/Ubuntu: `apt-get install openfoam`, v1912; or "
        f"openfoam.org 11 with its bashrc sourced) and run it by hand with "
        f"`cd {case.directory} && ./Allrun`, or call run_case again."
    )


def _mpi(case: OpenFoamCase) -> list[str]:
    argv = ["mpirun", "-np", str(case.cores)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-run-as-root")
    if case.cores > (os.cpu_count() or 1):
        argv.append("--oversubscribe")
    return argv


def _last(case: OpenFoamCase, name: str) -> tuple[float, FloatArray]:
    """The last value of a function object's output and its history, one per iteration.

    The output lies in a folder named after the time of its first write (``0`` when the
    objects execute at the start, as they do by default; openfoam.org 11 then writes a row for
    the initial fields, which is not an iteration and is left out)."""
    base = case.directory / "postProcessing" / name
    times = sorted(
        (p for p in base.iterdir() if p.is_dir() and _is_time(p.name)) if base.is_dir() else [],
        key=lambda p: float(p.name),
    )
    path = (times[0] if times else base / "0") / "surfaceFieldValue.dat"
    if not path.is_file():
        raise OpenFoamError(f"the solver wrote no {path}: the function object {name} did not run")
    iterations, values = read_dat(path)
    values = values[iterations > 0]
    if values.size == 0:
        raise OpenFoamError(f"{path} holds no values")
    return float(values[-1]), values


def _clean(case: OpenFoamCase) -> None:
    """Remove what an earlier run left (mesh, results, logs), so a rerun starts afresh and
    the function objects write new files rather than suffixed ones."""
    root = case.directory
    for path in [root / "postProcessing", root / "constant" / "polyMesh", *root.glob("processor*")]:
        if path.is_dir():
            shutil.rmtree(path)
    for path in root.iterdir():
        if path.is_dir() and path.name != "0" and _is_time(path.name):
            shutil.rmtree(path)
    for path in root.glob("log.*"):
        path.unlink()
    for name in _CELL_FIELDS:
        (root / "0" / name).unlink(missing_ok=True)


def _is_time(name: str) -> bool:
    try:
        float(name)
    except ValueError:
        return False
    return True


def _mesh_porosity(case: OpenFoamCase, cells: int) -> tuple[float, float]:
    """(slab, domain) porosity of the mesh: fluid cell volume over column volume, the slab
    binned by cell centre; reads and removes the cell-volume fields the step wrote."""
    zero = case.directory / "0"
    try:
        volumes = read_scalar_field(zero / "V", cells)
        heights = read_scalar_field(zero / "Cz", cells)
    finally:
        for name in _CELL_FIELDS:
            (zero / name).unlink(missing_ok=True)
    lay = case.layout
    z1, z2 = lay.planes
    inside = (heights > z1) & (heights < z2)
    slab = float(volumes[inside].sum()) / (lay.cross_section * (z2 - z1))
    domain = float(volumes.sum()) / (lay.cross_section * lay.height)
    return slab, domain


def run_case(
    case: OpenFoamCase,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> OpenFoamResult:
    """Mesh, check and solve ``case``; Δp/L from the pressure planes, next to Ergun.

    Runs ``blockMesh``, ``snappyHexMesh -overwrite``, ``checkMesh``, the cell volumes
    (``postProcess``; ``foamPostProcess`` on openfoam.org 10+), then the solver (with
    ``decomposePar``/``mpirun``/``reconstructPar`` when ``case.cores > 1``), each logged to
    ``log.<step>`` in the case. ``progress`` is called at least every second; when
    ``cancel()`` returns True the running tool's process group is killed and
    :class:`SolverCancelled` raised. Raises :class:`EngineUnavailable` when the tools are not
    installed, :class:`CfdInputError` when the mesh lost its inlet or outlet
    (too coarse), :class:`OpenFoamError` when a tool fails.

    >>> result = run_case(write_case(packed, spec, "runs/bed1"))  # doctest: +SKIP
    >>> result.pressure_drop_per_length, result.ergun  # doctest: +SKIP
    """
    env = foam_environment()
    missing = missing_tools(case, env)
    if missing:
        raise _unavailable(case, missing)
    _clean(case)
    runner = Runner(case, env, progress, cancel)
    notes: list[str] = []

    runner.run("blockMesh", ["blockMesh"])
    runner.run("snappyHexMesh", ["snappyHexMesh", "-overwrite"])
    boundary = parse_boundary(
        (case.directory / "constant" / "polyMesh" / "boundary").read_text(encoding="utf-8")
    )
    empty = [p for p in ("inlet", "outlet") if boundary.get(p, 0) == 0]
    if empty:
        raise CfdInputError(
            f"the mesh has no {' and no '.join(empty)} faces: the castellated mesh closed the "
            "pores next to them. Use more cells per particle diameter (cells_per_dp) or a "
            "higher mesh_levels.particles"
        )
    runner.run("checkMesh", ["checkMesh"])
    check = parse_check_mesh(runner.logs["checkMesh"].read_text(encoding="utf-8"))
    if not check.ok:
        logger.warning("checkMesh: %s", check.verdict)
        notes.append(f"checkMesh {check.verdict}")
    functions = "(writeCellVolumes writeCellCentres)"
    runner.run("cellVolumes", [case.version.post_process, "-funcs", functions, "-time", "0"])
    porosity_mesh, porosity_mesh_domain = _mesh_porosity(case, check.cells)

    solver = SolverLog(case.solver_argv[0])
    if case.cores > 1:
        runner.run("decomposePar", ["decomposePar", "-force"])
        runner.run("solver", [*_mpi(case), *case.solver_argv, "-parallel"], solver)
        runner.run("reconstructPar", ["reconstructPar", "-latestTime"])
    else:
        runner.run("solver", case.solver_argv, solver)

    rho, lay = case.rho, case.layout
    p1, history1 = _last(case, "pPlane1")
    p2, history2 = _last(case, "pPlane2")
    p_in, _ = _last(case, "pInlet")
    p_out, _ = _last(case, "pOutlet")
    flow, _ = _last(case, "flowInlet")
    flow = abs(flow)  # phi is negative through an inlet (it points out of the domain)
    drop = rho * (p1 - p2)
    drops = rho * (history1 - history2)
    back = min(10, drops.size - 1)
    change = abs(drops[-1] - drops[-1 - back]) / abs(drops[-1]) if back > 0 else math.inf
    u_sup = flow / lay.cross_section
    eps = lay.porosity_slab
    d = lay.mesh_diameter
    ergun = float(ergun_pressure_gradient(u=u_sup, eps=eps, d=d, rho=rho, mu=case.mu))
    if not solver.converged:
        notes.append(
            f"the solver stopped at {solver.iteration} iterations before its residuals fell "
            f"below {case.tolerance:g}"
        )
    result = OpenFoamResult(
        case=case,
        cells=check.cells,
        mesh_check=check,
        patch_faces=boundary,
        planes=lay.planes,
        porosity_geometric=eps,
        porosity_mesh=porosity_mesh,
        porosity_geometric_domain=lay.porosity_domain,
        porosity_mesh_domain=porosity_mesh_domain,
        pressures={
            "inlet": rho * p_in,
            "outlet": rho * p_out,
            "plane1": rho * p1,
            "plane2": rho * p2,
        },
        pressure_drop=drop,
        pressure_drop_per_length=drop / lay.slab_length,
        pressure_drop_change=float(change),
        flow_rate=flow,
        superficial_velocity=u_sup,
        particle_diameter=d,
        ergun=ergun,
        iterations=solver.iteration,
        converged=solver.converged,
        residuals=tuple(solver.history),
        timings=dict(runner.timings),
        logs=dict(runner.logs),
        notes=tuple(notes),
    )
    logger.info(
        "%d cells (%s), dp/L = %.4g Pa/m, Ergun %.4g Pa/m (ratio %.3f), porosity mesh %.4f "
        "geometric %.4f, %d iterations%s",
        result.cells,
        check.verdict,
        result.pressure_drop_per_length,
        ergun,
        result.ergun_ratio,
        porosity_mesh,
        eps,
        result.iterations,
        "" if result.converged else " (not converged)",
    )
    return result


def simulate_openfoam(
    packed: PackedBed,
    spec: BedSpec,
    directory: str | Path,
    *,
    cores: int = 1,
    shrink: float | None = None,
    contacts: str | None = None,
    layers: int | None = None,
    slab: tuple[float, float] | None = None,
    fill: bool = True,
    outlet_above: float | None = OUTLET_ABOVE_BED,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> OpenFoamResult:
    """Write the case of ``packed`` into ``directory`` and run it (see :func:`write_case` and
    :func:`run_case`); the result holds Δp/L next to Ergun for the porosity of the slab between
    the planes and the meshed particle diameter.

    >>> r = simulate_openfoam(packed, spec, "runs/bed1")  # doctest: +SKIP
    >>> print(f"{r.pressure_drop_per_length:.1f} Pa/m, Ergun {r.ergun:.1f}")  # doctest: +SKIP
    """
    case = write_case(
        packed,
        spec,
        directory,
        cores=cores,
        shrink=shrink,
        contacts=contacts,
        layers=layers,
        slab=slab,
        fill=fill,
        outlet_above=outlet_above,
    )
    return run_case(case, progress=progress, cancel=cancel)
