"""The installation: settings, credentials encrypted at rest, and the activity history."""

from __future__ import annotations

import base64
import json
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
    "is_installation_credential",
    "list_activity",
    "list_credentials",
    "list_installation_credentials",
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
    """The last four characters a masked secret shows. A JSON secret (an s3 one) shows its
    ``access_key_id``'s, never those of the JSON text, which end in the secret key."""
    if secret.lstrip().startswith("{"):
        try:
            value = json.loads(secret)
        except ValueError:
            return ""
        key = value.get("access_key_id") if isinstance(value, dict) else None
        return key[-4:] if isinstance(key, str) and len(key) >= 12 else ""
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
    """Store ``secret`` encrypted with a key derived from ``secret_key``, owned by
    ``created_by``; a name is unique among one owner's credentials."""
    owner_id = created_by.id if created_by else None
    same = select(Credential.id).where(
        Credential.name == name,
        Credential.created_by_id.is_(None)
        if owner_id is None
        else Credential.created_by_id == owner_id,
    )
    if session.scalar(same) is not None:  # NULL owners are not unique to the constraint
        raise ConflictError(f"a credential named {name!r} exists already")
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


def list_credentials(session: Session, *, owner: User | None = None) -> list[Credential]:
    """The credentials of ``owner`` (every one when None), by name (show ``masked``, never
    the secret)."""
    query = select(Credential).order_by(Credential.name, Credential.id)
    if owner is not None:
        query = query.where(Credential.created_by_id == owner.id)
    return list(session.scalars(query))


def list_installation_credentials(session: Session) -> list[Credential]:
    """The installation's credentials, those the admins' settings page manages: made by an
    admin, or left without an owner; users' own are theirs alone."""
    query = (
        select(Credential)
        .outerjoin(User, User.id == Credential.created_by_id)
        .where((User.id.is_(None)) | (User.role == "admin"))
        .order_by(Credential.name, Credential.id)
    )
    return list(session.scalars(query))


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


def get_credential(
    session: Session, *, credential_id: uuid.UUID, owner: User | None = None
) -> Credential | None:
    """The credential with this id (of ``owner``, when given), or None."""
    row = session.get(Credential, credential_id)
    if row is None or (owner is not None and row.created_by_id != owner.id):
        return None
    return row


def is_installation_credential(session: Session, credential: Credential) -> bool:
    """Whether ``credential`` is the installation's (an admin's, or nobody's)."""
    if credential.created_by_id is None:
        return True
    owner = session.get(User, credential.created_by_id)
    return owner is None or owner.role == "admin"
