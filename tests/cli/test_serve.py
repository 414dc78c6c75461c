"""`bedflow serve`: refuses the network outside production, then hands over to uvicorn; with
several workers each gets a listening socket of its own and connections spread over them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bedflow.cli import app
from bedflow.cli._serve import is_loopback
from bedflow.settings import get_settings

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """A fresh data dir, settings re-read, and the server's start replaced by a recorder."""
    import bedflow.api

    monkeypatch.setenv("BEDFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BEDFLOW_ADMIN_PASSWORD", "admin password 1")
    monkeypatch.delenv("BEDFLOW_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BEDFLOW_ENVIRONMENT", raising=False)
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


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.2", "example.org"))


def test_serve_migrates_creates_the_admin_and_runs_uvicorn(
    env: list[dict[str, Any]], tmp_path: Path
) -> None:
    result = runner.invoke(app, ["serve", "--port", "8123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    [call] = env
    assert call["target"] == "bedflow.api:make_app"
    assert (call["host"], call["port"], call["workers"]) == ("127.0.0.1", 8123, 2)
    assert (tmp_path / "bedflow.db").exists()
    # Regression: uvicorn believed X-Forwarded-For from any loopback peer; the app reads it
    # from BEDFLOW_TRUSTED_PROXIES only.
    assert call["proxy_headers"] is False


def test_serve_refuses_the_network_in_development(
    env: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    result = runner.invoke(app, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "refusing" in result.output and env == []
    assert runner.invoke(app, ["serve", "--host", "0.0.0.0", "--allow-remote"]).exit_code == 0
    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", "a-production-secret-key-of-enough-length-42")
    monkeypatch.setenv("BEDFLOW_EMBEDDED_WORKERS", "1")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve", "--host", "0.0.0.0"]).exit_code == 0
    assert [c["host"] for c in env] == ["0.0.0.0", "0.0.0.0"]


@pytest.mark.parametrize("embedded", [None, "0"])
def test_serve_in_production_refuses_to_start_without_a_broker_in_one_line(
    env: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, embedded: str | None
) -> None:
    """Jobs would be queued and never run: no broker, and no embedded worker asked for."""
    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", "a-production-secret-key-of-enough-length-42")
    monkeypatch.delenv("BEDFLOW_BROKER_URL", raising=False)
    if embedded is None:
        monkeypatch.delenv("BEDFLOW_EMBEDDED_WORKERS", raising=False)
    else:
        monkeypatch.setenv("BEDFLOW_EMBEDDED_WORKERS", embedded)
    get_settings.cache_clear()
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2 and env == []
    [line] = result.output.strip().splitlines()
    assert "BEDFLOW_BROKER_URL" in line and "BEDFLOW_EMBEDDED_WORKERS" in line
    # Asked for explicitly, embedded workers run the jobs; a broker needs none.
    monkeypatch.setenv("BEDFLOW_EMBEDDED_WORKERS", "2")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve"]).exit_code == 0
    monkeypatch.delenv("BEDFLOW_EMBEDDED_WORKERS")
    monkeypatch.setenv("BEDFLOW_BROKER_URL", "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    assert runner.invoke(app, ["serve"]).exit_code == 0
    assert len(env) == 2


def test_embedded_workers_start_only_without_a_broker(tmp_path: Path) -> None:
    from bedflow.settings import Settings

    settings = Settings(data_dir=tmp_path, embedded_workers=3)
    assert settings.embedded_worker_count == 3
    assert Settings(data_dir=tmp_path).embedded_worker_count == 2
    with_broker = Settings(data_dir=tmp_path, embedded_workers=3, broker_url="redis://x:6379/0")
    assert with_broker.embedded_worker_count == 0


def test_serve_refuses_a_guessable_admin_password_in_one_line(
    env: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDFLOW_ADMIN_PASSWORD", "password")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 1 and env == []
    assert "BEDFLOW_ADMIN_PASSWORD: password too easy to guess" in result.output
    assert "Traceback" not in result.output


def test_the_app_factory_refuses_production_without_a_broker(
    env: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn run by hand (`uvicorn bedflow.api:make_app --factory`) refuses as well."""
    from bedflow._exceptions import ConfigError
    from bedflow.api import make_app

    monkeypatch.setenv("BEDFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("BEDFLOW_SECRET_KEY", "a-production-secret-key-of-enough-length-42")
    monkeypatch.delenv("BEDFLOW_BROKER_URL", raising=False)
    monkeypatch.delenv("BEDFLOW_EMBEDDED_WORKERS", raising=False)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="BEDFLOW_EMBEDDED_WORKERS"):
        make_app()
