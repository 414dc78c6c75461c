"""Users: argon2 passwords, unique emails; API tokens: plain once, hash stored, revocable."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow._exceptions import ConflictError, RequestError
from bedflow.db import ApiToken, crud
from bedflow.db._base import utcnow
from tests.utils.db import PASSWORD, make_user


def test_password_is_hashed_with_argon2_and_checked(session: Session) -> None:
    user = crud.create_user(session, email="Ann@Example.COM", password=PASSWORD)
    assert user.email == "ann@example.com"
    assert user.hashed_password.startswith("$argon2id$") and PASSWORD not in user.hashed_password
    assert crud.authenticate(session, email="ann@EXAMPLE.com", password="wrong one") is None
    assert crud.authenticate(session, email="nobody@example.com", password=PASSWORD) is None
    found = crud.authenticate(session, email="Ann@example.com", password=PASSWORD)
    assert found is not None and found.id == user.id


@pytest.mark.slow
def test_outside_the_tests_passwords_are_hashed_at_the_production_cost() -> None:
    """The suite's own process hashes at argon2's lowest cost (tests/conftest.py); bedflow
    itself uses argon2id's recommended 64 MiB, 3 passes, 4 lanes (RFC 9106's second choice)."""
    code = "from bedflow.db.crud import hash_password; print(hash_password('a long password'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), out.stdout


def test_inactive_users_cannot_sign_in(session: Session) -> None:
    user = make_user(session, name="ann", active=False)
    assert crud.authenticate(session, email=user.email, password=PASSWORD) is None


def test_email_is_unique(session: Session) -> None:
    make_user(session, name="ann")
    with pytest.raises(ConflictError):
        crud.create_user(session, email="ann@example.com", password=PASSWORD)
    assert crud.count_users(session) == 1


def test_short_password_is_refused(session: Session) -> None:
    with pytest.raises(RequestError):
        crud.create_user(session, email="a@example.com", password="short")


@pytest.mark.parametrize(
    "password",
    ["12345678", "password", " " * 8, "qwertyuiop", "Password1!", "ann@example.com", "annann123"],
)
def test_common_and_trivial_passwords_are_refused(session: Session, password: str) -> None:
    """Regression: these, and the account's own email, were accepted (only the length was
    checked)."""
    with pytest.raises(RequestError, match="too easy to guess"):
        crud.create_user(session, email="ann@example.com", password=password)
    ann = make_user(session, name="ann")
    with pytest.raises(RequestError, match="too easy to guess"):
        crud.update_user(session, user=ann, password=password)
    assert crud.count_users(session) == 1


def test_emails_differing_only_in_case_are_one_account(session: Session) -> None:
    """Regression: ``Ann@example.com`` and ``ann@example.com`` made two accounts."""
    ann = crud.create_user(session, email="Ann@Example.com", password=PASSWORD)
    assert ann.email == "ann@example.com"
    with pytest.raises(ConflictError):
        crud.create_user(session, email="ANN@example.com", password=PASSWORD)
    bob = make_user(session, name="bob")
    with pytest.raises(ConflictError):
        crud.update_user(session, user=bob, email="aNN@EXAMPLE.COM")
    found = crud.get_user_by_email(session, email="ANN@example.COM")
    assert found is not None and found.id == ann.id


def test_old_accounts_differing_only_in_case_sign_in_deterministically(
    session: Session,
) -> None:
    """Rows from before emails were lowercased may differ only in case: each still signs in
    with its own password, and a lookup prefers the spelling typed, then the lowercase one."""
    upper = make_user(session, name="Eve")  # stored as written: Eve@example.com
    lower = make_user(session, name="eve")
    crud.update_user(session, user=lower, password="another long secret")
    assert upper.email == "Eve@example.com" and lower.email == "eve@example.com"
    found = crud.authenticate(session, email="EVE@example.com", password=PASSWORD)
    assert found is not None and found.id == upper.id
    found = crud.authenticate(session, email="EVE@example.com", password="another long secret")
    assert found is not None and found.id == lower.id
    for typed, expected in (("Eve@example.com", upper), ("EVE@EXAMPLE.COM", lower)):
        user = crud.get_user_by_email(session, email=typed)
        assert user is not None and user.id == expected.id
    with pytest.raises(ConflictError):
        crud.create_user(session, email="eVe@example.com", password=PASSWORD)


def test_a_password_change_revokes_the_personal_tokens(session: Session) -> None:
    """Regression: ``bf_`` tokens kept working after their user changed the password."""
    user, other = make_user(session), make_user(session)
    _, plain = crud.create_api_token(session, user=user, name="laptop")
    _, others = crud.create_api_token(session, user=other, name="laptop")
    crud.update_user(session, user=user, full_name="renamed")
    assert crud.user_for_token(session, token=plain) is not None
    crud.update_user(session, user=user, password="a brand new secret")
    assert crud.user_for_token(session, token=plain) is None
    assert all(t.revoked_at is not None for t in crud.list_api_tokens(session, user=user))
    assert crud.user_for_token(session, token=others) is not None
    _, after = crud.create_api_token(session, user=user, name="new laptop")
    assert crud.user_for_token(session, token=after) is not None


def test_update_and_list_users(session: Session) -> None:
    ann = make_user(session, name="ann")
    make_user(session, name="bob")
    crud.update_user(session, user=ann, role="admin", full_name="Ann A.", password="new password")
    assert ann.is_admin
    assert crud.authenticate(session, email=ann.email, password="new password") is not None
    page = crud.list_users(session, limit=1)
    assert page.count == 2 and [u.email for u in page.data] == ["ann@example.com"]


def test_token_is_shown_once_and_only_its_hash_is_stored(session: Session) -> None:
    user = make_user(session)
    row, plain = crud.create_api_token(session, user=user, name="laptop")
    assert plain.startswith(crud.TOKEN_PREFIX) and row.prefix == plain[:10]
    stored = session.execute(select(ApiToken.token_hash, ApiToken.prefix)).one()
    assert plain not in stored.token_hash
    found = crud.user_for_token(session, token=plain)
    assert found is not None and found.id == user.id
    assert row.last_used_at is not None
    assert crud.user_for_token(session, token=plain + "x") is None
    assert crud.user_for_token(session, token="garbage") is None


def test_revoked_and_expired_tokens_are_refused(session: Session) -> None:
    user, other = make_user(session), make_user(session)
    row, plain = crud.create_api_token(session, user=user, name="ci")
    assert not crud.revoke_api_token(session, user=other, token_id=row.id)
    assert crud.user_for_token(session, token=plain) is not None
    assert crud.revoke_api_token(session, user=user, token_id=row.id)
    assert crud.user_for_token(session, token=plain) is None
    _, old = crud.create_api_token(
        session, user=user, name="old", expires_at=utcnow() - timedelta(seconds=1)
    )
    assert crud.user_for_token(session, token=old) is None
    assert [t.name for t in crud.list_api_tokens(session, user=user)] == ["old", "ci"]


def test_deleting_a_user_deletes_their_tokens_and_beds(session: Session) -> None:
    user = make_user(session)
    crud.create_api_token(session, user=user, name="t")
    crud.delete_user(session, user=user)
    assert session.scalars(select(ApiToken)).all() == []


def test_a_password_change_stores_only_over_the_hash_it_checked(session: Session) -> None:
    """The API checks the current password and hashes the new one without a database slot,
    then stores it: not over a password changed meanwhile, nor for a deactivated user."""
    user = make_user(session)
    checked = user.hashed_password
    new_hash = crud.new_password_hash("another long secret", email=user.email)
    other = crud.change_password(
        session, user_id=user.id, checked_hash="not the hash", hashed_password=new_hash
    )
    assert other is None and user.hashed_password == checked
    changed = crud.change_password(
        session, user_id=user.id, checked_hash=checked, hashed_password=new_hash
    )
    assert changed is user and user.hashed_password == new_hash
    assert user.password_changed_at is not None
    again = crud.change_password(
        session, user_id=user.id, checked_hash=checked, hashed_password=new_hash
    )
    assert again is None  # the first change moved the hash on
    user.is_active = False
    session.commit()
    assert (
        crud.change_password(
            session, user_id=user.id, checked_hash=new_hash, hashed_password=checked
        )
        is None
    )
