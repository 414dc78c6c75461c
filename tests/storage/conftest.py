"""Storage tests run on a local folder and on a real S3-protocol server (moto) on loopback."""

from tests.utils.storage import cut_short, s3_endpoint, store

__all__ = ["cut_short", "s3_endpoint", "store"]
