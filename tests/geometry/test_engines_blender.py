"""The `blender` engine: a small bed poured by Blender's rigid-body physics run headless,
cancellation killing Blender's process group, and the message when Blender is missing.

The bed is 40 spheres of 5 mm in a 25 mm column (~5 s). Its rest velocity is 5 mm/s: Blender's
single-precision Bullet leaves resting particles creeping at 1-4 mm/s. The overlap tolerance is
the engines' quality limit, 1 % of d (measured: ~0.1 % of d).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bedflow import Cancelled, EngineUnavailable
from bedflow.dsl import parse
from bedflow.geometry import PackedBed, engines, pack
from bedflow.geometry._engines.blender import blender_script
from bedflow.geometry._engines.bullet import rigid_scene

needs_blender = pytest.mark.skipif(
    shutil.which("blender") is None,
    reason="blender is not on PATH (apt-get install blender, or blender.org)",
)

SMALL = (
    "bed { diameter = 25 mm; height = 60 mm } "
    "particles { diameter = 5 mm; count = 40; friction = 0.3; seed = 3 } "
    "packing { method = blender; rest_velocity = 5 mm/s }"
)
TOLERANCE = 0.01  # largest overlap and wall penetration, fraction of d


@pytest.fixture(scope="module")
def small_bed() -> PackedBed:
    return pack(parse(SMALL))


@pytest.mark.slow
@needs_blender
def test_small_bed_is_settled_inside_and_barely_overlapping(small_bed: PackedBed) -> None:
    bed = small_bed
    m = bed.metrics
    assert bed.engine == "blender" and bed.engine_version.startswith("Blender ")
    assert bed.count == 40
    assert bed.settled, bed.notes
    assert not any(n.startswith("quality") for n in bed.notes), bed.notes
    assert m.escaped == 0 and m.unsettled == 0
    assert m.max_overlap < TOLERANCE
    assert m.max_wall_penetration < TOLERANCE
    assert np.min(bed.centers[:, 2]) == pytest.approx(0.0025, abs=TOLERANCE * 0.005)


def test_script_carries_numbers_only() -> None:
    """Names and descriptions of the bed never reach the generated code."""
    spec = parse('name = "x\\"; import os"; ' + SMALL)
    script = blender_script(rigid_scene(spec, 40), frame_end=50, settle_frame=40, window=5,
                            wall_top=20.0)  # fmt: skip
    assert 'import os"' not in script and spec.name not in script
    assert "FRAME_END = 50" in script and "$" not in script


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def _my_blender_children() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat.split("(", 1)[1].rsplit(")", 1)[0]
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid() and "blender" in comm:
                found.append(int(entry.name))
    return found


@needs_blender
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cancel_kills_blender() -> None:
    """Cancelled while Blender runs: when ``pack`` returns, no process of its group is left
    (was also a wall-clock "within a second", which a busy machine failed)."""
    spec = parse(SMALL.replace("count = 40", "count = 120").replace("60 mm", "100 mm"))
    groups: list[int] = []

    def cancel() -> bool:
        children = _my_blender_children()
        if children and not groups:
            groups.extend(os.getpgid(pid) for pid in children)
        return bool(groups)

    with pytest.raises(Cancelled, match="cancelled"):
        pack(spec, cancel=cancel)
    assert groups
    assert all(_group_members(g) == [] for g in groups)


def test_missing_blender_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    message = engines()["blender"].unavailable()
    assert message is not None
    assert "apt-get install blender" in message and "blender.org" in message
    with pytest.raises(EngineUnavailable, match="apt-get install blender"):
        pack(parse(SMALL))
