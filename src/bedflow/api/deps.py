"""Dependencies of the endpoints, as ``Annotated`` aliases.

Endpoints never open sessions, read identities or check ownership by hand: they take
``SessionDep``, ``CurrentUser``, ``OwnedBed`` ... and get a session, the user proven by the
bearer token, or a bed this user may see (404 otherwise: another user's bed does not exist
for them). The identity comes only from a verified token, never from a client header.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from bedflow.api._dbgate import gated_session, release_session
from bedflow.api._errors import ApiError
from bedflow.api._security import decode_access_token, issued_before_password_change
from bedflow.api._session import SESSION_COOKIE, check_csrf
from bedflow.api._state import AppState, app_state
from bedflow.db import Bed, BedFile, Job, Project, Study, User, crud
from bedflow.settings import Settings
from bedflow.storage import Storage

__all__ = [
    "AdminUser",
    "BearerToken",
    "CurrentUser",
    "OwnedBed",
    "OwnedFile",
    "OwnedJob",
    "OwnedProject",
    "OwnedStudy",
    "SessionDep",
    "SettingsDep",
    "StateDep",
    "StorageDep",
    "VisibleProject",
    "WritableBed",
    "WritableFile",
    "client_address",
    "forget_identities",
    "gated_session",
    "login_limited",
    "recheck_interval",
    "release_session",
    "request_token",
    "user_for_token",
    "write_limited",
]

oauth2 = OAuth2PasswordBearer(
    tokenUrl="/api/v1/login/access-token",
    auto_error=False,
    description="A JWT from /login/access-token, or a personal API token (`bf_...`).",
)
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="A browser's session from POST /login/session; writes also need X-CSRF-Token.",
)


# The dependencies that every request goes through and that do no I/O are async: FastAPI runs
# a sync dependency in a worker thread, and that round trip costs more CPU than they do.
async def _app_state(conn: HTTPConnection) -> AppState:
    return app_state(conn)


StateDep = Annotated[AppState, Depends(_app_state)]


async def _settings(state: StateDep) -> Settings:
    return state.settings


async def _storage(state: StateDep) -> Storage:
    return state.storage


SettingsDep = Annotated[Settings, Depends(_settings)]
StorageDep = Annotated[Storage, Depends(_storage)]


_READS = frozenset({"GET", "HEAD"})


async def get_session(request: Request, state: StateDep) -> AsyncIterator[Session]:
    """A session for the request, closed after the response.

    The request first waits its turn at the database gate (on the event loop, holding no
    thread; see ``_dbgate``). Opening the session does no I/O (it connects on first use).
    Closing it returns the connection to the pool, shielded (a client that goes away must not
    leave the connection checked out), and frees the slot. A streaming endpoint may give both
    back early with ``release_session``. A request that only reads gets ``read_sessions``.
    """
    sessions = state.read_sessions if request.method in _READS else state.sessions
    async with gated_session(state.db_gate, sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


def user_for_token(session: Session, state: AppState, token: str) -> User | None:
    """The active user of a JWT or a personal ``bf_`` token, else None."""
    user: User | None
    if token.startswith(crud.TOKEN_PREFIX):
        user = crud.user_for_token(session, token=token)
    else:
        claims = decode_access_token(token, key=state.token_key, now=state.clock())
        if claims is None:
            return None
        user = crud.get_user(session, user_id=claims[0])
        if user is not None and (
            not user.is_active or issued_before_password_change(claims[1], user.password_changed_at)
        ):
            user = None
    return user


async def request_token(
    request: Request,
    state: StateDep,
    bearer: Annotated[str | None, Depends(oauth2)],
    cookie: Annotated[str | None, Depends(session_cookie)],
) -> str | None:
    """The request's token: the bearer token, else the browser's session cookie (a write
    signed in by the cookie must carry its CSRF token, else 403; see ``_session``)."""
    if bearer:
        return bearer
    if cookie:
        check_csrf(request, request.method, state.token_key, cookie)
        return cookie
    return None


async def get_current_user(
    request: Request,
    state: StateDep,
    session: SessionDep,
    token: Annotated[str | None, Depends(request_token)],
) -> User:
    """The active user of the bearer token (a JWT or a personal ``bf_`` token) or of the
    session cookie, else 401.

    A token seen in the last seconds is answered from ``state.identities`` on the event loop
    (a JWT's signature and expiry are still checked); otherwise the database is asked.
    """
    if not token:
        raise _unauthorized("not signed in: send Authorization: Bearer <token>")
    # A JWT's signature and expiry are checked on every request, its user remembered or not.
    signed_or_personal = token.startswith(crud.TOKEN_PREFIX) or (
        decode_access_token(token, key=state.token_key, now=state.clock()) is not None
    )
    user = state.identities.user(token, session) if signed_or_personal else None
    if user is None:
        user = await run_in_threadpool(user_for_token, session, state, token)
        if user is None:
            raise _unauthorized("invalid or expired token")
        state.identities.remember(token, user)
    request.state.user_id = str(user.id)
    return user


async def forget_identities(request: Request, state: StateDep) -> AsyncIterator[None]:
    """For the routers that change users and tokens: after a change, every token is looked
    up again (on this process at once; on the others when their memory of it runs out)."""
    yield
    if request.method not in _READS:
        state.identities.forget_all()


CurrentUser = Annotated[User, Depends(get_current_user)]
BearerToken = Annotated[str | None, Depends(request_token)]
"""The raw token of the request, bearer or session cookie (for streams that check it again
while they last)."""


def recheck_interval(state: AppState) -> float:
    """Seconds between two checks of a long-lived connection's token: ``auth_recheck_s``, or
    the auth cache's time when that is shorter (a request would see a change no later)."""
    cache = state.settings.auth_cache_seconds
    return min(state.config.auth_recheck_s, cache) if cache > 0 else state.config.auth_recheck_s


def get_admin(user: CurrentUser) -> User:
    """The current user if an admin, else 403."""
    if not user.is_admin:
        raise ApiError(403, "only an admin may do this")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def client_address(request: Request) -> str:
    """The client's address: the peer's, or behind a proxy listed in BEDFLOW_TRUSTED_PROXIES
    the one it names in X-Forwarded-For (see ``create_app``); a header from anyone else is
    ignored."""
    return request.client.host if request.client else "unknown"


def login_limited(request: Request, state: StateDep) -> None:
    """Limit sign-in and signup attempts per client address."""
    state.limiter.hit(state.config.login_limit, "login", client_address(request))


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def write_limited(request: Request, state: StateDep, user: CurrentUser) -> None:
    """Limit writes per user and per client address (reads are not limited).

    Async so that reads pass without a worker-thread round trip; the counting itself (Redis
    when a broker is set) runs in a worker thread.
    """
    if request.method not in _WRITES:
        return
    await run_in_threadpool(_count_write, state, str(user.id), client_address(request))


def _count_write(state: AppState, user_id: str, address: str) -> None:
    state.limiter.hit(state.config.write_limit_user, "write-user", user_id)
    state.limiter.hit(state.config.write_limit_address, "write-addr", address)


def _not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def get_owned_bed(
    session: SessionDep, user: CurrentUser, bed_id: Annotated[uuid.UUID, Path()]
) -> Bed:
    """The bed ``bed_id`` if the user may read it (owner, project member, admin), else 404."""
    bed = crud.get_bed(session, user=user, bed_id=bed_id)
    if bed is None:
        raise _not_found("bed")
    return bed


OwnedBed = Annotated[Bed, Depends(get_owned_bed)]


def _writable(session: Session, user: User, bed: Bed) -> Bed:
    if crud.get_bed(session, user=user, bed_id=bed.id, write=True) is None:
        raise ApiError(403, "this bed is shared with you read-only")
    return bed


def get_writable_bed(session: SessionDep, user: CurrentUser, bed: OwnedBed) -> Bed:
    """The bed if the user may change it (owner, project owner or editor, admin).

    404 when they cannot see it at all, 403 when they can see it but only read it."""
    return _writable(session, user, bed)


WritableBed = Annotated[Bed, Depends(get_writable_bed)]


def get_owned_file(
    session: SessionDep, user: CurrentUser, file_id: Annotated[uuid.UUID, Path()]
) -> BedFile:
    """The file ``file_id`` if the user may see its bed, else 404."""
    file = crud.get_file(session, user=user, file_id=file_id)
    if file is None:
        raise _not_found("file")
    return file


OwnedFile = Annotated[BedFile, Depends(get_owned_file)]


def get_writable_file(session: SessionDep, user: CurrentUser, file: OwnedFile) -> BedFile:
    """The file if the user may change its bed (403 when they may only read it)."""
    _writable(session, user, file.bed)
    return file


WritableFile = Annotated[BedFile, Depends(get_writable_file)]


def get_owned_job(
    session: SessionDep, user: CurrentUser, job_id: Annotated[uuid.UUID, Path()]
) -> Job:
    """The job ``job_id`` if the user started it or sees its bed, else 404."""
    job = crud.get_job(session, user=user, job_id=job_id)
    if job is None:
        raise _not_found("job")
    return job


OwnedJob = Annotated[Job, Depends(get_owned_job)]


def get_owned_study(
    session: SessionDep, user: CurrentUser, study_id: Annotated[uuid.UUID, Path()]
) -> Study:
    """The study ``study_id`` if the user started it or sees its bed, else 404."""
    study = crud.get_study(session, user=user, study_id=study_id)
    if study is None:
        raise _not_found("study")
    return study


OwnedStudy = Annotated[Study, Depends(get_owned_study)]


def get_visible_project(
    session: SessionDep, user: CurrentUser, project_id: Annotated[uuid.UUID, Path()]
) -> Project:
    """The project if the user owns it, is a member or is an admin, else 404."""
    project = crud.get_project(session, user=user, project_id=project_id)
    if project is None:
        raise _not_found("project")
    return project


VisibleProject = Annotated[Project, Depends(get_visible_project)]


def get_owned_project(user: CurrentUser, project: VisibleProject) -> Project:
    """The project if the user owns it (or is an admin): only they change it and its members."""
    if project.owner_id != user.id and not user.is_admin:
        raise ApiError(403, "only the project's owner may change it")
    return project


OwnedProject = Annotated[Project, Depends(get_owned_project)]


def token_lifetime(state: AppState) -> timedelta:
    """How long an access token lives."""
    return timedelta(minutes=state.config.access_token_minutes)
