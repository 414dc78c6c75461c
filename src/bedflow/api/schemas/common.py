"""Schemas shared by every resource: the error body, a plain message, field types."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = ["Email", "ErrorBody", "ErrorDetail", "Message", "Name", "Public", "Text"]

# No control characters (NUL is refused by PostgreSQL; the others make no sense in a name).
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
_TEXT = r"^[^\x00]*$"

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_NO_CONTROL)]
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=_TEXT)]
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$"),
]


class Public(BaseModel):
    """A response read from an ORM object."""

    model_config = ConfigDict(from_attributes=True)


class Message(BaseModel):
    """A short answer with nothing else to return."""

    message: str


class ErrorDetail(BaseModel):
    """The error itself: a stable code, a message for people, and details (fields, lines)."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["bed not found"])
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """Every error response has this body."""

    error: ErrorDetail
