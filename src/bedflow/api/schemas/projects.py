"""Projects, their members and the invitations to join them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bedflow.api.schemas.common import Email, Name, Public, Text

MemberRole = Literal["viewer", "editor"]

__all__ = [
    "InvitationBase",
    "InvitationCreate",
    "InvitationPublic",
    "InvitationsPublic",
    "MemberPublic",
    "MemberUpdate",
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


class InvitationBase(BaseModel):
    """Whom a project invites, and as what: viewers read its beds, editors change them."""

    email: Email = Field(examples=["bob@example.com"])
    role: MemberRole = "viewer"


class InvitationCreate(InvitationBase):
    """An invitation to an email address; it waits until the invitee accepts or declines."""

    model_config = ConfigDict(extra="forbid")


class InvitationPublic(InvitationBase, Public):
    """A pending invitation, as the project's owner and the invitee see it."""

    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str = Field(examples=["wall effects"])
    invited_by: str | None = Field(examples=["alice@example.com"], description="their email")
    created_at: datetime


class InvitationsPublic(BaseModel):
    """Pending invitations."""

    data: list[InvitationPublic]
    count: int


class MemberUpdate(BaseModel):
    """A member's new role."""

    model_config = ConfigDict(extra="forbid")

    role: MemberRole


class MemberPublic(Public):
    """A member of a project."""

    user_id: uuid.UUID
    email: str
    role: MemberRole
    created_at: datetime


class MembersPublic(BaseModel):
    """The members of a project."""

    data: list[MemberPublic]
    count: int
