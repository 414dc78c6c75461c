"""One's own credentials: secrets for destinations the user owns (their S3 bucket to export
studies and beds to), kept encrypted and shown masked. Another user's are 404 here; the
installation's own services stay configured by environment variables only."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from bedflow._exceptions import RequestError
from bedflow.api._errors import ApiError
from bedflow.api.deps import CurrentUser, SessionDep, SettingsDep, write_limited
from bedflow.api.schemas import (
    CredentialCreate,
    CredentialPublic,
    CredentialsPublic,
    CredentialUpdate,
    ErrorBody,
)
from bedflow.db import Credential, User, crud
from bedflow.settings import Settings
from bedflow.worker import check_endpoint, parse_s3_secret

router = APIRouter(
    prefix="/users/me/credentials",
    tags=["credentials"],
    dependencies=[Depends(write_limited)],
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)

SERVICES = ("s3",)
"""The services a user's credential may be for: those bedflow uses for users today."""


def check_secret(settings: Settings, name: str, service: str, secret: str) -> None:
    """Refuse (422) a secret bedflow could not use, or whose ``endpoint_url`` the
    installation does not allow (``BEDFLOW_EXPORT_S3_ENDPOINTS``); the secret is never
    echoed."""
    if service not in SERVICES:
        raise ApiError(422, f"service {service!r} is not one users keep credentials for: s3")
    try:
        parsed = parse_s3_secret(name, secret)
        check_endpoint(parsed.endpoint_url, settings.export_s3_endpoint_list)
    except RequestError as exc:
        raise ApiError(422, str(exc)) from None


def _own(session: SessionDep, user: User, credential_id: uuid.UUID) -> Credential:
    row = crud.get_credential(session, credential_id=credential_id, owner=user)
    if row is None:
        raise ApiError(404, "credential not found")
    return row


@router.get("")
def list_my_credentials(session: SessionDep, user: CurrentUser) -> CredentialsPublic:
    """The user's own credentials, each secret masked (dots and at most its last four
    characters)."""
    rows = crud.list_credentials(session, owner=user)
    return CredentialsPublic(
        data=[CredentialPublic.model_validate(r) for r in rows], count=len(rows)
    )


@router.post("", status_code=201, responses={409: {"model": ErrorBody}})
def create_my_credential(
    session: SessionDep, user: CurrentUser, settings: SettingsDep, body: CredentialCreate
) -> CredentialPublic:
    """Save a secret of the user's for a destination they own (service ``s3``: JSON with
    ``access_key_id``, ``secret_access_key``, optional ``region``, and ``endpoint_url`` only
    if the installation lists it in ``BEDFLOW_EXPORT_S3_ENDPOINTS``). It is encrypted and
    never shown again in full; names are unique among the user's own."""
    check_secret(settings, body.name, body.service, body.secret)
    row = crud.create_credential(
        session,
        name=body.name,
        service=body.service,
        secret=body.secret,
        secret_key=settings.secret_key.get_secret_value(),
        created_by=user,
    )
    crud.record_activity(
        session,
        user=user,
        action="credential.create",
        subject_type="credential",
        subject_id=row.id,
    )
    return CredentialPublic.model_validate(row)


@router.put("/{credential_id}")
def update_my_credential(
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    credential_id: uuid.UUID,
    body: CredentialUpdate,
) -> CredentialPublic:
    """Replace the secret of one of the user's credentials (checked as at creation)."""
    row = _own(session, user, credential_id)
    check_secret(settings, row.name, row.service, body.secret)
    crud.update_credential(
        session,
        credential=row,
        secret=body.secret,
        secret_key=settings.secret_key.get_secret_value(),
    )
    crud.record_activity(
        session,
        user=user,
        action="credential.update",
        subject_type="credential",
        subject_id=row.id,
    )
    return CredentialPublic.model_validate(row)


@router.delete("/{credential_id}", status_code=204)
def delete_my_credential(session: SessionDep, user: CurrentUser, credential_id: uuid.UUID) -> None:
    """Forget one of the user's credentials (exports queued with it then fail)."""
    row = _own(session, user, credential_id)
    crud.delete_credential(session, credential=row)
    crud.record_activity(
        session,
        user=user,
        action="credential.delete",
        subject_type="credential",
        subject_id=credential_id,
    )
