"""Export a study's results, or a bed, with its files to a bucket the user owns, with a
stored credential of theirs (issue 14 §2): what an ``s3-export`` job runs.

The installation's own object store stays configured by environment variables; a stored
credential names only the user's destination. Its secret (``service = "s3"``) is JSON:
``{"access_key_id": ..., "secret_access_key": ..., "endpoint_url": ..., "region": ...}``
(``endpoint_url`` and ``region`` optional: AWS when absent). An ``endpoint_url`` must be one
the installation lists in ``BEDFLOW_EXPORT_S3_ENDPOINTS`` (:func:`check_endpoint`): checked
when the credential is saved and again before the worker connects, so that no user points
the server at an internal address.

What lands under ``prefix`` in the bucket: every file of the bed, under its own object key,
then ``study.json`` (the study, each point's settings and its flow result as the API gives
it) or ``bed.json`` (the bed, its spec and the files' list).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bedflow._exceptions import RequestError
from bedflow.db import Bed, BedFile, Credential, Result, Study, crud
from bedflow.pipeline import JobParams
from bedflow.storage import S3Storage, Storage, validate_key

__all__ = [
    "EXPORT_JOB",
    "ExportDestination",
    "S3Secret",
    "check_endpoint",
    "destination_store",
    "export_bed",
    "export_study",
    "parse_s3_secret",
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
    endpoint_url: str | None = Field(None, max_length=500)
    region: str = Field("us-east-1", pattern=r"^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$")


def parse_s3_secret(name: str, secret: str) -> S3Secret:
    """The secret of the credential ``name`` as an :class:`S3Secret`; a RequestError that
    names the fields (never the secret's text) when it is not one."""
    try:
        return S3Secret.model_validate_json(secret)
    except ValidationError as exc:  # never echo the secret itself
        fields = sorted({".".join(str(p) for p in e["loc"]) or "(the JSON)" for e in exc.errors()})
        raise RequestError(
            f"credential {name!r} is not an s3 secret (JSON with access_key_id and "
            f"secret_access_key, optional endpoint_url and region); check: {', '.join(fields)}"
        ) from None


def _origin(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}"


def check_endpoint(endpoint_url: str | None, allowed: list[str]) -> None:
    """Refuse (RequestError) an ``endpoint_url`` that is not one of ``allowed`` (the
    installation's ``BEDFLOW_EXPORT_S3_ENDPOINTS``); None (AWS) is always allowed."""
    if endpoint_url is None:
        return
    if _origin(endpoint_url) not in {_origin(a) for a in allowed}:
        listed = ", ".join(allowed) if allowed else "none: AWS only, leave endpoint_url out"
        raise RequestError(
            f"endpoint_url {endpoint_url!r} is not an export endpoint this installation "
            f"allows (BEDFLOW_EXPORT_S3_ENDPOINTS: {listed})"
        )


def destination_store(
    credential: Credential, secret: str, bucket: str, *, allowed: list[str]
) -> S3Storage:
    """The user's bucket, reached with ``credential`` (its revealed ``secret``), whose
    endpoint must be one of ``allowed``."""
    if credential.service != "s3":
        raise RequestError(f"credential {credential.name!r} is for {credential.service!r}, not s3")
    parsed = parse_s3_secret(credential.name, secret)
    check_endpoint(parsed.endpoint_url, allowed)
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


def _copy_files(
    session: Session, *, bed_id: uuid.UUID, source: Storage, target: Storage, prefix: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Copy the bed's files; the keys written and the files' manifest entries."""
    written: list[str] = []
    files = list(
        session.scalars(
            select(BedFile).where(BedFile.bed_id == bed_id).order_by(BedFile.object_key)
        )
    )
    listed: list[dict[str, Any]] = []
    for f in files:
        key = _key(prefix, f.object_key)
        target.put_stream(
            key, _Chunks(source.open_stream(f.object_key)), content_type=f.content_type
        )
        written.append(key)
        listed.append(
            {"key": key, "filename": f.filename, "kind": f.kind, "size": f.size, "sha256": f.sha256}
        )
    return written, listed


def _put_json(target: Storage, key: str, manifest: dict[str, Any]) -> str:
    body = json.dumps(manifest, indent=2).encode("utf-8")
    target.put_stream(key, _Chunks(iter([body])), content_type="application/json")
    return key


def export_study(
    session: Session, *, study: Study, source: Storage, target: Storage, prefix: str
) -> list[str]:
    """Copy the study's results (``study.json``) and its bed's files from ``source`` (the
    installation's store) to ``target``; returns the keys written, ``study.json`` last."""
    written, listed = _copy_files(
        session, bed_id=study.bed_id, source=source, target=target, prefix=prefix
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
    written.append(_put_json(target, _key(prefix, "study.json"), manifest))
    return written


def export_bed(
    session: Session, *, bed: Bed, source: Storage, target: Storage, prefix: str
) -> list[str]:
    """Copy the bed's files from ``source`` to ``target``, then ``bed.json`` (the bed, its
    spec and the files); returns the keys written, ``bed.json`` last."""
    written, listed = _copy_files(
        session, bed_id=bed.id, source=source, target=target, prefix=prefix
    )
    manifest = {
        "bed": {"id": str(bed.id), "name": bed.name, "spec": bed.spec},
        "files": listed,
    }
    written.append(_put_json(target, _key(prefix, "bed.json"), manifest))
    return written


def run_export(
    session: Session,
    *,
    raw_params: dict[str, Any],
    source: Storage,
    secret_key: str,
    allowed_endpoints: list[str],
) -> list[str]:
    """Run the export a job's params describe (``destination``, and ``study_id`` or
    ``bed_id``); the credential's endpoint must be one of ``allowed_endpoints``."""
    try:
        destination = ExportDestination.model_validate(raw_params.get("destination"))
        study_id = raw_params.get("study_id")
        subject = uuid.UUID(str(study_id if study_id is not None else raw_params.get("bed_id")))
    except (ValidationError, ValueError) as exc:
        raise RequestError(f"the export job's params are not an export: {exc}") from exc
    credential = session.get(Credential, destination.credential_id)
    if credential is None:
        raise RequestError("the credential of the export was deleted")
    secret = crud.reveal_credential(credential, secret_key=secret_key)
    target = destination_store(credential, secret, destination.bucket, allowed=allowed_endpoints)
    if study_id is not None:
        study = session.get(Study, subject)
        if study is None:
            raise RequestError("the study to export was deleted")
        return export_study(
            session, study=study, source=source, target=target, prefix=destination.prefix
        )
    bed = session.get(Bed, subject)
    if bed is None:
        raise RequestError("the bed to export was deleted")
    return export_bed(session, bed=bed, source=source, target=target, prefix=destination.prefix)
