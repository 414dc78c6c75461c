"""deploy/compose.yaml and its overrides (local stand-ins, solver workers): valid, complete, free
of secrets.

Checked without Docker: against the compose-spec JSON schema (bundled by check-jsonschema),
with ``docker-compose config`` where Debian's docker-compose is installed, and by reading the
services. ``make deploy-check`` runs the stack for real.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from check_jsonschema.builtin_schemas import get_builtin_schema
from jsonschema import Draft7Validator

from bedflow.api._middleware import MULTIPART_SLACK
from tests.utils.beds import REPO

DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
LOCAL = DEPLOY / "compose.local.yaml"
ENGINES = DEPLOY / "compose.engines.yaml"
ONE_SHOT = {"migrate", "bucket-init"}


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _load(COMPOSE)["services"]
    assert isinstance(services, dict)
    return services


@pytest.mark.parametrize("path", [COMPOSE, LOCAL, ENGINES], ids=lambda p: p.name)
def test_compose_file_matches_the_compose_spec(path: Path) -> None:
    schema = get_builtin_schema("vendor.compose-spec")
    errors = sorted(Draft7Validator(schema).iter_errors(_load(path)), key=str)
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
def test_docker_compose_config_accepts_the_files(tmp_path: Path) -> None:
    """Debian's docker-compose 1.29 resolves the files with the example env file, alone and
    as ``make deploy-check`` and ``make deploy-check-engines`` combine them."""
    env = tmp_path / "env"
    env.write_text((DEPLOY / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    local = ["-f", str(COMPOSE), "-f", str(LOCAL)]
    for files in (["-f", str(COMPOSE)], local, [*local, "-f", str(ENGINES)]):
        done = subprocess.run(
            ["docker-compose", *files, "--env-file", str(env), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr


def test_the_topology_is_complete() -> None:
    services = _services()
    assert {
        "postgres-primary",
        "postgres-replica",
        "redis",
        "s3",
        "bucket-init",
        "migrate",
        "api-1",
        "api-2",
        "worker",
        "beat",
        "nginx",
    } <= set(services)
    # --scale needs a service without a fixed name or host port.
    assert "container_name" not in services["worker"]
    assert "ports" not in services["worker"]
    assert "--appendonly yes" in " ".join(services["redis"]["command"])


def test_every_service_has_a_health_check_and_a_restart_policy() -> None:
    for name, service in _services().items():
        assert service.get("restart") in {"unless-stopped", "always", "on-failure"}, name
        health = service.get("healthcheck")
        assert health, f"{name} has no health check"
        if name in ONE_SHOT:  # runs once and exits: its success is what others wait for
            assert health == {"disable": True}, name
            assert service["restart"] == "on-failure", name
        else:
            assert health.get("test"), name


def test_api_and_workers_start_after_the_migrations() -> None:
    services = _services()
    for name in ("api-1", "api-2", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
    assert services["migrate"]["command"] == ["bedflow", "db", "upgrade"]


def test_no_secret_is_written_in_the_compose_files() -> None:
    """Every password, key and secret comes from the env file by substitution."""
    for path in (COMPOSE, LOCAL, ENGINES):
        for name, service in _load(path)["services"].items():
            for key, value in (service.get("environment") or {}).items():
                if re.search(r"PASSWORD|SECRET|_KEY", key):
                    assert re.fullmatch(r"\$\{[A-Z0-9_]+(:\?[^}]*)?\}", str(value)), (name, key)
            for key in ("BEDFLOW_DATABASE_URL", "BEDFLOW_BROKER_URL"):
                value = (service.get("environment") or {}).get(key)
                if value:  # the password in a URL is substituted too
                    assert re.search(r":\$\{[A-Z_]+PASSWORD:\?[^}]*\}@", value), (name, key)


def test_env_example_names_every_variable_the_compose_file_requires() -> None:
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text(encoding="utf-8")))
    example = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert required <= documented, sorted(required - documented)
    done = subprocess.run(
        ["git", "check-ignore", "-q", "deploy/.env"], cwd=REPO, timeout=30, check=False
    )
    assert done.returncode == 0, "deploy/.env must be ignored by git"


def test_the_engines_override_puts_only_the_workers_on_the_solver_image() -> None:
    """The API, beat and the one-shot services keep the light image; the workers, which run
    the openfoam solver and the blender engine, get the one built with both."""
    services = _load(ENGINES)["services"]
    assert services == {"worker": {"image": "${BEDFLOW_WORKER_IMAGE:-bedflow-worker:latest}"}}


def test_nginx_balances_the_api_replicas_and_limits_bodies_like_the_api() -> None:
    conf = (DEPLOY / "nginx" / "nginx.conf.template").read_text(encoding="utf-8")
    upstream = set(re.findall(r"^\s*server (\S+):8000", conf, flags=re.MULTILINE))
    apis = {name for name in _services() if name.startswith("api-")}
    assert upstream == apis
    assert "client_max_body_size @MAX_BODY_BYTES@;" in conf
    start = (DEPLOY / "nginx" / "start.sh").read_text(encoding="utf-8")
    # nginx lets through the API's own limit on uploads: the file plus its multipart slack.
    assert f"BEDFLOW_MAX_UPLOAD_BYTES:-1073741824}} + {MULTIPART_SLACK}" in start
    assert "proxy_set_header Upgrade $http_upgrade;" in conf  # WebSocket
    assert re.search(r"location ~ \^/api/v1/jobs/.*/events\$ \{[^}]*proxy_buffering off;", conf)
    # Retries on the other replica; nginx never retries non-idempotent requests by default.
    assert "proxy_next_upstream error timeout http_502 http_504;" in conf
    assert "non_idempotent" not in conf


@pytest.mark.parametrize(
    "script", sorted(DEPLOY.rglob("*.sh")), ids=lambda p: str(p.relative_to(DEPLOY))
)
def test_shell_scripts_parse(script: Path) -> None:
    shell = "sh" if script.read_text(encoding="utf-8").startswith("#!/bin/sh") else "bash"
    done = subprocess.run(
        [shell, "-n", str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
