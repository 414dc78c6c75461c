"""Users (argon2-hashed passwords) and their personal API tokens (only a hash is stored)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bedflow._exceptions import ConflictError, RequestError
from bedflow.db._accounts import ApiToken, User
from bedflow.db._base import utcnow
from bedflow.db._types import Role
from bedflow.db.crud._common import Page, paginate
from bedflow.db.crud._passwords import (
    check_password,
    dummy_verify,
    hash_password,
    needs_rehash,
    verify_password,
)

__all__ = [
    "TOKEN_PREFIX",
    "LoginCandidate",
    "authenticate",
    "change_password",
    "check_login",
    "check_password",
    "count_users",
    "create_api_token",
    "create_user",
    "delete_user",
    "finish_login",
    "get_user",
    "get_user_by_email",
    "hash_password",
    "list_api_tokens",
    "list_users",
    "login_candidates",
    "new_password_hash",
    "normalize_email",
    "revoke_api_token",
    "revoke_token_value",
    "update_user",
    "user_for_token",
    "verify_password",
]

TOKEN_PREFIX = "bf_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
"""A personal token's ``last_used_at`` is written at most this often."""


def normalize_email(email: str) -> str:
    """The form an email is stored and compared in: trimmed, lowercase (local part too).

    Addresses that differ only in case reach the same person everywhere in practice, and two
    accounts for them are a way to impersonate someone.

    >>> normalize_email(" Alice@Example.COM ")
    'alice@example.com'
    """
    email = email.strip()
    if "@" not in email or len(email) > 320:
        raise RequestError(f"not an email address: {email!r}")
    return email.lower()


def _same_email(email: str) -> ColumnElement[bool]:
    # Rows written before emails were lowercased may hold capitals: compare lowercased.
    return func.lower(User.email) == normalize_email(email)


def _taken(session: Session, email: str, *, other_than: uuid.UUID | None = None) -> bool:
    stmt = select(User.id).where(_same_email(email))
    if other_than is not None:
        stmt = stmt.where(User.id != other_than)
    return session.scalar(stmt.limit(1)) is not None


def new_password_hash(password: str, *, email: str, full_name: str = "") -> str:
    """The hash of a new account's password: RequestError when the address is not one or the
    password is too short or too easy to guess for it. No database: the API computes it before
    it takes a database slot (a hash is a fraction of a second of CPU)."""
    email = normalize_email(email)
    check_password(password, email=email, full_name=full_name)
    return hash_password(password)


def create_user(
    session: Session,
    *,
    email: str,
    password: str | None = None,
    hashed_password: str | None = None,
    role: Role = "user",
    full_name: str = "",
    is_active: bool = True,
) -> User:
    """A new user; ConflictError when the email is taken (in any case), RequestError when the
    password is too short or too easy to guess. Give ``password``, or ``hashed_password`` from
    :func:`new_password_hash`."""
    if (password is None) == (hashed_password is None):
        raise ValueError("give either password or hashed_password")
    email = normalize_email(email)
    # Hashed before the first query: on SQLite a writing session holds the database's write
    # lock from its first statement, and a hash (a fraction of a second) under it made
    # concurrent signups time out with "database is locked".
    if hashed_password is None:
        assert password is not None
        hashed_password = new_password_hash(password, email=email, full_name=full_name)
    if _taken(session, email):
        raise ConflictError(f"a user with email {email!r} exists already")
    user = User(
        email=email,
        hashed_password=hashed_password,
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


def _candidates(session: Session, email: str) -> list[User]:
    """The users whose email equals ``email`` but for case: one, except for accounts made
    before emails were lowercased. Then the one spelled exactly as given comes first, then
    the lowercase one, then the oldest: the same order every time."""
    typed = email.strip()
    exact = case((User.email == typed, 0), (User.email == typed.lower(), 1), else_=2)
    stmt = select(User).where(_same_email(email))
    return list(session.scalars(stmt.order_by(exact, User.created_at, User.id)))


def get_user_by_email(session: Session, *, email: str) -> User | None:
    """The user with this email, compared without regard to case, or None."""
    found = _candidates(session, email)
    return found[0] if found else None


@dataclass(frozen=True)
class LoginCandidate:
    """What checking a password against an account needs, read apart from the check."""

    user_id: uuid.UUID
    hashed_password: str
    is_active: bool


def login_candidates(session: Session, *, email: str) -> list[LoginCandidate]:
    """The accounts a sign-in with ``email`` may open, in ``get_user_by_email``'s order
    (none when it is not an email address)."""
    try:
        users = _candidates(session, email)
    except RequestError:
        return []
    return [LoginCandidate(u.id, u.hashed_password, u.is_active) for u in users]


def check_login(
    candidates: list[LoginCandidate], *, password: str
) -> tuple[uuid.UUID, str | None] | None:
    """The first active candidate ``password`` opens, with a new hash where its hash's
    parameters are outdated, or None. No database; as slow for no candidate as for one."""
    if not candidates:
        dummy_verify(password)
        return None
    for found in candidates:
        if found.is_active and verify_password(password, found.hashed_password):
            rehash = hash_password(password) if needs_rehash(found.hashed_password) else None
            return found.user_id, rehash
    return None


def finish_login(
    session: Session, *, user_id: uuid.UUID, checked_hash: str, rehash: str | None = None
) -> User | None:
    """The user :func:`check_login` found, or None when they were deactivated or changed
    their password meanwhile; an outdated hash is replaced by ``rehash``."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.hashed_password != checked_hash:
        return None
    if rehash is not None:
        user.hashed_password = rehash
        session.commit()
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The active user with this email and password, or None; upgrades outdated hashes.

    Should several old accounts share the email but for case, the password is tried against
    each in ``get_user_by_email``'s order and the first that it opens is signed in."""
    candidates = login_candidates(session, email=email)
    found = check_login(candidates, password=password)
    if found is None:
        return None
    checked = next(c.hashed_password for c in candidates if c.user_id == found[0])
    return finish_login(session, user_id=found[0], checked_hash=checked, rehash=found[1])


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
        email = normalize_email(email)
        if _taken(session, email, other_than=user.id):
            raise ConflictError(f"a user with email {email!r} exists already")
        user.email = email
    if password is not None:
        check_password(password, email=user.email, full_name=full_name or user.full_name)
        _set_password(session, user, hash_password(password))
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


def _set_password(session: Session, user: User, hashed_password: str) -> None:
    user.hashed_password = hashed_password
    user.password_changed_at = utcnow()
    # A password change is how a user takes their account back: the personal tokens made
    # before it are revoked with the access tokens issued before it.
    _revoke_all_tokens(session, user_id=user.id, now=user.password_changed_at)


def change_password(
    session: Session, *, user_id: uuid.UUID, checked_hash: str, hashed_password: str
) -> User | None:
    """Give the user whose password hash was ``checked_hash`` the new ``hashed_password`` (from
    :func:`new_password_hash`; tokens issued before are revoked), or None when the user is gone
    or deactivated or their password changed since the check."""
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.hashed_password != checked_hash:
        return None
    _set_password(session, user, hashed_password)
    session.commit()
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


def revoke_token_value(session: Session, *, token: str) -> bool:
    """Revoke the personal token whose plain value is ``token`` (a browser signing out);
    False when there is no such token."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None:
        session.rollback()
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.commit()
    return True


def _revoke_all_tokens(session: Session, *, user_id: uuid.UUID, now: datetime) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def count_users(session: Session) -> int:
    """How many users exist (0 on a fresh installation)."""
    return session.scalar(select(func.count()).select_from(User)) or 0
