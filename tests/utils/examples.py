"""Example counts for hypothesis that follow the loaded profile (tests/conftest.py)."""

from __future__ import annotations

from hypothesis import settings

#: The example count of hypothesis's own default profile, against which a test's count is set.
_DEFAULT = 100


def examples(n: int) -> int:
    """``n`` examples under the full profile, scaled with the loaded one (``fast``: a quarter)."""
    return max(10, n * settings().max_examples // _DEFAULT)
