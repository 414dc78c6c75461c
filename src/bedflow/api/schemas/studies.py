"""Parameter studies: a grid of `.bed` settings over a bed, one job per point."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from bedflow.api.schemas.runs import JobOptions, ResultFigures
from bedflow.db import JobStatus
from bedflow.pipeline import JobParams

__all__ = [
    "StudiesPublic",
    "StudyCreate",
    "StudyDetail",
    "StudyPoint",
    "StudyPublic",
]


def _as_text(value: Any) -> Any:
    # A count or a plain number may be written as a JSON number; bool is not a setting value.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


SettingName = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$", max_length=64)
]
SettingValue = Annotated[
    str,
    BeforeValidator(_as_text),
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$"
    ),
]


class StudyCreate(JobOptions):
    """A study: every combination of the grid's values runs as one pipeline job on the bed."""

    bed_id: uuid.UUID
    name: str = Field("", max_length=200, examples=["velocity sweep"])
    grid: dict[SettingName, Annotated[list[SettingValue], Field(min_length=1, max_length=100)]] = (
        Field(
            min_length=1,
            max_length=8,
            description="`section.key` -> values in .bed syntax; at most 100 points in all",
            examples=[{"cfd.inlet_velocity": ["0.01 m/s", "0.02 m/s", "0.05 m/s"]}],
        )
    )


class StudyPublic(BaseModel):
    """A study with how many of its jobs are in each status."""

    id: uuid.UUID
    user_id: uuid.UUID
    bed_id: uuid.UUID
    name: str
    grid: dict[str, list[str]]
    params: JobParams = Field(description="how every point runs: stages, force, engine, solver")
    created_at: datetime
    points: int
    status: JobStatus = Field(
        description="queued until a point starts, running while any is queued or running, "
        "then succeeded (all did), failed (any did) or cancelled"
    )
    counts: dict[str, int] = Field(examples=[{"queued": 1, "running": 1, "succeeded": 1}])


class StudyPoint(BaseModel):
    """One point of a study: its settings, its job, and its result once it succeeded (SI)."""

    index: int
    parameters: dict[str, str] = Field(examples=[{"cfd.inlet_velocity": "0.01 m/s"}])
    job_id: uuid.UUID
    status: JobStatus
    progress: int
    error: str | None
    simulation_id: uuid.UUID | None
    result: ResultFigures | None = Field(description="the point's result once it succeeded")


class StudyDetail(StudyPublic):
    """A study and its table: one row per point, in grid order."""

    table: list[StudyPoint]


class StudiesPublic(BaseModel):
    """A page of studies."""

    data: list[StudyPublic]
    count: int
