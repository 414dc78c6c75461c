"""Users, sign-in and personal API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from bedflow.api.schemas.common import Email, FullName, Name, Public

__all__ = [
    "AccessToken",
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenPublic",
    "ApiTokensPublic",
    "PasswordUpdate",
    "UserBase",
    "UserCreate",
    "UserPublic",
    "UserUpdate",
    "UserUpdateMe",
    "UsersPublic",
]

Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]


class UserBase(BaseModel):
    """What a user says about themselves."""

    email: Email = Field(examples=["alice@example.com"])
    full_name: FullName = Field("", examples=["Alice Liddell"])


class UserCreate(UserBase):
    """A signup."""

    model_config = ConfigDict(extra="forbid")

    password: Password = Field(examples=["correct horse battery"])


class UserUpdateMe(BaseModel):
    """A change to one's own account."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    full_name: FullName | None = None


class PasswordUpdate(BaseModel):
    """A new password, with the current one to prove it is the account's owner."""

    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, StringConstraints(max_length=128)]
    new_password: Password


class UserUpdate(BaseModel):
    """An admin's change to any account."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "user"] | None = None
    is_active: bool | None = None
    full_name: FullName | None = None


class UserPublic(Public):
    """A user as shown (never the password hash)."""

    id: uuid.UUID
    email: str
    full_name: str
    role: Literal["admin", "user"]
    is_active: bool
    created_at: datetime


class UsersPublic(BaseModel):
    """A page of users."""

    data: list[UserPublic]
    count: int


class AccessToken(BaseModel):
    """The answer of a sign-in (OAuth2 password flow)."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime


class ApiTokenCreate(BaseModel):
    """A new personal token for the CLI."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["laptop"])
    expires_in_days: int | None = Field(None, ge=1, le=3650, examples=[90])


class ApiTokenPublic(Public):
    """A personal token as listed: its prefix, never the token."""

    id: uuid.UUID
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    """A token just created: the only time the token itself is shown."""

    token: str = Field(examples=["bf_3q2-..."])


class ApiTokensPublic(BaseModel):
    """The user's tokens."""

    data: list[ApiTokenPublic]
    count: int
