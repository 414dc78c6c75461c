"""The HTTP API (FastAPI, under ``/api/v1``): beds, files, runs, projects, admin, health.

>>> from bedflow.api import create_app
>>> from bedflow.settings import get_settings
>>> app = create_app(get_settings())  # doctest: +SKIP

``bedflow serve`` runs it with uvicorn.
"""

from bedflow.api._app import API_PREFIX, create_app
from bedflow.api._bootstrap import (
    ADMIN_PASSWORD_ENV,
    ADMIN_PASSWORD_FILE,
    ensure_admin,
    prepare_database,
)
from bedflow.api._config import ApiConfig
from bedflow.api._logging import configure_logging
from bedflow.api._server import LOG_FORMAT_ENV, LOG_LEVEL_ENV, make_app, openapi_document
from bedflow.api._web import find_web_dir
from bedflow.api._workers import run_server

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "ADMIN_PASSWORD_FILE",
    "API_PREFIX",
    "LOG_FORMAT_ENV",
    "LOG_LEVEL_ENV",
    "ApiConfig",
    "configure_logging",
    "create_app",
    "ensure_admin",
    "find_web_dir",
    "make_app",
    "openapi_document",
    "prepare_database",
    "run_server",
]
