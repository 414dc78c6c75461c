"""Names the API, the dispatchers and the Celery workers share: queues and the events channel.

Its own module so that the Celery side does not import `_dispatch`, which imports it.
"""

from __future__ import annotations

from bedflow.settings import Settings

__all__ = ["PACK_TYPES", "events_channel", "queue_for"]

PACK_TYPES = frozenset({"generate", "pack", "s3-export"})


def events_channel(settings: Settings) -> str:
    """The Redis pub/sub channel that tells API processes a job reported new events."""
    return f"{settings.queue_prefix}bedflow:job-events"


def queue_for(job_type: str) -> str:
    """The Celery queue of a job type: ``pack`` for packing and exports, ``cfd`` otherwise."""
    return "pack" if job_type in PACK_TYPES else "cfd"
