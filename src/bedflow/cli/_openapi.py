"""`bedflow openapi`: write the API's OpenAPI document (the web app's client is generated
from it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bedflow.cli._app import app, err, out, write_output


def openapi_text() -> str:
    """The OpenAPI document as ``bedflow openapi`` writes it: indented JSON, one final newline."""
    from bedflow.api import openapi_document

    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


@app.command()
def openapi(
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", dir_okay=False, help="Write it here instead of standard output."
        ),
    ] = None,
) -> None:
    """Write the HTTP API's OpenAPI document (JSON), the same for every installation.

    The web dashboard's typed API client is generated from it (in frontend/: bedflow
    openapi -o openapi.json, then npm run gen:api); a test fails when that client is stale.
    """
    text = openapi_text()
    if output is None:
        out.out(text, end="")
    else:
        write_output(output, text)
        err.print(f"wrote {escape(str(output))}")
