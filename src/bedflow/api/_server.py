"""The app as ``bedflow serve`` runs it: settings from the environment, JSON logs."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from bedflow.api._app import create_app
from bedflow.api._logging import configure_logging
from bedflow.settings import Settings, get_settings

__all__ = ["LOG_FORMAT_ENV", "LOG_LEVEL_ENV", "make_app", "openapi_document"]

LOG_LEVEL_ENV = "BEDFLOW_LOG_LEVEL"
LOG_FORMAT_ENV = "BEDFLOW_LOG_FORMAT"
"""``json`` (the default) or ``text``: how ``bedflow serve``'s worker processes log."""


def make_app() -> FastAPI:
    """The app for uvicorn's ``--factory`` (each worker process calls it)."""
    configure_logging(
        os.environ.get(LOG_LEVEL_ENV, "INFO").upper(),
        json=os.environ.get(LOG_FORMAT_ENV, "json") != "text",
    )
    return create_app(get_settings())


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document, the same for every installation (the web app's typed
    client is generated from it): built by an app on a throwaway data folder, whatever the
    environment says, and never started."""
    with tempfile.TemporaryDirectory(prefix="bedflow-openapi-") as tmp:
        settings = Settings(
            _env_file=None,
            environment="development",
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/openapi.db",
            storage_backend="local",
            storage_dir=None,
            broker_url=None,
            secret_key="openapi-document-only-" + "0" * 32,
        )
        app = create_app(settings, web_dir=Path(tmp))
        document = app.openapi()
        app.state.bedflow.engine.dispose()
        return document
