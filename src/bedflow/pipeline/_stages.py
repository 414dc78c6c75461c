"""The stages of the pipeline as small declarative objects: name, inputs, outputs, version, run.

A cached stage's key is the hash of its ``key`` inputs (the spec sections it reads, the key of
every upstream stage, engine or solver and version, the stage's own ``version``), so a stage
re-runs exactly when something it reads changed. ``run`` writes the stage's files into a
fresh folder and returns the provenance to record with them; ``load`` reads what later stages
and the summary need from a stage's folder, whether it ran now or came from the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bedflow import cfd, geometry
from bedflow._exceptions import Cancelled, EngineError, EngineUnavailable
from bedflow.dsl import PACKING_SECTIONS, BedSpec, spec_hash
from bedflow.pipeline._cache import stage_key
from bedflow.pipeline._converge import simulate_grids
from bedflow.pipeline._result import PipelineResult, StageOutcome

if TYPE_CHECKING:
    from bedflow.pipeline._events import Reporter

__all__ = ["PIPELINE", "Context", "Stage", "section_hash", "summary"]


def section_hash(spec: BedSpec, sections: tuple[str, ...]) -> str:
    """Hash of some sections of a spec: a stage's key depends only on what it reads."""
    data = spec.model_dump(mode="json", include=set(sections))
    return stage_key("sections", data)


@dataclass
class Context:
    """What a stage may read: the spec, the run's choices, upstream outcomes, the reporter."""

    spec: BedSpec
    reporter: Reporter
    result: PipelineResult
    cancel: Callable[[], bool] | None = None
    engine: str | None = None
    solver: str | None = None
    packing: Path | None = None
    """A folder holding a packing to take as the pack stage's output instead of packing."""
    case_dir: Path | None = None
    """Where a solver that cannot run here writes its case (it then raises, saying how to run
    it); without it such a solver is refused before any work."""
    converge: bool = False
    """Simulate as a grid convergence study: three resolutions, the result with its GCI."""
    outcomes: dict[str, StageOutcome] = field(default_factory=dict)

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("the pipeline was cancelled")

    def key_of(self, stage: str) -> str:
        return self.outcomes[stage].key

    def folder(self, stage: str) -> Path:
        return Path(self.outcomes[stage].directory)


KeyFn = Callable[[Context], dict[str, Any]]
RunFn = Callable[[Context, Path], dict[str, Any]]
LoadFn = Callable[[Context, Path], None]


@dataclass(frozen=True)
class Stage:
    """One stage: what it reads (``inputs``: upstream stages), what it writes (``outputs``:
    the files it always writes; exports and fields add more), and how.

    ``key`` is None for stages that write nothing (compile, postprocess); they always run.
    ``optional`` inputs are taken from the cache when there, and not needed otherwise.
    """

    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    version: int
    run: RunFn
    key: KeyFn | None = None
    load: LoadFn | None = None
    optional: tuple[str, ...] = ()

    def cache_key(self, ctx: Context) -> str:
        assert self.key is not None
        return stage_key(self.name, {**self.key(ctx), "stage_version": self.version})


_PACKING_FILES = ("packing.npz", "packing.json")


def _figure(value: float | None, spec: str) -> str:
    """A measured figure for a log line; some (overlaps of non-spheres) are not measured."""
    return "not measured" if value is None else format(value, spec)


def _files_sha256(folder: Path, names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()


# -- pack ----------------------------------------------------------------------------------


def _pack_key(ctx: Context) -> dict[str, Any]:
    if ctx.packing is not None:  # a given packing is known by its content
        try:
            return {"packing_sha256": _files_sha256(ctx.packing, _PACKING_FILES)}
        except OSError:
            geometry.load_packing(ctx.packing)  # says, located, what is wrong with the folder
            raise
    chosen = geometry.select_engine(ctx.spec, ctx.engine)
    return {
        "sections": section_hash(ctx.spec, PACKING_SECTIONS),
        "engine": chosen.name,
        "engine_version": chosen.version(),
    }


def _pack_run(ctx: Context, tmp: Path) -> dict[str, Any]:
    spec = ctx.spec
    if ctx.packing is not None:
        ctx.reporter.log("pack", f"taking the packing in {ctx.packing}")
        packed = geometry.load_packing(ctx.packing)
    else:
        chosen = geometry.select_engine(spec, ctx.engine)
        ctx.reporter.log(
            "pack", f"pouring {geometry.particle_count(spec)} {spec.particles.kind}s with "
            f"{chosen.name}",
        )  # fmt: skip

        def progress(p: geometry.PackProgress) -> None:
            ctx.reporter.progress("pack", p.fraction, f"{p.placed}/{p.count} placed, {p.message}")

        packed = geometry.pack(spec, engine=chosen.name, progress=progress, cancel=ctx.cancel)
    packed.save(tmp)
    report = geometry.packing_report(packed, spec)
    (tmp / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    geometry.plot_profiles(packed, tmp / "profiles.png")
    for problem in report["quality"]["problems"]:
        ctx.reporter.log("pack", problem, "WARNING")
    ctx.reporter.log(
        "pack",
        f"bulk porosity {_figure(report['bulk_porosity'], '.4f')}, max overlap "
        f"{_figure(report['max_overlap_fraction_of_d'], '.3%')} of d",
    )
    provenance: dict[str, Any] = {
        "spec_hash": spec_hash(spec),
        "seed": packed.seed,
        "engine": packed.engine,
        "engine_version": packed.engine_version,
    }
    if ctx.packing is not None:
        provenance["taken_from"] = str(ctx.packing)
    return provenance


def _pack_load(ctx: Context, folder: Path) -> None:
    ctx.result.metrics = json.loads((folder / "metrics.json").read_text("utf-8"))


# -- export --------------------------------------------------------------------------------


def _export_key(ctx: Context) -> dict[str, Any]:
    sections = section_hash(ctx.spec, ("bed", "lids", "export"))
    return {"pack": ctx.key_of("pack"), "sections": sections}


def _export_run(ctx: Context, tmp: Path) -> dict[str, Any]:
    spec = ctx.spec
    packed = geometry.load_packing(ctx.folder("pack"))
    ctx.reporter.log("export", f"building meshes; formats {', '.join(spec.export.formats)}")
    ctx.reporter.progress("export", 0.1, "building meshes")
    shapes = geometry.build_geometry(packed, spec)
    ctx.check_cancel()
    formats = list(spec.export.formats)
    try:
        report = geometry.export_geometry(shapes, spec, tmp)
    except (EngineUnavailable, EngineError) as exc:
        if "blend" not in formats:
            raise
        # Blender is an optional program: the other formats are still worth having.
        ctx.reporter.log("export", f"{exc}; writing the other formats", "WARNING")
        formats.remove("blend")
        report = geometry.export_geometry(shapes, spec, tmp, formats=formats)
    for warning in report.warnings:
        ctx.reporter.log("export", warning, "WARNING")
    return {"units": report.units, "formats": formats}


# -- simulate ------------------------------------------------------------------------------


def _simulate_key(ctx: Context) -> dict[str, Any]:
    chosen = cfd.select_solver(ctx.spec, ctx.solver)
    return {
        "pack": ctx.key_of("pack"),
        "sections": section_hash(ctx.spec, ("cfd", "particles")),
        "solver": chosen.name,
        "solver_version": chosen.version(),
        # A study is another artifact than a single run: three runs and an uncertainty.
        **(
            {
                "grid_study": [
                    sp.cfd.cells_per_dp for sp in cfd.grid_study_specs(ctx.spec, ctx.solver)
                ]
            }
            if ctx.converge
            else {}
        ),
    }


def _cannot_run(solver: object) -> str | None:
    check = getattr(solver, "cannot_run", None)
    return check() if check is not None else None


def _simulate_run(ctx: Context, tmp: Path) -> dict[str, Any]:
    spec = ctx.spec
    chosen = cfd.select_solver(spec, ctx.solver)
    if ctx.converge:
        result = simulate_grids(ctx, tmp, _relative)
    else:
        result = _simulate_once(ctx, tmp, chosen)
    (tmp / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", "utf-8")
    cfd.plot_convergence(result, tmp / "convergence.png")
    for note in result.notes:
        ctx.reporter.log("simulate", note, "WARNING")
    for note in result.uncertainty.notes if result.uncertainty is not None else ():
        ctx.reporter.log("simulate", f"grid study: {note}", "WARNING")
    text = cfd.pressure_drop_text(result, grid=getattr(chosen, "grid_study", True))
    ctx.reporter.log("simulate", f"{text} (Ergun {result.correlations['ergun']:.4g})")
    return {"solver": chosen.name, "solver_version": chosen.version()}


def _simulate_once(ctx: Context, tmp: Path, chosen: cfd.Solver) -> cfd.FlowResult:
    packed = geometry.load_packing(ctx.folder("pack"))
    ctx.reporter.log("simulate", f"solving the flow with {chosen.name}")

    def progress(p: cfd.FlowProgress) -> None:
        ctx.reporter.progress("simulate", p.fraction, p.status)

    # A solver that can only write its case here writes it where it is kept, then says how
    # to run it (the stage's own folder is discarded when the stage fails).
    where = ctx.case_dir if ctx.case_dir is not None and _cannot_run(chosen) else tmp
    result = cfd.simulate(
        packed,
        ctx.spec,
        solver=chosen.name,
        output_dir=where,
        progress=progress,
        cancel=ctx.cancel,
    )
    # Paths into the stage's folder are written relative to it: the folder is renamed into
    # the cache and linked into output folders, where an absolute path would point nowhere.
    return dataclasses.replace(result, fields=_relative(result.fields, tmp))


def _relative(fields: Mapping[str, str], folder: Path) -> dict[str, str]:
    root = folder.resolve()
    out = {}
    for name, value in fields.items():
        path = Path(value).resolve()
        out[name] = path.relative_to(root).as_posix() if path.is_relative_to(root) else value
    return out


def _simulate_load(ctx: Context, folder: Path) -> None:
    data = json.loads((folder / "result.json").read_text("utf-8"))
    ctx.result.flow = cfd.FlowResult.from_json(data)


# -- compile and postprocess ---------------------------------------------------------------


def _compile_run(ctx: Context, tmp: Path) -> dict[str, Any]:
    ctx.reporter.log("compile", f"{ctx.spec.name}: spec hash {ctx.result.spec_hash[:12]}")
    return {}


def summary(
    spec: BedSpec, metrics: Mapping[str, Any], flow: cfd.FlowResult | None
) -> dict[str, Any]:
    """The run in one record: the bed, its packing and (when simulated) its flow."""
    out: dict[str, Any] = {
        "name": spec.name,
        "spec_hash": spec_hash(spec),
        "particles": metrics.get("count"),
        "bulk_porosity": metrics.get("bulk_porosity"),
        "porosity": metrics.get("porosity"),
        "packing_quality": metrics.get("quality"),
    }
    if flow is not None:
        out |= {
            "solver": flow.solver,
            "superficial_velocity": flow.superficial_velocity,
            "particle_reynolds": flow.particle_reynolds,
            "pressure_drop_per_length": flow.pressure_drop_per_length,
            "permeability": flow.permeability,
            "friction_factor": flow.friction_factor,
            "correlations": dict(flow.correlations),
            "ratio_to_correlations": flow.ratio_to_correlations,
            "uncertainty": (
                dataclasses.asdict(flow.uncertainty) if flow.uncertainty is not None else None
            ),
        }
    finite: dict[str, Any] = _finite(out)
    return finite


def _finite(value: Any) -> Any:
    """NaN and infinities as None: the summary is written as JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _postprocess_run(ctx: Context, tmp: Path) -> dict[str, Any]:
    ctx.result.summary = summary(ctx.spec, ctx.result.metrics, ctx.result.flow)
    return {}


PIPELINE: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage("compile", (), (), 1, _compile_run),
        Stage(
            "pack",
            (),
            ("packing.npz", "packing.json", "metrics.json", "profiles.png"),
            1,
            _pack_run,
            _pack_key,
            _pack_load,
        ),
        Stage("export", ("pack",), (), 1, _export_run, _export_key),
        Stage(
            "simulate",
            ("pack",),
            ("result.json",),  # and convergence.png for iterative solvers, fields
            1,
            _simulate_run,
            _simulate_key,
            _simulate_load,
        ),
        Stage("postprocess", ("pack",), (), 1, _postprocess_run, optional=("simulate",)),
    )
}
"""Every stage by name, in pipeline order."""
