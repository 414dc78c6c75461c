"""The generated language reference is current and covers every key."""

from __future__ import annotations

from bedflow.dsl import SECTIONS, reference_markdown
from bedflow.dsl._reference import ORIGINAL_DEFAULTS
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


def test_reference_tables_the_defaults_that_differ_from_the_original_format() -> None:
    text = reference_markdown()
    section = text[text.index("## Coming from the original format") :]
    assert "| key | original default | bedflow default | why |" in section
    for key, original, why in ORIGINAL_DEFAULTS:
        name, field = key.split(".")
        assert field in SECTIONS[name].model_fields, key  # a renamed key must update the table
        assert why and f"| `{key}` | {original} |" in section
    # The five the issue names, with the original's values (its ANTLR compiler's defaults).
    for row in (
        "| `particles.restitution` | `0.3` | `0.5` |",
        "| `particles.seed` | `42` | `0` |",
        "| `cfd.inlet_velocity` | `0.1 m/s` | `0.01 m/s` |",
        "| `bed.clearance` | `10 mm` | `0 m` |",
        "| `packing.max_time` | `5 s` | not set: chosen by the engine",
    ):
        assert row in section
