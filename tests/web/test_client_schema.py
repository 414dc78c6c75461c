"""The committed typed client (frontend/src/api/schema.d.ts) is generated from the server's
current OpenAPI document: regenerate it to a temporary file and compare."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import FRONTEND, npx_available

SCHEMA = FRONTEND / "src" / "api" / "schema.d.ts"


def openapi_document(tmp_path: Path) -> Path:
    """The OpenAPI document, written by `bedflow openapi -o FILE` as a developer does."""
    out = tmp_path / "openapi.json"
    bedflow = Path(sys.executable).with_name("bedflow")
    subprocess.run([str(bedflow), "openapi", "-o", str(out)], check=True, timeout=300)
    return out


@pytest.mark.slow
def test_the_generated_api_client_is_current(tmp_path: Path) -> None:
    if not npx_available():
        pytest.skip("Node.js or frontend/node_modules is absent (run `npm ci` in frontend/)")
    doc = openapi_document(tmp_path)
    fresh = tmp_path / "schema.d.ts"
    env = os.environ | {"OPENAPI": str(doc), "SCHEMA_OUT": str(fresh)}
    done = subprocess.run(
        ["npm", "run", "--silent", "gen:api"],
        cwd=FRONTEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert fresh.read_text() == SCHEMA.read_text(), (
        "frontend/src/api/schema.d.ts is stale: run `bedflow openapi -o frontend/openapi.json"
        " && npm --prefix frontend run gen:api` and commit the result"
    )
