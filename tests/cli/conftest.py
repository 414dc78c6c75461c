"""Every CLI test has its own artifact cache: `pack`, `simulate` and `run` share one by default."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("BEDFLOW_CACHE_DIR", str(cache))
    return cache
