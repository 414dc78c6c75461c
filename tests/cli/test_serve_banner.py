"""`bedflow serve` in a terminal: a banner and text log lines; JSON lines otherwise or when
asked. The server's start is replaced by a recorder (the tests of `serve` itself run it)."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bedflow.api import LOG_FORMAT_ENV
from bedflow.cli import app
from bedflow.cli._banner import dashboard_url
from bedflow.settings import get_settings

runner = CliRunner()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    import bedflow.api

    monkeypatch.setenv("BEDFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BEDFLOW_ADMIN_PASSWORD", raising=False)
    for name in (
        "BEDFLOW_DATABASE_URL",
        "DATABASE_URL",
        "BEDFLOW_ENVIRONMENT",
        "BEDFLOW_BROKER_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(LOG_FORMAT_ENV, raising=False)
    monkeypatch.delenv("BEDFLOW_LOG_LEVEL", raising=False)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("uvicorn.access").disabled)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        bedflow.api, "run_server", lambda target, **kw: calls.append({"target": target, **kw})
    )
    get_settings.cache_clear()
    yield calls
    get_settings.cache_clear()
    root.handlers[:], root.level, logging.getLogger("uvicorn.access").disabled = saved


def _rendered() -> str:
    """A log line as the root handler that `serve` installed writes it."""
    [handler] = logging.getLogger().handlers
    record = logging.LogRecord(
        "bedflow.test", logging.WARNING, __file__, 1, "hello %s", ("x",), None
    )
    return handler.format(record)


def test_text_format_prints_a_banner_and_text_lines(
    served: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["serve", "--port", "8765", "--log-format", "text"])
    assert result.exit_code == 0, result.output
    assert served and served[0]["port"] == 8765
    out = result.stdout
    assert "bedflow dashboard: http://127.0.0.1:8765/" in out
    # the first start made the admin: the banner says where its password is
    assert f"admin@localhost, password in {tmp_path / 'admin_password'}" in out
    assert f"data: {tmp_path}" in out and str(tmp_path / "bedflow.db") in out
    line = _rendered()
    assert "hello x" in line and not line.lstrip().startswith("{")
    assert os.environ[LOG_FORMAT_ENV] == "text"  # the worker processes log the same way


def test_json_when_asked_or_when_not_a_terminal(served: list[dict[str, Any]]) -> None:
    for args in (["--log-format", "json"], []):  # CliRunner's stderr is not a terminal
        result = runner.invoke(app, ["serve", *args])
        assert result.exit_code == 0, result.output
        assert "bedflow dashboard" not in result.stdout
        event = json.loads(_rendered())
        assert event["event"] == "hello x" and event["level"] == "warning"
        assert os.environ[LOG_FORMAT_ENV] == "json"


def test_dashboard_url_of_wildcard_and_ipv6_addresses() -> None:
    assert dashboard_url("0.0.0.0", 80) == "http://localhost:80/"
    assert dashboard_url("::1", 8000) == "http://[::1]:8000/"
    assert dashboard_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
