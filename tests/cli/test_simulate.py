"""`bedflow simulate`: packs (or reuses a packing), solves, prints beside the correlations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app

runner = CliRunner()
BED = """bed { diameter = 25 mm; height = 50 mm }
particles { count = 90; seed = 2 }
cfd { inlet_velocity = 2 mm/s; cells_per_dp = 8; fluid_density = 1000 kg/m3;
      fluid_viscosity = 1 mPa.s }
"""


@pytest.mark.slow
def test_simulate_packs_then_solves_and_writes_the_result(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    data = json.loads((out / "result.json").read_text())
    assert data["solver"] == "lbm" and data["converged"]
    assert set(data["correlations"]) == {"ergun", "carman_kozeny", "eisfeld_schnitzlein"}
    assert data["pressure_drop_per_length"] > 0
    assert (out / "convergence.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "packing.npz").exists()
    assert "ergun" in result.stdout and "Re_p = 10" in result.stdout
    # where dp/L was measured: across the bulk band, with half a diameter of bed beyond it
    lo, hi = (1e3 * z for z in data["domain"]["slab_m"])
    assert f"dp/L across z = {lo:.2f}-{hi:.2f} mm (bulk band)" in result.stdout
    assert "2.5 mm of bed simulated beyond each end" in result.stdout


@pytest.mark.slow
def test_simulate_writes_field_paths_that_hold_in_the_output_folder(tmp_path: Path) -> None:
    """Regression: run through the pipeline's cache, result.json named its fields by the
    stage's temporary folder, renamed away before anyone read it."""
    bed = tmp_path / "b.bed"
    bed.write_text(BED.replace("cells_per_dp = 8;", "cells_per_dp = 8; write_fields = true;"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    fields = json.loads((out / "result.json").read_text())["fields"]
    assert fields == {"vti": "flow.vti"} and (out / fields["vti"]).stat().st_size > 0


def test_simulate_reuses_a_packing_and_takes_another_solver(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    assert (
        runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "p"), "--no-export"]).exit_code
        == 0
    )
    result = runner.invoke(
        app,
        [
            "simulate",
            str(bed),
            "--packing",
            str(tmp_path / "p"),
            "-o",
            str(tmp_path / "s"),
            "--solver",
            "correlation",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "s" / "result.json").read_text())
    assert data["solver"] == "correlation"
    assert data["ratio_to_correlations"]["ergun"] == 1.0


def test_simulate_reports_an_unresolvable_flow_without_traceback(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED.replace("2 mm/s", "20 mm/s"))
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "cells_per_dp to at least" in result.stderr and "Traceback" not in result.stderr


def test_simulate_refuses_an_unknown_solver_before_packing(tmp_path: Path) -> None:
    """Regression: `simulate --solver nosuch` packed the bed, then failed with
    `<string>: error: unknown solver` and exit 1."""
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out), "--solver", "nosuch"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --solver: unknown solver 'nosuch' (choose one of correlation, lbm, openfoam)\n"
    )
    assert not out.exists()  # nothing was packed


def test_simulate_refuses_a_packing_of_another_bed(tmp_path: Path) -> None:
    """Regression: `--packing DIR --set particles.count=50` ran on the packing of 90 particles
    with a warning; a packing is refused when the sections that shape it differ, and taken
    silently when only the cfd section does (two solvers on one packing)."""
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    packing = tmp_path / "p"
    args = ["pack", str(bed), "-o", str(packing), "--no-export", "-e", "hexagonal_3d"]
    assert runner.invoke(app, args).exit_code == 0
    base = ["simulate", str(bed), "--packing", str(packing), "-s", "correlation"]
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "s"), "--set", "particles.count=50"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --packing: the packing in ")
    assert "particles.count: packed 90, now 50" in result.stderr
    assert result.stderr.count("\n") == 1 and not (tmp_path / "s").exists()
    result = runner.invoke(
        app, [*base, "-o", str(tmp_path / "s"), "--set", "cfd.inlet_velocity=1 mm/s"]
    )
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert json.loads((tmp_path / "s" / "result.json").read_text())["superficial_velocity"] == (
        0.001
    )


def test_simulate_refuses_a_folder_without_a_packing(tmp_path: Path) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED)
    result = runner.invoke(app, ["simulate", str(bed), "--packing", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --packing: {tmp_path}: cannot read the packing")


def test_pack_and_simulate_run_the_pipeline_stages_with_one_cache_and_one_set_of_names(
    tmp_path: Path, own_cache: Path
) -> None:
    """Regression: `pack` and `simulate` re-implemented the pack stage with their own file
    names, outside the cache: `simulate` after `pack` packed again, and neither wrote
    provenance. Now all three commands run the pipeline's stages."""
    bed = tmp_path / "b.bed"
    bed.write_text(BED.replace("seed = 2", "seed = 2 }\npacking { method = hexagonal_3d"))
    packed = runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "p"), "--no-export"])
    assert packed.exit_code == 0, packed.stderr
    args = ["simulate", str(bed), "-o", str(tmp_path / "s"), "-s", "correlation"]
    solved = runner.invoke(app, args)
    assert solved.exit_code == 0, solved.stderr
    assert len(list((own_cache / "pack").glob("*/provenance.json"))) == 1  # packed once
    pack_p = json.loads((tmp_path / "p" / "provenance-pack.json").read_text())
    pack_s = json.loads((tmp_path / "s" / "provenance-pack.json").read_text())
    assert pack_p["key"] == pack_s["key"] and pack_p["files"] == pack_s["files"]
    for name in ("packing.npz", "packing.json", "metrics.json", "profiles.png", "summary.json"):
        assert (tmp_path / "p" / name).is_file() and (tmp_path / "s" / name).is_file(), name
    summary = json.loads((tmp_path / "s" / "summary.json").read_text())
    assert summary["solver"] == "correlation"
    stages = ["--stages", "compile,pack,simulate", "--solver", "correlation"]
    ran = runner.invoke(app, ["run", str(bed), *stages, "-o", str(tmp_path / "r")])
    assert ran.exit_code == 0, ran.stderr
    assert "pack reused, simulate reused" in ran.stdout  # the same stages, the same cache


def test_simulate_without_openfoam_writes_the_case_and_says_how_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bed = tmp_path / "b.bed"
    bed.write_text(BED.replace("seed = 2", "seed = 2 }\npacking { method = hexagonal_3d"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["simulate", str(bed), "-o", str(out), "-s", "openfoam"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "apt-get install openfoam" in result.stderr and "Allrun" in result.stderr
    assert (out / "openfoam" / "Allrun").is_file()
