"""Choose the object store the settings name."""

from __future__ import annotations

from bedflow.settings import Settings
from bedflow.storage._base import Storage
from bedflow.storage._local import LocalStorage
from bedflow.storage._s3 import S3Storage

__all__ = ["get_storage"]


def get_storage(settings: Settings) -> Storage:
    """The store of ``settings``: a local folder (default) or an S3 bucket.

    >>> store = get_storage(get_settings())  # doctest: +SKIP
    """
    if settings.storage_backend == "s3":
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        return S3Storage(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            access_key_id=key_id.get_secret_value() if key_id else None,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    assert settings.storage_dir is not None  # filled in by Settings' validator
    return LocalStorage(settings.storage_dir)
