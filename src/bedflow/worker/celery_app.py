"""The Celery app of this installation: ``celery -A bedflow.worker.celery_app worker``.

Configured from the settings: ``BEDFLOW_BROKER_URL``, ``BEDFLOW_QUEUE_PREFIX``,
``BEDFLOW_CELERY_VISIBILITY_TIMEOUT``.
"""

from __future__ import annotations

from bedflow.settings import get_settings
from bedflow.worker._celery import make_celery

__all__ = ["app"]

_settings = get_settings()
app = make_celery(
    _settings.broker_url or "redis://127.0.0.1:6379/0",
    queue_prefix=_settings.queue_prefix,
    visibility=_settings.celery_visibility_timeout,
)
