"""Every ORM mapping, imported together so the metadata is complete (Alembic, create_all)."""

from bedflow.db._accounts import (
    Activity,
    ApiToken,
    Credential,
    InstallationSetting,
    Project,
    ProjectInvitation,
    ProjectMember,
    User,
)
from bedflow.db._base import Base
from bedflow.db._beds import Bed, BedFile, Job, JobEvent, Result, Simulation, Study

__all__ = [
    "Activity",
    "ApiToken",
    "Base",
    "Bed",
    "BedFile",
    "Credential",
    "InstallationSetting",
    "Job",
    "JobEvent",
    "Project",
    "ProjectInvitation",
    "ProjectMember",
    "Result",
    "Simulation",
    "Study",
    "User",
]
