"""API tests run on SQLite and on PostgreSQL, with local and S3 object stores."""

from tests.utils.api import (
    api,
    api_app,
    api_client,
    s3_api_app,
    s3_api_client,
    store_api,
    worker_api,
    worker_app,
    worker_client,
    worker_engine,
)
from tests.utils.db import db_engine
from tests.utils.storage import s3_endpoint

__all__ = [
    "api",
    "api_app",
    "api_client",
    "db_engine",
    "s3_api_app",
    "s3_api_client",
    "s3_endpoint",
    "store_api",
    "worker_api",
    "worker_app",
    "worker_client",
    "worker_engine",
]
