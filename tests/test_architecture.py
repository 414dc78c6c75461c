"""The core library never imports the platform (web, database, workers, CLI)."""

from __future__ import annotations

import shutil
import subprocess
import sys

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
