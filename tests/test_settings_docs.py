"""Every setting is documented in .env.example (and nothing there is unknown)."""

from __future__ import annotations

import re

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
