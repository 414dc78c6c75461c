"""Files of a bed (artifacts in the object store)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from bedflow.api.schemas.common import Public
from bedflow.db import FileKind

__all__ = ["FilePublic", "FilesPublic"]


class FilePublic(Public):
    """A stored file: ``filename`` is what the client called it, for display only."""

    id: uuid.UUID
    bed_id: uuid.UUID
    kind: FileKind
    filename: str = Field(examples=["bed.stl"])
    size: int = Field(examples=[1048576])
    sha256: str
    content_type: str = Field(examples=["model/stl"])
    created_at: datetime


class FilesPublic(BaseModel):
    """The files of a bed."""

    data: list[FilePublic]
    count: int
