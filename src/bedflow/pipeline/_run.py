"""The pipeline: compile -> pack -> export -> simulate -> postprocess, written once.

Each stage reports through a :class:`Reporter` and polls one cancel callback; a runner (the
CLI here, the job workers later) only supplies where events go and how cancellation is asked.
A stage whose inputs did not change (same spec sections, engine or solver and version, seed)
reuses its cached artifacts unless ``force`` is given; every artifact has its provenance.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from bedflow import cfd, geometry
from bedflow._exceptions import Cancelled, UsageError
from bedflow.dsl import BedSpec, parse_with_diagnostics, spec_hash
from bedflow.pipeline._cache import ArtifactCache, StageCache
from bedflow.pipeline._events import STAGES, Event, EventSink, Reporter
from bedflow.pipeline._result import PipelineResult, StageOutcome
from bedflow.pipeline._stages import PIPELINE, Context, Stage, section_hash

__all__ = ["PipelineResult", "StageOutcome", "run_pipeline", "section_hash"]

CancelFn = Callable[[], bool]

#: The cache's folders go to this logger at debug level, never into the run's events: a
#: job's log is shown to its user, who has no business with the server's paths.
log = logging.getLogger(__name__)


class _Run:
    """One run: the cache, the stages asked for, and what each stage did."""

    def __init__(self, cache: StageCache, ctx: Context, order: tuple[str, ...], force: bool):
        self.cache, self.ctx, self.order, self.force = cache, ctx, order, force

    def found(self, stage: Stage, key: str) -> StageOutcome | None:
        """The complete cache entry of ``stage`` for ``key`` as a reused outcome, if any."""
        entry = self.cache.fetch(stage.name, key)
        if entry is None:
            return None
        return StageOutcome(
            stage.name,
            "reused",
            key,
            str(entry.directory),
            tuple(entry.provenance["files"]),
            0.0,
            entry.provenance,
        )

    def need(self, name: str, needed_by: str, *, optional: bool = False) -> None:
        """Make an upstream stage's outcome available: from this run, else from the cache."""
        if name in self.ctx.outcomes:
            return
        stage = PIPELINE[name]
        for upstream in stage.inputs:
            self.need(upstream, needed_by, optional=optional)
            if upstream not in self.ctx.outcomes:
                return
        hit = self.found(stage, stage.cache_key(self.ctx))
        if hit is None:
            if optional:
                return
            raise UsageError(
                f"stage {needed_by} needs the {name} stage, and no cached {name} of this bed "
                f"was found: add {name} to the stages"
            )
        self.ctx.reporter.log(needed_by, f"the {name} stage: reused from the cache")
        log.debug("stage %s takes the cached %s stage from %s", needed_by, name, hit.directory)
        self.settle(stage, hit)

    def settle(self, stage: Stage, outcome: StageOutcome) -> None:
        self.ctx.outcomes[stage.name] = outcome
        self.ctx.result.stages[stage.name] = outcome
        if stage.load is not None and outcome.directory:
            stage.load(self.ctx, Path(outcome.directory))

    def execute(self, stage: Stage) -> StageOutcome:
        """Run one stage (or reuse its cache entry) and record its outcome."""
        started = time.perf_counter()
        if stage.key is None:  # writes nothing: always runs
            stage.run(self.ctx, Path())
            key = self.ctx.result.spec_hash if stage.name == "compile" else ""
            outcome = StageOutcome(stage.name, "ran", key)
            self.settle(stage, outcome)
            return outcome
        key = stage.cache_key(self.ctx)
        hit = None if self.force else self.found(stage, key)
        if hit is not None:
            self.ctx.reporter.log(stage.name, "inputs unchanged: reused from the cache")
            log.debug("stage %s reuses %s", stage.name, hit.directory)
            self.settle(stage, hit)
            return hit
        tmp = self.cache.begin(stage.name)
        try:
            provenance = stage.run(self.ctx, tmp)
            missing = [name for name in stage.outputs if not (tmp / name).is_file()]
            if missing:  # the names are promised to users and read by later stages
                raise RuntimeError(f"stage {stage.name} did not write {', '.join(missing)}")
        except BaseException:
            self.cache.discard(tmp)
            raise
        inputs = stage.key(self.ctx)
        entry = self.cache.commit(
            tmp, stage.name, key, {"inputs": inputs, "stage_version": stage.version, **provenance}
        )
        outcome = StageOutcome(
            stage.name,
            "ran",
            key,
            str(entry.directory),
            tuple(entry.provenance["files"]),
            time.perf_counter() - started,
            entry.provenance,
        )
        self.settle(stage, outcome)
        return outcome


def _preflight(ctx: Context, order: tuple[str, ...]) -> None:
    """Check the engine and the solver before any work: an unknown name, a bed the engine
    cannot pack or a program that is not installed fails now, not after minutes of packing."""
    if "pack" in order and ctx.packing is None:
        geometry.select_engine(ctx.spec, ctx.engine)
    if "simulate" in order:
        # A study runs its solver three times here: writing a case to run by hand is no study.
        to_run = ctx.case_dir is None or ctx.converge
        cfd.select_solver(ctx.spec, ctx.solver, to_run=to_run)
        if ctx.converge:
            cfd.grid_study_specs(ctx.spec, ctx.solver)


def run_pipeline(
    source: str | BedSpec,
    *,
    cache_dir: str | Path | None = None,
    cache: StageCache | None = None,
    filename: str = "<string>",
    stages: tuple[str, ...] = STAGES,
    force: bool = False,
    engine: str | None = None,
    solver: str | None = None,
    packing: str | Path | None = None,
    case_dir: str | Path | None = None,
    converge: bool = False,
    on_event: EventSink | None = None,
    cancel: CancelFn | None = None,
) -> PipelineResult:
    """Run the stages on `.bed` text (or a spec); artifacts are kept in ``cache_dir`` (a
    local folder) or in ``cache`` (any :class:`~bedflow.pipeline.StageCache`): give one.

    A stage asked for without the stages it reads takes them from the cache, or raises
    :class:`~bedflow.UsageError` naming the missing stage before any work. ``packing``: a
    folder with a packing (``packing.npz``, ``packing.json``) the pack stage takes instead of
    packing. ``case_dir``: where a solver that cannot run here (OpenFOAM not installed)
    writes its case before it raises; without it such a solver is refused at once.
    ``converge``: the simulate stage is a grid convergence study (three resolutions, the
    finest the spec's; ``result.flow.uncertainty`` its GCI); a solver without a grid is
    refused with :class:`~bedflow.UsageError` before any work.

    Raises the stage's error (input errors, :class:`~bedflow.Cancelled`, ...) after reporting
    it as an ``ERROR`` log line and a ``failed``/``cancelled`` event.
    """
    if (cache is None) == (cache_dir is None):
        raise TypeError("run_pipeline takes one of cache_dir and cache")
    store = cache if cache is not None else ArtifactCache(cache_dir or ".")
    order = tuple(s for s in STAGES if s in stages)
    reporter = Reporter(on_event, order)
    current = order[0]
    try:
        reporter.progress("compile", 0.0, "compiling")
        spec = (
            source if isinstance(source, BedSpec) else parse_with_diagnostics(source, filename).spec
        )
        result = PipelineResult(spec=spec, spec_hash=spec_hash(spec), log=reporter.lines)
        ctx = Context(
            spec,
            reporter,
            result,
            cancel=cancel,
            engine=engine,
            solver=solver,
            packing=Path(packing) if packing is not None else None,
            case_dir=Path(case_dir) if case_dir is not None else None,
            converge=converge,
        )
        run = _Run(store, ctx, order, force)
        run.execute(PIPELINE["compile"])
        reporter.stage_done("compile", "succeeded", {})
        _preflight(ctx, order)
        for current in order[1:]:
            ctx.check_cancel()
            stage = PIPELINE[current]
            for upstream in stage.inputs:
                run.need(upstream, current)
            for upstream in stage.optional:
                if upstream not in order:
                    run.need(upstream, current, optional=True)
            reporter.progress(current, 0.0, "starting")
            outcome = run.execute(stage)
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
