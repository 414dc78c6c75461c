"""Personal API tokens for the CLI: shown once at creation, then only their prefix."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Depends

from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, SessionDep, forget_identities
from bedflow.api.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenPublic,
    ApiTokensPublic,
    ErrorBody,
)
from bedflow.db import crud, utcnow

router = APIRouter(
    prefix="/tokens", tags=["tokens"], dependencies=[Depends(forget_identities, scope="function")]
)


@router.post("", status_code=201)
def create_token(session: SessionDep, user: CurrentUser, body: ApiTokenCreate) -> ApiTokenCreated:
    """A new token; send it as ``Authorization: Bearer bf_...``. It is shown this once only."""
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row, plain = crud.create_api_token(session, user=user, name=body.name, expires_at=expires)
    crud.record_activity(
        session, user=user, action="token.create", subject_type="token", subject_id=row.id
    )
    return ApiTokenCreated.model_validate(
        {**ApiTokenPublic.model_validate(row).model_dump(), "token": plain}
    )


@router.get("")
def list_tokens(session: SessionDep, user: CurrentUser) -> ApiTokensPublic:
    """The user's tokens, newest first (prefixes only)."""
    rows = crud.list_api_tokens(session, user=user)
    return ApiTokensPublic(data=[ApiTokenPublic.model_validate(r) for r in rows], count=len(rows))


@router.delete("/{token_id}", status_code=204, responses={404: {"model": ErrorBody}})
def revoke_token(session: SessionDep, user: CurrentUser, token_id: uuid.UUID) -> None:
    """Revoke a token: it stops working at once."""
    if not crud.revoke_api_token(session, user=user, token_id=token_id):
        raise ApiError(404, "token not found")
    crud.record_activity(
        session, user=user, action="token.revoke", subject_type="token", subject_id=token_id
    )
