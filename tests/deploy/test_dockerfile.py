"""The Dockerfile, read without building it (``make deploy-check`` builds and runs it):
installs from the lock, runs unprivileged, checks its health, adds the solvers on request."""

from __future__ import annotations

import re
import shlex

from bedflow._checks import check_text
from tests.utils.beds import REPO

TEXT = (REPO / "Dockerfile").read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines = [line for line in TEXT.splitlines() if not line.startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _stages() -> dict[str, list[tuple[str, str]]]:
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for word, rest in _instructions():
        if word == "FROM":
            current = []
            stages[rest.split()[-1]] = current
        current.append((word, rest))
    return stages


def _arg_default(name: str) -> str:
    for word, rest in _instructions():
        if word == "ARG" and rest.startswith(f"{name}="):
            return rest.partition("=")[2]
    raise AssertionError(f"no ARG {name} with a default")


def test_base_images_are_build_arguments_with_public_defaults() -> None:
    assert _arg_default("BASE_IMAGE") == "python:3.11-slim-bookworm"
    assert _arg_default("NODE_IMAGE").startswith("node:")
    assert list(_stages()) == ["dashboard", "builder", "runtime"]


def test_python_packages_install_from_the_lock_with_the_makefiles_uv() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^UV_VERSION := (\S+)$", makefile, flags=re.MULTILINE)
    assert pinned and _arg_default("UV_VERSION") == pinned.group(1)
    runs = [rest for word, rest in _stages()["builder"] if word == "RUN"]
    syncs = [r for r in runs if "uv sync" in r]
    assert syncs and all("--locked" in r and "--no-dev" in r for r in syncs)
    # pip installs uv itself, at the pinned version, and nothing else.
    for run in runs:
        for command in run.split("&&"):
            if "pip install" in command:
                assert shlex.split(command)[-1] == "uv==${UV_VERSION}", command


def test_the_dashboard_installs_from_its_lock_when_there_is_one() -> None:
    runs = " ".join(rest for word, rest in _stages()["dashboard"] if word == "RUN")
    assert "npm ci" in runs and "npm install" not in runs
    assert "if [ -f package.json ]" in runs


def test_the_runtime_runs_unprivileged_with_a_health_check() -> None:
    runtime = _stages()["runtime"]
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    health = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    assert len(health) == 1 and "/api/v1/health" in health[0]
    assert any(w == "CMD" and "serve" in r for w, r in runtime)


def test_worker_images_add_openfoam_and_blender_on_request() -> None:
    assert _arg_default("WITH_OPENFOAM") == "false"
    assert _arg_default("WITH_BLENDER") == "false"
    runs = " ".join(rest for word, rest in _stages()["runtime"] if word == "RUN")
    assert 'pkgs="$pkgs openfoam"' in runs and 'pkgs="$pkgs blender"' in runs
    # The downloaded packages leave the layer whatever the base's apt configuration (a
    # debootstrapped base kept 400 MB of them in the worker image).
    assert "apt-get clean" in runs and "rm -rf /var/lib/apt/lists/*" in runs


def test_dockerignore_keeps_secrets_and_builds_out_of_the_context() -> None:
    lines = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert lines[lines.index("*") :].count("*") == 1  # everything out, then what is needed in
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == {"pyproject.toml", "uv.lock", "README.md", "src", "frontend"}


def test_the_engine_check_beds_ask_for_the_engines_and_pass_their_checks() -> None:
    """``make deploy-check-engines`` submits these two beds; the engines' own checks accept
    them here, where neither needs to be installed."""
    folder = REPO / "deploy" / "beds"
    foam = check_text((folder / "openfoam.bed").read_text(encoding="utf-8"), "openfoam.bed")
    blender = check_text((folder / "blender.bed").read_text(encoding="utf-8"), "blender.bed")
    assert foam.spec is not None and foam.spec.cfd.solver == "openfoam", foam.diagnostics
    assert blender.spec is not None and blender.spec.packing_method == "blender"
