"""Public names are deliberate: each package's __all__ lists exactly what it exports."""

from __future__ import annotations

import importlib

import pytest

import bedflow
from bedflow import BedflowError, BedInputError, BedSyntaxError, BedValidationError, UsageError


@pytest.mark.parametrize("module", ["bedflow", "bedflow.dsl", "bedflow.cli"])
def test_all_lists_exactly_the_public_names(module: str) -> None:
    mod = importlib.import_module(module)
    public = {
        n
        for n in vars(mod)
        if not n.startswith("_") and not isinstance(vars(mod)[n], type(importlib))
    }
    public |= {n for n in mod.__all__ if isinstance(getattr(mod, n), type(importlib))}
    assert set(mod.__all__) == public | {n for n in mod.__all__ if n.startswith("__")}
    assert len(mod.__all__) == len(set(mod.__all__)), "duplicates in __all__"


def test_error_tree() -> None:
    """Input errors are ValueErrors, misuse is a RuntimeError, all are BedflowErrors."""
    for cls in (BedSyntaxError, BedValidationError):
        assert issubclass(cls, BedInputError) and issubclass(cls, ValueError)
        assert issubclass(cls, BedflowError)
    assert issubclass(UsageError, RuntimeError) and issubclass(UsageError, BedflowError)


def test_version_is_exposed() -> None:
    assert bedflow.__version__.count(".") == 2
