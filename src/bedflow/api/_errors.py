"""One error body everywhere: ``{"error": {"code", "message", "details"}}``.

bedflow's own errors map to statuses here (NotFoundError → 404, ConflictError → 409, a `.bed`
error → 422 with each diagnostic's line and column ...), and so do FastAPI's 404, 405 and 422.
Request input is never echoed back: a rejected password must not appear in a response or log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from bedflow._exceptions import (
    BedInputError,
    BedSyntaxError,
    ConflictError,
    NotFoundError,
    RequestError,
    StorageError,
    UploadTooLargeError,
)

__all__ = ["ApiError", "error_response", "install_error_handlers", "validation_details"]

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error answered to the client as is: status, code, message, details, headers."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Sequence[Mapping[str, Any]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message
        self.details = [dict(d) for d in details]
        self.headers = dict(headers or {})


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The JSON error response every failure uses."""
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "details": [dict(d) for d in details],
        }
    }
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """pydantic errors as ``{"loc", "message", "type"}``: without the input, which may be secret."""
    return [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "message": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in errors
    ]


def _bed_details(exc: BedInputError) -> list[dict[str, Any]]:
    return [
        {
            "line": d.line,
            "column": d.column,
            "message": d.message,
            "path": list(d.path),
            "expected": list(d.expected),
        }
        for d in exc.diagnostics
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, ours and FastAPI's, to :func:`error_response`."""

    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(
            exc.status, exc.message, code=exc.code, details=exc.details, headers=exc.headers
        )

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "")
        return error_response(exc.status_code, message, headers=exc.headers)

    async def request_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError | ValidationError)
        details = validation_details(exc.errors())
        return error_response(422, "the request is not valid", details=details)

    async def bed_input(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BedInputError)
        kind = "syntax" if isinstance(exc, BedSyntaxError) else "validation"
        first = exc.diagnostics[0].message if exc.diagnostics else str(exc)
        return error_response(
            422, f"invalid .bed ({kind}): {first}", code=f"bed_{kind}", details=_bed_details(exc)
        )

    async def request_error(_: Request, exc: Exception) -> JSONResponse:
        status = 422
        if isinstance(exc, ConflictError):
            status = 409
        elif isinstance(exc, UploadTooLargeError):
            status = 413
        return error_response(status, str(exc))

    async def not_found(_: Request, exc: Exception) -> JSONResponse:
        return error_response(404, str(exc) or "not found")

    async def storage_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("object store failed: %s", exc)
        return error_response(503, "the object store is unavailable")

    async def data_error(_: Request, exc: Exception) -> JSONResponse:
        # A value the database refuses (out of range, NUL in text) that validation let pass.
        log.warning("database refused a value: %s", type(exc).__name__)
        return error_response(422, "a value is out of the range the database accepts")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, request_validation)
    app.add_exception_handler(ValidationError, request_validation)
    app.add_exception_handler(BedInputError, bed_input)
    app.add_exception_handler(RequestError, request_error)
    app.add_exception_handler(NotFoundError, not_found)
    app.add_exception_handler(StorageError, storage_error)
    app.add_exception_handler(DataError, data_error)
