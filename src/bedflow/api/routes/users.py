"""Accounts: signup, one's own account, and the admin's list of users."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bedflow.api._errors import ApiError
from bedflow.api._passwords import NewAccountDep
from bedflow.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    forget_identities,
    login_limited,
)
from bedflow.api.schemas import (
    ErrorBody,
    PasswordUpdate,
    UserPublic,
    UsersPublic,
    UserUpdate,
    UserUpdateMe,
)
from bedflow.db import User, crud

router = APIRouter(
    prefix="/users", tags=["users"], dependencies=[Depends(forget_identities, scope="function")]
)


@router.post(
    "/signup",
    status_code=201,
    dependencies=[Depends(login_limited)],
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}},
)
def register(account: NewAccountDep, session: SessionDep) -> UserPublic:
    """Create an account (role user); then sign in at ``/login/access-token``."""
    body = account.body
    user = crud.create_user(
        session,
        email=body.email,
        hashed_password=account.hashed_password,
        full_name=body.full_name,
    )
    crud.record_activity(session, user=user, action="user.signup")
    return UserPublic.model_validate(user)


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    """The signed-in user."""
    return UserPublic.model_validate(user)


@router.patch("/me", responses={409: {"model": ErrorBody}})
def update_me(session: SessionDep, user: CurrentUser, body: UserUpdateMe) -> UserPublic:
    """Change one's own email or name."""
    crud.update_user(session, user=user, email=body.email, full_name=body.full_name)
    return UserPublic.model_validate(user)


@router.put("/me/password", status_code=204, responses={400: {"model": ErrorBody}})
def update_password(session: SessionDep, user: CurrentUser, body: PasswordUpdate) -> None:
    """Change one's password (the current one is required)."""
    if not crud.verify_password(body.current_password, user.hashed_password):
        raise ApiError(400, "the current password is wrong")
    crud.update_user(session, user=user, password=body.new_password)
    crud.record_activity(session, user=user, action="user.password")


@router.get("")
def list_users(
    session: SessionDep,
    _: AdminUser,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> UsersPublic:
    """Every user (admins only)."""
    page = crud.list_users(session, offset=offset, limit=limit)
    return UsersPublic(data=[UserPublic.model_validate(u) for u in page.data], count=page.count)


@router.patch("/{user_id}", responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}})
def update_user(
    session: SessionDep, admin: AdminUser, user_id: uuid.UUID, body: UserUpdate
) -> UserPublic:
    """Change a user's role, activity or name (admins only; not one's own role)."""
    user: User | None = crud.get_user(session, user_id=user_id)
    if user is None:
        raise ApiError(404, "user not found")
    if user.id == admin.id and (body.role == "user" or body.is_active is False):
        raise ApiError(403, "an admin cannot demote or deactivate themselves")
    crud.update_user(
        session, user=user, role=body.role, is_active=body.is_active, full_name=body.full_name
    )
    crud.record_activity(
        session, user=admin, action="user.update", subject_type="user", subject_id=user.id
    )
    return UserPublic.model_validate(user)
