"""Every setting is documented in .env.example (and nothing there is unknown), and every
BEDFLOW_ variable the code names is a setting, read through the one Settings object."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bedflow.settings import Settings
from tests.utils.beds import REPO


def _documented() -> set[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*(BEDFLOW_[A-Z0-9_]+)=", text, flags=re.MULTILINE))


def test_every_setting_is_in_env_example() -> None:
    expected = {f"BEDFLOW_{name.upper()}" for name in Settings.model_fields}
    missing = expected - _documented()
    assert not missing, f"add these to .env.example with a comment: {sorted(missing)}"
    assert not _documented() - expected, "unknown variables in .env.example"


def test_every_setting_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


# The remote CLI's own variables (`bedflow remote`, cli/_remote.py): where the client finds a
# server and its token, read by the client on the user's machine; no server reads them. And
# `bedflow cluster`'s (cli/_cluster.py): where the test cluster's S3 server program is, read
# by the tool that starts the cluster, never by a bedflow server.
CLIENT_VARIABLES = frozenset({"BEDFLOW_SERVER", "BEDFLOW_TOKEN", "BEDFLOW_CLUSTER_S3RVER"})


def _source_files() -> list[Path]:
    return sorted((REPO / "src" / "bedflow").rglob("*.py"))


def test_every_bedflow_variable_named_in_the_code_is_a_setting() -> None:
    """A name in a message or a docstring that is no setting is a stale or a raw one."""
    fields = {f"BEDFLOW_{name.upper()}" for name in Settings.model_fields}
    named: dict[str, str] = {}
    for path in _source_files():
        for name in re.findall(r"\bBEDFLOW_[A-Z][A-Z0-9_]*", path.read_text(encoding="utf-8")):
            named.setdefault(name, str(path.relative_to(REPO)))
    unknown = {n: p for n, p in named.items() if n not in fields | CLIENT_VARIABLES}
    assert not unknown, f"read these through bedflow.settings.Settings: {unknown}"


def _raw_reads(tree: ast.AST) -> list[int]:
    """Lines reading the environment: os.environ.get/[...]/getenv with a constant name."""
    lines = []
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("get", "getenv") and node.args:
                target = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            target = node.slice
        if isinstance(target, ast.Constant) and str(target.value).startswith("BEDFLOW_"):
            lines.append(node.lineno)
    return lines


def test_no_module_reads_a_bedflow_variable_raw() -> None:
    raw = {
        f"{path.relative_to(REPO)}:{line}"
        for path in _source_files()
        if path.name != "settings.py"
        for line in _raw_reads(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not raw, f"read these through bedflow.settings.Settings: {sorted(raw)}"


def test_the_checks_find_a_raw_read() -> None:
    tree = ast.parse('import os\nx = os.environ.get("BEDFLOW_X", "")\ny = os.environ["BEDFLOW_Y"]')
    assert _raw_reads(tree) == [2, 3]
