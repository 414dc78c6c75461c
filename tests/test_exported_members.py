"""Public names are deliberate: each package's ``__all__`` lists exactly what it exports.

One test for every public package (it replaces five copies with different rules, which missed
`api`, `worker` and `pipeline`). The rule, per package:

- ``__all__`` has no duplicates and every name in it exists;
- every public attribute is in ``__all__``, except submodules imported on the way (a
  subpackage listed in ``__all__``, like ``db.crud``, must be one of the package's own);
- every class and function it exports is bedflow's own, not a re-exported dependency.
"""

from __future__ import annotations
import __future__

import importlib
import inspect
import pkgutil
import types

import pytest

import bedflow
from bedflow import BedflowError, BedInputError, BedSyntaxError, BedValidationError, UsageError

NOT_AN_API = ("bedflow.db.migrations",)  # Alembic's scripts, run by alembic, imported by nobody


def _packages() -> list[str]:
    found = ["bedflow"]
    for info in pkgutil.walk_packages(bedflow.__path__, "bedflow."):
        parts = info.name.split(".")
        if (
            info.ispkg
            and not any(p.startswith("_") for p in parts)
            and not info.name.startswith(NOT_AN_API)
        ):
            found.append(info.name)
    return found


PACKAGES = _packages()


def test_every_platform_and_core_package_is_checked() -> None:
    top = {name.split(".")[1] for name in PACKAGES if name.count(".") >= 1}
    expected = {"api", "cfd", "cli", "cluster", "db", "dsl", "geometry", "pipeline", "storage"}
    expected.add("worker")
    assert top >= expected


@pytest.mark.parametrize("name", PACKAGES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    package = importlib.import_module(name)
    exported = package.__all__
    assert len(exported) == len(set(exported)), "duplicates in __all__"
    values = {n: getattr(package, n) for n in exported}  # also loads lazily exported names
    public = {
        n
        for n, value in vars(package).items()
        if not n.startswith("_") and not isinstance(value, types.ModuleType | __future__._Feature)
    }
    assert public - set(exported) == set(), "public but not in __all__"
    for n, value in values.items():
        if isinstance(value, types.ModuleType):
            assert value.__name__ == f"{name}.{n}", (n, value.__name__)
        elif inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("bedflow"), (n, value.__module__)


def test_error_tree() -> None:
    """Input errors are ValueErrors, misuse is a RuntimeError, all are BedflowErrors."""
    for cls in (BedSyntaxError, BedValidationError):
        assert issubclass(cls, BedInputError) and issubclass(cls, ValueError)
        assert issubclass(cls, BedflowError)
    assert issubclass(UsageError, RuntimeError) and issubclass(UsageError, BedflowError)


def test_version_is_exposed() -> None:
    assert bedflow.__version__.count(".") == 2
