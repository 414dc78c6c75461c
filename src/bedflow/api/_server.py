"""The app as ``bedflow serve`` runs it: settings from the environment, JSON logs."""

from __future__ import annotations

from fastapi import FastAPI

from bedflow._exceptions import ConfigError
from bedflow.api._app import create_app
from bedflow.api._logging import configure_logging
from bedflow.settings import get_settings

__all__ = ["LOG_LEVEL_ENV", "make_app"]

LOG_LEVEL_ENV = "BEDFLOW_LOG_LEVEL"
"""``bedflow serve --log-level`` hands its level to the worker processes through it."""


def make_app() -> FastAPI:
    """The app for uvicorn's ``--factory`` (each worker process calls it)."""
    settings = get_settings()
    configure_logging(settings.log_level.upper())
    problem = settings.serving_problem()  # `bedflow serve` says it first, in one line
    if problem is not None:
        raise ConfigError(problem)
    return create_app(settings)
