"""Invitations to projects: made by a project's owner for an email address, answered by the
person who signs in with that address.

Nothing here tells the inviter whether the address has an account: an invitation is made
and shown the same way either way, and the account that signs up with the address later
finds it waiting.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import ConflictError
from bedflow.db._accounts import Project, ProjectInvitation, ProjectMember, User
from bedflow.db._types import MemberRole

__all__ = [
    "accept_invitation",
    "delete_invitation",
    "get_project_invitation",
    "get_user_invitation",
    "invite",
    "list_project_invitations",
    "list_user_invitations",
]


def _address(email: str) -> str:
    return email.strip().lower()


def invite(
    session: Session, *, project: Project, email: str, role: MemberRole, invited_by: User
) -> ProjectInvitation:
    """Invite ``email`` to ``project`` as ``role`` (a pending invitation to the same address
    takes the new role). ConflictError when the address is the owner's or a member's: the
    inviter sees both already, so this reveals nothing about other addresses."""
    address = _address(email)
    owner = session.get(User, project.owner_id)
    if owner is not None and _address(owner.email) == address:
        raise ConflictError("the owner is not a member of their own project")
    member = session.scalar(
        select(ProjectMember.user_id)
        .join(User, User.id == ProjectMember.user_id)
        .where(ProjectMember.project_id == project.id, func.lower(User.email) == address)
    )
    if member is not None:
        raise ConflictError("this address is already a member: change the member's role")
    invitation = session.scalar(
        select(ProjectInvitation).where(
            ProjectInvitation.project_id == project.id, ProjectInvitation.email == address
        )
    )
    if invitation is None:
        invitation = ProjectInvitation(project_id=project.id, email=address)
        session.add(invitation)
    invitation.role = role
    invitation.invited_by_id = invited_by.id
    try:
        session.commit()
    except IntegrityError as exc:  # the same address invited at the same moment
        session.rollback()
        raise ConflictError("this address was invited at the same moment") from exc
    session.refresh(invitation)
    return invitation


def list_project_invitations(session: Session, *, project: Project) -> list[ProjectInvitation]:
    """The pending invitations of ``project``, oldest first."""
    stmt = select(ProjectInvitation).where(ProjectInvitation.project_id == project.id)
    return list(session.scalars(stmt.order_by(ProjectInvitation.created_at, ProjectInvitation.id)))


def get_project_invitation(
    session: Session, *, project: Project, invitation_id: uuid.UUID
) -> ProjectInvitation | None:
    """One pending invitation of ``project``, or None."""
    invitation = session.get(ProjectInvitation, invitation_id)
    return invitation if invitation is not None and invitation.project_id == project.id else None


def list_user_invitations(session: Session, *, user: User) -> list[ProjectInvitation]:
    """The pending invitations addressed to ``user``'s email, oldest first."""
    stmt = select(ProjectInvitation).where(ProjectInvitation.email == _address(user.email))
    return list(session.scalars(stmt.order_by(ProjectInvitation.created_at, ProjectInvitation.id)))


def get_user_invitation(
    session: Session, *, user: User, invitation_id: uuid.UUID
) -> ProjectInvitation | None:
    """One pending invitation addressed to ``user``, or None (also for anyone else's)."""
    invitation = session.get(ProjectInvitation, invitation_id)
    if invitation is None or invitation.email != _address(user.email):
        return None
    return invitation


def accept_invitation(
    session: Session, *, invitation: ProjectInvitation, user: User
) -> ProjectMember:
    """Make ``user`` a member with the invitation's role and drop the invitation, in one
    commit. ConflictError when ``user`` owns the project (their address changed since)."""
    project = invitation.project
    if project.owner_id == user.id:
        session.delete(invitation)
        session.commit()
        raise ConflictError("the owner is not a member of their own project")
    member = session.get(ProjectMember, (project.id, user.id))
    if member is None:
        member = ProjectMember(project_id=project.id, user_id=user.id, role=invitation.role)
        session.add(member)
    else:
        member.role = invitation.role
    session.delete(invitation)
    try:
        session.commit()
    except IntegrityError as exc:  # answered twice at the same moment
        session.rollback()
        raise ConflictError("the invitation was answered meanwhile") from exc
    return member


def delete_invitation(session: Session, *, invitation: ProjectInvitation) -> None:
    """Drop a pending invitation: declined by the invitee or revoked by the project."""
    session.delete(invitation)
    session.commit()
