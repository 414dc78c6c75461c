"""Sign in: the OAuth2 password flow answers a JWT access token; a browser gets a session
cookie instead (``POST /login/session``, see ``api._session``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from bedflow.api._errors import ApiError
from bedflow.api._security import create_access_token
from bedflow.api._session import (
    SESSION_COOKIE,
    clear_session_cookies,
    csrf_token,
    set_session_cookies,
)
from bedflow.api._state import AppState
from bedflow.api.deps import (
    BearerToken,
    CurrentUser,
    SessionDep,
    StateDep,
    client_address,
    login_limited,
    token_lifetime,
)
from bedflow.api.schemas import AccessToken, ErrorBody, UserPublic
from bedflow.api.schemas.web import BrowserSession
from bedflow.db import User, crud, utcnow

router = APIRouter(tags=["login"])


@router.post(
    "/login/access-token",
    dependencies=[Depends(login_limited)],
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def login_access_token(
    request: Request,
    state: StateDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> AccessToken:
    """Exchange an email (``username``) and password for an access token.

    Attempts are limited per client address (``ApiConfig.login_limit``), and failed ones
    again (``login_failure_limit``): a guesser is slowed down where they are, and the account
    stays open to its owner elsewhere.

    ``curl -d username=alice@example.com -d password=... /api/v1/login/access-token``
    """
    user = _authenticate(request, state, session, form)
    token, expires = create_access_token(
        user_id=user.id, key=state.token_key, lifetime=token_lifetime(state)
    )
    return AccessToken(access_token=token, expires_at=expires)


def _authenticate(
    request: Request, state: AppState, session: Session, form: OAuth2PasswordRequestForm
) -> User:
    """The user of the form's email and password (401 otherwise), their sign-in recorded."""
    address = client_address(request)
    state.limiter.check(state.config.login_failure_limit, "login-failed", address)
    try:
        user = crud.authenticate(session, email=form.username, password=form.password)
    except ValueError:  # not an email address at all
        user = None
    if user is None:
        state.limiter.hit(state.config.login_failure_limit, "login-failed", address)
        raise ApiError(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"})
    crud.record_activity(session, user=user, action="user.login", detail={"address": address})
    return user


SESSION_TOKEN_NAME = "browser session"


@router.post(
    "/login/session",
    dependencies=[Depends(login_limited)],
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def login_session(
    request: Request,
    response: Response,
    state: StateDep,
    session: SessionDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> BrowserSession:
    """Sign a browser in: the same form as ``/login/access-token``; answers the CSRF token and
    the user, and sets the cookies ``bedflow_session`` (httpOnly, SameSite=Strict, Path=/api:
    the session, a token revoked by signing out, a password change or a deactivation) and
    ``bedflow_csrf`` (readable by the app's scripts). Every write signed in by the cookie must
    send ``X-CSRF-Token: <csrf_token>``."""
    user = _authenticate(request, state, session, form)
    lifetime = token_lifetime(state)
    _, plain = crud.create_api_token(
        session, user=user, name=SESSION_TOKEN_NAME, expires_at=utcnow() + lifetime
    )
    csrf = csrf_token(state.token_key, plain)
    set_session_cookies(
        response, request, token=plain, csrf=csrf, max_age=int(lifetime.total_seconds())
    )
    return BrowserSession(csrf_token=csrf, user=UserPublic.model_validate(user))


@router.delete("/login/session", status_code=204, responses={401: {"model": ErrorBody}})
def logout_session(
    request: Request,
    response: Response,
    state: StateDep,
    session: SessionDep,
    user: CurrentUser,
    token: BearerToken,
) -> None:
    """Sign the browser out: its session token is revoked at once and both cookies cleared
    (with a bearer token, nothing is revoked: revoke personal tokens at ``/tokens``)."""
    if token and request.cookies.get(SESSION_COOKIE) == token:
        crud.revoke_token_value(session, token=token)
        state.identities.forget_all()
        crud.record_activity(session, user=user, action="user.logout")
    clear_session_cookies(response, request)
