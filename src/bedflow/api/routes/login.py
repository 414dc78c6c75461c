"""Sign in: the OAuth2 password flow answers a JWT access token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from bedflow.api._errors import ApiError
from bedflow.api._security import create_access_token
from bedflow.api.deps import SessionDep, StateDep, client_address, login_limited, token_lifetime
from bedflow.api.schemas import AccessToken, ErrorBody
from bedflow.db import crud

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
    address = client_address(request)
    state.limiter.check(state.config.login_failure_limit, "login-failed", address)
    try:
        user = crud.authenticate(session, email=form.username, password=form.password)
    except ValueError:  # not an email address at all
        user = None
    if user is None:
        state.limiter.hit(state.config.login_failure_limit, "login-failed", address)
        raise ApiError(401, "wrong email or password", headers={"WWW-Authenticate": "Bearer"})
    token, expires = create_access_token(
        user_id=user.id, key=state.token_key, lifetime=token_lifetime(state)
    )
    crud.record_activity(session, user=user, action="user.login", detail={"address": address})
    return AccessToken(access_token=token, expires_at=expires)
