"""Accounts: signup, one's own account, and the admin's list of users."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from bedflow.api._errors import ApiError
from bedflow.api._passwords import NewAccountDep, change_password, hashing_admitted
from bedflow.api.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    StateDep,
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
    dependencies=[Depends(hashing_admitted), Depends(login_limited)],
    responses={403: {"model": ErrorBody}, 409: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def register(account: NewAccountDep, session: SessionDep) -> UserPublic:
    """Create an account (role user); then sign in at ``/login/access-token``.

    Limited per client address as sign-ins are (``login_limit``); when too many sign-ups and
    sign-ins wait for a password hash (``BEDFLOW_SIGNIN_QUEUE``), 429 with ``Retry-After``."""
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


@router.put(
    "/me/password",
    status_code=204,
    dependencies=[Depends(hashing_admitted)],
    responses={400: {"model": ErrorBody}, 409: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
async def update_password(
    state: StateDep, session: SessionDep, user: CurrentUser, body: PasswordUpdate
) -> None:
    """Change one's password (the current one is required); every token issued before is
    signed out. It waits in the sign-ins' queue for its password hashes: 429 with
    ``Retry-After`` when that is full (``BEDFLOW_SIGNIN_QUEUE``)."""
    await change_password(state, session, user, body)


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
