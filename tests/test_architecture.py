"""The core library never imports the platform (web, database, workers, CLI); no package
imports another's private modules; no modules of one package import each other in a cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.utils.beds import REPO

PLATFORM = ("bedflow.cli", "typer", "fastapi", "sqlalchemy", "celery", "redis", "boto3")


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(REPO / ".venv" / "bin")) or shutil.which(
        "lint-imports"
    )
    assert lint, "import-linter is a dev dependency"
    result = subprocess.run([lint], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_core_loads_no_platform_module() -> None:
    code = (
        "import sys, bedflow, bedflow.dsl; "
        f"bad = [m for m in sys.modules if m.split('.')[0] in {PLATFORM!r} "
        f"or m.startswith('bedflow.cli')]; print(bad); assert not bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _contracts(*types: str) -> list[dict[str, object]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    return [c for c in config["contracts"] if c["type"] in types]


def test_contracts_catch_private_imports_and_cycles(tmp_path: Path) -> None:
    """Regression (issue 14): `geometry._packed -> _voxel_metrics -> _voxel -> _mesh -> _packed`
    and `worker._celery <-> _dispatch` were cycles, and `cfd` imported `geometry._voxel`, the
    platform `db._base`; no contract said no. The contracts now in pyproject.toml, run on a
    small package with one of each, must fail on both."""
    files = {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/_hidden.py": "",
        "core/_a.py": "from bedflow.core import _b\n",
        "core/_b.py": "from bedflow.core import _a\n",
        "other/__init__.py": "",
        "other/user.py": "from bedflow.core._hidden import *\n",
    }
    for name, text in files.items():
        (tmp_path / "bedflow" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "bedflow" / name).write_text(text)
    contracts = _contracts("private_modules", "acyclic_siblings")
    assert len(contracts) == 2
    lines = ["[importlinter]", "root_package = bedflow"]
    for i, contract in enumerate(contracts):
        lines.append(f"[importlinter:contract:{i}]")
        for key, value in contract.items():
            value = "\n    ".join(["", *value]) if isinstance(value, list) else value
            lines.append(f"{key} = {value}")
    (tmp_path / ".importlinter").write_text("\n".join(lines) + "\n")
    lint = shutil.which("lint-imports", path=str(REPO / ".venv" / "bin"))
    assert lint
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [lint, "--config", ".importlinter", "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "bedflow.other.user -> bedflow.core._hidden" in out
    assert "No cycles are allowed in bedflow.core" in out
