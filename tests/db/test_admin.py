"""Credentials are encrypted at rest and shown masked; settings and activity are recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bedflow._exceptions import ConfigError, ConflictError
from bedflow.db import crud
from tests.utils.db import make_user

KEY = "k" * 48
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_credentials_are_not_stored_in_clear(session: Session) -> None:
    cred = crud.create_credential(session, name="aws", service="s3", secret=SECRET, secret_key=KEY)
    raw = session.execute(text("SELECT secret_encrypted FROM credentials")).scalar_one()
    assert SECRET.encode() not in bytes(raw) and SECRET[:8].encode() not in bytes(raw)
    assert cred.masked == "••••EKEY" == crud.masked(SECRET)
    assert crud.masked("short") == "••••"
    assert crud.reveal_credential(cred, secret_key=KEY) == SECRET
    with pytest.raises(ConfigError):
        crud.reveal_credential(cred, secret_key="another key")
    crud.update_credential(session, credential=cred, secret="new-secret-value", secret_key=KEY)
    assert crud.reveal_credential(cred, secret_key=KEY) == "new-secret-value"
    with pytest.raises(ConflictError):
        crud.create_credential(session, name="aws", service="s3", secret="x", secret_key=KEY)
    assert [c.name for c in crud.list_credentials(session)] == ["aws"]
    crud.delete_credential(session, credential=crud.list_credentials(session)[0])
    assert crud.list_credentials(session) == []


def test_settings_hold_json(session: Session) -> None:
    assert crud.get_setting(session, key="engine.dem", default={"enabled": True}) == {
        "enabled": True
    }
    crud.set_setting(session, key="engine.dem", value={"enabled": False, "options": {"dt": 1e-5}})
    crud.set_setting(session, key="solver.lbm", value={"enabled": True})
    crud.set_setting(session, key="solver.lbm", value={"enabled": False})
    assert crud.list_settings(session) == {
        "engine.dem": {"enabled": False, "options": {"dt": 1e-5}},
        "solver.lbm": {"enabled": False},
    }


def test_activity_history_newest_first(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    crud.record_activity(session, user=alice, action="bed.create", subject_type="bed")
    crud.record_activity(session, user=bob, action="login")
    crud.record_activity(session, user=alice, action="bed.delete", detail={"name": "x"})
    assert [a.action for a in crud.list_activity(session).data] == [
        "bed.delete",
        "login",
        "bed.create",
    ]
    assert crud.list_activity(session, user=bob).count == 1
