"""`bedflow openapi`: the document the web app's typed client is generated from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.api import openapi_document
from bedflow.cli import app
from bedflow.cli._openapi import openapi_text

runner = CliRunner()


def test_writes_the_document_to_a_file_or_stdout(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "openapi.json"
    result = runner.invoke(app, ["openapi", "-o", str(target)], prog_name="bedflow")
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document == openapi_document()
    for path in (
        "/api/v1/config",
        "/api/v1/beds/check",
        "/api/v1/login/session",
        "/api/v1/beds/{bed_id}/particles",
        "/api/v1/beds/{bed_id}/correlations",
        "/api/v1/beds/{bed_id}/profiles",
    ):
        assert path in document["paths"], path
    schemes = document["components"]["securitySchemes"]
    assert schemes["APIKeyCookie"]["name"] == "bedflow_session"
    printed = runner.invoke(app, ["openapi"], prog_name="bedflow")
    assert printed.exit_code == 0 and printed.stdout == target.read_text(encoding="utf-8")


def test_the_environment_does_not_change_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    before = openapi_text()
    monkeypatch.setenv("BEDFLOW_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("BEDFLOW_MAX_UPLOAD_BYTES", "12345")
    assert openapi_text() == before
