"""Choose the object store the settings name, and the stage cache of the workers."""

from __future__ import annotations

from bedflow.pipeline import ArtifactCache, StageCache
from bedflow.settings import Settings
from bedflow.storage._base import Storage
from bedflow.storage._local import LocalStorage
from bedflow.storage._s3 import S3Storage
from bedflow.storage._stage_cache import StoreStageCache

__all__ = ["get_stage_cache", "get_storage"]


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


def get_stage_cache(settings: Settings, storage: Storage) -> StageCache:
    """The stage cache of the workers: shared in ``storage`` when a broker is set (workers on
    several hosts), with a local copy in ``cache_dir``; else a local folder alone (embedded).

    >>> run_pipeline(text, cache=get_stage_cache(settings, storage))  # doctest: +SKIP
    """
    local = ArtifactCache(settings.cache_dir or settings.data_dir / "cache")
    if not settings.broker_url:
        return local
    return StoreStageCache(
        storage,
        local,
        max_bytes=settings.stage_cache_max_bytes,
        max_age_s=settings.stage_cache_max_age_days * 86400.0,
    )
