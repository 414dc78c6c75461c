"""The committed typed client (frontend/src/api/schema.d.ts) is generated from the server's
current OpenAPI document: regenerate it to a temporary file and compare."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bedflow.api import create_app
from bedflow.settings import Settings
from tests.web.conftest import FRONTEND, npx_available

SCHEMA = FRONTEND / "src" / "api" / "schema.d.ts"


def openapi_document(tmp_path: Path) -> Path:
    """The OpenAPI document as `bedflow openapi -o FILE` writes it (the app's, in-process
    when the command is not there)."""
    out = tmp_path / "openapi.json"
    bedflow = shutil.which("bedflow", path=str(Path(sys.executable).parent))
    if bedflow:
        done = subprocess.run(
            [bedflow, "openapi", "-o", str(out)], capture_output=True, text=True, check=False
        )
        if done.returncode == 0 and out.exists():
            return out
    app = create_app(Settings(data_dir=tmp_path / "data"))
    out.write_text(json.dumps(app.openapi()))
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
