"""The job task, run in-process: results, files, events, user errors, cancel, idempotence."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bedflow.db import BedFile, Job, JobEvent, Result, Simulation, crud, make_sessionmaker
from bedflow.storage import LocalStorage, StoredObject
from bedflow.worker import execute_job, job_stages
from tests.utils.db import make_user
from tests.utils.jobs import job_bed, job_settings, queued_job


def _count(session: Session, model: type) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _job(sessions: sessionmaker[Session], job_id: uuid.UUID) -> Job:
    """The job as a fresh session reads it."""
    with sessions() as fresh:
        job = fresh.get(Job, job_id)
        assert job is not None
        return job


def test_job_stages_add_what_later_stages_need() -> None:
    assert job_stages(["simulate"]) == ("compile", "pack", "simulate")
    assert job_stages(["pack"]) == ("compile", "pack")


@pytest.mark.slow
def test_execute_job_stores_result_files_and_events(session: Session, tmp_path: Path) -> None:
    user = make_user(session)
    bed = job_bed(session, user)
    job = queued_job(session, user=user, bed=bed)
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    store = LocalStorage(tmp_path / "objects")
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    assert crud.claim_job(session, worker="test") is not None
    assert crud.claim_job(session, worker="other") is None  # claimed once
    assert execute_job(job.id, session_factory=sessions, storage=store, settings=settings) == (
        "succeeded"
    )
    done = _job(sessions, job.id)
    assert done is not None and done.status == "succeeded" and done.progress == 100
    assert done.simulation_id is not None
    session.rollback()
    result = session.scalars(select(Result)).one()
    assert result.pressure_drop_per_length and result.pressure_drop_per_length > 0
    assert result.porosity and 0.2 < result.porosity < 0.9
    assert result.ergun_per_length and result.ergun_per_length > 0
    # the run's FlowResult, stored whole and typed (no untyped summary copy)
    assert result.flow.solver == result.solver == "correlation" and result.flow.solver_version
    assert result.flow.ratio_to_correlations.ergun == 1.0  # the correlation solver is Ergun
    assert result.spec_hash and result.bedflow_version and result.uncertainty is None
    files = _count(session, BedFile)
    assert files >= 5
    assert any(f.filename.endswith("provenance.json") for f in session.scalars(select(BedFile)))
    events = crud.list_job_events(session, job_id=job.id, limit=1000)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].kind == "complete" and events[-1].status == "succeeded"
    assert any(e.message.startswith("[INFO] [PACK]") for e in events)
    # a redelivered task of a finished job does nothing
    assert execute_job(job.id, session_factory=sessions, storage=store, settings=settings) == (
        "skipped"
    )
    # rerun with the same stage keys: the objects are not stored twice
    again = queued_job(session, user=user, bed=bed)
    again.params = {}
    session.commit()
    assert crud.claim_job(session, worker="test") is not None
    assert execute_job(again.id, session_factory=sessions, storage=store, settings=settings) == (
        "succeeded"
    )
    assert _count(session, BedFile) == files
    assert _count(session, Result) == 2
    assert _count(session, JobEvent) > len(events)


def test_user_error_fails_without_retry(session: Session, tmp_path: Path) -> None:
    user = make_user(session)
    bed = job_bed(session, user)
    job = crud.create_job(
        session, user=user, type="pipeline", bed=bed, params={"solver": "no-such-solver"}
    )
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    crud.claim_job(session, worker="test")
    outcome = execute_job(
        job.id, session_factory=sessions, storage=LocalStorage(tmp_path), settings=settings
    )
    row = _job(sessions, job.id)
    assert row is not None
    assert (outcome, row.status, row.attempts) == ("failed", "failed", 1), row.error


def test_cancel_check_ends_the_job_cancelled(session: Session, tmp_path: Path) -> None:
    user = make_user(session)
    job = queued_job(session, user=user, bed=job_bed(session, user))
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    crud.claim_job(session, worker="test")
    outcome = execute_job(
        job.id,
        session_factory=sessions,
        storage=LocalStorage(tmp_path),
        settings=settings,
        cancel_check=lambda: True,
    )
    row = _job(sessions, job.id)
    assert row is not None and (outcome, row.status) == ("cancelled", "cancelled")


class _BrokenStore(LocalStorage):
    """A store whose writes fail as a full disk would."""

    def put_stream(self, *args: object, **kwargs: object) -> StoredObject:
        raise OSError("no space left on device")


@pytest.mark.slow
def test_transient_error_requeues_with_backoff_until_attempts_run_out(
    session: Session, tmp_path: Path
) -> None:
    user = make_user(session)
    job = crud.create_job(
        session, user=user, type="generate", bed=job_bed(session, user), max_attempts=2
    )
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    store = _BrokenStore(tmp_path / "objects")
    crud.claim_job(session, worker="test")
    assert execute_job(job.id, session_factory=sessions, storage=store, settings=settings) == (
        "retry"
    )
    row = _job(sessions, job.id)
    assert row.status == "queued" and row.run_after is not None and "OSError" in (row.error or "")
    assert crud.claim_job(session, worker="test", job_id=job.id) is None  # backoff
    with sessions() as s:
        s.execute(update(Job).where(Job.id == job.id).values(run_after=None))
        s.commit()
    assert crud.claim_job(session, worker="test", job_id=job.id) is not None
    assert execute_job(job.id, session_factory=sessions, storage=store, settings=settings) == (
        "failed"
    )
    assert _job(sessions, job.id).attempts == 2


def test_job_taken_over_while_its_result_is_stored_is_completed_once(
    session: Session, tmp_path: Path
) -> None:
    """The fence and the success are one write: a takeover that lands between the worker's
    last look at the row and its commit leaves the job to the new worker, nothing stored."""
    engine = session.get_bind().engine  # type: ignore[union-attr]
    if engine.dialect.name == "sqlite":
        pytest.skip("on SQLite the takeover would wait for the worker's write lock")
    user = make_user(session)
    job = queued_job(session, user=user, bed=job_bed(session, user))
    sessions = make_sessionmaker(engine)
    assert crud.claim_job(session, worker="first") is not None

    def take_over(*_: object) -> None:  # another worker claims the job, heartbeat gone stale
        with engine.connect() as other:
            other.execute(update(Job).where(Job.id == job.id).values(worker="second", attempts=2))
            other.commit()

    event.listen(Simulation, "after_insert", take_over)
    try:
        outcome = execute_job(
            job.id, session_factory=sessions, storage=LocalStorage(tmp_path / "objects"),
            settings=job_settings(tmp_path, engine),
        )  # fmt: skip
    finally:
        event.remove(Simulation, "after_insert", take_over)
    row = _job(sessions, job.id)
    assert (outcome, row.status, row.worker, row.simulation_id) == (
        "skipped", "running", "second", None
    )  # fmt: skip
    assert _count(session, Simulation) == _count(session, Result) == 0


@pytest.mark.slow
def test_a_study_point_stored_by_an_older_version_still_runs(
    session: Session, tmp_path: Path
) -> None:
    """Regression guard for typed job params: a row written before JobParams (the point as
    `overrides` strings, no values) runs its point's setting, not the bed's own."""
    user = make_user(session)
    job = queued_job(session, user=user, bed=job_bed(session, user))
    session.execute(
        update(Job)
        .where(Job.id == job.id)
        .values(
            params={
                "point_index": 0,
                "point": {"cfd.inlet_velocity": "7 mm/s"},
                "overrides": ["cfd.inlet_velocity=7 mm/s"],
            }
        )
    )
    session.commit()
    settings = job_settings(tmp_path, session.get_bind().engine)  # type: ignore[union-attr]
    sessions = make_sessionmaker(session.get_bind().engine)  # type: ignore[union-attr]
    crud.claim_job(session, worker="test")
    outcome = execute_job(
        job.id, session_factory=sessions, storage=LocalStorage(tmp_path), settings=settings
    )
    assert outcome == "succeeded", _job(sessions, job.id).error
    session.rollback()
    assert session.scalars(select(Result)).one().superficial_velocity == pytest.approx(0.007)


@pytest.mark.slow
def test_workers_with_a_broker_share_stages_through_the_store(
    session: Session, tmp_path: Path
) -> None:
    """Two hosts (two local cache folders), one object store: the second host's job takes the
    first one's stages from the store, and the store keeps one copy of each file (the bed's)."""
    user = make_user(session)
    bed = job_bed(session, user)
    engine = session.get_bind().engine  # type: ignore[union-attr]
    sessions = make_sessionmaker(engine)
    store = LocalStorage(tmp_path / "objects")
    hosts = [
        job_settings(tmp_path, engine).model_copy(
            update={"broker_url": "redis://127.0.0.1:6379/0", "cache_dir": tmp_path / host}
        )
        for host in ("host-1", "host-2")
    ]
    jobs = []
    for settings in hosts:
        job = queued_job(session, user=user, bed=bed)
        job.params = {}  # not forced: reuse what is cached
        session.commit()
        assert crud.claim_job(session, worker="test") is not None
        assert execute_job(job.id, session_factory=sessions, storage=store, settings=settings) == (
            "succeeded"
        )
        jobs.append(job.id)
    session.rollback()
    done = {
        e.stage: e.status
        for e in crud.list_job_events(session, job_id=jobs[1], limit=1000)
        if e.kind == "stage_complete"
    }
    assert done["pack"] == "reused" and done["simulate"] == "reused"
    assert (tmp_path / "host-2" / "pack").is_dir()  # fetched onto the second host
    cached = list(store.list("stage-cache/"))
    names = {k.rsplit("/", 1)[1].partition("-")[0] for k in cached}
    assert cached and names == {"entry.json", "used"}
