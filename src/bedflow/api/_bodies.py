"""Request bodies that FastAPI cannot declare alone: a bed as JSON spec, JSON text or plain text."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from bedflow.api._errors import ApiError, validation_details
from bedflow.dsl import BedSpec, parse_with_diagnostics

__all__ = ["BED_BODY_OPENAPI", "read_spec", "spec_from_text"]

_REF = "#/components/schemas/"
BED_BODY_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'A BedSpec (JSON, SI units), `{"text": ...}` or the `.bed` source as '
        "text/plain. A `.bed` error answers 422 with each problem's line, column and message.",
        "content": {
            "application/json": {"schema": {"$ref": _REF + "BedCreate"}},
            "text/plain": {
                "schema": {"type": "string", "maxLength": 200_000},
                "example": "bed { diameter = 50 mm; height = 100 mm; }\n"
                "particles { kind = sphere; diameter = 5 mm; count = 1000; }\n",
            },
        },
    }
}


def spec_from_text(text: str) -> BedSpec:
    """The spec of `.bed` source; BedSyntaxError/BedValidationError (→ 422) when it is wrong."""
    try:
        return parse_with_diagnostics(text, "<request>").spec
    except ArithmeticError as exc:
        raise _out_of_range() from exc


def _out_of_range() -> ApiError:
    # The spec's cross-field rules compute volumes and ratios: absurd magnitudes (1e200 m)
    # overflow there before a range check refuses them.
    return ApiError(422, "a value of the bed is out of any physical range")


async def read_spec(request: Request) -> BedSpec:
    """The bed in the request body, whichever of the three forms it takes."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if media == "text/plain":
        try:
            return spec_from_text(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ApiError(422, "the .bed text is not UTF-8") from exc
    if media not in ("", "application/json") and not media.endswith("+json"):
        raise ApiError(415, 'send application/json (a BedSpec or {"text": ...}) or text/plain')
    try:
        data = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(422, "the body is not valid JSON") from exc
    try:
        if isinstance(data, dict) and "text" in data:
            text = data["text"]
            if set(data) != {"text"} or not isinstance(text, str):
                raise ApiError(422, 'a bed as text is {"text": "<.bed source>"} and nothing else')
            return spec_from_text(text)
        return BedSpec.model_validate(data)
    except ValidationError as exc:
        raise ApiError(
            422, "the bed spec is not valid", details=validation_details(exc.errors())
        ) from exc
    except ArithmeticError as exc:
        raise _out_of_range() from exc


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
