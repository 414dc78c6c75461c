"""A package of plugins (``tests/data/plugin``) installed for one test: its folder, with the
``bedflow_test_plugin-0.1.dist-info`` that declares the entry points, is put on ``sys.path``,
where ``importlib.metadata`` finds it as it finds any installed package."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bedflow._registry import EXPORT_FORMATS, PACKING_ENGINES, SOLVERS

PLUGIN_DIR = Path(__file__).parents[1] / "data" / "plugin"
"""A package with the packing engine ``cubic`` and the solver ``potential``."""


def refresh() -> None:
    for registry in (PACKING_ENGINES, SOLVERS, EXPORT_FORMATS):
        registry.refresh()


@contextmanager
def installed(folder: Path = PLUGIN_DIR) -> Iterator[None]:
    """The plugins of the distribution in ``folder`` registered, for the block's duration."""
    sys.path.insert(0, str(folder))
    refresh()
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("bedflow_test_plugin", None)
        refresh()
