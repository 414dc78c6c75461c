"""`bedflow pack`: writes the packing and its metrics, prints the report, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow.cli import app
from bedflow.geometry import load_packing

runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bed.bed"
    path.write_text(text)
    return path


def test_pack_writes_packing_and_metrics(tmp_path: Path) -> None:
    bed = write(tmp_path, "bed { diameter = 25 mm; height = 50 mm }\nparticles { count = 30 }\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["pack", str(bed), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert load_packing(out).count == 30
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["count"] == 30 and metrics["quality"]["ok"]
    assert (out / "profiles.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "bed-particles.stl").stat().st_size > 0  # export.formats defaults to stl
    assert "dixon_1988 porosity" in result.stdout and "max overlap" in result.stdout


def test_pack_engine_override_and_settings(tmp_path: Path) -> None:
    bed = write(tmp_path, "bed { diameter = 25 mm; height = 50 mm }\nparticles { count = 30 }\n")
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        [
            "pack",
            str(bed),
            "-o",
            str(out),
            "--engine",
            "hexagonal_3d",
            "--set",
            "particles.count=20",
        ],
    )
    assert result.exit_code == 0, result.stderr
    packed = load_packing(out)
    assert (packed.engine, packed.count) == ("hexagonal_3d", 20)


def test_pack_refuses_an_engine_that_cannot_pack_the_bed(tmp_path: Path) -> None:
    bed = write(tmp_path, "bed { shape = box; height = 50 mm }\nparticles { count = 10 }\n")
    result = runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "o"), "-e", "dem"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --engine: ") and result.stderr.count("\n") == 1
    assert "cylindrical columns only" in result.stderr and "Traceback" not in result.stderr
    # the same engine named in the file is an error of the file, at the key's line and column
    bed.write_text(bed.read_text() + "packing { method = dem }\n")
    result = runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert f"{bed}:3:11: error: 'method' in packing: the dem engine packs cylindrical" in (
        result.stderr
    )
    assert "<string>" not in result.stderr
    assert not (tmp_path / "o").exists()


def test_pack_refuses_an_unknown_engine_by_its_option(tmp_path: Path) -> None:
    """Regression: `pack --engine nosuch` printed `<string>: error: unknown packing engine`."""
    bed = write(tmp_path, "bed { diameter = 25 mm; height = 50 mm }\nparticles { count = 30 }\n")
    result = runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "o"), "-e", "dme"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --engine: unknown packing engine 'dme', did you mean 'dem'? (choose one of "
        "blender, dem, hexagonal_3d, rigid_body, spherical_packing)\n"
    )
    assert not (tmp_path / "o").exists()


def test_pack_into_a_folder_it_cannot_create_stops_before_packing(tmp_path: Path) -> None:
    bed = write(tmp_path, "bed { diameter = 25 mm; height = 50 mm }\nparticles { count = 30 }\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = runner.invoke(app, ["pack", str(bed), "-o", str(blocker / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: --output: cannot create the folder")


def test_pack_without_blender_writes_the_other_formats_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pack` wrote the other formats when Blender was missing; the pipeline's export stage,
    which `pack` now runs, keeps that (and says so) instead of failing the whole stage."""
    bed = write(
        tmp_path,
        "bed { diameter = 25 mm; height = 50 mm }\nparticles { count = 30 }\n"
        'packing { method = hexagonal_3d }\nexport { formats = ["stl", "blend"] }\n',
    )
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = runner.invoke(app, ["pack", str(bed), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.stderr
    assert "[WARNING] [EXPORT] export format 'blend' cannot be written here" in result.stderr
    assert (tmp_path / "o" / "bed-particles.stl").stat().st_size > 0
    assert not list((tmp_path / "o").glob("*.blend"))
    provenance = json.loads((tmp_path / "o" / "provenance-export.json").read_text())
    assert provenance["formats"] == ["stl"]
