"""Passwords checked and hashed before the request takes a database slot.

An argon2 hash or check is a fraction of a second of CPU (64 MiB, 3 passes, 4 lanes). Done
while holding one of the process's few database slots (``_dbgate``), a burst of sign-ins held
back every other request of the process: the cluster's load test saw reads wait seconds and
nginx time the APIs out. So a sign-in reads its candidate accounts in a short session of its
own, gives the slot back, checks the password in a worker thread under ``hash_limiter`` (at
most one hash per two cores; the others wait on the event loop, holding no thread), and only
then takes the route's session to finish. A sign-up hashes before its session likewise.

The routes declare these dependencies before ``SessionDep``: FastAPI resolves a route's
dependencies in the order of its parameters, so the slot is taken after the hash.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from bedflow.api._dbgate import gated_session
from bedflow.api._errors import ApiError
from bedflow.api._state import AppState
from bedflow.api.deps import StateDep, client_address
from bedflow.api.schemas import UserCreate
from bedflow.db import User, crud

__all__ = ["CheckedLogin", "CheckedLoginDep", "NewAccount", "NewAccountDep", "signed_in"]

T = TypeVar("T")


async def _hashing(state: AppState, call: partial[T]) -> T:
    return await anyio.to_thread.run_sync(call, limiter=state.hash_limiter)


def _refused(state: AppState, address: str) -> ApiError:
    state.limiter.hit(state.config.login_failure_limit, "login-failed", address)
    return ApiError(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class CheckedLogin:
    """A sign-in whose password opened ``user_id``'s account (its hash as checked)."""

    user_id: uuid.UUID
    checked_hash: str
    rehash: str | None
    address: str


async def checked_login(
    request: Request, state: StateDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> CheckedLogin:
    """The form's email and password checked (401 otherwise), no database slot held while
    hashing. Failed attempts count against the address (``login_failure_limit``)."""
    address = client_address(request)
    state.limiter.check(state.config.login_failure_limit, "login-failed", address)
    async with gated_session(state.db_gate, state.read_sessions) as session:
        candidates = await anyio.to_thread.run_sync(
            partial(crud.login_candidates, session, email=form.username)
        )
    found = await _hashing(state, partial(crud.check_login, candidates, password=form.password))
    if found is None:
        raise _refused(state, address)
    user_id, rehash = found
    checked = next(c.hashed_password for c in candidates if c.user_id == user_id)
    return CheckedLogin(user_id, checked, rehash, address)


CheckedLoginDep = Annotated[CheckedLogin, Depends(checked_login)]


def signed_in(state: AppState, session: Session, login: CheckedLogin) -> User:
    """The user of a checked sign-in, the sign-in recorded; 401 when the account was
    deactivated or its password changed since the check."""
    user = crud.finish_login(
        session, user_id=login.user_id, checked_hash=login.checked_hash, rehash=login.rehash
    )
    if user is None:
        raise _refused(state, login.address)
    crud.record_activity(session, user=user, action="user.login", detail={"address": login.address})
    return user


@dataclass(frozen=True)
class NewAccount:
    """A sign-up whose password passed the strength check, with its hash."""

    body: UserCreate
    hashed_password: str


async def new_account(state: StateDep, body: UserCreate) -> NewAccount:
    """403 when sign-up is closed; the password checked and hashed, no database slot held."""
    if not state.settings.signup_open:
        raise ApiError(403, "signup is closed on this installation: ask an admin")
    hashed = await _hashing(
        state,
        partial(crud.new_password_hash, body.password, email=body.email, full_name=body.full_name),
    )
    return NewAccount(body, hashed)


NewAccountDep = Annotated[NewAccount, Depends(new_account)]
