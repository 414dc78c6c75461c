"""The public names of bedflow.geometry are exactly those in its __all__."""

import bedflow.geometry as geometry


def test_all_lists_every_public_member() -> None:
    public = {
        name
        for name, value in vars(geometry).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("bedflow")
    }
    assert public == set(geometry.__all__)


def test_all_members_come_from_private_modules() -> None:
    for name in geometry.__all__:
        module = getattr(geometry, name).__module__
        assert module.split(".")[-1].startswith("_"), (name, module)
