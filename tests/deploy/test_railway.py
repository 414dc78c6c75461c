"""railway.toml and the worker and beat service files: parsed, and checked against the fields
Railway's config-as-code reference documents (never deployed from here)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.utils.beds import REPO

FILES = [REPO / "railway.toml", *sorted((REPO / "deploy" / "railway").glob("*.toml"))]
BUILD_KEYS = {"builder", "dockerfilePath", "buildCommand", "watchPatterns"}
DEPLOY_KEYS = {
    "startCommand",
    "preDeployCommand",
    "healthcheckPath",
    "healthcheckTimeout",
    "numReplicas",
    "restartPolicyType",
    "restartPolicyMaxRetries",
    "sleepApplication",
    "cronSchedule",
}


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_railway_file_uses_documented_fields(path: Path) -> None:
    config = _load(path)
    assert set(config) == {"build", "deploy"}
    assert set(config["build"]) <= BUILD_KEYS
    assert set(config["deploy"]) <= DEPLOY_KEYS
    assert config["build"]["builder"] == "DOCKERFILE"
    assert (REPO / config["build"]["dockerfilePath"]).is_file()
    assert config["deploy"]["restartPolicyType"] in {"ON_FAILURE", "ALWAYS", "NEVER"}
    assert config["deploy"]["startCommand"]


def test_the_api_service_migrates_first_and_is_health_checked() -> None:
    deploy = _load(REPO / "railway.toml")["deploy"]
    assert deploy["preDeployCommand"] == ["bedflow db upgrade"]
    assert deploy["healthcheckPath"] == "/api/v1/health"
    assert "bedflow serve" in deploy["startCommand"] and "$" + "{PORT" in deploy["startCommand"]


def test_worker_and_beat_services() -> None:
    worker = _load(REPO / "deploy" / "railway" / "worker.toml")["deploy"]
    beat = _load(REPO / "deploy" / "railway" / "beat.toml")["deploy"]
    assert worker["startCommand"].startswith("bedflow worker")
    assert " beat " in beat["startCommand"] and beat["numReplicas"] == 1
