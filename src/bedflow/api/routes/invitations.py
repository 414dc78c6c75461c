"""Invitations to projects: the owner (or an admin) invites an email address, lists and revokes
the pending ones; the invitee lists theirs and accepts or declines each.

An invitation is answered 201 with the same body whether or not the address has an account,
and nobody becomes a member without accepting.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, OwnedProject, SessionDep, write_limited
from bedflow.api.schemas import (
    ErrorBody,
    InvitationCreate,
    InvitationPublic,
    InvitationsPublic,
    ProjectPublic,
)
from bedflow.db import ProjectInvitation, crud

router = APIRouter(
    tags=["invitations"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}},
)


def _public(invitation: ProjectInvitation) -> InvitationPublic:
    return InvitationPublic(
        id=invitation.id,
        project_id=invitation.project_id,
        project_name=invitation.project.name,
        email=invitation.email,
        role=invitation.role,
        invited_by=invitation.invited_by.email if invitation.invited_by is not None else None,
        created_at=invitation.created_at,
    )


def _page(invitations: list[ProjectInvitation]) -> InvitationsPublic:
    return InvitationsPublic(data=[_public(i) for i in invitations], count=len(invitations))


@router.post(
    "/projects/{project_id}/invitations",
    status_code=201,
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def invite(
    session: SessionDep, user: CurrentUser, project: OwnedProject, body: InvitationCreate
) -> InvitationPublic:
    """Invite an email address to the project (owner or admin); inviting it again changes the
    role. The answer does not say whether the address has an account; the invitee becomes a
    member on accepting. 409 for the owner's or a member's address (change a member's role
    with ``PATCH .../members/{user_id}``)."""
    invitation = crud.invite(
        session, project=project, email=body.email, role=body.role, invited_by=user
    )
    crud.record_activity(
        session,
        user=user,
        action="project.invite",
        subject_type="project",
        subject_id=project.id,
        detail={"invitation_id": str(invitation.id), "role": invitation.role},
    )
    return _public(invitation)


@router.get("/projects/{project_id}/invitations", responses={403: {"model": ErrorBody}})
def list_project_invitations(session: SessionDep, project: OwnedProject) -> InvitationsPublic:
    """The project's pending invitations (owner or admin)."""
    return _page(crud.list_project_invitations(session, project=project))


@router.delete(
    "/projects/{project_id}/invitations/{invitation_id}",
    status_code=204,
    responses={403: {"model": ErrorBody}},
)
def revoke_invitation(
    session: SessionDep, user: CurrentUser, project: OwnedProject, invitation_id: uuid.UUID
) -> None:
    """Withdraw a pending invitation (owner or admin)."""
    invitation = crud.get_project_invitation(session, project=project, invitation_id=invitation_id)
    if invitation is None:
        raise ApiError(404, "no such invitation")
    crud.delete_invitation(session, invitation=invitation)
    crud.record_activity(
        session,
        user=user,
        action="project.invitation.revoke",
        subject_type="project",
        subject_id=project.id,
        detail={"invitation_id": str(invitation_id)},
    )


@router.get("/users/me/invitations")
def list_my_invitations(session: SessionDep, user: CurrentUser) -> InvitationsPublic:
    """The invitations waiting for the signed-in user's email address."""
    return _page(crud.list_user_invitations(session, user=user))


def _mine(session: SessionDep, user: CurrentUser, invitation_id: uuid.UUID) -> ProjectInvitation:
    invitation = crud.get_user_invitation(session, user=user, invitation_id=invitation_id)
    if invitation is None:
        raise ApiError(404, "no such invitation")
    return invitation


@router.post("/users/me/invitations/{invitation_id}/accept", responses={409: {"model": ErrorBody}})
def accept_invitation(
    session: SessionDep, user: CurrentUser, invitation_id: uuid.UUID
) -> ProjectPublic:
    """Join the project with the invitation's role; the answer is the project."""
    invitation = _mine(session, user, invitation_id)
    project = invitation.project
    member = crud.accept_invitation(session, invitation=invitation, user=user)
    crud.record_activity(
        session,
        user=user,
        action="project.member.join",
        subject_type="project",
        subject_id=project.id,
        detail={"invitation_id": str(invitation_id), "role": member.role},
    )
    return ProjectPublic.model_validate(project)


@router.post("/users/me/invitations/{invitation_id}/decline", status_code=204)
def decline_invitation(session: SessionDep, user: CurrentUser, invitation_id: uuid.UUID) -> None:
    """Refuse an invitation; the project's owner may invite again."""
    invitation = _mine(session, user, invitation_id)
    project_id = invitation.project_id
    crud.delete_invitation(session, invitation=invitation)
    crud.record_activity(
        session,
        user=user,
        action="project.invitation.decline",
        subject_type="project",
        subject_id=project_id,
        detail={"invitation_id": str(invitation_id)},
    )
