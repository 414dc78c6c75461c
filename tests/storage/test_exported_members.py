"""The public names of bedflow.storage are deliberate: this list changes only on purpose."""

import bedflow.storage


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(bedflow.storage) if not name.startswith("_")}
    assert set(bedflow.storage.__all__) == public
    for name in bedflow.storage.__all__:
        module = getattr(getattr(bedflow.storage, name), "__module__", "bedflow.storage")
        assert module.startswith("bedflow.storage")
