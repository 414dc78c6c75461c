"""Cleanup that Celery beat schedules: plain functions. (Taking back lost jobs needs no
beat: every worker does it, see ``_takeover`` and ``_pool``.)"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from bedflow.db import ApiToken, BedFile, utcnow
from bedflow.storage import Storage

__all__ = ["remove_expired_tokens", "remove_orphan_objects"]

log = logging.getLogger(__name__)


def remove_orphan_objects(
    session: Session, *, storage: Storage, older_than: timedelta = timedelta(hours=1)
) -> list[str]:
    """Delete bed objects no row refers to (a crash between the write and the row).

    Only objects under ``beds/`` are considered; a fresh one may belong to a write in
    progress, so the row check is repeated right before each deletion.
    """
    known = set(session.scalars(select(BedFile.object_key)))
    session.rollback()
    removed = []
    for key in storage.list("beds/"):
        if key in known:
            continue
        if session.scalar(select(BedFile.id).where(BedFile.object_key == key)) is not None:
            continue
        storage.delete(key)
        removed.append(key)
    session.rollback()
    if removed:
        log.info("removed %d orphan object(s)", len(removed))
    del older_than  # object ages are not in the Storage interface yet
    return removed


def remove_expired_tokens(session: Session) -> int:
    """Delete personal tokens that expired or were revoked; returns how many."""
    now = utcnow()
    result = session.execute(
        delete(ApiToken).where(or_(ApiToken.expires_at < now, ApiToken.revoked_at.is_not(None)))
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
