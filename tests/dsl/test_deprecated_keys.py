"""Keys that were accepted, hashed and then ignored (issue 14): they now say so.

Regression: `bed.roughness`, `bed.material` and `cfd.yplus_target` checked silently, went into
the spec hash and every stage's cache key, and no stage read them. They stay valid (old files
still check, with the same spec hash) and each is noted where it is written.
"""

from __future__ import annotations

import pytest

from bedflow import BedWarning
from bedflow.dsl import json_schema, parse, parse_with_diagnostics, spec_hash

OLD_FILE = (
    'bed { roughness = 1 mm; material = "glass" }\nparticles {}\n'
    "cfd { yplus_target = 2; cells_per_dp = 12; mesh_levels = { walls = 3 } }\n"
    "packing { max_time = 10 s }"
)
OLD_HASH = "d4dd1dc88392254200209f02546219cf43b7e31c77ebc06cab56794ff9d2740e"
"""spec_hash of OLD_FILE before the keys were deprecated (786b516). max_time, cells_per_dp and
mesh_levels are written out: their defaults changed since (max_time unset, chosen by the
engine; cells_per_dp 14 instead of 12; the wall's mesh level 2 instead of 3), which changes the
hash on purpose."""


def test_deprecated_keys_are_noted_where_written() -> None:
    compiled = parse_with_diagnostics(OLD_FILE)
    found = {(w.path, w.line, w.column, w.severity) for w in compiled.warnings}
    assert found == {
        (("bed", "roughness"), 1, 7, "warning"),
        (("bed", "material"), 1, 25, "warning"),
        (("cfd", "yplus_target"), 3, 7, "warning"),
    }
    assert all("has no effect (deprecated)" in w.message for w in compiled.warnings)


def test_deprecated_keys_keep_the_spec_hash() -> None:
    compiled = parse_with_diagnostics(OLD_FILE)
    assert compiled.spec.bed.roughness == pytest.approx(1e-3)
    assert spec_hash(compiled.spec) == OLD_HASH


def test_deprecated_key_in_override_is_noted() -> None:
    compiled = parse_with_diagnostics("bed {}\nparticles {}", overrides=["cfd.yplus_target=3"])
    (note,) = compiled.warnings
    assert note.filename == "--set" and note.path == ("cfd", "yplus_target")


def test_parse_warns_of_deprecated_keys() -> None:
    with pytest.warns(BedWarning, match="bed.roughness has no effect"):
        parse("bed { roughness = 1 mm }\nparticles {}")


def test_schema_marks_deprecated_keys() -> None:
    defs = json_schema()["$defs"]
    deprecated = {
        (model, key)
        for model, schema in defs.items()
        for key, prop in schema.get("properties", {}).items()
        if prop.get("deprecated") is True
    }
    assert deprecated == {
        ("ColumnSpec", "roughness"),
        ("ColumnSpec", "material"),
        ("CfdSpec", "yplus_target"),
    }
