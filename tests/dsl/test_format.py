"""The canonical formatter: round trips (property test), comments kept, idempotence, fuzzing."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bedflow import BedSyntaxError, BedValidationError
from bedflow.dsl import BedSpec, format_spec, format_text, parse, parse_with_diagnostics
from bedflow.dsl._sections import ORDERED_METHODS
from tests.utils.beds import EXAMPLES
from tests.utils.examples import examples

positive = st.floats(min_value=1e-9, max_value=1e9, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0.0, max_value=1.0)
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
multiline = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\n\t"
    ),
    max_size=40,
)


def optional(**entries: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=entries)


@st.composite
def specs(draw: st.DrawFn) -> BedSpec:
    """Valid specs with any subset of keys given, values anywhere in their valid ranges."""
    shape = draw(st.sampled_from(["cylinder", "box"]))
    diameter = draw(st.floats(min_value=0.01, max_value=2.0))
    bed: dict[str, Any] = {"shape": shape, "diameter": diameter}
    if shape == "box":
        bed |= draw(
            optional(
                width=st.floats(diameter, 2 * diameter), depth=st.floats(diameter, 2 * diameter)
            )
        )
    bed |= draw(
        optional(
            height=st.floats(min_value=0.2, max_value=5.0),
            wall_thickness=st.floats(0, 0.01),
            clearance=st.floats(0, 1e-4),
            material=text.filter(lambda t: 0 < len(t) <= 100),
            roughness=st.floats(0, 1e-3),
        )
    )
    kind = draw(st.sampled_from(["sphere", "cylinder", "cube"]))
    particles: dict[str, Any] = {"kind": kind, "diameter": draw(st.floats(1e-4, diameter / 4))}
    if kind == "cylinder":
        particles |= draw(optional(length=st.floats(1e-4, diameter / 4)))
    particles |= draw(
        optional(
            count=st.integers(1, 50),
            target_porosity=st.floats(0.4, 0.9),
            density=positive,
            restitution=fraction,
            friction=st.floats(0, 10),
            rolling_friction=st.floats(0, 10),
            linear_damping=fraction,
            angular_damping=fraction,
            seed=st.integers(0, 2**32 - 1),
        )
    )
    methods = ["auto", "rigid_body", "blender"]
    if kind == "sphere":
        methods += ["dem", *ORDERED_METHODS]
    gravity = st.tuples(st.floats(-20, 20), st.floats(-20, 20), st.floats(-20, -0.1))
    packing = draw(
        optional(
            method=st.sampled_from(methods),
            gravity=gravity | st.floats(-20, -0.1),
            substeps=st.integers(1, 1000),
            iterations=st.integers(1, 1000),
            damping=fraction,
            rest_velocity=positive,
            max_time=positive,
            collision_margin=st.floats(0, 1e-3),
        )
    )
    export = draw(
        optional(
            formats=st.lists(
                st.sampled_from(["stl", "stl_binary", "obj", "ply", "glb", "gltf", "blend"]),
                max_size=4,
                unique=True,
            ),
            units=st.sampled_from(["m", "cm", "mm"]),
            scale=positive,
            wall_mode=st.sampled_from(["surface", "solid", "none"]),
            fluid_mode=st.sampled_from(["none", "cavity"]),
            manifold_check=st.booleans(),
            merge_distance=st.floats(0, 1e-3),
        )
    )
    solver = draw(st.sampled_from(["lbm", "openfoam", "correlation"]))
    cfd: dict[str, Any] = {"solver": solver}
    if solver != "lbm" and draw(st.booleans()):
        cfd["regime"] = "turbulent_rans"
        cfd |= draw(
            optional(
                turbulence_model=st.sampled_from(
                    ["k_epsilon", "realizable_k_epsilon", "k_omega", "k_omega_sst"]
                )
            )
        )
    cfd |= draw(
        optional(
            inlet_velocity=positive,
            fluid_density=positive,
            fluid_viscosity=positive,
            max_iterations=st.integers(1, 10**6),
            convergence_criteria=st.floats(1e-12, 0.5),
            write_fields=st.booleans(),
            cells_per_dp=st.integers(2, 200),
            lbm_boundary=st.sampled_from(["cli", "bouzidi", "halfway"]),
            yplus_target=positive,
            mesh_levels=optional(walls=st.integers(0, 10), particles=st.integers(0, 10)),
            mesh_layers=st.integers(0, 10),
        )
    )
    data: dict[str, Any] = {"bed": bed, "particles": particles}
    data |= draw(optional(name=text.filter(lambda t: 0 < len(t) <= 200), description=multiline))
    for key, value in (("packing", packing), ("export", export), ("cfd", cfd)):
        if value or draw(st.booleans()):
            data[key] = value
    if draw(st.booleans()):
        data["lids"] = draw(
            optional(
                top_type=st.sampled_from(["flat", "hemispherical", "none"]),
                bottom_type=st.sampled_from(["flat", "hemispherical", "none"]),
                top_thickness=st.floats(0, 0.05),
                bottom_thickness=st.floats(0, 0.05),
                seal_clearance=st.floats(0, 1e-3),
            )
        )
    try:
        return BedSpec.model_validate(data)
    except ValidationError:
        assume(False)
        raise


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_parse_of_format_is_the_same_spec(spec: BedSpec) -> None:
    text = format_spec(spec)
    assert parse_with_diagnostics(text).spec == spec, text


@settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_format_is_idempotent(spec: BedSpec) -> None:
    once = format_spec(spec)
    assert format_text(once) == once


def test_formatting_keeps_comments_in_place() -> None:
    source = """// header line 1
// header line 2
particles { count = 10 }   // particles trailing
bed {
    // about the height
    height = 0.2 m
    diameter = 5cm // the diameter
    /* last in bed */
}
// the end
"""
    out = format_text(source)
    assert (
        out
        == """// header line 1
// header line 2
bed {
    diameter = 50 mm;  // the diameter
    // about the height
    height = 200 mm;
    /* last in bed */
}

particles {
    count = 10;
}  // particles trailing

// the end
"""
    )
    assert format_text(out) == out


def test_compact_form_is_rewritten_in_sections() -> None:
    out = format_text('bed "x" { geometry { diameter = 4 cm } particles { shape = cube } }')
    assert (
        out
        == 'name = "x";\n\nbed {\n    diameter = 40 mm;\n}\n\nparticles {\n    kind = cube;\n}\n'
    )


def test_strings_are_escaped() -> None:
    spec = parse(
        'name = "a \\"quoted\\" \\\\ name"\ndescription = "two\\nlines"\nbed {}\nparticles {}'
    )
    assert spec.name == 'a "quoted" \\ name' and spec.description == "two\nlines"
    assert parse(format_spec(spec)) == spec


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_format_stably(path: Any) -> None:
    once = format_text(path.read_text(), str(path))
    assert format_text(once) == once
    assert parse(once) == parse(path.read_text())


def test_format_refuses_invalid_text() -> None:
    with pytest.raises(BedValidationError):
        format_text("bed { diameter = -1 }\nparticles { }")


TOKENS = [
    "bed",
    "particles",
    "cfd",
    "packing",
    "export",
    "lids",
    "geometry",
    "{",
    "}",
    "=",
    ";",
    "(",
    ")",
    "[",
    "]",
    ",",
    "diameter",
    "count",
    "kind",
    "gravity",
    "formats",
    "mesh_levels",
    "5",
    "-9.81",
    "1e-6",
    "0.05 m",
    "5mm",
    "m/s2",
    "kg/m3",
    "Pa.s",
    '"x"',
    "sphere",
    "true",
    "\n",
    "// c\n",
    "/* c */",
    "1e999",
    "stl",
    '"',
    "/*",
    "µm",
    "²",
]


@settings(max_examples=examples(500))
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_token_soup_gives_a_spec_or_a_located_input_error(source: str) -> None:
    """Fuzz: text made of the language's own tokens, the hard cases for a parser."""
    try:
        parse(source)
    except (BedSyntaxError, BedValidationError) as exc:
        assert exc.diagnostics and all(d.message for d in exc.diagnostics)


@settings(max_examples=examples(300))
@given(st.text(alphabet=string.printable + "µ²³{}", max_size=200))
def test_arbitrary_text_gives_a_spec_or_an_input_error(source: str) -> None:
    """Fuzz: any text at all parses or raises one of the two input errors, nothing else."""
    try:
        spec = parse(source)
    except (BedSyntaxError, BedValidationError) as exc:
        assert all(d.filename == "<string>" for d in exc.diagnostics)
    else:
        assert isinstance(spec, BedSpec)
