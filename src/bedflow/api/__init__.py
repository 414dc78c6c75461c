"""The HTTP API (FastAPI, under ``/api/v1``): beds, files, runs, projects, admin, health.

>>> from bedflow.api import create_app
>>> from bedflow.settings import get_settings
>>> app = create_app(get_settings())  # doctest: +SKIP

``bedflow serve`` runs it with uvicorn.
"""

from bedflow.api._app import API_PREFIX, create_app
from bedflow.api._config import ApiConfig

__all__ = ["API_PREFIX", "ApiConfig", "create_app"]
