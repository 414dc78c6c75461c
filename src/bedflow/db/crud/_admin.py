"""The installation: settings, credentials encrypted at rest, and the activity history."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import ConfigError, ConflictError
from bedflow.db._accounts import Activity, Credential, InstallationSetting, User
from bedflow.db.crud._common import Page, paginate

__all__ = [
    "create_credential",
    "delete_credential",
    "get_credential",
    "get_setting",
    "list_activity",
    "list_credentials",
    "list_settings",
    "masked",
    "record_activity",
    "reveal_credential",
    "set_setting",
    "update_credential",
]


def _fernet(secret_key: str) -> Fernet:
    # A key of its own for credentials (HKDF with a purpose label), so the token-signing key
    # never encrypts anything directly.
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"bedflow credentials")
    return Fernet(base64.urlsafe_b64encode(raw.derive(secret_key.encode("utf-8"))))


def masked(secret: str) -> str:
    """How a secret is shown: dots, then its last four characters if it is long enough.

    >>> masked("AKIAIOSFODNN7EXAMPLE")
    '••••MPLE'
    """
    return "••••" + _hint(secret)


def _hint(secret: str) -> str:
    return secret[-4:] if len(secret) >= 12 else ""


def create_credential(
    session: Session,
    *,
    name: str,
    service: str,
    secret: str,
    secret_key: str,
    created_by: User | None = None,
) -> Credential:
    """Store ``secret`` encrypted with a key derived from ``secret_key``."""
    row = Credential(
        name=name,
        service=service,
        secret_encrypted=_fernet(secret_key).encrypt(secret.encode("utf-8")),
        hint=_hint(secret),
        created_by_id=created_by.id if created_by else None,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a credential named {name!r} exists already") from exc
    return row


def update_credential(
    session: Session, *, credential: Credential, secret: str, secret_key: str
) -> Credential:
    """Replace the secret of ``credential``."""
    credential.secret_encrypted = _fernet(secret_key).encrypt(secret.encode("utf-8"))
    credential.hint = _hint(secret)
    session.commit()
    return credential


def reveal_credential(credential: Credential, *, secret_key: str) -> str:
    """The plain secret, for the code that calls the service; never for an API response."""
    try:
        return _fernet(secret_key).decrypt(credential.secret_encrypted).decode("utf-8")
    except InvalidToken as exc:
        raise ConfigError(
            f"cannot decrypt credential {credential.name!r}: was BEDFLOW_SECRET_KEY changed?"
        ) from exc


def list_credentials(session: Session) -> list[Credential]:
    """Every credential, by name (show ``masked``, never the secret)."""
    return list(session.scalars(select(Credential).order_by(Credential.name)))


def delete_credential(session: Session, *, credential: Credential) -> None:
    """Forget ``credential``."""
    session.delete(credential)
    session.commit()


def get_setting(session: Session, *, key: str, default: Any = None) -> Any:
    """The value of setting ``key``, or ``default``."""
    row = session.get(InstallationSetting, key)
    return default if row is None else row.value


def set_setting(session: Session, *, key: str, value: Any) -> InstallationSetting:
    """Set ``key`` to a JSON value (e.g. ``{"enabled": true, "options": {...}}``)."""
    row = session.get(InstallationSetting, key)
    if row is None:
        row = InstallationSetting(key=key, value=value)
        session.add(row)
    else:
        row.value = value
    session.commit()
    return row


def engine_enabled(session: Session, *, name: str, default: bool) -> bool:
    """Whether an admin lets jobs use the engine or solver ``name`` (setting ``engine.<name>``);
    ``default`` until one decides (the plugin's ``enabled_by_default``)."""
    stored = get_setting(session, key=f"engine.{name}")
    value = stored if isinstance(stored, dict) else {}
    return bool(value.get("enabled", default))


def list_settings(session: Session) -> dict[str, Any]:
    """Every setting, by key."""
    rows = session.scalars(select(InstallationSetting).order_by(InstallationSetting.key))
    return {row.key: row.value for row in rows}


def record_activity(
    session: Session,
    *,
    user: User | None,
    action: str,
    subject_type: str = "",
    subject_id: uuid.UUID | str = "",
    detail: dict[str, Any] | None = None,
) -> Activity:
    """Record that ``user`` did ``action`` (e.g. ``bed.create``) on a subject."""
    row = Activity(
        user_id=user.id if user else None,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        detail=detail or {},
    )
    session.add(row)
    session.commit()
    return row


def list_activity(
    session: Session, *, user: User | None = None, offset: int = 0, limit: int = 50
) -> Page[Activity]:
    """Recent activity, newest first; with ``user``, only theirs."""
    stmt = select(Activity)
    if user is not None:
        stmt = stmt.where(Activity.user_id == user.id)
    return paginate(
        session,
        stmt,
        offset=offset,
        limit=limit,
        sort="-created_at",
        sortable={"created_at": Activity.created_at},
        tiebreak=Activity.id,
    )


def get_credential(session: Session, *, credential_id: uuid.UUID) -> Credential | None:
    """The credential with this id, or None."""
    return session.get(Credential, credential_id)
