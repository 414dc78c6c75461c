"""The pipeline: compile -> pack -> export -> simulate -> postprocess, written once.

Each stage reports through a :class:`Reporter` and polls one cancel callback; a runner (the
CLI here, the job workers later) only supplies where events go and how cancellation is asked.
A stage whose inputs did not change (same spec sections, engine or solver and version, seed)
reuses its cached artifacts unless ``force`` is given; every artifact has its provenance.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bedflow import cfd, geometry
from bedflow._exceptions import Cancelled, UsageError
from bedflow.dsl import PACKING_SECTIONS, BedSpec, parse_with_diagnostics, spec_hash
from bedflow.pipeline._cache import ArtifactCache, stage_key
from bedflow.pipeline._events import STAGES, Event, EventSink, Reporter

__all__ = ["PipelineResult", "StageOutcome", "run_pipeline", "section_hash"]

CancelFn = Callable[[], bool]


def section_hash(spec: BedSpec, sections: tuple[str, ...]) -> str:
    """Hash of some sections of a spec: a stage's key depends only on what it reads."""
    data = spec.model_dump(mode="json", include=set(sections))
    return stage_key("sections", data)


@dataclass(frozen=True)
class StageOutcome:
    """What one stage did: ran, reused its cached artifacts, or was skipped."""

    stage: str
    status: str
    key: str = ""
    directory: str = ""
    files: tuple[str, ...] = ()
    seconds: float = 0.0
    provenance: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class PipelineResult:
    """Everything a run produced: the spec, each stage's outcome, metrics and flow."""

    spec: BedSpec
    spec_hash: str
    stages: dict[str, StageOutcome] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    flow: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)


class _Run:
    def __init__(
        self, cache: ArtifactCache, reporter: Reporter, cancel: CancelFn | None, force: bool
    ) -> None:
        self.cache, self.reporter, self.cancel, self.force = cache, reporter, cancel, force

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled("the pipeline was cancelled")

    def found(self, stage: str, key: str) -> StageOutcome | None:
        """The complete cache entry of ``stage`` for ``key`` as a reused outcome, if any."""
        provenance = self.cache.lookup(stage, key)
        if provenance is None:
            return None
        where = self.cache.directory(stage, key)
        return StageOutcome(
            stage, "reused", key, str(where), tuple(provenance["files"]), 0.0, provenance
        )

    def cached(self, stage: str, key: str) -> StageOutcome | None:
        hit = None if self.force else self.found(stage, key)
        if hit is not None:
            self.reporter.log(stage, f"inputs unchanged: reusing {hit.directory}")
        return hit

    def store(
        self, stage: str, key: str, tmp: Path, provenance: Mapping[str, Any], started: float
    ) -> StageOutcome:
        record = self.cache.commit(tmp, stage, key, provenance)
        where = self.cache.directory(stage, key)
        return StageOutcome(
            stage,
            "ran",
            key,
            str(where),
            tuple(record["files"]),
            time.perf_counter() - started,
            record,
        )


def _figure(value: float | None, spec: str) -> str:
    """A measured figure for a log line; some (overlaps of non-spheres) are not measured."""
    return "not measured" if value is None else format(value, spec)


def _pack_inputs(spec: BedSpec, engine: str | None) -> dict[str, str]:
    chosen = geometry.select_engine(spec, engine)
    return {
        "sections": section_hash(spec, PACKING_SECTIONS),
        "engine": chosen.name,
        "engine_version": chosen.version(),
    }


def _simulate_inputs(spec: BedSpec, pack_key: str, solver: str | None) -> dict[str, str]:
    chosen = cfd.select_solver(spec, solver)
    return {
        "pack": pack_key,
        "sections": section_hash(spec, ("cfd", "particles")),
        "solver": chosen.name,
        "solver_version": chosen.version(),
    }


def _preflight(
    spec: BedSpec, order: tuple[str, ...], engine: str | None, solver: str | None
) -> None:
    """Check the engine and the solver before any work: an unknown name, a bed the engine
    cannot pack or a program that is not installed fails now, not after minutes of packing."""
    if "pack" in order:
        geometry.select_engine(spec, engine)
    if "simulate" in order:
        cfd.select_solver(spec, solver, to_run=True)


def _dependency(run: _Run, stage: str, key: str, needed_by: str) -> StageOutcome:
    """The cached outcome of a stage that was not asked for but ``needed_by`` reads."""
    hit = run.found(stage, key)
    if hit is None:
        raise UsageError(
            f"stage {needed_by} needs the {stage} stage, and no cached {stage} of this bed "
            f"was found: add {stage} to the stages"
        )
    run.reporter.log(needed_by, f"taking the cached {stage} stage from {hit.directory}")
    return hit


def _pack(run: _Run, spec: BedSpec, engine: str | None) -> tuple[StageOutcome, str]:
    chosen = geometry.select_engine(spec, engine)
    inputs = _pack_inputs(spec, chosen.name)
    key = stage_key("pack", inputs)
    hit = run.cached("pack", key)
    if hit is not None:
        return hit, key
    started = time.perf_counter()
    run.reporter.log(
        "pack", f"pouring {geometry.particle_count(spec)} {spec.particles.kind}s with {chosen.name}"
    )

    def progress(p: geometry.PackProgress) -> None:
        run.reporter.progress("pack", p.fraction, f"{p.placed}/{p.count} placed, {p.message}")

    packed = geometry.pack(spec, engine=chosen.name, progress=progress, cancel=run.cancel)
    tmp = run.cache.begin("pack")
    try:
        packed.save(tmp)
        report = geometry.packing_report(packed, spec)
        (tmp / "metrics.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        geometry.plot_profiles(packed, tmp / "profiles.png")
    except BaseException:
        run.cache.discard(tmp)
        raise
    for problem in report["quality"]["problems"]:
        run.reporter.log("pack", problem, "WARNING")
    run.reporter.log(
        "pack",
        f"bulk porosity {_figure(report['bulk_porosity'], '.4f')}, max overlap "
        f"{_figure(report['max_overlap_fraction_of_d'], '.3%')} of d",
    )
    provenance = {
        "inputs": inputs,
        "spec_hash": spec_hash(spec),
        "seed": packed.seed,
        "engine": packed.engine,
        "engine_version": packed.engine_version,
    }
    return run.store("pack", key, tmp, provenance, started), key


def _export(run: _Run, spec: BedSpec, pack_dir: Path, pack_key: str) -> StageOutcome:
    inputs = {"pack": pack_key, "sections": section_hash(spec, ("bed", "lids", "export"))}
    key = stage_key("export", inputs)
    hit = run.cached("export", key)
    if hit is not None:
        return hit
    started = time.perf_counter()
    packed = geometry.load_packing(pack_dir)
    run.reporter.log("export", f"building meshes; formats {', '.join(spec.export.formats)}")
    run.reporter.progress("export", 0.1, "building meshes")
    shapes = geometry.build_geometry(packed, spec)
    run.check_cancel()
    tmp = run.cache.begin("export")
    try:
        report = geometry.export_geometry(shapes, spec, tmp)
    except BaseException:
        run.cache.discard(tmp)
        raise
    for warning in report.warnings:
        run.reporter.log("export", warning, "WARNING")
    return run.store("export", key, tmp, {"inputs": inputs, "units": report.units}, started)


def _simulate(
    run: _Run, spec: BedSpec, pack_dir: Path, pack_key: str, solver: str | None
) -> StageOutcome:
    chosen = cfd.select_solver(spec, solver)
    inputs = _simulate_inputs(spec, pack_key, chosen.name)
    key = stage_key("simulate", inputs)
    hit = run.cached("simulate", key)
    if hit is not None:
        return hit
    started = time.perf_counter()
    packed = geometry.load_packing(pack_dir)
    run.reporter.log("simulate", f"solving the flow with {chosen.name}")

    def progress(p: cfd.FlowProgress) -> None:
        run.reporter.progress("simulate", p.fraction, p.status)

    tmp = run.cache.begin("simulate")
    try:
        result = cfd.simulate(
            packed, spec, solver=chosen.name, output_dir=tmp, progress=progress, cancel=run.cancel
        )
        (tmp / "result.json").write_text(json.dumps(result.to_json(), indent=2) + "\n", "utf-8")
        cfd.plot_convergence(result, tmp / "convergence.png")
    except BaseException:
        run.cache.discard(tmp)
        raise
    for note in result.notes:
        run.reporter.log("simulate", note, "WARNING")
    run.reporter.log(
        "simulate",
        f"dp/L = {result.pressure_drop_per_length:.4g} Pa/m "
        f"(Ergun {result.correlations['ergun']:.4g})",
    )
    provenance = {"inputs": inputs, "solver": chosen.name, "solver_version": chosen.version()}
    return run.store("simulate", key, tmp, provenance, started)


def _summary(spec: BedSpec, metrics: Mapping[str, Any], flow: Mapping[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "name": spec.name,
        "spec_hash": spec_hash(spec),
        "particles": metrics.get("count"),
        "bulk_porosity": metrics.get("bulk_porosity"),
        "porosity": metrics.get("porosity"),
        "packing_quality": metrics.get("quality"),
    }
    if flow:
        summary |= {
            "solver": flow["solver"],
            "superficial_velocity": flow["superficial_velocity"],
            "particle_reynolds": flow["particle_reynolds"],
            "pressure_drop_per_length": flow["pressure_drop_per_length"],
            "permeability": flow["permeability"],
            "friction_factor": flow["friction_factor"],
            "correlations": flow["correlations"],
            "ratio_to_correlations": flow["ratio_to_correlations"],
        }
    return summary


def run_pipeline(
    source: str | BedSpec,
    *,
    cache_dir: str | Path,
    filename: str = "<string>",
    stages: tuple[str, ...] = STAGES,
    force: bool = False,
    engine: str | None = None,
    solver: str | None = None,
    on_event: EventSink | None = None,
    cancel: CancelFn | None = None,
) -> PipelineResult:
    """Run the stages on `.bed` text (or a spec); artifacts are kept in ``cache_dir``.

    Raises the stage's error (input errors, :class:`~bedflow.Cancelled`, ...) after reporting
    it as an ``ERROR`` log line and a ``failed``/``cancelled`` event.
    """
    order = tuple(s for s in STAGES if s in stages)
    reporter = Reporter(on_event, order)
    run = _Run(ArtifactCache(cache_dir), reporter, cancel, force)
    current = order[0]
    try:
        reporter.progress("compile", 0.0, "compiling")
        spec = (
            source if isinstance(source, BedSpec) else parse_with_diagnostics(source, filename).spec
        )
        result = PipelineResult(spec=spec, spec_hash=spec_hash(spec), log=reporter.lines)
        reporter.log("compile", f"{spec.name}: spec hash {result.spec_hash[:12]}")
        result.stages["compile"] = StageOutcome("compile", "ran", result.spec_hash)
        reporter.stage_done("compile", "succeeded", {})
        _preflight(spec, order, engine, solver)
        pack_dir, pack_key = None, ""
        for current in order[1:]:
            run.check_cancel()
            if current != "pack" and pack_dir is None:  # a later stage on a cached packing
                pack_key = stage_key("pack", _pack_inputs(spec, engine))
                outcome = _dependency(run, "pack", pack_key, current)
                result.stages["pack"] = outcome
                pack_dir = Path(outcome.directory)
                result.metrics = json.loads((pack_dir / "metrics.json").read_text("utf-8"))
            if current == "postprocess" and "simulate" not in order:
                key = stage_key("simulate", _simulate_inputs(spec, pack_key, solver))
                flow = run.found("simulate", key)  # optional: a summary of the packing alone
                if flow is not None:
                    result.stages["simulate"] = flow
                    where = Path(flow.directory) / "result.json"
                    result.flow = json.loads(where.read_text("utf-8"))
            reporter.progress(current, 0.0, "starting")
            if current == "pack":
                outcome, pack_key = _pack(run, spec, engine)
                pack_dir = Path(outcome.directory)
                result.metrics = json.loads((pack_dir / "metrics.json").read_text("utf-8"))
            elif pack_dir is None:  # pragma: no cover - the packing was found above
                raise UsageError(f"stage {current} has no packing")
            elif current == "export":
                outcome = _export(run, spec, pack_dir, pack_key)
            elif current == "simulate":
                outcome = _simulate(run, spec, pack_dir, pack_key, solver)
                result.flow = json.loads(
                    (Path(outcome.directory) / "result.json").read_text("utf-8")
                )
            else:  # postprocess
                result.summary = _summary(spec, result.metrics, result.flow)
                outcome = StageOutcome("postprocess", "ran")
            result.stages[current] = outcome
            reporter.stage_done(
                current,
                "reused" if outcome.status == "reused" else "succeeded",
                {"key": outcome.key, "directory": outcome.directory},
            )
    except Cancelled:
        reporter.log(current, "cancelled", "WARNING")
        reporter.emit(Event("complete", current, "cancelled", status="cancelled"))
        raise
    except BaseException as exc:
        reporter.log(current, f"{type(exc).__name__}: {exc}".splitlines()[0], "ERROR")
        reporter.emit(Event("complete", current, "failed", status="failed"))
        raise
    reporter.emit(
        Event("complete", order[-1], "succeeded", progress=100, overall=100, status="succeeded")
    )
    return result
