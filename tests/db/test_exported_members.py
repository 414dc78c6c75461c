"""The public names of bedflow.db are deliberate: this list changes only on purpose."""

import bedflow.db
from bedflow.db import crud


def test_all_lists_exactly_the_public_names() -> None:
    for module in (bedflow.db, crud):
        public = {name for name in dir(module) if not name.startswith("_")} - {"annotations"}
        assert set(module.__all__) == public
        assert len(module.__all__) == len(set(module.__all__))
