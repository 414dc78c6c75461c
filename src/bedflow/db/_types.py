"""Value sets of the platform's choice columns (stored as short strings with a CHECK)."""

from __future__ import annotations

from typing import Literal, get_args

from sqlalchemy import CheckConstraint

__all__ = [
    "FILE_KINDS",
    "FINISHED",
    "JOB_STATUSES",
    "FileKind",
    "JobStatus",
    "MemberRole",
    "Role",
    "RunStatus",
    "one_of",
]

Role = Literal["admin", "user"]
MemberRole = Literal["viewer", "editor"]
FileKind = Literal[
    "bed", "stl", "glb", "obj", "ply", "blend", "foam", "vti", "png", "json", "other"
]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
RunStatus = JobStatus

FILE_KINDS: tuple[FileKind, ...] = get_args(FileKind)
JOB_STATUSES: tuple[JobStatus, ...] = get_args(JobStatus)
FINISHED: tuple[JobStatus, ...] = ("succeeded", "failed", "cancelled")


def one_of(column: str, values: object, name: str | None = None) -> CheckConstraint:
    """A CHECK that ``column`` holds one of the Literal type's ``values``."""
    allowed = ", ".join(f"'{v}'" for v in get_args(values))
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)
