"""Passwords: argon2id hashes, and which new passwords are refused as too easy to guess.

A new password needs at least ``MIN_PASSWORD_LENGTH`` characters and a zxcvbn score of at
least ``MIN_PASSWORD_SCORE`` (2: "somewhat guessable", more than 10^6 guesses, which the login
limits turn into years of online guessing). zxcvbn knows the common passwords, keyboard walks,
repeats and sequences (``12345678``, ``password``, eight spaces, ``qwertyuiop``), and is told
the account's email, its parts and name, so none of them passes as a password either.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from bedflow._exceptions import RequestError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "MIN_PASSWORD_SCORE",
    "check_password",
    "dummy_verify",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 8
MIN_PASSWORD_SCORE = 2
_ZXCVBN_MAX = 72
"""zxcvbn refuses longer input (its cost grows with length); the first 72 characters are
judged, and a password that long and weak in its start is weak."""

_hasher = PasswordHasher()
# Verifying against this when the email is unknown takes as long as a real check, so the
# time of a failed login does not tell whether the account exists.
_DUMMY_HASH = _hasher.hash("not a password")


def check_password(password: str, *, email: str = "", full_name: str = "") -> None:
    """RequestError when ``password`` is too short or too easy to guess for this account.

    >>> check_password("12345678", email="alice@example.com")
    Traceback (most recent call last):
    ...
    bedflow._exceptions.RequestError: password too easy to guess: ...
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RequestError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if not password.strip():
        raise RequestError("password too easy to guess: it is only spaces")
    hints = [email, full_name, *re.split(r"[@.+_\-\s]+", f"{email} {full_name}")]
    result = zxcvbn(password[:_ZXCVBN_MAX], user_inputs=[h for h in hints if len(h) > 2])
    if int(result["score"]) < MIN_PASSWORD_SCORE:
        feedback = result.get("feedback") or {}
        advice = " ".join(
            [str(feedback.get("warning") or ""), *map(str, feedback.get("suggestions") or [])]
        ).strip()
        raise RequestError(
            "password too easy to guess: " + (advice or "choose a longer, less common one")
        )


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (its length checked; strength: ``check_password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RequestError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches ``hashed``."""
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the time of one verification (an unknown account looks like a known one)."""
    verify_password(password, _DUMMY_HASH)


def needs_rehash(hashed: str) -> bool:
    """Whether ``hashed`` was made with outdated parameters."""
    return _hasher.check_needs_rehash(hashed)
