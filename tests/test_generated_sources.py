"""Committed generated sources match their generators (nobody edited them by hand, and nobody
changed a generator without regenerating)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_lbm_kernels_match_their_generator(tmp_path: Path) -> None:
    out = tmp_path / "_lbm_kernels.py"
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_lbm_kernels.py"), str(out)],
        check=True,
        cwd=ROOT,
    )
    committed = (ROOT / "src" / "bedflow" / "cfd" / "_lbm_kernels.py").read_text()
    assert out.read_text() == committed, (
        "src/bedflow/cfd/_lbm_kernels.py differs from what tools/gen_lbm_kernels.py writes: "
        "rerun `python tools/gen_lbm_kernels.py`"
    )
