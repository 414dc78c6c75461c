"""Simulations, jobs and results: the history of what ran on a bed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError, UsageError
from bedflow._version import __version__
from bedflow.db._accounts import User
from bedflow.db._base import utcnow
from bedflow.db._beds import Bed, Job, Result, Simulation
from bedflow.db._types import FINISHED, JOB_STATUSES, JobStatus, RunStatus
from bedflow.db.crud._access import (
    visible_jobs_query,
    visible_results_query,
    visible_simulations_query,
)
from bedflow.db.crud._common import Page, paginate
from bedflow.pipeline import FlowRecord, JobParams

__all__ = [
    "create_job",
    "create_result",
    "create_simulation",
    "get_job",
    "get_result",
    "get_simulation",
    "job_counts",
    "list_jobs",
    "list_results",
    "list_simulations",
    "result_row",
    "update_job",
    "update_simulation",
]


def _check_status(status: str) -> None:
    if status not in JOB_STATUSES:
        raise UsageError(f"unknown status {status!r}; use one of {', '.join(JOB_STATUSES)}")


def create_simulation(
    session: Session, *, bed: Bed, solver: str, settings: dict[str, Any] | None = None
) -> Simulation:
    """A queued simulation of ``bed``."""
    sim = Simulation(bed_id=bed.id, solver=solver, settings=settings or {})
    session.add(sim)
    session.commit()
    return sim


def get_simulation(session: Session, *, user: User, simulation_id: uuid.UUID) -> Simulation | None:
    """The simulation if ``user`` may see its bed, else None."""
    return session.scalar(visible_simulations_query(user).where(Simulation.id == simulation_id))


def list_simulations(
    session: Session,
    *,
    user: User,
    bed_id: uuid.UUID | None = None,
    status: RunStatus | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: str = "-created_at",
) -> Page[Simulation]:
    """Simulations ``user`` may see, newest first: with ``bed_id``, that bed's history."""
    stmt = visible_simulations_query(user)
    if bed_id is not None:
        stmt = stmt.where(Simulation.bed_id == bed_id)
    if status is not None:
        stmt = stmt.where(Simulation.status == status)
    sortable = {"created_at": Simulation.created_at, "duration_s": Simulation.duration_s}
    return paginate(
        session,
        stmt,
        offset=offset,
        limit=limit,
        sort=sort,
        sortable=sortable,
        tiebreak=Simulation.id,
    )


def _times(row: Simulation | Job, status: str, now: datetime) -> None:
    if status == "running" and row.started_at is None:
        row.started_at = now
    if status in FINISHED and row.finished_at is None:
        row.finished_at = now


def update_simulation(session: Session, *, simulation: Simulation, status: RunStatus) -> Simulation:
    """Move the simulation to ``status``; start, finish and duration are recorded on the way."""
    _check_status(status)
    now = utcnow()
    simulation.status = status
    _times(simulation, status, now)
    if simulation.started_at is not None and simulation.finished_at is not None:
        simulation.duration_s = (simulation.finished_at - simulation.started_at).total_seconds()
    session.commit()
    return simulation


def create_job(
    session: Session,
    *,
    user: User,
    type: str,
    bed: Bed | None = None,
    simulation: Simulation | None = None,
    max_attempts: int = 3,
    params: JobParams | Mapping[str, Any] | None = None,
    more: Mapping[str, Any] | None = None,
) -> Job:
    """A queued job for ``user`` (on a bed and/or a simulation), its params checked.

    ``more``: what a job other than a pipeline run needs beside its params (an export's
    ``destination``), checked by its caller and stored as it is."""
    if max_attempts < 1:
        raise RequestError("max_attempts must be at least 1")
    job = Job(
        user_id=user.id,
        type=type,
        bed_id=bed.id if bed else (simulation.bed_id if simulation else None),
        simulation_id=simulation.id if simulation else None,
        max_attempts=max_attempts,
        params={**JobParams.model_validate(params or {}).stored(), **(more or {})},
    )
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, *, user: User, job_id: uuid.UUID) -> Job | None:
    """The job if ``user`` may see it, else None."""
    return session.scalar(visible_jobs_query(user).where(Job.id == job_id))


def list_jobs(
    session: Session,
    *,
    user: User,
    status: JobStatus | None = None,
    bed_id: uuid.UUID | None = None,
    mine_only: bool = False,
    user_id: uuid.UUID | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    offset: int = 0,
    limit: int = 50,
    sort: str = "-created_at",
) -> Page[Job]:
    """Jobs ``user`` may see, newest first; ``mine_only`` keeps the ones they started,
    ``user_id`` the ones that user started, the dates those created in the range."""
    stmt = visible_jobs_query(user)
    if mine_only:
        stmt = stmt.where(Job.user_id == user.id)
    if user_id is not None:
        stmt = stmt.where(Job.user_id == user_id)
    if created_after is not None:
        stmt = stmt.where(Job.created_at >= created_after)
    if created_before is not None:
        stmt = stmt.where(Job.created_at < created_before)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    if bed_id is not None:
        stmt = stmt.where(Job.bed_id == bed_id)
    sortable = {"created_at": Job.created_at, "status": Job.status, "progress": Job.progress}
    return paginate(
        session, stmt, offset=offset, limit=limit, sort=sort, sortable=sortable, tiebreak=Job.id
    )


def update_job(
    session: Session,
    *,
    job: Job,
    status: JobStatus | None = None,
    progress: int | None = None,
    stage: str | None = None,
    worker: str | None = None,
    error: str | None = None,
) -> Job:
    """Report on a job: each call is a heartbeat; moving to running counts an attempt."""
    now = utcnow()
    if progress is not None:
        if not 0 <= progress <= 100:
            raise UsageError(f"progress must be between 0 and 100, not {progress}")
        job.progress = progress
    if status is not None:
        _check_status(status)
        if status == "running" and job.status != "running":
            job.attempts += 1
        job.status = status
        _times(job, status, now)
    if stage is not None:
        job.stage = stage
    if worker is not None:
        job.worker = worker
    if error is not None:
        job.error = error
    job.heartbeat_at = now
    session.commit()
    return job


def job_counts(
    session: Session, *, since: datetime, user: User | None = None
) -> dict[JobStatus, int]:
    """How many jobs were created since ``since``, by status (every status present)."""
    stmt = select(Job.status, func.count()).where(Job.created_at >= since)
    if user is not None:
        stmt = stmt.where(Job.user_id == user.id)
    counts: dict[JobStatus, int] = dict.fromkeys(JOB_STATUSES, 0)
    for status, n in session.execute(stmt.group_by(Job.status)):
        counts[status] = n
    return counts


def result_row(
    *, simulation_id: uuid.UUID, flow: FlowRecord, spec_hash: str | None = None
) -> Result:
    """The one mapping from a flow result to its row: the record whole, its figures in the
    typed columns (not added to a session).

    >>> row = result_row(simulation_id=sim.id, flow=FlowRecord.of(flow))  # doctest: +SKIP
    """
    c, g, region = flow.correlations, flow.uncertainty, flow.region
    return Result(
        simulation_id=simulation_id,
        porosity=flow.porosity,
        pressure_drop_per_length=flow.pressure_drop_per_length,
        permeability=flow.permeability,
        reynolds_number=flow.particle_reynolds,
        friction_factor=flow.friction_factor,
        superficial_velocity=flow.superficial_velocity,
        ergun_per_length=c.ergun,
        carman_kozeny_per_length=c.carman_kozeny,
        eisfeld_schnitzlein_per_length=c.eisfeld_schnitzlein,
        particle_diameter=flow.particle_diameter,
        converged=flow.converged,
        iterations=flow.iterations,
        uncertainty=g.uncertainty if g else None,
        gci=g.gci if g else None,
        extrapolated=g.extrapolated if g else None,
        region_z_min=region.z_min if region else None,
        region_z_max=region.z_max if region else None,
        porosity_from=region.porosity_from[:200] if region else None,
        solver=flow.solver[:32],
        solver_version=flow.solver_version[:64],
        bedflow_version=__version__[:32],
        spec_hash=spec_hash,
        flow=flow,
    )


def create_result(
    session: Session,
    *,
    simulation: Simulation,
    flow: FlowRecord,
    spec_hash: str | None = None,
) -> Result:
    """Store the flow result of ``simulation`` (see :func:`result_row`)."""
    result = result_row(simulation_id=simulation.id, flow=flow, spec_hash=spec_hash)
    session.add(result)
    session.commit()
    return result


def get_result(session: Session, *, user: User, result_id: uuid.UUID) -> Result | None:
    """The result if ``user`` may see its bed, else None."""
    return session.scalar(visible_results_query(user).where(Result.id == result_id))


def list_results(
    session: Session,
    *,
    user: User,
    result_ids: list[uuid.UUID] | None = None,
    simulation_id: uuid.UUID | None = None,
    bed_id: uuid.UUID | None = None,
) -> list[Result]:
    """Results ``user`` may see, by id (to compare them), by simulation or by bed."""
    stmt = visible_results_query(user)
    if result_ids is not None:
        stmt = stmt.where(Result.id.in_(result_ids))
    if simulation_id is not None:
        stmt = stmt.where(Result.simulation_id == simulation_id)
    if bed_id is not None:
        sims = select(Simulation.id).where(Simulation.bed_id == bed_id)
        stmt = stmt.where(Result.simulation_id.in_(sims))
    return list(session.scalars(stmt.order_by(Result.created_at, Result.id)))
