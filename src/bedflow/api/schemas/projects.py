"""Projects and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bedflow.api.schemas.common import Email, Name, Public, Text

__all__ = [
    "MemberCreate",
    "MemberPublic",
    "MembersPublic",
    "ProjectBase",
    "ProjectCreate",
    "ProjectPublic",
    "ProjectUpdate",
    "ProjectsPublic",
]


class ProjectBase(BaseModel):
    """A project's name and description."""

    name: Name = Field(examples=["wall effects"])
    description: Text = Field("", examples=["D/d from 5 to 20"])


class ProjectCreate(ProjectBase):
    """A new project, owned by whoever creates it."""

    model_config = ConfigDict(extra="forbid")


class ProjectUpdate(BaseModel):
    """A change to a project."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Text | None = None


class ProjectPublic(Public):
    """A project as shown."""

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class ProjectsPublic(BaseModel):
    """A page of projects."""

    data: list[ProjectPublic]
    count: int


class MemberCreate(BaseModel):
    """Add a user (by email) to a project: viewers read its beds, editors change them."""

    model_config = ConfigDict(extra="forbid")

    email: Email = Field(examples=["bob@example.com"])
    role: Literal["viewer", "editor"] = "viewer"


class MemberPublic(Public):
    """A member of a project."""

    user_id: uuid.UUID
    email: str
    role: Literal["viewer", "editor"]
    created_at: datetime


class MembersPublic(BaseModel):
    """The members of a project."""

    data: list[MemberPublic]
    count: int
