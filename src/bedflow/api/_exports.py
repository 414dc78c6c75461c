"""Queueing an export (a study's or a bed's) to the user's own bucket: the checks both
routes make, then the ``s3-export`` job."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow.api._errors import ApiError
from bedflow.api._state import AppState
from bedflow.db import Bed, Job, User, crud
from bedflow.worker import EXPORT_JOB, ExportDestination, check_endpoint, parse_s3_secret

__all__ = ["queue_export"]


def queue_export(
    session: Session,
    state: AppState,
    *,
    user: User,
    bed: Bed,
    destination: ExportDestination,
    subject_type: Literal["study", "bed"],
    subject_id: uuid.UUID,
) -> Job:
    """Queue the export of the study or bed ``subject_id`` to ``destination``.

    The credential must be the user's own (404 otherwise: another user's is not revealed to
    exist) and an ``s3`` one whose endpoint the installation allows (422). The job's params
    name the credential by id; its secret is read by the worker only."""
    credential = crud.get_credential(session, credential_id=destination.credential_id, owner=user)
    if credential is None:
        raise ApiError(404, "credential not found")
    if credential.service != "s3":
        raise ApiError(422, f"credential {credential.name!r} is for {credential.service!r}, not s3")
    settings = state.settings
    try:
        secret = crud.reveal_credential(
            credential, secret_key=settings.secret_key.get_secret_value()
        )
        parsed = parse_s3_secret(credential.name, secret)
        check_endpoint(parsed.endpoint_url, settings.export_s3_endpoint_list)
    except RequestError as exc:
        raise ApiError(422, str(exc)) from None
    session.commit()  # end the request's reads: SQLite cannot upgrade a stale read to a write
    more: dict[str, Any] = {
        f"{subject_type}_id": str(subject_id),
        "destination": destination.model_dump(mode="json"),
    }
    job = crud.create_job(session, user=user, type=EXPORT_JOB, bed=bed, max_attempts=2, more=more)
    crud.record_activity(
        session,
        user=user,
        action=f"{subject_type}.export",
        subject_type=subject_type,
        subject_id=subject_id,
    )
    if state.dispatcher is not None:
        state.dispatcher.submit(job)
    return job
