"""The generated language reference is current and covers every key."""

from __future__ import annotations

from bedflow.dsl import SECTIONS, reference_markdown
from tests.utils.beds import REPO


def test_docs_reference_is_current() -> None:
    committed = (REPO / "docs" / "bed-language.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), "docs/bed-language.md is stale: run `make docs`"


def test_reference_lists_every_section_and_key_with_a_description() -> None:
    text = reference_markdown()
    for name, model in SECTIONS.items():
        assert f"## `{name}`" in text
        for key, info in model.model_fields.items():
            assert f"| `{key}` |" in text
            assert info.description, f"{name}.{key} has no description"
