"""The .bed syntax: every form the language reference promises, and located syntax errors."""

from __future__ import annotations

import math

import pytest

from bedflow import BedSyntaxError, BedValidationError
from bedflow.dsl import parse, parse_with_diagnostics
from tests.utils.beds import bed_text


def test_semicolons_may_be_left_out_at_line_ends() -> None:
    spec = parse("bed {\n  diameter = 5 cm\n  height = 0.2 m\n}\nparticles { count = 10 }\n")
    assert spec.bed.diameter == 0.05
    assert spec.bed.height == 0.2
    assert spec.particles.count == 10


def test_missing_semicolon_between_keys_on_one_line_is_located() -> None:
    with pytest.raises(BedSyntaxError) as info:
        parse('bed { material = "glass" height = 0.2 m }\nparticles { }', "f.bed")
    d = info.value.diagnostics[0]
    assert (d.filename, d.line) == ("f.bed", 1)
    assert "expected ';'" in d.message
    assert info.value.expected == (";",)


def test_number_then_key_on_one_line_suggests_the_semicolon() -> None:
    with pytest.raises(BedSyntaxError) as info:
        parse("bed { }\nparticles { count = 10 diameter = 5 mm }")
    assert (info.value.line, info.value.column) == (2, 33)
    assert "';' missing after '10'" in str(info.value)


def test_comments_of_both_kinds_are_ignored() -> None:
    text = """
    // a line comment
    bed { diameter = 40 mm; /* inline */ height = 80 mm; }
    /* a block
       comment */
    particles { count = 20; } // trailing
    """
    spec = parse(text)
    assert (spec.bed.diameter, spec.bed.height) == (0.04, 0.08)


@pytest.mark.parametrize(
    ("written", "si"),
    [
        ("0.05 m", 0.05),
        ("5cm", 0.05),
        ("50 mm", 0.05),
        ("50000 um", 0.05),
        ("50000 µm", 0.05),
        ("5e-2", 0.05),
        ("5E-2 m", 0.05),
        ("0.5e-1m", 0.05),
        (".05", 0.05),
    ],
)
def test_lengths_in_any_unit_become_metres(written: str, si: float) -> None:
    assert parse(bed_text(f"diameter = {written};")).bed.diameter == si


@pytest.mark.parametrize(
    ("key", "written", "si"),
    [
        ("density", "2500 kg/m3", 2500.0),
        ("density", "2.5 g/cm3", 2500.0),
        ("mass", "0.1 g", 1e-4),
    ],
)
def test_particle_quantities(key: str, written: str, si: float) -> None:
    spec = parse(bed_text(particles=f"count = 10; {key} = {written};"))
    assert getattr(spec.particles, key) == pytest.approx(si, rel=1e-15)


@pytest.mark.parametrize(
    ("written", "si"),
    [
        ("0.001 Pa.s", 1e-3),
        ("1 mPa.s", 1e-3),
        ("1 cP", 1e-3),
        ("1.8e-05", 1.8e-5),
        ("1.81e-5 Pa.s", 1.81e-5),
        ("1.81e-5 Pa*s", 1.81e-5),
    ],
)
def test_viscosity_units(written: str, si: float) -> None:
    spec = parse(bed_text(extra=f"cfd {{ fluid_viscosity = {written}; }}"))
    assert spec.cfd.fluid_viscosity == pytest.approx(si, rel=1e-15)


@pytest.mark.parametrize("unit", ["m/s2", "m/s²", "m/s^2", "m.s-2"])
def test_gravity_vector_with_unit_after_the_parenthesis(unit: str) -> None:
    spec = parse(bed_text(extra=f"packing {{ gravity = (0, 0, -9.81) {unit}; }}"))
    assert spec.packing.gravity == (0.0, 0.0, -9.81)


def test_gravity_scalar_is_the_vertical_component() -> None:
    spec = parse(bed_text(extra="packing { gravity = -9.81 m/s2 }"))
    assert spec.packing.gravity == (0.0, 0.0, -9.81)


def test_vector_components_may_carry_their_own_units() -> None:
    spec = parse(bed_text(extra="packing { gravity = (0 m/s2, 100 mm/s2, -9810 mm/s2) }"))
    assert spec.packing.gravity == pytest.approx((0.0, 0.1, -9.81))


def test_velocities_and_times() -> None:
    spec = parse(
        bed_text(
            extra="cfd { inlet_velocity = 5 mm/s }\npacking { max_time = 500 ms;"
            " rest_velocity = 0.1 cm/s }"
        )
    )
    assert spec.cfd.inlet_velocity == 0.005
    assert spec.packing.max_time == 0.5
    assert spec.packing.rest_velocity == 0.001


def test_strings_enums_booleans_and_lists() -> None:
    # material is deprecated (a warning), but still the one string key of a section
    spec = parse_with_diagnostics(
        bed_text(
            'material = "borosilicate \\"glass\\""; shape = cylinder;',
            'kind = "sphere"; count = 10;',
            'export { formats = ["stl", glb, "ply",]; manifold_check = false; units = "mm" }',
        )
    ).spec
    assert spec.bed.material == 'borosilicate "glass"'
    assert spec.particles.kind == "sphere"
    assert spec.export.formats == ["stl", "glb", "ply"]
    assert spec.export.manifold_check is False
    assert spec.export.units == "mm"


def test_nested_mapping_value() -> None:
    spec = parse(bed_text(extra="cfd { mesh_levels = { walls = 4; particles = 1; }; }"))
    assert (spec.cfd.mesh_levels.walls, spec.cfd.mesh_levels.particles) == (4, 1)


def test_compact_nested_form() -> None:
    spec = parse(
        "bed demo { geometry { diameter = 0.05m; height = 0.1m; } "
        "particles { diameter = 0.005m; count = 100; shape = sphere; } }"
    )
    assert spec.name == "demo"
    assert spec.bed.diameter == 0.05
    assert spec.particles.kind == "sphere"
    assert spec.particles.count == 100


def test_compact_form_equals_sectioned_form() -> None:
    compact = parse(
        'bed "x" { geometry { diameter = 4 cm } particles { count = 9 } '
        "cfd { solver = correlation } }"
    )
    sectioned = parse(
        'name = "x"\nbed { diameter = 40 mm }\nparticles { count = 9 }\n'
        "cfd { solver = correlation }"
    )
    assert compact == sectioned


def test_integers_stay_integers_and_scientific_counts_are_accepted() -> None:
    assert parse(bed_text(particles="count = 1e2")).particles.count == 100


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("bed {\n  diameter = 5 cm;\n", 2, 19, "unexpected end of file"),
        ("bed { diameter = 5 cm; }}\nparticles { }", 1, 25, "unexpected '}'"),
        ('bed { material = "glass\n}', 1, 18, "unterminated string"),
        ("bed { } /* never closed\nparticles { }", 1, 9, "unterminated comment"),
        ("bed { diameter = 5 cm; ? }", 1, 24, "unexpected character '?'"),
        ("bed { diameter == 5 }", 1, 17, "unexpected '='"),
        ("bed { diameter = (1, 2; }", 1, 23, "unexpected ';'"),
    ],
)
def test_syntax_errors_are_located(text: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(BedSyntaxError) as info:
        parse(text, "broken.bed")
    d = info.value.diagnostics[0]
    assert (d.line, d.column) == (line, column), d.render()
    assert fragment in d.message
    assert d.render().startswith(f"broken.bed:{line}:{column}: error: ")
    assert "^" in d.render()


def test_syntax_error_lists_what_was_expected() -> None:
    with pytest.raises(BedSyntaxError) as info:
        parse("bed { diameter 5 }")
    assert "'='" in info.value.expected


def test_caret_sits_under_the_offending_text() -> None:
    with pytest.raises(BedValidationError) as info:
        parse("bed {\n    diamter = 50 mm;\n}\nparticles { }", "x.bed")
    rendered = info.value.diagnostics[0].render().splitlines()
    assert rendered[1].endswith("    diamter = 50 mm;")
    assert rendered[2].index("^") == rendered[1].index("diamter")
    assert rendered[2].count("~") == len("diamter") - 1


def test_huge_number_is_a_validation_error_not_a_crash() -> None:
    with pytest.raises(BedValidationError, match="finite"):
        parse(bed_text("diameter = 1e999 km"))
    assert math.isinf(float("1e999"))
