"""Simulations, jobs, results, statistics and the activity history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bedflow.api.schemas.common import Public
from bedflow.db import JobStatus, Result
from bedflow.pipeline import (
    Correlations,
    FlowRecord,
    GridConvergenceRecord,
    JobParams,
    StageName,
)

__all__ = [
    "ActivitiesPublic",
    "ActivityPublic",
    "GroupStats",
    "JobCreate",
    "JobEventPublic",
    "JobEventsPublic",
    "JobOptions",
    "JobPublic",
    "JobRerun",
    "JobsPublic",
    "MetricRow",
    "ResultFigures",
    "ResultProvenance",
    "ResultPublic",
    "ResultsComparison",
    "ResultsPublic",
    "SimulationPublic",
    "SimulationSettings",
    "SimulationsPublic",
    "StatsPublic",
]


class SimulationSettings(JobParams):
    """How a simulation ran: its job's parameters and the job."""

    job_id: uuid.UUID | None = Field(None, description="the job that ran it")


class SimulationPublic(Public):
    """A flow simulation of a bed."""

    id: uuid.UUID
    bed_id: uuid.UUID
    solver: str = Field(examples=["lbm"])
    settings: SimulationSettings
    status: JobStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None


class SimulationsPublic(BaseModel):
    """A page of simulations."""

    data: list[SimulationPublic]
    count: int


class JobPublic(Public):
    """Work that runs asynchronously, with its progress."""

    id: uuid.UUID
    user_id: uuid.UUID
    bed_id: uuid.UUID | None
    simulation_id: uuid.UUID | None
    study_id: uuid.UUID | None = None
    type: str = Field(examples=["simulate"])
    status: JobStatus
    progress: int = Field(examples=[40])
    stage: str = Field(examples=["pack"])
    attempts: int
    max_attempts: int
    error: str | None
    params: JobParams = Field(default_factory=JobParams)
    cancel_requested: bool = False
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobOptions(BaseModel):
    """How to run: force recomputation, engine and solver overrides, a grid study or not."""

    model_config = ConfigDict(extra="forbid")

    force: bool = Field(False, description="recompute stages whose inputs did not change")
    engine: str | None = Field(None, max_length=32, examples=["dem"])
    solver: str | None = Field(None, max_length=32, examples=["correlation"])
    converge: bool = Field(
        False,
        description="simulate as a grid convergence study: three resolutions, dp/L with its "
        "grid convergence index (lbm and openfoam)",
    )


class JobCreate(JobOptions):
    """A job on a bed: the whole pipeline, or up to the stages named."""

    bed_id: uuid.UUID
    stages: list[StageName] | None = Field(
        None, description="stages to run (their upstream stages are added); all when absent"
    )


class JobRerun(BaseModel):
    """Run a job again with the same parameters."""

    model_config = ConfigDict(extra="forbid")

    force: bool | None = Field(None, description="override the job's force flag")


class JobEventPublic(Public):
    """One event of a job: a log line, a status update, or its completion."""

    id: int
    job_id: uuid.UUID
    seq: int
    kind: str = Field(examples=["log"])
    stage: str
    level: str
    message: str = Field(examples=["[INFO] [PACK] pouring 300 spheres with dem"])
    progress: float = Field(description="overall progress, %")
    status: str
    created_at: datetime


class JobEventsPublic(BaseModel):
    """A page of a job's events, oldest first; ``next_after`` continues the paging."""

    data: list[JobEventPublic]
    next_after: int


class JobsPublic(BaseModel):
    """A page of jobs."""

    data: list[JobPublic]
    count: int


class ResultProvenance(BaseModel):
    """What produced a result, besides its solver and solver version."""

    bedflow_version: str | None = Field(description="null: stored before bedflow recorded it")
    spec_hash: str | None = Field(
        description="hash of the spec that ran (a study point's: the bed's with its values)"
    )


class ResultFigures(BaseModel):
    """A result's main figures (SI units), as a study's table shows them per point."""

    result_id: uuid.UUID
    solver: str = Field(examples=["lbm"])
    porosity: float | None = Field(examples=[0.41])
    superficial_velocity: float | None = Field(description="m/s")
    particle_reynolds: float | None = Field(description="rho u d / mu")
    pressure_drop_per_length: float | None = Field(description="Pa/m", examples=[152.3])
    permeability: float | None = Field(description="m2", examples=[2.1e-8])
    friction_factor: float | None
    correlations: Correlations = Field(description="dp/L each correlation predicts, Pa/m")
    ratio_to_correlations: Correlations = Field(
        description="pressure_drop_per_length over each correlation's"
    )
    converged: bool | None
    uncertainty: GridConvergenceRecord | None = Field(
        description="the grid convergence study; null means the numerical uncertainty is "
        "unknown (a single-resolution run), not that it is zero"
    )

    @classmethod
    def from_row(cls, row: Result) -> ResultFigures:
        """The figures of a stored result."""
        return cls.model_validate({**dict(row.flow), "result_id": row.id})


class ResultPublic(FlowRecord):
    """A simulation's flow result (SI units): every figure the solver reported, next to
    the correlations' predictions and their ratios, with where it was measured and what
    produced it."""

    id: uuid.UUID
    simulation_id: uuid.UUID
    provenance: ResultProvenance
    created_at: datetime

    @classmethod
    def from_row(cls, row: Result) -> ResultPublic:
        """The one mapping from a stored result to the API's: its record, its row's ids."""
        return cls.model_validate(
            {
                **dict(row.flow),
                "id": row.id,
                "simulation_id": row.simulation_id,
                "provenance": ResultProvenance(
                    bedflow_version=row.bedflow_version, spec_hash=row.spec_hash
                ),
                "created_at": row.created_at,
            }
        )


class ResultsPublic(BaseModel):
    """A list of results."""

    data: list[ResultPublic]
    count: int


class MetricRow(BaseModel):
    """One metric across the compared results, in the order of ``ResultsComparison.data``."""

    metric: str = Field(
        description="the result's field, dotted into its parts",
        examples=["pressure_drop_per_length", "correlations.ergun"],
    )
    unit: str = Field(examples=["Pa/m"])
    values: list[float | None]


class ResultsComparison(BaseModel):
    """Several results side by side: the results, then one row per metric."""

    data: list[ResultPublic]
    metrics: list[MetricRow]


class GroupStats(BaseModel):
    """Runs of one solver or one user in the window."""

    key: str = Field(examples=["lbm"])
    runs: int
    succeeded: int
    failed: int
    success_rate: float | None = Field(description="succeeded / finished; null when none finished")
    mean_duration_s: float | None


class DayCount(BaseModel):
    """The runs created on one UTC day."""

    day: date = Field(examples=["2026-12-05"])
    runs: int


class StatsPublic(BaseModel):
    """Usage statistics: an admin sees everyone's runs, a user their own beds' runs."""

    runs_today: int = Field(description="simulations created since midnight UTC")
    window_days: int
    runs: int
    success_rate: float | None
    mean_duration_s: float | None
    by_solver: list[GroupStats]
    by_user: list[GroupStats]
    jobs_by_status: dict[str, int]
    runs_per_day: list[DayCount] = Field(
        description="runs created on each UTC day of the window, oldest first, today last"
    )


class ActivityPublic(Public):
    """Something a user did."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    action: str = Field(examples=["bed.create"])
    subject_type: str
    subject_id: str
    detail: dict[str, Any]
    created_at: datetime


class ActivitiesPublic(BaseModel):
    """A page of the activity history, newest first."""

    data: list[ActivityPublic]
    count: int
