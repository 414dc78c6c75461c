"""The registries of packing engines, solvers and export formats: names without importing any
engine, plugins of other packages through entry points, built-ins only in the docs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bedflow import cfd, dsl, geometry
from bedflow._checks import plugin_problems
from bedflow._exceptions import BedValidationError, EngineUnavailable, UsageError
from bedflow._registry import PACKING_ENGINES, SOLVERS, Registry
from bedflow.cli._docs import cli_markdown
from tests.utils.plugins import installed

ROOT = Path(__file__).parents[1]
PLUGGED = (
    "bed { diameter = 25 mm; height = 50 mm }\nparticles { diameter = 5 mm; count = 20 }\n"
    "packing { method = cubic }\ncfd { solver = potential; cells_per_dp = 12 }\n"
)


@pytest.fixture
def plugin() -> Iterator[None]:
    with installed():
        yield


def test_names_and_the_bed_language_import_no_engine() -> None:
    """Regression: the API kept a hand-written engine table because importing the registries
    loaded numba; the names, and a `.bed` file checked against them, now load none of it."""
    code = (
        "import json, sys\n"
        "from bedflow import _registry, dsl\n"
        "names = [*_registry.PACKING_ENGINES, *_registry.SOLVERS, *_registry.EXPORT_FORMATS]\n"
        "dsl.parse('bed {} particles { count = 10 } packing { method = dem } '\n"
        "          'cfd { solver = lbm }')\n"
        "heavy = ('numba', 'pybullet', 'trimesh', 'bedflow.geometry', 'bedflow.cfd')\n"
        "print(json.dumps([names, sorted(m for m in sys.modules if m.startswith(heavy))]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    names, loaded = json.loads(out.stdout)
    assert {"dem", "rigid_body", "lbm", "openfoam", "stl", "glb"} <= set(names)
    assert loaded == []


def test_a_new_engine_and_solver_are_one_module_of_another_package(plugin: None) -> None:
    """The test plugin is one module and two entry points; bedflow is not changed."""
    assert PACKING_ENGINES.names()[-1] == "cubic" and "cubic" not in PACKING_ENGINES.builtin_names()
    assert SOLVERS.names() == ("lbm", "openfoam", "correlation", "potential")
    assert SOLVERS.entries()["potential"].distribution == "bedflow-test-plugin"
    spec = dsl.parse(
        "bed { diameter = 25 mm; height = 50 mm } particles { diameter = 5 mm; count = 20 }"
        " packing { method = cubic } cfd { solver = potential }"
    )
    packed = geometry.pack(spec)
    result = cfd.simulate(packed, spec)
    assert (packed.engine, packed.count, result.solver) == ("cubic", 20, "potential")
    assert result.pressure_drop_per_length == pytest.approx(result.correlations["ergun"])
    assert "cubic" in geometry.engines() and "potential" in cfd.solvers()


def test_a_plugin_checks_the_bed_before_any_work(plugin: None) -> None:
    spec = dsl.parse(PLUGGED.replace("cells_per_dp = 12", "cells_per_dp = 30"))
    (problem,) = plugin_problems(spec)
    assert problem.path == ("cfd", "cells_per_dp") and "at most 20" in problem.message
    with pytest.raises(BedValidationError, match="at most 20 cells per diameter"):
        cfd.select_solver(spec)


def test_without_the_plugin_its_names_are_unknown() -> None:
    with pytest.raises(BedValidationError) as err:
        dsl.parse(PLUGGED.replace("potential", "potental"))
    messages = [d.message for d in err.value.diagnostics]
    assert messages == [
        "unknown value 'cubic' for 'method' in packing: expected one of auto, dem, rigid_body, "
        "blender, hexagonal_3d, spherical_packing",
        "unknown value 'potental' for 'solver' in cfd: expected one of lbm, openfoam, correlation",
    ]


def test_the_generated_docs_list_the_built_ins_only(plugin: None) -> None:
    """The reference and the CLI help are the same on every machine, plugins or not; the JSON
    Schema is what this installation accepts, its plugins included."""
    assert dsl.reference_markdown() == (ROOT / "docs" / "bed-language.md").read_text()
    assert cli_markdown() == (ROOT / "docs" / "cli.md").read_text()
    schema = dsl.json_schema()["$defs"]
    assert schema["CfdSpec"]["properties"]["solver"]["enum"][-1] == "potential"
    assert "cubic" in schema["PackingSpec"]["properties"]["method"]["enum"]


def test_a_plugin_does_not_replace_a_built_in(tmp_path: Path) -> None:
    info = tmp_path / "rogue-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rogue\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[bedflow.solvers]\nlbm = rogue:Lbm\n")
    with installed(tmp_path):
        assert SOLVERS.entries()["lbm"].builtin
        assert SOLVERS.get("lbm").__module__ == "bedflow.cfd._solvers.lbm"


def test_a_broken_plugin_is_reported_when_asked_for() -> None:
    registry: Registry[object] = Registry(
        "solver", "bedflow.nothing", {"gone": "no_such_module:Solver", "misnamed": "bedflow:dsl"}
    )
    assert registry.names() == ("gone", "misnamed")
    with pytest.raises(EngineUnavailable, match="'gone' cannot be loaded from no_such_module"):
        registry.get("gone")
    with pytest.raises(UsageError, match="registered as 'misnamed' calls itself None"):
        registry.get("misnamed")
