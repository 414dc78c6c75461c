"""The bedflow command line: exit codes, compiler-style errors, and each command's job."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bedflow import __version__
from bedflow.cli import app
from bedflow.dsl import load, parse
from tests.utils.beds import EXAMPLES, bed_text

runner = CliRunner()


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input, prog_name="bedflow")
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.bed"
    path.write_text("bed {\n    diamter = 50 mm;\n}\nparticles { kind = spere }\n")
    return path


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out.strip()) == (0, f"bedflow {__version__}")


def test_check_accepts_every_example() -> None:
    code, out, err = run("check", *map(str, EXAMPLES))
    assert code == 0, err
    assert out.count("ok ") == len(EXAMPLES)
    assert "spheres-d10: 1000 spheres of 5 mm in a D = 50 mm" in out


def test_check_prints_errors_like_a_compiler_and_exits_1(bad_file: Path) -> None:
    code, _, err = run("check", str(bad_file))
    assert code == 1
    assert f"{bad_file}:2:5: error: unknown key 'diamter' in bed, did you mean 'diameter'?" in err
    assert "    diamter = 50 mm;" in err and "^~~~~~~" in err
    assert f"{bad_file}:4:20: error: unknown value 'spere'" in err
    assert "Traceback" not in err


def test_check_reports_every_file_before_failing(bad_file: Path) -> None:
    code, out, err = run("check", str(bad_file), str(EXAMPLES[0]))
    assert code == 1
    assert "ok " in out and "1 of 2 file(s) failed" in err


def test_check_prints_warnings_but_succeeds(tmp_path: Path) -> None:
    path = tmp_path / "w.bed"
    path.write_text(bed_text(particles="count = 10; target_porosity = 0.4"))
    code, _, err = run("check", str(path))
    assert code == 0
    assert f"{path}:2:25: warning:" in err


def test_missing_file_is_a_usage_error() -> None:
    code, _, err = run("compile", "no/such/file.bed")
    assert code == 2
    assert "does not exist" in err
    code, _, err = run("check", "no/such/file.bed")
    assert code == 2
    assert "error: no/such/file.bed: no such file" in err


def test_check_checks_every_file_after_a_missing_one(bad_file: Path) -> None:
    """Regression: `check ok.bed missing.bed` stopped at the missing file, checking nothing."""
    code, out, err = run("check", str(EXAMPLES[0]), "missing.bed", str(bad_file), str(EXAMPLES[1]))
    assert code == 2
    assert out.count("ok ") == 2 and "missing.bed: no such file" in err
    assert "unknown key 'diamter'" in err and "2 of 4 file(s) failed (1 missing)" in err


@pytest.mark.parametrize("command", ["compile", "schema", "new"])
def test_output_into_a_missing_folder_creates_it(tmp_path: Path, command: str) -> None:
    """Regression: `-o` into a folder that did not exist ended in FileNotFoundError."""
    target = tmp_path / "not" / "yet" / "out.txt"
    args = {
        "compile": ["compile", str(EXAMPLES[0])],
        "schema": ["schema"],
        "new": ["new", "--no-input"],
    }[command]
    code, _, err = run(*args, "-o", str(target))
    assert code == 0, err
    assert target.stat().st_size > 0


def test_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run("compile", str(EXAMPLES[0]), "-o", str(blocker / "out.json"))
    assert code == 2 and "Traceback" not in err
    assert err.startswith("error: --output: cannot write") and err.count("\n") == 1


def test_the_examples_are_formatted() -> None:
    """Regression: `fmt --check examples/*.bed` failed on two of the project's own files."""
    code, _, err = run("fmt", "--check", *map(str, EXAMPLES))
    assert code == 0, err


def test_unknown_option_is_a_usage_error() -> None:
    assert run("check", "--frobnicate")[0] == 2


def test_binary_file_is_bad_input_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "x.bed"
    path.write_bytes(b"\xff\xfe\x00bed")
    code, _, err = run("check", str(path))
    assert code == 1 and "not a UTF-8 text file" in err


def test_compile_writes_normalized_si_json(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, _, err = run("compile", str(EXAMPLES[-1]), "-o", str(target))
    assert code == 0, err
    data = json.loads(target.read_text())
    assert data == load(EXAMPLES[-1]).model_dump(mode="json")
    assert data["bed"]["diameter"] == 0.05 and data["cfd"]["fluid_viscosity"] == 1.81e-5
    assert "spec hash" in err


def test_compile_to_stdout_with_overrides() -> None:
    code, out, _ = run(
        "compile", str(EXAMPLES[-1]), "--set", "particles.count=500", "--set", "bed.diameter=6cm"
    )
    assert code == 0
    data = json.loads(out)
    assert data["particles"]["count"] == 500 and data["bed"]["diameter"] == 0.06


def test_compile_bad_override_is_located_in_the_setting() -> None:
    code, _, err = run("compile", str(EXAMPLES[-1]), "--set", "particles.diameter=5 kg")
    assert code == 1
    assert "--set:1:24: error: 'diameter' expects a length" in err


def test_fmt_check_reports_and_rewrites(tmp_path: Path) -> None:
    path = tmp_path / "a.bed"
    path.write_text("particles{count=10}// n\nbed{diameter=0.05}\n")
    code, _, err = run("fmt", "--check", str(path))
    assert code == 1 and "would reformat" in err
    assert path.read_text() == "particles{count=10}// n\nbed{diameter=0.05}\n"
    code, out, _ = run("fmt", "--diff", str(path))
    assert code == 0 and "+    diameter = 50 mm;" in out
    assert run("fmt", str(path))[0] == 0
    assert (
        path.read_text()
        == "bed {\n    diameter = 50 mm;\n}\n\nparticles {\n    count = 10;\n}  // n\n"
    )
    assert run("fmt", "--check", str(path))[0] == 0


def test_fmt_refuses_invalid_files_and_leaves_them_untouched(bad_file: Path) -> None:
    before = bad_file.read_text()
    code, _, err = run("fmt", str(bad_file))
    assert code == 1 and "diamter" in err
    assert bad_file.read_text() == before


@pytest.mark.parametrize("template", ["spheres", "cylinders", "small-test"])
def test_new_from_template_writes_a_valid_file(tmp_path: Path, template: str) -> None:
    target = tmp_path / "t.bed"
    code, _, err = run("new", "--template", template, "-o", str(target))
    assert code == 0, err
    assert load(target).name == template


def test_new_with_settings_and_default_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(
        "new", "my column/1", "--set", "particles.count=250", "--set", "bed.height=15 cm"
    )
    assert code == 0, err
    spec = load(tmp_path / "my-column-1.bed")
    assert (spec.name, spec.particles.count, spec.bed.height) == ("my column/1", 250, 0.15)
    code, _, err = run("new", "my column/1", "--no-input")  # exists, no --force
    assert code == 2 and "my-column-1.bed exists; choose another name" in err
    assert run("new", "my column/1", "--no-input", "--force")[0] == 0


def test_new_refuses_an_invalid_setting() -> None:
    code, _, err = run("new", "--set", "particles.count=999999", "-o", "-")
    assert code == 1 and "at most" in err


@pytest.mark.parametrize(
    "setting",
    ["bed.diameter=5 cm; height = 1", "bed.diameter=5 } particles { count = 3", "bed.diameter"],
)
def test_a_setting_sets_exactly_one_key(setting: str) -> None:
    code, _, err = run("compile", str(EXAMPLES[-1]), "--set", setting)
    assert code == 1 and "--set" in err and "Traceback" not in err


def test_new_refuses_an_unknown_template() -> None:
    assert run("new", "--template", "pyramids", "-o", "-")[0] == 2


def test_new_wizard_asks_validates_and_asks_again(tmp_path: Path) -> None:
    target = tmp_path / "w.bed"
    answers = [
        "wizard-bed",  # name
        "",  # shape: keep cylinder
        "5 kg",  # diameter: wrong dimension -> asked again
        "40 mm",  # diameter
        "",  # height
        "",  # kind
        "50 mm",  # particle diameter: wider than the column -> asked again
        "4mm",  # particle diameter
        "300",  # count
        "",  # density
        "",  # method
        "correlation",  # solver
        "0.1 m/s",  # inlet velocity
        "",
        "",  # fluid density, viscosity
        "stl glb",  # formats
    ]
    code, _, err = run("new", "-o", str(target), input="\n".join(answers) + "\n")
    assert code == 0, err
    assert "'diameter' expects a length" in err
    assert "does not fit" in err
    spec = load(target)
    assert spec.name == "wizard-bed"
    assert (spec.bed.diameter, spec.particles.diameter, spec.particles.count) == (0.04, 0.004, 300)
    assert spec.cfd.solver == "correlation" and spec.cfd.inlet_velocity == 0.1
    assert spec.export.formats == ["stl", "glb"]


def test_schema_is_json_schema() -> None:
    code, out, _ = run("schema")
    assert code == 0
    assert json.loads(out)["title"] == "BedSpec"


@pytest.mark.slow
def test_console_script_exit_codes_without_traceback(bad_file: Path) -> None:
    """The installed entry point, in a real process: bad input is exit 1 and no traceback."""
    cmd = [sys.executable, "-c", "from bedflow.cli import main; main()"]
    result = subprocess.run(
        [*cmd, "check", str(bad_file)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "error: unknown key 'diamter'" in result.stderr and "Traceback" not in result.stderr
    ok = subprocess.run(
        [*cmd, "check", str(EXAMPLES[0])], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert parse(EXAMPLES[0].read_text())


def test_new_refuses_an_existing_file_before_asking(tmp_path: Path) -> None:
    """Regression: the wizard asked every question and only then refused the file."""
    target = tmp_path / "taken.bed"
    target.write_text("keep me")
    code, out, err = run("new", "-o", str(target), input="\n" * 30)
    assert code == 2 and "taken.bed exists" in err
    assert "Name of the bed" not in out and target.read_text() == "keep me"


def test_new_wizard_asks_again_for_a_name_whose_file_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.bed").write_text("keep me")
    code, _, err = run("new", input="taken\nfresh\n" + "\n" * 30)
    assert code == 0, err
    assert "taken.bed exists; choose another name" in err
    assert load(tmp_path / "fresh.bed").name == "fresh"
    assert (tmp_path / "taken.bed").read_text() == "keep me"


def test_new_wizard_offers_a_width_and_depth_for_box_columns(tmp_path: Path) -> None:
    """Regression: width and depth had no default, and Enter asked again without a word;
    the formats default showed as [["stl", "glb"]]."""
    target = tmp_path / "box.bed"
    answers = ["boxy", "box", "", "", "", "", "", "", "", "", "correlation", "", "", "", ""]
    code, out, err = run("new", "-o", str(target), input="\n".join(answers) + "\n")
    assert code == 0, err
    assert "Column inner width [50 mm]:" in out and "Column inner depth [50 mm]:" in out
    assert "[stl glb]:" in out and '[["' not in out
    spec = load(target)
    assert (spec.bed.shape, spec.bed.inner_width, spec.bed.inner_depth) == ("box", 0.05, 0.05)
    assert spec.export.formats == ["stl", "glb"]


def test_new_wizard_without_answers_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("new", "-o", str(tmp_path / "x.bed"), input="")
    assert code == 2 and "need answers on standard input" in err
    assert not (tmp_path / "x.bed").exists()


@pytest.mark.slow
def test_new_wizard_ctrl_c_exits_130(tmp_path: Path) -> None:
    """Regression: Ctrl-C at a question exited 1 ("Aborted!"), not 130 like the others."""
    cmd = [sys.executable, "-c", "from bedflow.cli import main; main()"]
    proc = subprocess.Popen(
        [*cmd, "new", "-o", str(tmp_path / "x.bed")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    seen = b""
    while b"Name of the bed" not in seen:  # wait for the first question
        chunk = proc.stdout.read1(256)
        assert chunk, "the wizard ended before asking"
        seen += chunk
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert b"cancelled" in stderr and b"Traceback" not in stderr
    assert not (tmp_path / "x.bed").exists()


def test_new_wizard_makes_cylinders_with_a_default_length(tmp_path: Path) -> None:
    """Regression: cylinders were refused (the template packs with dem, spheres only) and an
    unset length re-prompted on Enter without a word."""
    target = tmp_path / "cyl.bed"
    answers = ["pellets", "", "", "", "cylinder"] + [""] * 12
    code, out, err = run("new", "-o", str(target), input="\n".join(answers) + "\n")
    assert code == 0, err
    assert "Cylinder length [5 mm]:" in out and "✗" not in err
    spec = load(target)
    assert (spec.particles.kind, spec.packing.method, spec.packing_method) == (
        "cylinder",
        "auto",
        "rigid_body",
    )
