"""Whom a token belongs to is remembered per process for ``BEDFLOW_AUTH_CACHE_SECONDS``.

A change made through this process (password, role, deactivation, token revoked) is seen at
once (tests/api/routes/test_login.py); one made elsewhere (another server process, here: the
database directly) within that time. A JWT's signature and expiry are checked on every
request, remembered or not.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from bedflow.api import create_app
from bedflow.api._security import create_access_token
from bedflow.db import make_sessionmaker
from tests.utils.api import CONFIG, auth, make_settings, state
from tests.utils.db import clear_tables, make_user

ME = "/api/v1/users/me"


@pytest.mark.parametrize("ttl", [0.0, 300.0])
def test_a_user_deactivated_elsewhere_is_refused_within_the_cache_time(
    db_engine: Engine, tmp_path: Path, ttl: float
) -> None:
    app = create_app(make_settings(tmp_path, db_engine, auth_cache_seconds=ttl), config=CONFIG)
    session = make_sessionmaker(db_engine)()
    try:
        user = make_user(session)
        headers = auth(app, user)
        with TestClient(app) as client:
            assert client.get(ME, headers=headers).json()["email"] == user.email
            user.is_active = False  # as another server process would
            session.commit()
            if ttl:
                # Remembered: still served, from a fresh copy of the user as it was.
                assert client.get(ME, headers=headers).json()["is_active"] is True
                state(app).identities.forget_all()  # what the cache time does by itself
            assert client.get(ME, headers=headers).status_code == 401
    finally:
        session.close()
        clear_tables(db_engine)


def test_an_expired_jwt_is_refused_though_its_user_is_remembered(
    db_engine: Engine, tmp_path: Path
) -> None:
    app = create_app(make_settings(tmp_path, db_engine, auth_cache_seconds=300), config=CONFIG)
    session = make_sessionmaker(db_engine)()
    try:
        user = make_user(session)
        with TestClient(app) as client:
            token, expires = create_access_token(
                user_id=user.id, key=state(app).token_key, lifetime=timedelta(hours=1)
            )
            headers = {"Authorization": f"Bearer {token}"}
            assert client.get(ME, headers=headers).status_code == 200  # now remembered
            # The app's clock moves past the expiry (it used to be a 3 s sleep).
            state(app).clock = lambda: expires + timedelta(seconds=1)
            assert client.get(ME, headers=headers).status_code == 401
            state(app).clock = lambda: expires - timedelta(seconds=1)
            assert client.get(ME, headers=headers).status_code == 200
            forged = {"Authorization": f"Bearer {token[:-2]}xx"}
            assert client.get(ME, headers=forged).status_code == 401
    finally:
        session.close()
        clear_tables(db_engine)
