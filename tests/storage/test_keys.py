"""Object keys are built by the server; anything that could escape the store is refused."""

from __future__ import annotations

import uuid

import pytest

from bedflow._exceptions import ObjectKeyError
from bedflow.storage import make_key, validate_key

BAD_KEYS = [
    "",
    "../../etc/passwd",
    "beds/../../x",
    "beds/./x",
    "/etc/passwd",
    "beds\\x.stl",
    "beds/x\x00.stl",
    "beds//x",
    "beds/x/",
    ".hidden",
    "beds/.incoming/x",
    "beds/x y.stl",
    "a" * 1025,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(ObjectKeyError):
        validate_key(key)


def test_prefixes() -> None:
    assert validate_key("", prefix=True) == ""
    assert validate_key("beds/", prefix=True) == "beds/"
    with pytest.raises(ObjectKeyError):
        validate_key("../", prefix=True)


def test_keys_are_made_by_the_server() -> None:
    bed_id = uuid.uuid4()
    a, b = make_key(bed_id=bed_id, kind="stl"), make_key(bed_id=bed_id, kind="stl")
    assert a != b and a.startswith(f"beds/{bed_id}/") and a.endswith(".stl")
    assert make_key(bed_id=bed_id, kind="foam").endswith(".tar.gz")
    assert validate_key(a) == a
