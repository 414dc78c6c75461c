"""Object storage for bed files: a local folder (default) or an S3-compatible bucket.

Keys are built by the server (:func:`make_key`); uploads are streamed with their size and
sha256 computed on the way, and refused past a size limit.

>>> from bedflow.storage import LocalStorage, make_key
>>> import io, tempfile, uuid
>>> store = LocalStorage(tempfile.mkdtemp())
>>> key = make_key(bed_id=uuid.uuid4(), kind="bed")
>>> store.put_stream(key, io.BytesIO(b"bed { }"), max_bytes=100).size
7
"""

from bedflow.storage._base import (
    CHUNK_SIZE,
    Readable,
    Storage,
    StoredObject,
    copy_stream,
    make_key,
    validate_key,
)
from bedflow.storage._factory import get_stage_cache, get_storage
from bedflow.storage._local import LocalStorage
from bedflow.storage._s3 import S3Storage
from bedflow.storage._stage_cache import EvictedEntry, StoreStageCache

__all__ = [
    "CHUNK_SIZE",
    "EvictedEntry",
    "LocalStorage",
    "Readable",
    "S3Storage",
    "Storage",
    "StoreStageCache",
    "StoredObject",
    "copy_stream",
    "get_stage_cache",
    "get_storage",
    "make_key",
    "validate_key",
]
