"""Schemas shared by every resource: the error body, a plain message, field types."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Email",
    "ErrorBody",
    "ErrorDetail",
    "FullName",
    "Instant",
    "Message",
    "Name",
    "Public",
    "Text",
]

# No control characters (NUL is refused by PostgreSQL; the others make no sense in a name).
_NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
_TEXT = r"^[^\x00]*$"

Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_NO_CONTROL)]
Text = Annotated[str, StringConstraints(max_length=10_000, pattern=_TEXT)]
FullName = Annotated[str, StringConstraints(max_length=200, pattern=_NO_CONTROL)]
"""A person's name, at sign-up and on a later change alike: may be empty, no control
characters."""
Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+$"),
]


def _utc_instant(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("give the time zone, e.g. 2026-01-01T00:00:00Z")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first representable time
        raise ValueError("the time is out of range") from None


Instant = Annotated[datetime, AfterValidator(_utc_instant)]
"""A point in time with its offset (``...Z`` or ``...+02:00``), as UTC; a time without an
offset, or one that is not a representable UTC time, is refused (422)."""


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
