"""Projects and their members."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import ConflictError
from bedflow.db._accounts import Project, ProjectMember, User
from bedflow.db._types import MemberRole
from bedflow.db.crud._access import visible_projects_query
from bedflow.db.crud._common import Page, paginate

ProjectRole = Literal["admin", "owner", "editor", "viewer"]

__all__ = [
    "add_member",
    "create_project",
    "delete_project",
    "get_member",
    "get_project",
    "list_members",
    "list_projects",
    "project_role",
    "remove_member",
    "update_project",
]


def create_project(session: Session, *, owner: User, name: str, description: str = "") -> Project:
    """A new project owned by ``owner``."""
    project = Project(owner_id=owner.id, name=name, description=description)
    session.add(project)
    session.commit()
    return project


def get_project(session: Session, *, user: User, project_id: uuid.UUID) -> Project | None:
    """The project if ``user`` may see it, else None."""
    return session.scalar(visible_projects_query(user).where(Project.id == project_id))


def list_projects(
    session: Session, *, user: User, offset: int = 0, limit: int = 100, sort: str = "name"
) -> Page[Project]:
    """The projects ``user`` owns or belongs to."""
    sortable = {"name": Project.name, "created_at": Project.created_at}
    return paginate(
        session,
        visible_projects_query(user),
        offset=offset,
        limit=limit,
        sort=sort,
        sortable=sortable,
        tiebreak=Project.id,
    )


def update_project(
    session: Session, *, project: Project, name: str | None = None, description: str | None = None
) -> Project:
    """Rename or redescribe ``project``."""
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    session.commit()
    return project


def delete_project(session: Session, *, project: Project) -> None:
    """Delete ``project``; its beds stay with their owners, outside any project."""
    session.delete(project)
    session.commit()


def add_member(
    session: Session, *, project: Project, user: User, role: MemberRole = "viewer"
) -> ProjectMember:
    """Add ``user`` to ``project`` (or change their role)."""
    member = session.get(ProjectMember, (project.id, user.id))
    if member is None:
        member = ProjectMember(project_id=project.id, user_id=user.id, role=role)
        session.add(member)
    else:
        member.role = role
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError("cannot add this member") from exc
    return member


def remove_member(session: Session, *, project: Project, user: User) -> bool:
    """Remove ``user`` from ``project``; False when they were not a member."""
    member = session.get(ProjectMember, (project.id, user.id))
    if member is None:
        return False
    session.delete(member)
    session.commit()
    return True


def get_member(session: Session, *, project: Project, user_id: uuid.UUID) -> ProjectMember | None:
    """The membership of the user ``user_id`` in ``project``, or None."""
    return session.get(ProjectMember, (project.id, user_id))


def list_members(session: Session, *, project: Project) -> list[ProjectMember]:
    """The members of ``project``."""
    stmt = select(ProjectMember).where(ProjectMember.project_id == project.id)
    return list(session.scalars(stmt.order_by(ProjectMember.created_at)))


def project_role(session: Session, *, user: User, project: Project) -> ProjectRole | None:
    """What ``user`` is in ``project``: admin, owner, editor, viewer, or None (an outsider)."""
    if user.is_admin:
        return "admin"
    if project.owner_id == user.id:
        return "owner"
    member = session.get(ProjectMember, (project.id, user.id))
    return member.role if member is not None else None
