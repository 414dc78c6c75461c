"""Access tokens: JWTs (HS256) signed with a key derived from the installation's secret key."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta

import jwt

from bedflow.db import utcnow

__all__ = [
    "ALGORITHM",
    "create_access_token",
    "decode_access_token",
    "issued_before_password_change",
    "signing_key",
]

ALGORITHM = "HS256"


def signing_key(secret_key: str) -> bytes:
    """A key of its own for tokens (HMAC with a purpose label), 32 bytes whatever the secret."""
    return hmac.new(secret_key.encode("utf-8"), b"bedflow access tokens", hashlib.sha256).digest()


def create_access_token(
    *, user_id: uuid.UUID, key: bytes, lifetime: timedelta, now: datetime | None = None
) -> tuple[str, datetime]:
    """A signed access token for ``user_id`` and when it expires (issued ``now``: the default).

    >>> token, expires = create_access_token(  # doctest: +SKIP
    ...     user_id=user.id, key=signing_key("..."), lifetime=timedelta(hours=8))
    """
    now = now or utcnow()
    expires = now + lifetime
    payload = {"sub": str(user_id), "iat": now, "exp": expires, "typ": "access"}
    return jwt.encode(payload, key, algorithm=ALGORITHM), expires


def decode_access_token(
    token: str, *, key: bytes, now: datetime | None = None
) -> tuple[uuid.UUID, datetime] | None:
    """The user id of a valid access token unexpired at ``now`` (default: the current time)
    and when it was issued, else None."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            # the expiry is checked here, against ``now``: a test can move the clock
            options={"require": ["sub", "exp", "iat"], "verify_exp": False},
        )
        if payload.get("typ") != "access":
            return None
        if int(payload["exp"]) <= (now or utcnow()).timestamp():
            return None
        issued = datetime.fromtimestamp(int(payload["iat"]), tz=UTC)
        return uuid.UUID(str(payload["sub"])), issued
    except (jwt.InvalidTokenError, ValueError, TypeError, OverflowError, OSError):
        return None


def issued_before_password_change(issued: datetime, changed: datetime | None) -> bool:
    """Whether a token issued at ``issued`` predates the password change at ``changed``.

    A JWT's ``iat`` has whole seconds: the change is compared at that resolution, so a token
    issued in the second of the change stays valid (at most one second of overlap).
    """
    return changed is not None and issued < changed.replace(microsecond=0)
