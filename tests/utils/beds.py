"""Factories of `.bed` text and specs for the tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.bed"))
DATA = REPO / "tests" / "data"

MINIMAL = "bed { }\nparticles { }\n"


def bed_text(bed: str = "", particles: str = "count = 100;", extra: str = "") -> str:
    """A valid bed with the given section bodies (5 mm spheres in a 50 mm column by default)."""
    return f"bed {{ {bed} }}\nparticles {{ {particles} }}\n{extra}"
