"""Beds: created from a BedSpec (JSON) or `.bed` text, listed with their main parameters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from bedflow.api.schemas.common import Name, Public, Text
from bedflow.db.crud import BED_SORT_KEYS
from bedflow.dsl import BedSpec

__all__ = [
    "BED_SORTS",
    "BedBase",
    "BedCreate",
    "BedListQuery",
    "BedPublic",
    "BedText",
    "BedUpdate",
    "BedsPublic",
]

BED_SORTS = tuple(sorted(BED_SORT_KEYS)) + tuple(f"-{k}" for k in sorted(BED_SORT_KEYS))
BedSort = Literal[
    "created_at",
    "updated_at",
    "name",
    "column_diameter",
    "column_height",
    "particle_diameter",
    "particle_count",
    "-created_at",
    "-updated_at",
    "-name",
    "-column_diameter",
    "-column_height",
    "-particle_diameter",
    "-particle_count",
]

BedSourceText = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]

EXAMPLE_TEXT = """name = "spheres-d10";
bed { diameter = 50 mm; height = 100 mm; }
particles { kind = sphere; diameter = 5 mm; count = 1000; }
cfd { solver = lbm; inlet_velocity = 0.01 m/s; }
"""


class BedBase(BaseModel):
    """What names a bed."""

    name: str = Field(examples=["spheres-d10"])
    description: str = ""


class BedText(BaseModel):
    """A bed as `.bed` source text."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": EXAMPLE_TEXT}]}
    )

    text: BedSourceText


class BedCreate(RootModel[BedSpec | BedText]):
    """A new bed: a BedSpec (JSON, SI units) or ``{"text": "<.bed source>"}``; the same
    endpoint also takes the `.bed` source itself as ``text/plain``."""


class BedUpdate(BaseModel):
    """A partial change: rename, redescribe, move to a project (``null`` takes it out of its
    project), or replace the spec by `.bed` text."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "spheres-d10-b", "project_id": None}]},
    )

    name: Name | None = None
    description: Text | None = None
    project_id: uuid.UUID | None = None
    text: BedSourceText | None = None


class BedPublic(BedBase, Public):
    """A bed and its main parameters (SI: m)."""

    id: uuid.UUID
    owner_id: uuid.UUID
    project_id: uuid.UUID | None
    spec_hash: str
    column_diameter: float = Field(examples=[0.05])
    column_height: float = Field(examples=[0.1])
    particle_kind: str = Field(examples=["sphere"])
    particle_diameter: float = Field(examples=[0.005])
    particle_count: int | None = Field(examples=[1000])
    packing_method: str = Field(examples=["dem"])
    solver: str = Field(examples=["lbm"])
    created_at: datetime
    updated_at: datetime


class BedsPublic(BaseModel):
    """A page of beds and how many match in all."""

    data: list[BedPublic]
    count: int


_Length = Annotated[float | None, Field(ge=0, le=1e6, allow_inf_nan=False)]
_Count = Annotated[int | None, Field(ge=0, le=2**31 - 1)]
_Word = Annotated[str | None, Field(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]


class BedListQuery(BaseModel):
    """The query of a bed listing: one page, its order, and filters (lengths in m, ranges
    inclusive). Read as one model: validating twenty parameters one by one took a tenth of a
    listing's time in the server."""

    offset: int = Field(0, ge=0, le=10**9)
    limit: int = Field(50, ge=1, le=200)
    sort: BedSort = "-created_at"
    q: str | None = Field(None, max_length=200, pattern=r"^[^\x00]*$", description="name contains")
    project_id: uuid.UUID | None = None
    mine: bool = Field(False, description="only the beds I own")
    kind: _Word = None
    method: _Word = None
    solver: _Word = None
    spec_hash: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    diameter_min: _Length = None
    diameter_max: _Length = None
    height_min: _Length = None
    height_max: _Length = None
    particle_diameter_min: _Length = None
    particle_diameter_max: _Length = None
    count_min: _Count = None
    count_max: _Count = None
