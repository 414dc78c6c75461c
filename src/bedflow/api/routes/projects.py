"""Projects: create, list, read, change, delete, and their members (the owner manages them;
people join by accepting an invitation, ``routes/invitations.py``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, OwnedProject, SessionDep, VisibleProject, write_limited
from bedflow.api.schemas import (
    ErrorBody,
    MemberPublic,
    MembersPublic,
    MemberUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectsPublic,
    ProjectUpdate,
)
from bedflow.db import ProjectMember, crud

router = APIRouter(
    prefix="/projects",
    tags=["projects"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


def _member(m: ProjectMember) -> MemberPublic:
    return MemberPublic(user_id=m.user_id, email=m.user.email, role=m.role, created_at=m.created_at)


@router.post("", status_code=201)
def create_project(session: SessionDep, user: CurrentUser, body: ProjectCreate) -> ProjectPublic:
    """A new project owned by the current user."""
    project = crud.create_project(session, owner=user, name=body.name, description=body.description)
    crud.record_activity(
        session, user=user, action="project.create", subject_type="project", subject_id=project.id
    )
    return ProjectPublic.model_validate(project)


@router.get("")
def list_projects(
    session: SessionDep,
    user: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> ProjectsPublic:
    """The projects the user owns or belongs to."""
    page = crud.list_projects(session, user=user, offset=offset, limit=limit)
    return ProjectsPublic(
        data=[ProjectPublic.model_validate(p) for p in page.data], count=page.count
    )


@router.get("/{project_id}")
def read_project(project: VisibleProject) -> ProjectPublic:
    """One project."""
    return ProjectPublic.model_validate(project)


@router.patch("/{project_id}", responses={403: {"model": ErrorBody}})
def update_project(
    session: SessionDep, project: OwnedProject, body: ProjectUpdate
) -> ProjectPublic:
    """Rename or redescribe a project (its owner only)."""
    crud.update_project(session, project=project, name=body.name, description=body.description)
    return ProjectPublic.model_validate(project)


@router.delete("/{project_id}", status_code=204, responses={403: {"model": ErrorBody}})
def delete_project(session: SessionDep, user: CurrentUser, project: OwnedProject) -> None:
    """Delete a project; its beds stay with their owners, outside any project."""
    crud.record_activity(
        session, user=user, action="project.delete", subject_type="project", subject_id=project.id
    )
    crud.delete_project(session, project=project)


@router.get("/{project_id}/members")
def list_members(session: SessionDep, project: VisibleProject) -> MembersPublic:
    """The members of a project and their roles."""
    members = crud.list_members(session, project=project)
    return MembersPublic(data=[_member(m) for m in members], count=len(members))


@router.patch(
    "/{project_id}/members/{user_id}",
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def change_member_role(
    session: SessionDep,
    user: CurrentUser,
    project: OwnedProject,
    user_id: uuid.UUID,
    body: MemberUpdate,
) -> MemberPublic:
    """Change a member's role: viewers read the beds, editors change them. A new member
    joins by accepting an invitation (``POST .../invitations``)."""
    member = crud.get_member(session, project=project, user_id=user_id)
    if member is None:
        raise ApiError(404, "no such member")
    member = crud.add_member(session, project=project, user=member.user, role=body.role)
    crud.record_activity(
        session,
        user=user,
        action="project.member.role",
        subject_type="project",
        subject_id=project.id,
        detail={"user_id": str(user_id), "role": body.role},
    )
    return _member(member)


@router.delete(
    "/{project_id}/members/{user_id}", status_code=204, responses={403: {"model": ErrorBody}}
)
def remove_member(
    session: SessionDep, user: CurrentUser, project: OwnedProject, user_id: uuid.UUID
) -> None:
    """Remove a member from a project."""
    member_user = crud.get_user(session, user_id=user_id)
    if member_user is None or not crud.remove_member(session, project=project, user=member_user):
        raise ApiError(404, "no such member")
    crud.record_activity(
        session,
        user=user,
        action="project.member.remove",
        subject_type="project",
        subject_id=project.id,
        detail={"user_id": str(user_id)},
    )
