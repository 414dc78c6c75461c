"""The job task, written once: both back ends (embedded pool, Celery) call :func:`execute_job`.

A back end claims the job (``crud.claim_job``), then calls ``execute_job``; it only supplies
how cancellation is asked (``cancel_check``) and where live events go (``publish``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bedflow._exceptions import BedInputError, Cancelled, RequestError, StorageError
from bedflow.db import Bed, BedFile, FileKind, Job, Simulation, crud, utcnow
from bedflow.pipeline import (
    STAGES,
    Event,
    FlowRecord,
    JobParams,
    PipelineResult,
    StageOutcome,
    run_pipeline,
)
from bedflow.settings import Settings
from bedflow.storage import Storage, StoreStageCache, get_stage_cache, validate_key
from bedflow.worker._engines import refuse_disabled
from bedflow.worker._export import EXPORT_JOB, run_export
from bedflow.worker._liveness import Heartbeat, cancel_poller, heartbeat_interval_s

__all__ = [
    "JOB_STAGES",
    "EventPublisher",
    "Outcome",
    "backoff_s",
    "execute_job",
    "job_stages",
]

log = logging.getLogger(__name__)

Outcome = Literal["succeeded", "failed", "cancelled", "retry", "skipped"]
EventPublisher = Callable[[uuid.UUID, list[dict[str, Any]]], object]

JOB_STAGES: Mapping[str, tuple[str, ...]] = {
    "pipeline": STAGES,
    "generate": ("compile", "pack", "export"),
    "simulate": ("compile", "pack", "simulate", "postprocess"),
}
"""The stages each job type runs."""

FLUSH_S = 0.3
"""Events are written to the database at most this often (logs are never dropped)."""
_TRANSIENT = (OSError, StorageError, OperationalError)
_EXTENSION_KINDS: dict[str, FileKind] = {
    ".stl": "stl", ".glb": "glb", ".obj": "obj", ".ply": "ply", ".blend": "blend",
    ".vti": "vti", ".png": "png", ".json": "json", ".bed": "bed",
}  # fmt: skip
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def job_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """The stages to run for the requested ones: later stages need compile and pack."""
    wanted = set(stages) | {"compile"}
    if wanted & {"export", "simulate", "postprocess"}:
        wanted.add("pack")
    if "postprocess" in wanted:
        wanted.add("simulate")
    return tuple(s for s in STAGES if s in wanted)


def backoff_s(attempt: int) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...) after a transient error: 2, 4, 8 ... 60."""
    return float(min(2**attempt, 60))


@dataclass
class _Recorder:
    """Buffers the pipeline's events and writes them, throttled, with the job's progress."""

    sessions: sessionmaker[Session]
    job_id: uuid.UUID
    publish: EventPublisher | None
    pending: list[crud.NewEvent]
    last_flush: float = 0.0
    progress: int = 0
    stage: str = ""
    worker: str | None = None

    def __call__(self, event: Event) -> None:
        if event.kind == "complete":  # the job's own completion is recorded once it is stored
            self.flush()
            return
        status = event.status if event.kind in ("stage_complete", "complete") else ""
        self.pending.append(
            crud.NewEvent(
                kind=event.kind,
                stage=event.stage,
                level=event.level,
                message=event.line if event.kind == "log" else event.message,
                progress=round(event.overall, 2),
                status=status,
            )
        )
        if event.kind != "log":
            self.progress, self.stage = int(event.overall), event.stage
        if time.monotonic() - self.last_flush >= FLUSH_S:
            self.flush()

    def complete(self, status: str, message: str = "") -> None:
        """Record the job's end: the last event a client of the job receives."""
        self.pending.append(
            crud.NewEvent(
                kind="complete",
                stage=self.stage,
                message=message,
                progress=100.0 if status == "succeeded" else float(self.progress),
                status=status,
            )
        )
        self.flush()

    def flush(self) -> None:
        self.last_flush = time.monotonic()
        if not self.pending:
            return
        events, self.pending = self.pending, []
        with self.sessions() as session:
            crud.add_job_events(session, job_id=self.job_id, events=events)
            crud.heartbeat(
                session,
                job_id=self.job_id,
                progress=self.progress,
                stage=self.stage,
                worker=self.worker,
            )
        if self.publish is not None:
            self.publish(self.job_id, [e.__dict__ for e in events])


def _object_key(bed_id: uuid.UUID, outcome: StageOutcome, name: str) -> str:
    # Keyed by the stage's cache key: a redelivered job writes the same keys, never duplicates.
    return validate_key(
        f"beds/{bed_id}/{outcome.stage}-{outcome.key[:24]}-{_UNSAFE.sub('_', name)}"
    )


def _upload(session: Session, storage: Storage, bed: Bed, outcome: StageOutcome) -> int:
    """Store the stage's files and provenance.json as bed files; already stored ones are kept."""
    if not outcome.directory or not outcome.key:
        return 0
    folder = Path(outcome.directory)
    names = [*sorted(outcome.files), "provenance.json"]
    stored = 0
    for name in names:
        path = folder / name
        if not path.is_file():
            continue
        key = _object_key(bed.id, outcome, name)
        exists = session.query(BedFile.id).filter_by(object_key=key).first() is not None
        session.rollback()  # end the read before writing (see crud.claim_job)
        if exists:
            continue
        with path.open("rb") as f:
            obj = storage.put_stream(key, f)
        session.add(
            BedFile(
                bed_id=bed.id,
                kind=_EXTENSION_KINDS.get(path.suffix.lower(), "other"),
                filename=f"{outcome.stage}/{name}"[:255],
                object_key=obj.key,
                size=obj.size,
                sha256=obj.sha256,
                content_type="application/json"
                if name.endswith(".json")
                else ("application/octet-stream"),
            )
        )
        try:
            session.commit()
        except IntegrityError:  # another attempt stored it meanwhile: same key, same bytes
            session.rollback()
            continue
        stored += 1
    return stored


def _store_result(
    session: Session, job: Job, bed: Bed, result: PipelineResult, worker: str
) -> bool:
    """Mark the job succeeded, with a Simulation and its Result from the run's flow and
    metrics, in one commit, only while ``worker`` holds the job: False (nothing stored) when
    the job was taken over or ended meanwhile, so a job is completed once."""
    now = utcnow()
    sim_id = None
    if result.flow is not None:
        sim = Simulation(
            bed_id=bed.id,
            solver=result.flow.solver[:16],
            settings={"job_id": str(job.id), **job.params},
            status="succeeded",
            started_at=job.started_at,
            finished_at=now,
            duration_s=(now - job.started_at).total_seconds() if job.started_at else None,
        )
        session.add(sim)
        session.flush()
        sim_id = sim.id
        flow = FlowRecord.of(result.flow)
        session.add(crud.result_row(simulation_id=sim.id, flow=flow, spec_hash=result.spec_hash))
        session.flush()
    # The fence and the end in one statement: a takeover between a read and this write
    # cannot slip in (on PostgreSQL it waits for the row, then finds it no longer running).
    ended = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.worker == worker, Job.status == "running")
        .values(
            status="succeeded",
            progress=100,
            finished_at=now,
            heartbeat_at=now,
            simulation_id=sim_id,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(ended, "rowcount", 0):
        session.rollback()
        return False
    session.commit()
    return True


def execute_job(
    job_id: uuid.UUID,
    *,
    session_factory: sessionmaker[Session],
    storage: Storage,
    settings: Settings,
    cancel_check: Callable[[], bool] | None = None,
    publish: EventPublisher | None = None,
) -> Outcome:
    """Run a claimed (``running``) job to its end and record everything it produced.

    Returns what happened: ``retry`` means a transient error put the job back in the queue
    (the caller may wait :func:`backoff_s`); ``skipped`` that the job was not running (a
    redelivered task of a finished job).

    >>> execute_job(job.id, session_factory=Session, storage=store, settings=s)  # doctest: +SKIP
    'succeeded'
    """
    with session_factory() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "running" or not job.worker:
            log.info("job %s is not running; nothing to do", job_id)
            return "skipped"
        bed = session.get(Bed, job.bed_id) if job.bed_id else None
        raw_params, job_type, worker = dict(job.params), job.type, job.worker
        attempts, max_attempts = job.attempts, job.max_attempts
    recorder = _Recorder(session_factory, job_id, publish, [], worker=worker)
    beat = Heartbeat(session_factory, job_id, worker, heartbeat_interval_s(settings))
    beat.start()
    try:
        if bed is None:
            raise RequestError("the job has no bed to run")
        if job_type == EXPORT_JOB:
            return _export(session_factory, storage, settings, recorder, job_id, raw_params)
        params = JobParams.model_validate(raw_params)
        stages = job_stages(params.stages or JOB_STAGES.get(job_type, STAGES))
        # A study's point: its values on top of the bed's spec (checked when it was created).
        spec = params.spec_for(crud.bed_spec(bed))
        with session_factory() as session:  # an admin may have disabled one since the submit
            refuse_disabled(
                session, spec, engine=params.engine, solver=params.solver, stages=stages
            )
        cache = get_stage_cache(settings, storage)
        result = run_pipeline(
            spec,
            cache=cache,
            stages=stages,
            force=params.force,
            engine=params.engine,
            solver=params.solver,
            converge=params.converge,
            on_event=recorder,
            cancel=cancel_poller(session_factory, job_id, worker, cancel_check, beat),
        )
        recorder.flush()
        with session_factory() as session:
            for outcome in result.stages.values():
                _upload(session, storage, bed, outcome)
                if isinstance(cache, StoreStageCache) and outcome.key:  # one copy, the bed's
                    names = {n: _object_key(bed.id, outcome, n) for n in outcome.files}
                    cache.adopt(outcome.stage, outcome.key, names)
            job = session.get(Job, job_id, populate_existing=True)
            session.commit()  # end the read before writing (see crud.claim_job)
            if job is None or not _store_result(session, job, bed, result, worker):
                log.info("job %s is no longer this worker's; its result is not stored", job_id)
                return "skipped"
        recorder.complete("succeeded")
        log.info("job %s succeeded", job_id)
        return "succeeded"
    except Cancelled:
        recorder.flush()
        with session_factory() as session:
            ended = crud.finish_job(session, job_id=job_id, status="cancelled", worker=worker)
        if not ended:  # finished or taken over elsewhere: that worker reports its end
            log.info("job %s is no longer this worker's; stopped", job_id)
            return "skipped"
        recorder.complete("cancelled")
        log.info("job %s cancelled", job_id)
        return "cancelled"
    except (BedInputError, ValueError) as exc:
        return _fail(session_factory, recorder, job_id, exc)
    except _TRANSIENT as exc:
        recorder.pending.clear()
        error = f"{type(exc).__name__}: {exc}"
        if attempts >= max_attempts:
            return _fail(session_factory, recorder, job_id, exc)
        log.warning("job %s: transient error, retrying: %s", job_id, error)
        with session_factory() as session:
            crud.requeue_job(
                session, job_id=job_id, delay_s=backoff_s(attempts), error=error, worker=worker
            )
        return "retry"
    except Exception as exc:
        log.exception("job %s failed", job_id)
        return _fail(session_factory, recorder, job_id, exc)
    finally:
        beat.stop()


def _export(
    sessions: sessionmaker[Session],
    storage: Storage,
    settings: Settings,
    recorder: _Recorder,
    job_id: uuid.UUID,
    raw_params: dict[str, Any],
) -> Outcome:
    with sessions() as session:
        written = run_export(
            session,
            raw_params=raw_params,
            source=storage,
            secret_key=settings.secret_key.get_secret_value(),
            allowed_endpoints=settings.export_s3_endpoint_list,
        )
    with sessions() as session:
        if not crud.finish_job(session, job_id=job_id, status="succeeded", worker=recorder.worker):
            return "skipped"
    recorder.complete("succeeded", f"exported {len(written)} objects")
    log.info("job %s exported %d objects", job_id, len(written))
    return "succeeded"


def _fail(
    sessions: sessionmaker[Session], recorder: _Recorder, job_id: uuid.UUID, exc: BaseException
) -> Outcome:
    error = f"{type(exc).__name__}: {exc}"
    with sessions() as session:
        ended = crud.finish_job(
            session, job_id=job_id, status="failed", error=error, worker=recorder.worker
        )
    if not ended:
        log.info("job %s is no longer this worker's; its error is not recorded: %s", job_id, error)
        return "skipped"
    try:
        recorder.complete("failed", error)
    except Exception:
        log.exception("job %s: could not write its last events", job_id)
    log.info("job %s failed: %s", job_id, error)
    return "failed"
