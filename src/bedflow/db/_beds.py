"""ORM mappings of the work: beds, their files, simulations, jobs and results."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bedflow.db._accounts import Project, User
from bedflow.db._base import Base, CreatedMixin, IdMixin, JSONType, ModelJSON, utcnow
from bedflow.db._types import FileKind, JobStatus, RunStatus, one_of
from bedflow.pipeline import FlowRecord

__all__ = ["Bed", "BedFile", "Job", "JobEvent", "Result", "Simulation", "Study"]


class Bed(IdMixin, CreatedMixin, Base):
    """A packed bed: its spec (JSON and canonical `.bed` text) and its main parameters, in SI."""

    __tablename__ = "beds"
    __table_args__ = (
        Index("ix_beds_owner_created", "owner_id", "created_at"),
        Index("ix_beds_diameter_count", "column_diameter", "particle_count"),
        Index("ix_beds_particle_diameter", "particle_diameter"),
        # Search by kind and ranges sorted by count, counted from the index alone (0005).
        Index(
            "ix_beds_kind_count",
            "particle_kind",
            "particle_count",
            "id",
            postgresql_include=["column_diameter", "particle_diameter", "owner_id", "project_id"],
        ),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)
    bed_text: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(64), index=True)
    column_diameter: Mapped[float]
    column_height: Mapped[float]
    particle_kind: Mapped[str] = mapped_column(String(16), index=True)
    particle_diameter: Mapped[float]
    particle_count: Mapped[int | None]
    packing_method: Mapped[str] = mapped_column(String(32))
    solver: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    project: Mapped[Project | None] = relationship()
    files: Mapped[list[BedFile]] = relationship(
        back_populates="bed", cascade="all, delete-orphan", passive_deletes=True
    )


class BedFile(IdMixin, CreatedMixin, Base):
    """An artifact of a bed in the object store; ``filename`` is for display only."""

    __tablename__ = "bed_files"
    __table_args__ = (one_of("kind", FileKind),)

    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beds.id", ondelete="CASCADE"), index=True)
    kind: Mapped[FileKind] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255), default="")
    object_key: Mapped[str] = mapped_column(String(512), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")

    bed: Mapped[Bed] = relationship(back_populates="files")


class Simulation(IdMixin, CreatedMixin, Base):
    """One flow simulation of a bed with a solver and its settings."""

    __tablename__ = "simulations"
    __table_args__ = (
        one_of("status", RunStatus),
        Index("ix_simulations_bed_created", "bed_id", "created_at"),
    )

    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beds.id", ondelete="CASCADE"))
    solver: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[RunStatus] = mapped_column(String(16), default="queued")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    duration_s: Mapped[float | None]

    bed: Mapped[Bed] = relationship()


class Study(IdMixin, CreatedMixin, Base):
    """A parameter study: one job per point of a grid of settings over a bed."""

    __tablename__ = "studies"
    __table_args__ = (Index("ix_studies_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    bed_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("beds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    grid: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """The settings varied: ``{"cfd.inlet_velocity": ["0.01 m/s", ...], ...}``."""
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """How every point runs: force, engine and solver overrides."""


class Job(IdMixin, CreatedMixin, Base):
    """Work that runs asynchronously (pack, export, simulate), with its progress and attempts."""

    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", JobStatus),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        Index("ix_jobs_user_status", "user_id", "status"),
        Index("ix_jobs_status_created", "status", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    bed_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("beds.id", ondelete="CASCADE"), index=True
    )
    simulation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("simulations.id", ondelete="CASCADE"), index=True
    )
    study_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), index=True
    )
    """The parameter study this job is a point of."""
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[JobStatus] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    worker: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """What to run: stages, force, engine and solver overrides."""
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    """Set by a cancel of a running job; its worker stops and marks it cancelled."""
    run_after: Mapped[datetime | None]
    """A job retried after a transient error waits until then (backoff)."""


class JobEvent(Base):
    """One event a job reported (log line, status, completion), in order per job.

    The autoincrement ``id`` orders events across jobs: a WebSocket client resumes after the
    last id it saw."""

    __tablename__ = "job_events"
    __table_args__ = (Index("ix_job_events_job_seq", "job_id", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(64), default="")
    level: Mapped[str] = mapped_column(String(8), default="INFO")
    message: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[float] = mapped_column(default=0.0)
    status: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Result(IdMixin, CreatedMixin, Base):
    """A simulation's flow result: figures in typed columns (SI units) for search and
    comparison, and the whole result, validated, in ``flow``.

    Written only by :func:`bedflow.db.crud.result_row`, the one mapping from a
    :class:`~bedflow.pipeline.FlowRecord`; the columns repeat the record's figures."""

    __tablename__ = "results"

    simulation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("simulations.id", ondelete="CASCADE"), index=True
    )
    porosity: Mapped[float | None]
    pressure_drop_per_length: Mapped[float | None]
    """Pa/m."""
    permeability: Mapped[float | None]
    """m2."""
    reynolds_number: Mapped[float | None]
    """The particle Reynolds number (``FlowResult.particle_reynolds``)."""
    friction_factor: Mapped[float | None]
    superficial_velocity: Mapped[float | None]
    """m/s."""
    ergun_per_length: Mapped[float | None]
    """Pa/m predicted by Ergun."""
    carman_kozeny_per_length: Mapped[float | None]
    """Pa/m predicted by Carman-Kozeny."""
    eisfeld_schnitzlein_per_length: Mapped[float | None]
    """Pa/m predicted by Eisfeld-Schnitzlein."""
    particle_diameter: Mapped[float | None]
    """m, the diameter the flow saw."""
    converged: Mapped[bool | None]
    iterations: Mapped[int | None]
    uncertainty: Mapped[float | None]
    """Pa/m from a grid convergence study; NULL: unknown (a single-resolution run)."""
    gci: Mapped[float | None]
    """The grid convergence index, a fraction of the pressure drop."""
    extrapolated: Mapped[float | None]
    """Pa/m, the Richardson-extrapolated pressure drop."""
    region_z_min: Mapped[float | None]
    """m, the lower end of the measured region."""
    region_z_max: Mapped[float | None]
    porosity_from: Mapped[str | None] = mapped_column(String(200))
    solver: Mapped[str | None] = mapped_column(String(32))
    solver_version: Mapped[str | None] = mapped_column(String(64))
    bedflow_version: Mapped[str | None] = mapped_column(String(32))
    """The bedflow that stored the result (NULL: stored before 0007)."""
    spec_hash: Mapped[str | None] = mapped_column(String(64))
    """The hash of the spec that ran (a study's point: the bed's spec with its values)."""
    flow: Mapped[FlowRecord] = mapped_column(ModelJSON(FlowRecord))

    simulation: Mapped[Simulation] = relationship()
