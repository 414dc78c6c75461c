"""The database: SQLAlchemy 2 mappings, engines, Alembic migrations and persistence functions.

SQLite in the data directory by default, PostgreSQL (psycopg 3) with a ``postgresql://`` URL.

>>> from bedflow.db import crud, make_engine, make_sessionmaker, upgrade
>>> upgrade("sqlite:///bedflow.db")  # doctest: +SKIP
>>> Session = make_sessionmaker(make_engine("sqlite:///bedflow.db"))  # doctest: +SKIP
>>> with Session() as session:  # doctest: +SKIP
...     crud.list_beds(session, user=user, diameter_min=0.02).count
"""

from bedflow.db import crud
from bedflow.db._base import utcnow
from bedflow.db._engine import make_engine, make_sessionmaker, pool_options, writing_engine
from bedflow.db._migrate import alembic_config, downgrade, upgrade
from bedflow.db._models import (
    Activity,
    ApiToken,
    Base,
    Bed,
    BedFile,
    Credential,
    InstallationSetting,
    Job,
    JobEvent,
    Project,
    ProjectInvitation,
    ProjectMember,
    Result,
    Simulation,
    Study,
    User,
)
from bedflow.db._types import FILE_KINDS, JOB_STATUSES, FileKind, JobStatus, MemberRole, Role

__all__ = [
    "FILE_KINDS",
    "JOB_STATUSES",
    "Activity",
    "ApiToken",
    "Base",
    "Bed",
    "BedFile",
    "Credential",
    "FileKind",
    "InstallationSetting",
    "Job",
    "JobEvent",
    "JobStatus",
    "MemberRole",
    "Project",
    "ProjectInvitation",
    "ProjectMember",
    "Result",
    "Role",
    "Simulation",
    "Study",
    "User",
    "alembic_config",
    "crud",
    "downgrade",
    "make_engine",
    "make_sessionmaker",
    "pool_options",
    "upgrade",
    "utcnow",
    "writing_engine",
]
