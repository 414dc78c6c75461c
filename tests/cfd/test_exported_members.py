"""The public names of bedflow.cfd are deliberate: this list changes only on purpose."""

import bedflow.cfd


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in dir(bedflow.cfd) if not name.startswith("_")}
    assert set(bedflow.cfd.__all__) == public
    assert sorted(bedflow.cfd.__all__) == bedflow.cfd.__all__
    for name in bedflow.cfd.__all__:
        assert getattr(bedflow.cfd, name).__module__.startswith(("bedflow.cfd", "bedflow._exc"))
