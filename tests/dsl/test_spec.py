"""BedSpec: the rules across keys, warnings, JSON Schema, canonical JSON and the spec hash."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from bedflow import BedValidationError, BedWarning
from bedflow.constants import KEPLER_SOLID_FRACTION, RCP_SPHERE_SOLID_FRACTION
from bedflow.dsl import (
    BedSpec,
    ColumnSpec,
    ParticleSpec,
    canonical_json,
    json_schema,
    packing_hash,
    parse,
    parse_with_diagnostics,
    spec_hash,
)
from tests.utils.beds import MINIMAL, bed_text


def errors_of(text: str) -> list[str]:
    with pytest.raises(BedValidationError) as info:
        parse(text, "t.bed")
    return [d.message for d in info.value.diagnostics]


def test_every_key_has_a_default() -> None:
    spec = parse(MINIMAL)
    assert spec.bed.diameter == 0.05
    assert spec.particles.diameter == 0.005
    assert spec.cfd.solver == "lbm"
    assert spec.packing_method == "dem"


def test_bed_and_particles_sections_are_required() -> None:
    messages = errors_of("lids { }")
    assert any("missing section 'bed'" in m for m in messages)
    assert any("missing section 'particles'" in m for m in messages)


def test_particle_wider_than_column_is_refused_with_numbers() -> None:
    (message,) = errors_of(bed_text("diameter = 10 mm;", "diameter = 12 mm;"))
    assert "12 mm" in message and "10 mm wide" in message


def test_particle_taller_than_free_height() -> None:
    messages = errors_of(bed_text("height = 10 mm;", "diameter = 8 mm;"))
    assert any("free height of 6 mm" in m for m in messages)


def test_count_that_cannot_fit_names_the_most_that_fit() -> None:
    # Column 50 mm x (100 - 4) mm: V = pi/4 0.05^2 0.096 = 1.885e-4 m3; a 5 mm sphere is
    # 6.545e-8 m3, so random close packing (0.64) holds floor(0.64 V / v) = 1843 spheres.
    volume = math.pi / 4 * 0.05**2 * 0.096
    most = math.floor(RCP_SPHERE_SOLID_FRACTION * volume / (math.pi / 6 * 0.005**3))
    (message,) = errors_of(bed_text(particles="count = 5000;"))
    assert f"at most {most} fit" in message
    parse(bed_text(particles=f"count = {most};"))


def test_ordered_packings_may_be_denser_than_random_ones() -> None:
    volume = math.pi / 4 * 0.05**2 * 0.096
    n = math.floor(0.7 * volume / (math.pi / 6 * 0.005**3))
    errors_of(bed_text(particles=f"count = {n};"))
    spec = parse(bed_text(particles=f"count = {n};", extra="packing { method = hexagonal_3d }"))
    assert spec.max_solid_fraction == KEPLER_SOLID_FRACTION


@pytest.mark.parametrize("porosity", ["0.2", "0.96"])
def test_target_porosity_outside_the_reachable_range(porosity: str) -> None:
    (message,) = errors_of(bed_text(particles=f"target_porosity = {porosity};"))
    assert "outside the reachable range 0.36 to 0.95" in message


def test_lids_thicker_than_the_column() -> None:
    (message,) = errors_of(
        bed_text(
            "height = 20 mm;",
            "diameter = 1 mm;",
            "lids { top_thickness = 10 mm; bottom_thickness = 10 mm }",
        )
    )
    assert "thinner than the column height 20 mm" in message


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (
            "cfd { inlet_velocity = 0 m/s }",
            "'inlet_velocity' in cfd: input should be greater than 0",
        ),
        ("cfd { fluid_viscosity = -1e-3 Pa.s }", "'fluid_viscosity' in cfd"),
        ("cfd { fluid_density = 0 }", "'fluid_density' in cfd"),
        ("particles2 { }", "unknown section 'particles2', did you mean 'particles'?"),
        ("cfd { sovler = lbm }", "unknown key 'sovler' in cfd, did you mean 'solver'?"),
        ("cfd { solver = lmb }", "did you mean 'lbm'?"),
        ("cfd { solver = lbm; regime = turbulent_rans }", "lbm solver resolves laminar flow only"),
        ("cfd { turbulence_model = k_epsilon }", "needs regime = turbulent_rans"),
        ("packing { gravity = (0, 0, 0) }", "gravity must not be zero"),
        (
            "packing { gravity = (0, 0, -9.81) kg }",
            "expects an acceleration (e.g. m/s2), but 'kg' is a mass",
        ),
        ("export { formats = [stl, step] }", "unknown value 'step'"),
        ("cfd { max_iterations = 10 mm }", "takes no unit"),
        ("cfd { mesh_levels = 3 }", "'mesh_levels' in cfd"),
        ("cfd { inlet_velocity = { a = 1 } }", "takes a single value"),
        ("cfd { inlet_velocity = 5 furlongs }", "unknown unit"),
        ("lids x { }", "only the bed section takes a name"),
        ("speed = 3", "unknown top-level key 'speed'"),
    ],
)
def test_invalid_beds_explain_themselves(extra: str, fragment: str) -> None:
    messages = errors_of(bed_text(extra=extra))
    assert any(fragment in m for m in messages), messages


def test_duplicate_key_names_the_first_line() -> None:
    messages = errors_of("bed {\n diameter = 5 cm;\n diameter = 6 cm;\n}\nparticles { }")
    assert messages == ["'diameter' is set twice in bed (first set at line 2)"]


def test_every_problem_is_reported_at_once_in_file_order() -> None:
    with pytest.raises(BedValidationError) as info:
        parse(
            "bed { diamter = 5 cm; height = -1 }\nparticles { kind = spere }\n"
            "cfd { inlet_velocity = 0 }",
            "t.bed",
        )
    lines = [(d.line, d.column) for d in info.value.diagnostics]
    assert len(lines) == 4
    assert lines == sorted(lines)


def test_shape_specific_keys_are_not_silently_ignored() -> None:
    messages = errors_of(bed_text("width = 30 mm;", "length = 5 mm;"))
    assert any("applies to a box column only" in m for m in messages)
    assert any("applies to cylinder particles only" in m for m in messages)


def test_dem_packs_spheres_only() -> None:
    messages = errors_of(
        bed_text(particles="kind = cube; count = 10;", extra="packing { method = dem }")
    )
    assert any("packs spheres only" in m for m in messages)
    assert parse(bed_text(particles="kind = cube; count = 10;")).packing_method == "rigid_body"


def test_mass_and_density_must_agree() -> None:
    # A 5 mm sphere of 2500 kg/m3 weighs 2500 * pi/6 * 0.005^3 = 1.636e-4 kg.
    parse(bed_text(particles="count = 10; mass = 0.16362 g; density = 2500 kg/m3"))
    messages = errors_of(bed_text(particles="count = 10; mass = 1 g; density = 2500 kg/m3"))
    assert any("disagree" in m for m in messages)
    spec = parse(bed_text(particles="count = 10; mass = 1 g"))
    assert spec.particles.particle_density == pytest.approx(1e-3 / (math.pi / 6 * 0.005**3))


def test_count_and_target_porosity_together_warn_and_count_decides() -> None:
    text = bed_text(particles="count = 100; target_porosity = 0.4")
    compiled = parse_with_diagnostics(text, "w.bed")
    (warning,) = compiled.warnings
    assert warning.severity == "warning" and (warning.line, warning.filename) == (2, "w.bed")
    assert "count (100) decides" in warning.message
    assert compiled.spec.particles.count == 100
    with pytest.warns(BedWarning, match="count .100. decides"):
        parse(text)


def test_fast_laminar_flow_warns_about_turbulence() -> None:
    # Re_p = rho u d / mu = 1000 * 1 * 0.005 / 1e-3 = 5000 > 300.
    compiled = parse_with_diagnostics(
        bed_text(
            extra="cfd { inlet_velocity = 1 m/s; "
            "fluid_density = 1000 kg/m3; fluid_viscosity = 1 mPa.s }"
        )
    )
    assert compiled.spec.particle_reynolds == pytest.approx(5000)
    assert any("Reynolds number 5000" in w.message for w in compiled.warnings)


def test_mesh_layers_warn_unless_openfoam_meshes() -> None:
    lbm = parse_with_diagnostics(bed_text(extra="cfd { mesh_layers = 2 }"))
    assert lbm.spec.cfd.mesh_layers == 2
    assert any("the lbm solver ignores it" in w.message for w in lbm.warnings)
    foam = parse_with_diagnostics(bed_text(extra="cfd { solver = openfoam; mesh_layers = 2 }"))
    assert not foam.warnings
    assert any("mesh_layers" in m for m in errors_of(bed_text(extra="cfd { mesh_layers = 11 }")))
    # unset, its default (2) says nothing to an lbm bed
    assert not parse_with_diagnostics(bed_text()).warnings
    assert parse(bed_text()).cfd.mesh_layers == 2


def test_mesh_contacts_warn_unless_openfoam_meshes() -> None:
    assert parse(bed_text()).cfd.mesh_contacts == "bridges"
    lbm = parse_with_diagnostics(bed_text(extra="cfd { mesh_contacts = shrink }"))
    assert any("the lbm solver ignores it" in w.message for w in lbm.warnings)
    text = "cfd { solver = openfoam; mesh_contacts = shrink }"
    foam = parse_with_diagnostics(bed_text(extra=text))
    assert foam.spec.cfd.mesh_contacts == "shrink" and not foam.warnings
    bad = errors_of(bed_text(extra="cfd { mesh_contacts = glue }"))
    assert any("mesh_contacts" in m for m in bad)


def test_lbm_boundary_warns_unless_the_lbm_solver_runs() -> None:
    lbm = parse_with_diagnostics(bed_text(extra="cfd { lbm_boundary = cli }"))
    assert lbm.spec.cfd.lbm_boundary == "cli"
    assert not lbm.warnings
    assert parse(bed_text()).cfd.lbm_boundary == "cli"
    foam = parse_with_diagnostics(bed_text(extra="cfd { solver = openfoam; lbm_boundary = cli }"))
    assert any("the openfoam solver ignores it" in w.message for w in foam.warnings)
    assert any("lbm_boundary" in m for m in errors_of(bed_text(extra="cfd { lbm_boundary = x }")))


def test_keys_added_later_keep_the_hashes_stored_before_them() -> None:
    # Computed before cfd.mesh_layers existed (commit 2adc536): a spec that leaves a later key
    # at its default keeps that hash, so stored beds still find their cached artifacts.
    # Recomputed when an unset packing.max_time stopped meaning 10 s (issue 13): the pour of
    # such a spec changed (it now runs until every particle is in the bed), so its cached
    # packings must not be reused.
    before = "6c329e8731b82cbe34cb60541a990dd3d7828d1307787c55c11e371fb83a47f2"
    old_defaults = "cfd { cells_per_dp = 12; mesh_levels = { walls = 3 } }\n"
    assert spec_hash(parse(MINIMAL + old_defaults)) == before
    # And again when cfd.cells_per_dp's default became 14 (issue 13: GCI <= 5% at the
    # defaults): an unset resolution now means a finer grid; and when mesh_levels.walls's
    # default became 2 (issue 13: the wall's level 3 doubled OpenFOAM's cells for under 2%).
    now = "0520c0f9194ec9ed5756cb6f539fe59f91df85d88ce6065fb588281c4a06a353"
    assert spec_hash(parse(MINIMAL)) == now
    foam = parse(bed_text(extra="cfd { solver = openfoam }"))
    zero = parse(bed_text(extra="cfd { solver = openfoam; mesh_layers = 0 }"))
    two = parse(bed_text(extra="cfd { solver = openfoam; mesh_layers = 2 }"))
    # mesh_layers' default became 2 (issue 13: OpenFOAM converges with layers): an unset
    # key keeps the hash it had, 0 set by hand is now the exception
    assert spec_hash(two) == spec_hash(foam) != spec_hash(zero)
    # cfd.mesh_contacts came with that change, bridges its default
    bridges = parse(bed_text(extra="cfd { solver = openfoam; mesh_contacts = bridges }"))
    shrink = parse(bed_text(extra="cfd { solver = openfoam; mesh_contacts = shrink }"))
    assert spec_hash(bridges) == spec_hash(foam) != spec_hash(shrink)
    # export.chord_error came later still
    fine = parse(bed_text(extra="export { chord_error = 0.001 }"))
    default = parse(bed_text(extra="export { chord_error = 0.005 }"))
    assert spec_hash(default) == spec_hash(parse(bed_text())) != spec_hash(fine)
    # and cfd.lbm_boundary, whose default became cli (issue 13): a stored bed keeps its hash
    # (the simulate stage's cache keys on the cfd section itself, so no flow result of the old
    # default is served for the new one)
    cli = parse(bed_text(extra="cfd { lbm_boundary = cli }"))
    halfway = parse(bed_text(extra="cfd { lbm_boundary = halfway }"))
    assert spec_hash(cli) == spec_hash(parse(bed_text())) != spec_hash(halfway)


def test_spec_validates_when_built_from_python_or_json() -> None:
    with pytest.raises(ValidationError, match="does not fit"):
        BedSpec(bed=ColumnSpec(diameter=0.01), particles=ParticleSpec(diameter=0.02))
    spec = parse(bed_text(particles="count = 100"))
    assert BedSpec.model_validate_json(canonical_json(spec)) == spec


def test_spec_is_immutable() -> None:
    spec = parse(MINIMAL)
    with pytest.raises(ValidationError):
        spec.bed.diameter = 1.0  # type: ignore[misc]


def test_json_schema_describes_every_section_with_units() -> None:
    schema = json_schema()
    assert schema["title"] == "BedSpec"
    assert set(schema["required"]) == {"bed", "particles"}
    column = schema["$defs"]["ColumnSpec"]["properties"]
    assert column["diameter"]["unit"] == "m"
    assert column["diameter"]["exclusiveMinimum"] == 0
    assert schema["$defs"]["CfdSpec"]["properties"]["fluid_viscosity"]["unit"] == "Pa.s"
    json.dumps(schema)


def test_canonical_json_is_complete_sorted_and_in_si() -> None:
    data = json.loads(canonical_json(parse(bed_text("diameter = 5 cm"))))
    assert data["bed"]["diameter"] == 0.05
    assert data["cfd"]["mesh_levels"] == {"particles": 2, "walls": 2}
    assert list(data) == sorted(data)


def test_hash_identifies_the_physics_not_the_name_or_the_spelling() -> None:
    a = parse('name = "a"\nbed { diameter = 50 mm }\nparticles { count = 10 }')
    b = parse('name = "b"\nbed { diameter = 0.05 m; height = 100 mm }\nparticles { count = 10 }')
    c = parse("bed { diameter = 51 mm }\nparticles { count = 10 }")
    assert spec_hash(a) == spec_hash(b)
    assert spec_hash(a) != spec_hash(c)
    assert len(spec_hash(a)) == 64
    # The hash is stable across runs and versions that keep the same spec.
    assert spec_hash(parse(MINIMAL)) == spec_hash(
        BedSpec(bed=ColumnSpec(), particles=ParticleSpec())
    )


@pytest.mark.parametrize(
    "text",
    ["bed { diameter = 1e200 m }\nparticles { }", "bed { }\nparticles { diameter = 1e-300 m }"],
)
def test_absurd_sizes_are_refused_not_overflowed(text: str) -> None:
    """Regression: a 1e200 m column made ParticleSpec.volume overflow (OverflowError)."""
    with pytest.raises(BedValidationError, match=r"less than or equal|greater than or equal"):
        parse(text)


def test_packing_hash_covers_the_sections_that_shape_the_packing_only() -> None:
    """Two solvers on one packing share its hash; another particle count does not."""
    base = parse(bed_text(particles="count = 100;", extra="cfd { solver = lbm }"))
    other_cfd = parse(bed_text(particles="count = 100;", extra="cfd { solver = correlation }"))
    other_export = parse(bed_text(particles="count = 100;", extra='export { formats = ["obj"] }'))
    fewer = parse(bed_text(particles="count = 50;"))
    assert packing_hash(base) == packing_hash(other_cfd) == packing_hash(other_export)
    assert spec_hash(base) != spec_hash(other_cfd)
    assert packing_hash(base) != packing_hash(fewer)
    assert packing_hash(base) != packing_hash(parse(bed_text(extra="lids { top_type = none }")))
