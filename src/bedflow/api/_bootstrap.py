"""First start: migrate the embedded database and create a local admin who can sign in.

The admin's password is ``BEDFLOW_ADMIN_PASSWORD`` when set; otherwise one is generated and
written once to ``<data dir>/admin_password`` (readable by the owner only). Neither is logged.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session, sessionmaker

from bedflow._exceptions import ConfigError, ConflictError, RequestError
from bedflow._private import make_private_dirs
from bedflow.api._config import ApiConfig
from bedflow.db import crud, upgrade
from bedflow.settings import Settings

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "ADMIN_PASSWORD_FILE",
    "ensure_admin",
    "is_embedded",
    "prepare_database",
]

log = logging.getLogger(__name__)

ADMIN_PASSWORD_FILE = "admin_password"
ADMIN_PASSWORD_ENV = "BEDFLOW_ADMIN_PASSWORD"


def is_embedded(engine: Engine) -> bool:
    """Whether the database is the embedded SQLite file (migrated by the server itself)."""
    return engine.dialect.name == "sqlite"


def prepare_database(engine: Engine) -> None:
    """Apply the migrations on the embedded default; PostgreSQL is migrated by the operator
    (``bedflow db upgrade``), so that several servers never race to migrate it."""
    if is_embedded(engine):
        upgrade(engine)


def ensure_admin(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, config: ApiConfig
) -> bool:
    """Create the local admin when there is no user yet; True when one was created."""
    if not config.bootstrap_admin:
        return False
    if not inspect(engine).has_table("users"):
        log.warning("the database has no tables yet: run `bedflow db upgrade`")
        return False
    with sessions() as session:
        if crud.count_users(session):
            return False
        given = os.environ.get(ADMIN_PASSWORD_ENV, "")
        password = given or secrets.token_urlsafe(18)
        try:
            crud.create_user(
                session,
                email=config.admin_email,
                password=password,
                role="admin",
                full_name="Administrator",
            )
        except ConflictError:  # another worker process created it a moment ago
            return False
        except RequestError as exc:  # a given password that the password rules refuse
            raise ConfigError(f"{ADMIN_PASSWORD_ENV}: {exc}") from None
    if given:
        log.warning(
            "created the admin %s with the password in %s; sign in at /docs or with "
            "`curl -d username=%s -d password=... /api/v1/login/access-token`",
            config.admin_email,
            ADMIN_PASSWORD_ENV,
            config.admin_email,
        )
        return True
    path = _write_secret(Path(settings.data_dir) / ADMIN_PASSWORD_FILE, password)
    log.warning(
        "created the admin %s; its password is in %s (owner-readable only). Sign in at /docs "
        'or with `curl -d username=%s -d password="$(cat %s)" .../api/v1/login/access-token`',
        config.admin_email,
        path,
        config.admin_email,
        path,
    )
    return True


def _write_secret(path: Path, value: str) -> Path:
    make_private_dirs(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an earlier installation may have other permissions
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return path
