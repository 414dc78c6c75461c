"""Sign in: the OAuth2 password flow answers a JWT access token; a browser gets a session
cookie instead (``POST /login/session``, see ``api._session``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from bedflow.api._passwords import CheckedLoginDep, hashing_admitted, signed_in
from bedflow.api._security import create_access_token
from bedflow.api._session import (
    SESSION_COOKIE,
    clear_session_cookies,
    csrf_token,
    set_session_cookies,
)
from bedflow.api.deps import (
    BearerToken,
    CurrentUser,
    SessionDep,
    StateDep,
    login_limited,
    token_lifetime,
)
from bedflow.api.schemas import AccessToken, ErrorBody, UserPublic
from bedflow.api.schemas.web import BrowserSession
from bedflow.db import crud, utcnow

router = APIRouter(tags=["login"])


@router.post(
    "/login/access-token",
    dependencies=[Depends(hashing_admitted), Depends(login_limited)],
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def login_access_token(state: StateDep, login: CheckedLoginDep, session: SessionDep) -> AccessToken:
    """Exchange an email (``username``) and password for an access token.

    Attempts are limited per client address (``ApiConfig.login_limit``), and failed ones
    again (``login_failure_limit``): a guesser is slowed down where they are, and the account
    stays open to its owner elsewhere. When too many sign-ins wait for their password to be
    checked (``BEDFLOW_SIGNIN_QUEUE``), the next is refused at once: 429 with ``Retry-After``,
    counted as neither an attempt nor a failure.

    ``curl -d username=alice@example.com -d password=... /api/v1/login/access-token``
    """
    user = signed_in(state, session, login)
    token, expires = create_access_token(
        user_id=user.id, key=state.token_key, lifetime=token_lifetime(state)
    )
    return AccessToken(access_token=token, expires_at=expires)


SESSION_TOKEN_NAME = "browser session"


@router.post(
    "/login/session",
    dependencies=[Depends(hashing_admitted), Depends(login_limited)],
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def login_session(
    request: Request,
    response: Response,
    state: StateDep,
    login: CheckedLoginDep,
    session: SessionDep,
) -> BrowserSession:
    """Sign a browser in: the same form as ``/login/access-token``; answers the CSRF token and
    the user, and sets the cookies ``bedflow_session`` (httpOnly, SameSite=Strict, Path=/api:
    the session, a token revoked by signing out, a password change or a deactivation) and
    ``bedflow_csrf`` (readable by the app's scripts). Every write signed in by the cookie must
    send ``X-CSRF-Token: <csrf_token>``."""
    user = signed_in(state, session, login)
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
