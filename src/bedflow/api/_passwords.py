"""Passwords checked and hashed before the request takes a database slot.

An argon2 hash or check is a fraction of a second of CPU (64 MiB, 3 passes, 4 lanes). Done
while holding one of the process's few database slots (``_dbgate``), a burst of sign-ins held
back every other request of the process: the cluster's load test saw reads wait seconds and
nginx time the APIs out. So a sign-in reads its candidate accounts in a short session of its
own, gives the slot back, checks the password in a worker thread under ``hash_queue`` (at
most one hash per two cores; the others wait on the event loop, holding no thread), and only
then takes the route's session to finish. A sign-up hashes before its session likewise; a
password change gives back the slot it signed in under before it checks and hashes.

Past a short queue of requests waiting to hash (``BEDFLOW_SIGNIN_QUEUE`` per hashing slot,
``api._hashqueue``), a sign-in or sign-up is refused at once with 429 and ``Retry-After``,
before it counts as an attempt (``login_limit``) or reads anything: such a refusal is no failed
sign-in and holds no database slot.

The routes declare these dependencies before ``SessionDep``: FastAPI resolves a route's
dependencies in the order of its parameters, so the slot is taken after the hash. They list
:func:`hashing_admitted` before ``login_limited`` in their ``dependencies``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from bedflow.api._dbgate import gated_session, release_session
from bedflow.api._errors import ApiError
from bedflow.api._state import AppState
from bedflow.api.deps import StateDep, client_address
from bedflow.api.schemas import PasswordUpdate, UserCreate
from bedflow.db import User, crud

__all__ = [
    "CheckedLogin",
    "CheckedLoginDep",
    "NewAccount",
    "NewAccountDep",
    "change_password",
    "hashing_admitted",
    "signed_in",
]

T = TypeVar("T")


@asynccontextmanager
async def _place(state: AppState) -> AsyncIterator[None]:
    """A place in the process's hash queue (429 when it is full); none in an app not started."""
    if state.hash_queue is None:
        yield
        return
    async with state.hash_queue.place():
        yield


async def _hashing(state: AppState, call: partial[T]) -> T:
    if state.hash_queue is None:
        return await anyio.to_thread.run_sync(call)
    return await state.hash_queue.run(call)


async def hashing_admitted(state: StateDep) -> None:
    """429 with ``Retry-After`` when the process's hash queue is full, before the request
    counts as a sign-in attempt (listed before ``login_limited``)."""
    if state.hash_queue is not None:
        state.hash_queue.check()


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
    async with _place(state):
        async with gated_session(state.db_gate, state.read_sessions) as session:
            candidates = await anyio.to_thread.run_sync(
                partial(crud.login_candidates, session, email=form.username)
            )
        check = partial(crud.check_login, candidates, password=form.password)
        found = await _hashing(state, check)
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
    new_hash = partial(
        crud.new_password_hash, body.password, email=body.email, full_name=body.full_name
    )
    async with _place(state):
        hashed = await _hashing(state, new_hash)
    return NewAccount(body, hashed)


NewAccountDep = Annotated[NewAccount, Depends(new_account)]


def _read_and_release(session: Session, user: User) -> tuple[uuid.UUID, str, str, str]:
    """What a password change needs of ``user``, read before the session and its slot are
    given back."""
    found = (user.id, user.hashed_password, user.email, user.full_name)
    release_session(session)
    return found


def _new_hash_if_current(body: PasswordUpdate, checked: str, email: str, name: str) -> str | None:
    if not crud.verify_password(body.current_password, checked):
        return None
    return crud.new_password_hash(body.new_password, email=email, full_name=name)


async def change_password(
    state: AppState, session: Session, user: User, body: PasswordUpdate
) -> None:
    """Check ``body``'s current password and hash its new one with the request's database slot
    given back (400 when wrong; 409 when the password changed meanwhile), then store it."""
    user_id, checked, email, name = await anyio.to_thread.run_sync(_read_and_release, session, user)
    async with _place(state):
        hashed = await _hashing(state, partial(_new_hash_if_current, body, checked, email, name))
    if hashed is None:
        raise ApiError(400, "the current password is wrong")
    async with gated_session(state.db_gate, state.sessions) as writing:

        def store() -> bool:
            changed = crud.change_password(
                writing, user_id=user_id, checked_hash=checked, hashed_password=hashed
            )
            if changed is not None:
                crud.record_activity(writing, user=changed, action="user.password")
            return changed is not None

        if not await anyio.to_thread.run_sync(store):
            raise ApiError(409, "the password was changed or the account deactivated meanwhile")
