"""Stream a multipart upload into the object store without holding it in memory or on disk.

The request body is parsed as it arrives (python-multipart's push parser); the bytes of the
part named ``file`` are handed to :func:`bedflow.db.crud.store_file`, which runs in a worker
thread and pulls them through :class:`UploadStream`'s ``read``. Memory stays at about one
chunk; a body past the size limit stops the copy at once (413) and nothing is kept.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio.from_thread
from python_multipart.multipart import (
    MAX_BOUNDARY_LENGTH,
    MultipartParser,
    parse_options_header,
)
from starlette.requests import Request

from bedflow.api._errors import ApiError

__all__ = ["FILE_FIELD", "UPLOAD_OPENAPI", "UploadStream", "open_upload"]

FILE_FIELD = "file"
MAX_BOUNDARY = MAX_BOUNDARY_LENGTH
"""The longest multipart boundary the parser takes (RFC 2046 §5.1.1 asks for at most 70)."""

UPLOAD_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@dataclass
class _Part:
    headers: dict[str, bytes] = field(default_factory=dict)
    field_name: str = ""
    value: bytearray = field(default_factory=bytearray)


class UploadStream:
    """The bytes of the ``file`` part, readable from a worker thread (``read(n)``)."""

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes) -> None:
        self._body = body
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
            },
        )
        self._part = _Part()
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._in_file = False
        self._file_seen = False
        self._file_done = False
        self._ended = False
        self._buffer = bytearray()
        self.filename = ""
        self.content_type = "application/octet-stream"

    # -- parser callbacks (run inside _feed) ----------------------------------------------
    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_field.decode("latin-1").lower()
        self._part.headers[name] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        headers = self._part.headers
        disposition, options = parse_options_header(headers.get("content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if disposition != b"form-data" or name != FILE_FIELD or self._file_seen:
            return
        self._in_file = self._file_seen = True
        self.filename = options.get(b"filename", b"").decode("utf-8", "replace")
        media = headers.get("content-type")
        if media:
            self.content_type = media.decode("latin-1")

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._buffer += data[start:end]

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self._file_done = True

    # -- driving the parser -------------------------------------------------------------
    async def _feed(self) -> None:
        """Parse one more chunk of the request body."""
        try:
            chunk = await self._body.__anext__()
        except StopAsyncIteration:
            self._ended = True
            return
        if chunk:
            try:
                self._parser.write(chunk)
            except Exception as exc:
                raise ApiError(422, "the multipart body is malformed") from exc

    async def start(self) -> None:
        """Read until the ``file`` part's headers; 422 when the body has no such part."""
        while not self._file_seen and not self._ended:
            await self._feed()
        if not self._file_seen:
            raise ApiError(422, f"the multipart body has no part named {FILE_FIELD!r}")

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes of the file (fewer only at its end); called from a worker thread."""
        want = size if size >= 0 else 1 << 62
        while len(self._buffer) < want and not self._file_done:
            if self._ended:
                raise ApiError(422, "the multipart body ended inside the file")
            anyio.from_thread.run(self._feed)
        out = bytes(self._buffer[:want])
        del self._buffer[:want]
        return out


async def open_upload(request: Request) -> UploadStream:
    """The upload in a multipart/form-data request, positioned at its ``file`` part."""
    media, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if media != b"multipart/form-data" or not boundary:
        raise ApiError(415, f"send multipart/form-data with a part named {FILE_FIELD!r}")
    if len(boundary) > MAX_BOUNDARY:
        raise ApiError(400, f"the multipart boundary is longer than {MAX_BOUNDARY} characters")
    stream = UploadStream(request.stream().__aiter__(), boundary)
    await stream.start()
    return stream
