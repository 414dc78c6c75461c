"""Simulations, jobs, results, statistics and the activity history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bedflow.api.schemas.common import Public
from bedflow.db import JobStatus
from bedflow.pipeline import JobParams, StageName

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
    "ResultPublic",
    "ResultsComparison",
    "ResultsPublic",
    "SimulationPublic",
    "SimulationsPublic",
    "StatsPublic",
]


class SimulationPublic(Public):
    """A flow simulation of a bed."""

    id: uuid.UUID
    bed_id: uuid.UUID
    solver: str = Field(examples=["lbm"])
    settings: dict[str, Any]
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


class ResultPublic(Public):
    """The metrics of a simulation next to the correlations' predictions (SI units)."""

    id: uuid.UUID
    simulation_id: uuid.UUID
    porosity: float | None = Field(examples=[0.41])
    pressure_drop_per_length: float | None = Field(description="Pa/m", examples=[152.3])
    permeability: float | None = Field(description="m2", examples=[2.1e-8])
    reynolds_number: float | None
    friction_factor: float | None
    superficial_velocity: float | None = Field(description="m/s")
    ergun_per_length: float | None = Field(description="Pa/m predicted by Ergun")
    carman_kozeny_per_length: float | None = Field(description="Pa/m, Carman-Kozeny")
    eisfeld_schnitzlein_per_length: float | None = Field(description="Pa/m, Eisfeld-Schnitzlein")
    extra: dict[str, Any]
    created_at: datetime


class ResultsPublic(BaseModel):
    """A list of results."""

    data: list[ResultPublic]
    count: int


class MetricRow(BaseModel):
    """One metric across the compared results, in the order of ``ResultsComparison.data``."""

    metric: str = Field(examples=["pressure_drop_per_length"])
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
