"""Users (argon2-hashed passwords) and their personal API tokens (only a hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import ConflictError, RequestError
from bedflow.db._accounts import ApiToken, User
from bedflow.db._base import utcnow
from bedflow.db._types import Role
from bedflow.db.crud._common import Page, paginate

__all__ = [
    "TOKEN_PREFIX",
    "authenticate",
    "count_users",
    "create_api_token",
    "create_user",
    "delete_user",
    "get_user",
    "get_user_by_email",
    "hash_password",
    "list_api_tokens",
    "list_users",
    "revoke_api_token",
    "update_user",
    "user_for_token",
    "verify_password",
]

TOKEN_PREFIX = "bf_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
"""A personal token's ``last_used_at`` is written at most this often."""
MIN_PASSWORD_LENGTH = 8
_hasher = PasswordHasher()
# Verifying against this when the email is unknown takes as long as a real check, so the
# time of a failed login does not tell whether the account exists.
_DUMMY_HASH = _hasher.hash("not a password")


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RequestError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed``."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _normalize_email(email: str) -> str:
    email = email.strip()
    if "@" not in email or len(email) > 320:
        raise RequestError(f"not an email address: {email!r}")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role = "user",
    full_name: str = "",
    is_active: bool = True,
) -> User:
    """A new user; ConflictError when the email is taken."""
    user = User(
        email=_normalize_email(email),
        hashed_password=hash_password(password),
        role=role,
        full_name=full_name,
        is_active=is_active,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a user with email {user.email!r} exists already") from exc
    return user


def get_user(session: Session, *, user_id: uuid.UUID) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def get_user_by_email(session: Session, *, email: str) -> User | None:
    """The user with this email (domain compared case-insensitively), or None."""
    return session.scalar(select(User).where(User.email == _normalize_email(email)))


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades outdated hashes."""
    user = get_user_by_email(session, email=email)
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return None
    if not user.is_active or not verify_password(password, user.hashed_password):
        return None
    if _hasher.check_needs_rehash(user.hashed_password):
        user.hashed_password = _hasher.hash(password)
        session.commit()
    return user


def list_users(
    session: Session, *, offset: int = 0, limit: int = 100, sort: str = "email"
) -> Page[User]:
    """All users, one page (an admin's view)."""
    sortable = {"email": User.email, "created_at": User.created_at}
    return paginate(
        session,
        select(User),
        offset=offset,
        limit=limit,
        sort=sort,
        sortable=sortable,
        tiebreak=User.id,
    )


def update_user(
    session: Session,
    *,
    user: User,
    email: str | None = None,
    password: str | None = None,
    full_name: str | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the given fields of ``user``."""
    if email is not None:
        user.email = _normalize_email(email)
    if password is not None:
        user.hashed_password = hash_password(password)
        user.password_changed_at = utcnow()
    if full_name is not None:
        user.full_name = full_name
    if role is not None:
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a user with email {email!r} exists already") from exc
    return user


def delete_user(session: Session, *, user: User) -> None:
    """Delete ``user`` with their tokens, projects and beds (rows; objects: delete_bed first)."""
    session.delete(user)
    session.commit()


def _token_hash(token: str) -> str:
    # Tokens are 256 random bits: a fast hash is enough and can be looked up by index.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(
    session: Session, *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal token: the row, and the plain token, shown this once only."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=plain[:10],
        token_hash=_token_hash(plain),
        expires_at=expires_at,
    )
    session.add(token)
    session.commit()
    return token, plain


def user_for_token(session: Session, *, token: str) -> User | None:
    """The active user a usable (not revoked, not expired) token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or not row.is_usable() or not row.user.is_active:
        session.rollback()
        return None
    user, now, last = row.user, utcnow(), row.last_used_at
    # End the read before writing: on SQLite a read transaction cannot take the write lock
    # while workers write ("database is locked"). The time of use is kept to the minute, so
    # a busy script does not turn every request into a write.
    session.commit()
    if last is None or now - last >= TOKEN_USE_RESOLUTION:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == row.id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        row.last_used_at = now
    return user


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(session.scalars(stmt.order_by(ApiToken.created_at.desc())))


def revoke_api_token(session: Session, *, user: User, token_id: uuid.UUID) -> bool:
    """Revoke one of the user's tokens; False when they have no such token."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return True


def count_users(session: Session) -> int:
    """How many users exist (0 on a fresh installation)."""
    return session.scalar(select(func.count()).select_from(User)) or 0
