"""The app as ``bedflow serve`` runs it: settings from the environment, JSON logs."""

from __future__ import annotations

import os

from fastapi import FastAPI

from bedflow.api._app import create_app
from bedflow.api._logging import configure_logging
from bedflow.settings import get_settings

__all__ = ["LOG_LEVEL_ENV", "make_app"]

LOG_LEVEL_ENV = "BEDFLOW_LOG_LEVEL"


def make_app() -> FastAPI:
    """The app for uvicorn's ``--factory`` (each worker process calls it)."""
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "INFO").upper())
    return create_app(get_settings())
