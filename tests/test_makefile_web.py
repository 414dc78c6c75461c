"""`make web` and the dashboard step of `make demo`, on a copy of the Makefile in a scratch
folder with stand-in `npm` and `node` commands (shell scripts that record their calls: the
real build belongs to the front end's own tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("find", "head", "cp", "rm", "mkdir", "cat", "touch")

NPM = """#!/bin/sh
echo "npm $*" >> "$CALLS"
if [ "$1" = run ] && [ "$2" = build ]; then
    mkdir -p dist/assets && echo '<!doctype html>' > dist/index.html
fi
"""


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "frontend" / "src").mkdir(parents=True)
    (tmp_path / "frontend" / "package.json").write_text("{}")
    (tmp_path / "frontend" / "src" / "main.tsx").write_text("")
    (tmp_path / "src" / "bedflow").mkdir(parents=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return tmp_path


def _make(repo: Path, target: str) -> tuple[str, list[str]]:
    calls = repo / "calls.txt"
    calls.unlink(missing_ok=True)
    env = {**os.environ, "PATH": str(repo / "bin"), "CALLS": str(calls)}
    make = shutil.which("make")
    assert make
    done = subprocess.run(
        [make, "--no-print-directory", target], cwd=repo, env=env, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout, calls.read_text().splitlines() if calls.exists() else []


def test_without_node_it_says_how_to_get_it_and_goes_on(repo: Path) -> None:
    out, calls = _make(repo, "web-if-needed")
    assert "Node.js 20 or newer is not installed" in out and "make web" in out
    assert calls == [] and not (repo / "frontend" / "dist").exists()
    _script(repo / "bin" / "npm", NPM)
    _script(repo / "bin" / "node", "#!/bin/sh\nexit 1\n")  # too old: the version check fails
    out, calls = _make(repo, "web-if-needed")
    assert "not installed" in out and calls == []


def test_builds_when_missing_or_older_than_its_sources(repo: Path) -> None:
    _script(repo / "bin" / "npm", NPM)
    _script(repo / "bin" / "node", "#!/bin/sh\nexit 0\n")
    _, calls = _make(repo, "web-if-needed")
    assert calls == ["npm ci", "npm run build"]
    assert (repo / "src" / "bedflow" / "_web" / "index.html").is_file()  # for the wheel
    _, calls = _make(repo, "web-if-needed")
    assert calls == []  # up to date
    index = repo / "frontend" / "dist" / "index.html"
    past = time.time() - 60
    os.utime(index, (past, past))  # the build is older than the source changed now
    (repo / "frontend" / "src" / "main.tsx").write_text("// changed")
    _, calls = _make(repo, "web-if-needed")
    assert calls == ["npm ci", "npm run build"]


def test_make_web_without_a_front_end_does_nothing(repo: Path) -> None:
    (repo / "frontend" / "package.json").unlink()
    out, calls = _make(repo, "web")
    assert "nothing to build" in out and calls == []
