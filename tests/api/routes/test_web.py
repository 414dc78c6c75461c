"""The dashboard's helpers: the public configuration and the check of `.bed` text, whose
messages are those of ``bedflow check`` (one function serves both)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bedflow import __version__
from bedflow.api import create_app
from bedflow.cli import app as cli
from tests.utils.api import CONFIG, Api, make_settings, state

CHECK = "/api/v1/beds/check"

BAD_FILES = {
    "typo.bed": "bed {\n    diamter = 50 mm;\n}\nparticles { kind = spere }\n",
    "range.bed": "bed { diameter = 5 cm }\nparticles { count = -1 }\n",
    "solver.bed": "bed { diameter = 5 cm }\nparticles { count = 10 }\n"
    "cfd { solver = openfoam; cells_per_dp = 6 }\n",
    "syntax.bed": "bed { diameter = 5 cm \nparticles { count = 10 }\n",
    "unit.bed": "bed { diameter = 5 kg }\nparticles { count = 10 }\n",
}


def test_config_is_public_and_says_whether_signup_is_open(api: Api) -> None:
    r = api.client.get("/api/v1/config")
    assert r.status_code == 200
    assert r.json() == {
        "version": __version__,
        "signup_open": True,
        "max_upload_bytes": state(api.app).settings.max_upload_bytes,
        "session_cookie": True,
    }


def test_config_follows_the_signup_setting(api: Api, tmp_path: Path) -> None:
    closed = create_app(
        make_settings(tmp_path, api.engine), config=dataclasses.replace(CONFIG, allow_signup=False)
    )
    # No lifespan needed: the endpoint reads only the configuration.
    assert TestClient(closed).get("/api/v1/config").json()["signup_open"] is False


def test_check_answers_the_spec_of_a_good_text(api: Api) -> None:
    _, h = api.user()
    text = "bed { diameter = 50 mm; height = 0.1 m }\nparticles { diameter = 5 mm; count = 100 }\n"
    r = api.client.post(CHECK, json={"text": text, "filename": "good.bed"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is True and body["diagnostics"] == []
    assert body["spec"]["bed"]["diameter"] == pytest.approx(0.05)
    assert body["spec"]["particles"]["count"] == 100


def test_check_locates_each_problem(api: Api) -> None:
    _, h = api.user()
    r = api.client.post(CHECK, json={"text": BAD_FILES["typo.bed"]}, headers=h)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False and body["spec"] is None
    first = body["diagnostics"][0]
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (2, 5, 2, 12)
    assert first["severity"] == "error" and "did you mean 'diameter'" in first["message"]
    assert first["hint"] is not None and "diameter" in first["hint"]


def test_check_needs_a_sign_in_and_stores_nothing(api: Api) -> None:
    _, h = api.user()
    assert api.client.post(CHECK, json={"text": "bed {}"}).status_code == 401
    api.client.post(CHECK, json={"text": BAD_FILES["range.bed"]}, headers=h)
    assert api.client.get("/api/v1/beds", headers=h).json()["count"] == 0


def test_check_refuses_a_text_past_the_body_limit(api: Api) -> None:
    _, h = api.user()
    big = "# " + "x" * (state(api.app).config.max_body_bytes + 10) + "\n"
    r = api.client.post(CHECK, json={"text": big}, headers=h)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_check_gives_the_messages_of_bedflow_check(api: Api, tmp_path: Path) -> None:
    """The editor and the command line must never disagree: same lines, columns, messages."""
    _, h = api.user()
    runner = CliRunner()
    for name, text in BAD_FILES.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = runner.invoke(cli, ["check", str(path)], prog_name="bedflow")
        assert result.exit_code == 1, result.output
        cli_heads = [line for line in result.stderr.splitlines() if line.startswith(f"{path}")]
        r = api.client.post(CHECK, json={"text": text, "filename": str(path)}, headers=h)
        diagnostics = r.json()["diagnostics"]
        api_heads = [
            (f"{path}:{d['line']}:{d['column']}" if d["line"] > 0 else str(path))
            + f": {d['severity']}: {d['message']}"
            for d in diagnostics
        ]
        assert cli_heads and api_heads == cli_heads, name
