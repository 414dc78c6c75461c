"""docs/cli.md is generated from --help and kept current."""

from __future__ import annotations

from bedflow.cli._docs import cli_markdown
from tests.utils.beds import REPO


def test_cli_reference_is_current() -> None:
    committed = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == cli_markdown(), "docs/cli.md is stale: run `make docs`"


def test_cli_reference_covers_every_command() -> None:
    text = cli_markdown()
    for command in ("check", "compile", "fmt", "new", "schema"):
        assert f"## `bedflow {command}`" in text
