"""Files written for the original `.bed` format check as their authors meant them.

The original is the ANTLR compiler of BEDFLOW-ATLAS and its templates: quoted enum values,
`mass = 0.0 g` for "computed", OpenFOAM's turbulence model names, a scalar gravity.
"""

from __future__ import annotations

import re

import pytest

from bedflow import BedValidationError
from bedflow.dsl import format_text, parse, parse_with_diagnostics
from tests.utils.beds import bed_text

ORIGINAL_STYLE = """\
// a template in the original's style
bed {
    diameter = 0.05 m;
    height = 0.1 m;
    clearance = 0.001 m;
    material = "steel";
}

particles {
    kind = "sphere";
    diameter = 0.005 m;
    count = 100;
    density = 2500.0 kg/m3;
    mass = 0.0 g;                // computed from the density
    restitution = 0.3;
    seed = 42;
}

packing {
    method = "rigid_body";
    gravity = -9.81 m/s2;
    max_time = 5.0 s;
}

cfd {
    regime = "turbulent_rans";
    turbulence_model = "kOmegaSST";
    inlet_velocity = 0.1 m/s;
    fluid_density = 1000.0 kg/m3;
    fluid_viscosity = 0.001 Pa.s;
}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(BedValidationError) as info:
        parse(text, "t.bed")
    return [d.message for d in info.value.diagnostics]


def test_a_template_in_the_original_style_checks() -> None:
    compiled = parse_with_diagnostics(ORIGINAL_STYLE, "leito.bed")
    spec = compiled.spec
    assert spec.particles.mass is None
    assert spec.particles.particle_density == 2500.0
    assert spec.cfd.turbulence_model == "k_omega_sst"
    assert spec.cfd.solver == "openfoam"  # the original's only flow solver
    assert spec.packing.gravity == (0.0, 0.0, -9.81)
    # the original's templates name the wall material, which bedflow notes as having no effect
    material, mass = compiled.warnings
    assert material.line == 6 and material.path == ("bed", "material")
    assert mass.severity == "warning" and mass.line == 14 and mass.path == ("particles", "mass")


def test_zero_mass_is_read_as_unset_with_a_note_not_refused() -> None:
    compiled = parse_with_diagnostics(bed_text(particles="count = 10; mass = 0.0 g"), "m.bed")
    assert compiled.spec.particles.mass is None
    assert "particles" in compiled.spec.model_fields_set
    (note,) = compiled.warnings
    assert "read as not set" in note.message and (note.line, note.column) == (2, 25)
    assert any("greater than 0" in m for m in errors_of(bed_text(particles="mass = -1 g")))


def test_zero_mass_then_a_mass_is_set_twice() -> None:
    messages = errors_of(bed_text(particles="mass = 0 g;\n mass = 1 g"))
    assert messages == ["'mass' is set twice in particles (first set at line 2)"]


def test_zero_mass_override_unsets_the_mass_of_the_file() -> None:
    text = bed_text(particles="count = 10; mass = 0.16 g")
    compiled = parse_with_diagnostics(text, overrides=["particles.mass=0 g"])
    assert compiled.spec.particles.mass is None
    assert any(w.filename == "--set" for w in compiled.warnings)


def test_byte_order_mark_at_the_start_is_skipped() -> None:
    spec = parse("\ufeffbed { diameter = 40 mm }\nparticles { count = 10 }\n")
    assert spec.bed.diameter == 0.04
    with pytest.raises(BedValidationError) as info:
        parse("\ufeffbed { diamter = 40 mm }\nparticles { }\n")
    (d,) = info.value.diagnostics
    assert (d.line, d.column) == (1, 7) and d.source_line == "bed { diamter = 40 mm }"
    assert format_text("\ufeffbed { }\nparticles { }\n").startswith("bed {")


@pytest.mark.parametrize(
    ("openfoam", "bedflow"),
    [
        ("kOmegaSST", "k_omega_sst"),
        ("kOmega", "k_omega"),
        ("kEpsilon", "k_epsilon"),
        ("realizableKE", "realizable_k_epsilon"),
    ],
)
def test_openfoam_turbulence_model_names_are_aliases(openfoam: str, bedflow: str) -> None:
    for written in (openfoam, f'"{openfoam}"'):
        cfd = f"cfd {{ regime = turbulent_rans; turbulence_model = {written} }}"
        compiled = parse_with_diagnostics(bed_text(extra=cfd))
        assert compiled.spec.cfd.turbulence_model == bedflow
        assert not compiled.warnings
    override = parse_with_diagnostics(
        bed_text(extra="cfd { regime = turbulent_rans }"),
        overrides=[f"cfd.turbulence_model={openfoam}"],
    )
    assert override.spec.cfd.turbulence_model == bedflow


def test_laminar_turbulence_model_means_no_model() -> None:
    compiled = parse_with_diagnostics(bed_text(extra="cfd { turbulence_model = laminar }"))
    assert compiled.spec.cfd.turbulence_model is None
    (note,) = compiled.warnings
    assert "OpenFOAM's name for no turbulence model" in note.message
    (message,) = errors_of(
        bed_text(extra="cfd { regime = turbulent_rans; turbulence_model = laminar }")
    )
    assert "contradicts regime = turbulent_rans" in message


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("komegasst", "k_omega_sst"),  # was: did you mean 'k_omega'?
        ("KOMEGASST", "k_omega_sst"),
        ("kOmega_SST", "k_omega_sst"),
        ("kepsilon", "k_epsilon"),
        ("realizableke", "realizable_k_epsilon"),
    ],
)
def test_close_match_hint_ignores_case_and_underscores(written: str, hint: str) -> None:
    cfd = f"cfd {{ regime = turbulent_rans; turbulence_model = {written} }}"
    (message,) = errors_of(bed_text(extra=cfd))
    assert message.endswith(f"did you mean '{hint}'?"), message


def test_key_hint_ignores_case() -> None:
    (message,) = errors_of(bed_text(bed="wallThickness = 3 mm"))
    assert message.endswith("did you mean 'wall_thickness'?")


def test_mass_and_density_within_rounding_agree_silently() -> None:
    # A 5 mm sphere of 2500 kg/m3 weighs 2500 * pi/6 * 0.005^3 = 0.163625 g; 0.164 g is 0.2% off.
    compiled = parse_with_diagnostics(bed_text(particles="mass = 0.164 g; density = 2500 kg/m3"))
    assert compiled.spec.particles.mass == pytest.approx(1.64e-4)
    assert not compiled.warnings


def test_mass_and_density_a_few_percent_apart_warn_with_rounded_numbers() -> None:
    # 0.16 g against 0.163625 g: 2.3% apart; the mass decides, density 0.16 g / v = 2444 kg/m3.
    compiled = parse_with_diagnostics(bed_text(particles="mass = 0.16 g; density = 2500 kg/m3"))
    (warning,) = compiled.warnings
    assert warning.path == ("particles", "mass")
    assert "differ by 2.3%" in warning.message and "gives 0.164 g" in warning.message
    assert "a density of 2440 kg/m3" in warning.message
    assert not re.search(r"\d{6,}", warning.message), warning.message
    assert compiled.spec.particles.particle_mass == 1.6e-4


def test_mass_and_density_far_apart_are_refused_with_rounded_numbers() -> None:
    (message,) = errors_of(bed_text(particles="mass = 0.2 g; density = 2500 kg/m3"))
    assert "disagree by 18.2%" in message and "gives 0.164 g" in message
    assert not re.search(r"\d{6,}", message), message


def test_section_given_twice_is_merged() -> None:
    spec = parse("bed { diameter = 40 mm }\nparticles { count = 10 }\nbed { height = 0.2 m }\n")
    assert (spec.bed.diameter, spec.bed.height) == (0.04, 0.2)
    assert (
        parse(bed_text(extra="cfd { solver = lbm }\ncfd { cells_per_dp = 8 }")).cfd.cells_per_dp
        == 8
    )


def test_section_given_twice_names_the_key_that_clashes() -> None:
    messages = errors_of("bed { diameter = 40 mm }\nparticles { }\nbed { diameter = 50 mm }\n")
    assert messages == ["'diameter' is set twice in bed (first set at line 1)"]


def test_bed_name_given_twice_clashes() -> None:
    messages = errors_of('name = "a";\nbed b { }\nparticles { }\n')
    assert messages == ["'name' is set twice (first set at line 1)"]
