"""An S3-compatible object store (AWS S3, MinIO, ...) through boto3, with multipart uploads."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bedflow._exceptions import BedflowError, NotFoundError, StorageError, UsageError
from bedflow.storage._base import (
    CHUNK_SIZE,
    Readable,
    StoredObject,
    copy_stream,
    validate_key,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

__all__ = ["S3Storage"]

log = logging.getLogger(__name__)

MIN_PART_SIZE = 5 * 1024 * 1024
"""S3's smallest part of a multipart upload (all but the last)."""

_MISSING = ("404", "NoSuchKey", "NotFound")


class S3Storage:
    """Objects in an S3 bucket; streams are sent in parts of ``part_size`` bytes.

    A part is buffered, then copied once to send it: a 1 GB upload needs about twice
    ``part_size`` of memory, whatever the file size.

    >>> store = S3Storage("bedflow", endpoint_url="http://127.0.0.1:9000")  # doctest: +SKIP
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        part_size: int = 8 * 1024 * 1024,
        client: S3Client | None = None,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise UsageError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        self.part_size = part_size
        if client is None:
            import boto3  # optional: only deployments on S3 need it

            client = boto3.client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
            )
        self.client: S3Client = client

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r})"

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            if _code(exc) not in _MISSING:
                raise StorageError(f"S3 bucket {self.bucket!r}: {exc}") from exc
            self.client.create_bucket(Bucket=self.bucket)

    def put_stream(
        self,
        key: str,
        fileobj: Readable,
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Write ``fileobj`` to ``key``: one PUT when small, a multipart upload when large."""
        validate_key(key)
        upload = _Upload(self, key, content_type)
        try:
            size, sha256 = copy_stream(fileobj, upload.write, max_bytes=max_bytes)
            upload.finish()
        except BaseException:
            upload.abort()
            raise
        log.debug("stored s3://%s/%s (%d bytes)", self.bucket, key, size)
        return StoredObject(key=key, size=size, sha256=sha256)

    def open_stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The object's bytes, chunk by chunk."""
        validate_key(key)
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            raise _error(exc, key) from exc
        return _chunks(body, chunk_size, key)

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        validate_key(key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise _error(exc, key) from exc
        return head["ContentLength"]

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        try:
            self.size(key)
        except NotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove the object (S3 deletes are idempotent)."""
        validate_key(key)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise _error(exc, key) from exc

    def list(self, prefix: str = "") -> Iterator[str]:
        """The keys starting with ``prefix``, sorted (S3 lists in key order)."""
        prefix = validate_key(prefix, prefix=True)
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except Exception as exc:
            raise _error(exc, prefix) from exc


class _Upload:
    """Buffers one part at a time; starts a multipart upload only once a part is full."""

    def __init__(self, store: S3Storage, key: str, content_type: str) -> None:
        self.store, self.key, self.content_type = store, key, content_type
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[CompletedPartTypeDef] = []

    def write(self, chunk: bytes) -> None:
        self.buffer += chunk
        if len(self.buffer) >= self.store.part_size:
            self._send_part()

    def _send_part(self) -> None:
        client, bucket = self.store.client, self.store.bucket
        try:
            if self.upload_id is None:
                self.upload_id = client.create_multipart_upload(
                    Bucket=bucket, Key=self.key, ContentType=self.content_type
                )["UploadId"]
            number = len(self.parts) + 1
            etag = client.upload_part(
                Bucket=bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=bytes(self.buffer),
            )["ETag"]
        except Exception as exc:
            raise _error(exc, self.key) from exc
        self.parts.append({"ETag": etag, "PartNumber": number})
        self.buffer.clear()

    def finish(self) -> None:
        client, bucket = self.store.client, self.store.bucket
        try:
            if self.upload_id is None:
                client.put_object(
                    Bucket=bucket,
                    Key=self.key,
                    Body=bytes(self.buffer),
                    ContentType=self.content_type,
                )
                return
            if self.buffer:
                self._send_part()
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
        except Exception as exc:
            raise _error(exc, self.key) from exc

    def abort(self) -> None:
        """Drop the parts sent so far; a failed upload leaves no object and no parts."""
        self.buffer.clear()
        if self.upload_id is None:
            return
        try:
            self.store.client.abort_multipart_upload(
                Bucket=self.store.bucket, Key=self.key, UploadId=self.upload_id
            )
        except Exception:
            # The original error matters more; a lifecycle rule cleans stale parts up.
            log.exception("could not abort the multipart upload of %s", self.key)


def _chunks(body: Any, chunk_size: int, key: str) -> Iterator[bytes]:
    """The body's chunks; a body cut short (fewer bytes than its Content-Length, a broken
    connection, a read timeout) is a StorageError, as every other failure of the store."""
    from botocore.exceptions import BotoCoreError

    try:
        yield from body.iter_chunks(chunk_size)
    except BotoCoreError as exc:
        raise StorageError(f"S3 read of {key!r} failed: {exc}") from exc
    finally:
        body.close()


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def _error(exc: Exception, key: str) -> Exception:
    """A ClientError as bedflow's NotFoundError or StorageError."""
    if isinstance(exc, BedflowError):
        return exc
    if _code(exc) in _MISSING:
        return NotFoundError(f"no object {key!r}")
    return StorageError(f"S3 request for {key!r} failed: {exc}")
