"""The installation's settings (admins only): pipeline engines, and credentials kept masked."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends

from bedflow.api._engines import Engine, engine_by_name, engines
from bedflow.api._errors import ApiError
from bedflow.api.deps import AdminUser, SessionDep, SettingsDep, write_limited
from bedflow.api.schemas import (
    CredentialCreate,
    CredentialPublic,
    CredentialsPublic,
    CredentialUpdate,
    EnginePublic,
    EnginesPublic,
    EngineUpdate,
    ErrorBody,
)
from bedflow.db import Credential, crud

router = APIRouter(
    tags=["settings"],
    dependencies=[Depends(write_limited)],
    responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


def _engine(engine: Engine, stored: Any) -> EnginePublic:
    value = stored if isinstance(stored, dict) else {}
    options = value.get("options")
    return EnginePublic(
        name=engine.name,
        kind=engine.kind,
        description=engine.description,
        enabled=bool(value.get("enabled", engine.enabled_by_default)),
        options=options if isinstance(options, dict) else {},
    )


@router.get("/settings/engines")
def list_engines(session: SessionDep, _: AdminUser) -> EnginesPublic:
    """The packing engines and solvers (every one registered, plugins included), whether each
    is enabled, and their options. A job that asks for a disabled one is refused (409)."""
    stored = crud.list_settings(session)
    data = [_engine(e, stored.get(e.setting_key)) for e in engines().values()]
    return EnginesPublic(data=data, count=len(data))


@router.patch("/settings/engines/{name}")
def update_engine(
    session: SessionDep, admin: AdminUser, name: str, body: EngineUpdate
) -> EnginePublic:
    """Enable or disable an engine, and/or replace its options."""
    engine = engine_by_name(name)
    if engine is None:
        raise ApiError(404, "no such engine", details=[{"engines": sorted(engines())}])
    current = _engine(engine, crud.get_setting(session, key=engine.setting_key))
    value = {
        "enabled": current.enabled if body.enabled is None else body.enabled,
        "options": current.options if body.options is None else body.options,
    }
    crud.set_setting(session, key=engine.setting_key, value=value)
    crud.record_activity(
        session,
        user=admin,
        action="settings.engine",
        subject_type="engine",
        subject_id=name,
        detail={"enabled": value["enabled"]},
    )
    return _engine(engine, value)


def _credential(row: Credential) -> CredentialPublic:
    return CredentialPublic.model_validate(row)


@router.get("/credentials")
def list_credentials(session: SessionDep, _: AdminUser) -> CredentialsPublic:
    """The installation's credentials (made by admins), each secret masked (dots and at
    most its last four characters). Users' own credentials are theirs alone
    (``/users/me/credentials``)."""
    rows = crud.list_installation_credentials(session)
    return CredentialsPublic(data=[_credential(r) for r in rows], count=len(rows))


@router.post("/credentials", status_code=201, responses={409: {"model": ErrorBody}})
def create_credential(
    session: SessionDep, admin: AdminUser, settings: SettingsDep, body: CredentialCreate
) -> CredentialPublic:
    """Save a secret for an external service; it is encrypted and never shown again in full.
    Names are unique among the credentials of the admin who saves them."""
    row = crud.create_credential(
        session,
        name=body.name,
        service=body.service,
        secret=body.secret,
        secret_key=settings.secret_key.get_secret_value(),
        created_by=admin,
    )
    crud.record_activity(
        session,
        user=admin,
        action="credential.create",
        subject_type="credential",
        subject_id=row.id,
    )
    return _credential(row)


@router.put("/credentials/{credential_id}")
def update_credential(
    session: SessionDep,
    admin: AdminUser,
    settings: SettingsDep,
    credential_id: uuid.UUID,
    body: CredentialUpdate,
) -> CredentialPublic:
    """Replace a credential's secret."""
    row = crud.get_credential(session, credential_id=credential_id)
    if row is None or not crud.is_installation_credential(session, row):
        raise ApiError(404, "credential not found")
    crud.update_credential(
        session,
        credential=row,
        secret=body.secret,
        secret_key=settings.secret_key.get_secret_value(),
    )
    crud.record_activity(
        session,
        user=admin,
        action="credential.update",
        subject_type="credential",
        subject_id=row.id,
    )
    return _credential(row)


@router.delete("/credentials/{credential_id}", status_code=204)
def delete_credential(session: SessionDep, admin: AdminUser, credential_id: uuid.UUID) -> None:
    """Forget a credential."""
    row = crud.get_credential(session, credential_id=credential_id)
    if row is None or not crud.is_installation_credential(session, row):
        raise ApiError(404, "credential not found")
    crud.delete_credential(session, credential=row)
    crud.record_activity(
        session,
        user=admin,
        action="credential.delete",
        subject_type="credential",
        subject_id=credential_id,
    )
