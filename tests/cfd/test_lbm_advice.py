"""`bedflow check`'s warnings about LBM settings whose pressure drop is not shown to lie within
5% of its grid limit (issue 13: "bedflow check rejects or warns on settings that cannot give
it"); nothing is refused."""

from __future__ import annotations

from bedflow._checks import check_text
from bedflow.cfd._constants import DEFAULT_CELLS_PER_DP
from bedflow.dsl import parse_with_diagnostics
from tests.utils.beds import bed_text


def _warnings(cfd: str) -> list[str]:
    result = check_text(bed_text(particles="count = 60;", extra=f"cfd {{ {cfd} }}"), "a.bed")
    assert result.ok
    return [d.render() for d in result.diagnostics if d.severity == "warning"]


def test_the_defaults_draw_no_warning() -> None:
    assert _warnings("inlet_velocity = 1 mm/s") == []
    spec = parse_with_diagnostics(bed_text()).spec
    assert spec.cfd.cells_per_dp == DEFAULT_CELLS_PER_DP
    assert spec.cfd.lbm_boundary == "cli"


def test_halfway_walls_are_warned_of_at_their_key() -> None:
    (warning,) = _warnings("lbm_boundary = halfway")
    assert "a.bed:3:" in warning and "first order" in warning and "cli" in warning


def test_a_coarse_grid_is_warned_of() -> None:
    (warning,) = _warnings("cells_per_dp = 8")
    assert "cells_per_dp" in warning and "--converge" in warning


def test_a_study_too_fast_for_its_coarsest_grid_names_the_resolution_it_needs() -> None:
    """Re_p = 10 (water, 5 mm, 2 mm/s) runs at 12 cells per diameter with cli (tau 0.518),
    but a study's coarsest grid (6) would not: 15 (15, 11, 8) is the first that works."""
    water = "inlet_velocity = 2 mm/s; fluid_density = 1000 kg/m3; fluid_viscosity = 1 mPa.s"
    (warning,) = _warnings(water)
    assert "--converge" in warning and "cells_per_dp = 15 or more" in warning
    assert _warnings(water + "; cells_per_dp = 15") == []


def test_other_solvers_are_not_advised_by_the_lbm() -> None:
    assert _warnings("solver = correlation") == []


def test_openfoam_advice_names_what_keeps_it_from_its_grid_limit() -> None:
    """OpenFOAM's own advice (its solver's advice hook): a 1% shrink, no prism layers and a
    resolution below FOAM_CELLS_PER_DP each draw a warning at their key; its defaults at that
    resolution draw none."""
    from bedflow.cfd._openfoam import FOAM_CELLS_PER_DP

    foam = f"solver = openfoam; cells_per_dp = {FOAM_CELLS_PER_DP}"
    assert _warnings(foam) == []
    (shrink,) = _warnings(foam + "; mesh_contacts = shrink")
    assert "mesh_contacts" in shrink and "bridges" in shrink and "porosity" in shrink
    (layers,) = _warnings(foam + "; mesh_layers = 0")
    assert "prism layers" in layers
    (coarse,) = _warnings("solver = openfoam; cells_per_dp = 16")
    assert f"below {FOAM_CELLS_PER_DP} cells per diameter" in coarse and "--converge" in coarse
