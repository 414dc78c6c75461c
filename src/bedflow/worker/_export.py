"""Export a study's results and its bed's files to a bucket the user owns, with a stored
credential (issue 14 §2): what an ``s3-export`` job runs.

The installation's own object store stays configured by environment variables; a stored
credential names only the user's destination. Its secret (``service = "s3"``) is JSON:
``{"access_key_id": ..., "secret_access_key": ..., "endpoint_url": ..., "region": ...}``
(``endpoint_url`` and ``region`` optional: AWS when absent).

What lands under ``prefix`` in the bucket: ``study.json`` (the study, each point's settings
and its flow result as the API gives it) and every file of the bed, under its own object key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow.db import BedFile, Credential, Result, Study, crud
from bedflow.pipeline import JobParams
from bedflow.storage import S3Storage, Storage, validate_key

__all__ = [
    "EXPORT_JOB",
    "ExportDestination",
    "S3Secret",
    "destination_store",
    "export_study",
    "run_export",
]

BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"


EXPORT_JOB = "s3-export"
"""The type of an export job; its params hold ``destination`` (:class:`ExportDestination`)."""


class ExportDestination(BaseModel):
    """Where an export goes: a bucket reached with a stored credential, and a key prefix."""

    model_config = ConfigDict(extra="forbid")

    credential_id: uuid.UUID
    bucket: str = Field(pattern=BUCKET_PATTERN, examples=["my-results"])
    prefix: str = Field(
        "",
        max_length=200,
        pattern=r"^([A-Za-z0-9_][A-Za-z0-9._-]*/)*[A-Za-z0-9_][A-Za-z0-9._-]*$|^$",
        description="key prefix in the bucket, without a trailing slash",
        examples=["studies/sweep-1"],
    )


class S3Secret(BaseModel):
    """The secret of an ``s3`` credential, as JSON."""

    model_config = ConfigDict(extra="forbid")

    access_key_id: str = Field(min_length=1)
    secret_access_key: SecretStr
    endpoint_url: str | None = None
    region: str = "us-east-1"


def destination_store(credential: Credential, secret: str, bucket: str) -> S3Storage:
    """The user's bucket, reached with ``credential`` (its revealed ``secret``)."""
    if credential.service != "s3":
        raise RequestError(f"credential {credential.name!r} is for {credential.service!r}, not s3")
    try:
        parsed = S3Secret.model_validate_json(secret)
    except ValidationError as exc:  # never echo the secret itself
        raise RequestError(
            f"credential {credential.name!r} is not an s3 secret "
            "(JSON with access_key_id and secret_access_key)"
        ) from exc
    return S3Storage(
        bucket,
        endpoint_url=parsed.endpoint_url,
        region=parsed.region,
        access_key_id=parsed.access_key_id,
        secret_access_key=parsed.secret_access_key.get_secret_value(),
    )


class _Chunks:
    """A readable over an iterator of chunks (one object store's read, another's write)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()  # appended to in place: a large part costs no copies

    def read(self, size: int = -1, /) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        end = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data


def _result(row: Result) -> dict[str, Any]:
    """A stored result as exported: its flow record, its id and provenance."""
    return {
        "id": str(row.id),
        **row.flow.to_json(),
        "provenance": {"bedflow_version": row.bedflow_version, "spec_hash": row.spec_hash},
    }


def _key(prefix: str, name: str) -> str:
    return validate_key(f"{prefix}/{name}" if prefix else name)


def export_study(
    session: Session, *, study: Study, source: Storage, target: Storage, prefix: str
) -> list[str]:
    """Copy the study's results (``study.json``) and its bed's files from ``source`` (the
    installation's store) to ``target``; returns the keys written, ``study.json`` last."""
    written: list[str] = []
    files = list(
        session.scalars(
            select(BedFile).where(BedFile.bed_id == study.bed_id).order_by(BedFile.object_key)
        )
    )
    listed = []
    for f in files:
        key = _key(prefix, f.object_key)
        target.put_stream(
            key, _Chunks(source.open_stream(f.object_key)), content_type=f.content_type
        )
        written.append(key)
        listed.append(
            {"key": key, "filename": f.filename, "kind": f.kind, "size": f.size, "sha256": f.sha256}
        )
    points: list[dict[str, Any]] = []
    for job, result in crud.study_rows(session, study=study):
        params = JobParams.model_validate(job.params)
        points.append(
            {
                "index": params.point_index,
                "parameters": params.point,
                "status": job.status,
                "result": _result(result) if result else None,
            }
        )
    manifest = {
        "study": {
            "id": str(study.id),
            "name": study.name,
            "bed_id": str(study.bed_id),
            "grid": study.grid,
        },
        "points": points,
        "files": listed,
    }
    body = json.dumps(manifest, indent=2).encode("utf-8")
    key = _key(prefix, "study.json")
    target.put_stream(key, _Chunks(iter([body])), content_type="application/json")
    written.append(key)
    return written


def run_export(
    session: Session, *, raw_params: dict[str, Any], source: Storage, secret_key: str
) -> list[str]:
    """Run the export a job's params describe (``study_id`` and ``destination``)."""
    try:
        destination = ExportDestination.model_validate(raw_params.get("destination"))
        study_id = uuid.UUID(str(raw_params.get("study_id")))
    except (ValidationError, ValueError) as exc:
        raise RequestError(f"the export job's params are not an export: {exc}") from exc
    study = session.get(Study, study_id)
    credential = session.get(Credential, destination.credential_id)
    if study is None:
        raise RequestError("the study to export was deleted")
    if credential is None:
        raise RequestError("the credential of the export was deleted")
    secret = crud.reveal_credential(credential, secret_key=secret_key)
    target = destination_store(credential, secret, destination.bucket)
    return export_study(
        session, study=study, source=source, target=target, prefix=destination.prefix
    )
