"""Headers of downloads: a Content-Disposition that no file name can break."""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["content_disposition", "safe_media_type"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}")


def content_disposition(filename: str, *, fallback: str = "download") -> str:
    """``attachment`` with an ASCII name and the UTF-8 one (RFC 6266), quotes and CR/LF gone.

    >>> content_disposition('a "b"\\r\\n.stl')
    'attachment; filename="a_b_.stl"; filename*=UTF-8\\'\\'a%20%22b%22.stl'
    """
    cleaned = re.sub(r"[\x00-\x1f\x7f]", "", filename).strip() or fallback
    ascii_name = _UNSAFE.sub("_", cleaned).strip("._") or fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def safe_media_type(value: str) -> str:
    """``value`` if it is a plain ``type/subtype``, else ``application/octet-stream``."""
    media = value.split(";")[0].strip().lower()
    return media if _MEDIA_TYPE.fullmatch(media) else "application/octet-stream"
