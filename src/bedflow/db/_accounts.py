"""ORM mappings of the people and the installation: users, tokens, projects, secrets, history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bedflow.db._base import Base, CreatedMixin, IdMixin, JSONType, utcnow
from bedflow.db._types import MemberRole, Role, one_of

__all__ = [
    "Activity",
    "ApiToken",
    "Credential",
    "InstallationSetting",
    "Project",
    "ProjectInvitation",
    "ProjectMember",
    "User",
]


class User(IdMixin, CreatedMixin, Base):
    """A person who signs in; ``role`` admin sees everything."""

    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    email: Mapped[str] = mapped_column(String(320), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(String(16), default="user")
    is_active: Mapped[bool] = mapped_column(default=True)
    password_changed_at: Mapped[datetime | None]
    """When the password last changed: access tokens issued before then are refused."""

    @property
    def is_admin(self) -> bool:
        """Whether the user may see and change everything."""
        return self.role == "admin"


class ApiToken(IdMixin, CreatedMixin, Base):
    """A personal token for the CLI; only its sha256 is stored, its prefix is shown."""

    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def is_usable(self, now: datetime | None = None) -> bool:
        """Not revoked and not expired."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Project(IdMixin, CreatedMixin, Base):
    """A group of beds owned by one user and shared with its members."""

    __tablename__ = "projects"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )


class ProjectMember(CreatedMixin, Base):
    """A user's membership of a project: viewers read its beds, editors also change them."""

    __tablename__ = "project_members"
    __table_args__ = (one_of("role", MemberRole),)

    project_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[MemberRole] = mapped_column(String(16), default="viewer")

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")


class ProjectInvitation(IdMixin, CreatedMixin, Base):
    """An invitation to join a project, pending until the invitee accepts or declines it (or
    the project's owner revokes it); then the row goes. It names an email address, not a
    user: whether the address has an account is not revealed, and an account that signs up
    with it later sees the invitation."""

    __tablename__ = "project_invitations"
    __table_args__ = (
        UniqueConstraint("project_id", "email", name="uq_project_invitations_project_email"),
        one_of("role", MemberRole),
    )

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    """The invitee's address in lower case."""
    role: Mapped[MemberRole] = mapped_column(String(16), default="viewer")
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    project: Mapped[Project] = relationship(lazy="joined")
    invited_by: Mapped[User | None] = relationship(lazy="joined")


class InstallationSetting(Base):
    """One setting of this installation (engines enabled and their options), as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Credential(IdMixin, CreatedMixin, Base):
    """A secret for an external service, Fernet-encrypted; only a masked hint is ever shown.
    It belongs to the user who created it (``created_by_id``): users keep their own, for
    destinations they own; admins' are the ones the settings page lists."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("created_by_id", "name", name="uq_credentials_created_by_name"),
    )

    name: Mapped[str] = mapped_column(String(100))
    """Unique among its owner's credentials (``created_by_id``)."""
    service: Mapped[str] = mapped_column(String(64))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    hint: Mapped[str] = mapped_column(String(8), default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def masked(self) -> str:
        """The secret as shown to users: dots and at most its last four characters."""
        return "••••" + self.hint


class Activity(IdMixin, CreatedMixin, Base):
    """Who did what when: the history shown on the dashboard."""

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32), default="")
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
