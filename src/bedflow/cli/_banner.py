"""What `bedflow serve` says first in a terminal: where the dashboard is, how the first
admin signs in, where the data lives."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bedflow.settings import Settings

__all__ = ["banner", "dashboard_url"]

_ANY_ADDRESS = frozenset({"0.0.0.0", "::", "[::]", ""})


def dashboard_url(host: str, port: int) -> str:
    """The URL to open: ``localhost`` for a wildcard address, brackets around IPv6."""
    if host in _ANY_ADDRESS:
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def _admin_line(settings: Settings, admin_email: str, password_env: str, file: str) -> str:
    path = Path(settings.data_dir) / file
    if path.is_file():
        return f"first sign-in: {admin_email}, password in {path} (change it once signed in)"
    if os.environ.get(password_env):
        return f"first sign-in: {admin_email}, password from {password_env}"
    return "sign in with your account (admins create users; see docs/api.md)"


def banner(settings: Settings, *, host: str, port: int, app_built: bool) -> list[str]:
    """The banner's lines (plain text)."""
    from bedflow.api import ADMIN_PASSWORD_ENV, ADMIN_PASSWORD_FILE, ApiConfig

    url = dashboard_url(host, port)
    database = make_url(settings.database_url)
    where_db = (
        database.database or "(in memory)"
        if database.get_backend_name() == "sqlite"
        else database.render_as_string(hide_password=True)
    )
    objects = (
        f"s3://{settings.s3_bucket}"
        if settings.storage_backend == "s3"
        else str(settings.storage_dir or Path(settings.data_dir) / "objects")
    )
    queue = settings.broker_url and make_url(settings.broker_url).render_as_string(
        hide_password=True
    )
    return [
        f"bedflow dashboard: {url}"
        + ("" if app_built else "  (not built: run `make web`; the API works without it)"),
        f"API docs: {url}docs    API: {url}api/v1",
        _admin_line(settings, ApiConfig().admin_email, ADMIN_PASSWORD_ENV, ADMIN_PASSWORD_FILE),
        f"data: {settings.data_dir} (database {where_db}, files {objects})",
        f"jobs: {f'queue {queue}' if queue else 'embedded worker processes of this server'}",
    ]
