"""Large and badly wrong inputs: a bounded number of errors, in time and memory linear in size."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bedflow import BedSyntaxError, BedValidationError
from bedflow.dsl import parse
from bedflow.dsl._raw import MAX_ERRORS


def diagnostics_of(text: str) -> list[str]:
    with pytest.raises(BedValidationError) as info:
        parse(text, "big.bed")
    return [d.message for d in info.value.diagnostics]


@pytest.mark.parametrize(
    "line",
    [
        "diameter = 50 mm;\n",  # an unknown top-level key on every line
        "bed { diameter = 50 mm; }\n",  # a key set twice on every line
        "particles { colour = 5 mm; }\n",  # an unknown key on every line
        "    colour = 5 mm;\n",  # ... inside one long section (see below)
    ],
)
def test_a_file_of_repeated_wrong_lines_stops_after_fifty_errors(line: str) -> None:
    # Before: one error per line with no cap (721,498 errors for a 20 MB file).
    text = "bed { }\nparticles { }\n" + line * 2000
    if line.startswith(" "):
        text = "bed { }\nparticles {\n" + line * 2000 + "}\n"
    messages = diagnostics_of(text)
    assert len(messages) == MAX_ERRORS + 1 == 51
    assert messages[-1] == "too many errors (50), stopping: fix these and check again"


@pytest.mark.parametrize("inside_a_section", [False, True])
def test_checking_stops_reading_at_the_cap(inside_a_section: bool) -> None:
    # The file was read (and its syntax tree built) to its end before any key was checked: the
    # syntax error at the end won over the errors before it. Now reading stops at the cap.
    wrong = "colour = 5 mm;\n" * (MAX_ERRORS + 10)
    body = f"particles {{\n{wrong}}}\n" if inside_a_section else "particles { }\n" + wrong
    messages = diagnostics_of("bed { }\n" + body + "bed { = }\n")
    assert len(messages) == MAX_ERRORS + 1


def test_parses_in_threads_do_not_mix_their_items() -> None:
    # The LALR callbacks are shared; each parse hands its items on through its own context.
    texts = [f"bed {{ diameter = {d} mm }}\nparticles {{ count = {d} }}\n" for d in range(20, 60)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        specs = list(pool.map(parse, texts * 5))
    assert [s.particles.count for s in specs] == list(range(20, 60)) * 5
    assert [round(s.bed.diameter * 1000) for s in specs] == list(range(20, 60)) * 5


def test_errors_of_both_stages_are_capped_together() -> None:
    wrong = "".join(f"k{i} = 1; " for i in range(40))
    text = f"bed {{ {wrong} height = -1 }}\nparticles {{ {wrong} count = 0 }}\n"
    messages = diagnostics_of(text)
    assert len(messages) == MAX_ERRORS + 1
    assert messages[-1].startswith("too many errors")


def test_fewer_errors_than_the_cap_are_all_reported_without_the_stop_line() -> None:
    messages = diagnostics_of("bed { }\nparticles { }\n" + "speed = 3;\n" * (MAX_ERRORS - 1))
    assert len(messages) == MAX_ERRORS - 1
    assert not any(m.startswith("too many errors") for m in messages)


def test_a_large_valid_file_parses() -> None:
    comment = "// " + "x" * 60 + "\n"
    spec = parse("bed { }\n" + comment * 20_000 + "particles { count = 10 }\n")
    assert spec.particles.count == 10


def test_a_syntax_error_deep_in_a_large_file_is_located() -> None:
    with pytest.raises(BedSyntaxError) as info:
        parse("bed { }\nparticles { }\n" + 'name = "x";\n' + "// c\n" * 5000 + "bed { = }\n")
    assert info.value.line == 5004


def test_name_inside_bed_is_top_level_in_the_compact_form_only() -> None:
    # The bed block is checked key by key as it is read: a `name` before its first section
    # waits until the form is known.
    spec = parse('bed { name = "x"; geometry { diameter = 4 cm } particles { count = 9 } }')
    assert (spec.name, spec.bed.diameter) == ("x", 0.04)
    messages = diagnostics_of('bed { name = "x"; diameter = 4 cm }\nparticles { }\n')
    assert messages == ["unknown key 'name' in bed"]
    with pytest.raises(BedValidationError):
        parse("bed { particles { count = 9 } }")  # compact form without the bed section


def test_a_long_unknown_section_is_one_error() -> None:
    text = "bed { }\nparticles { }\nfoo {\n" + "colour = 5 mm;\n" * 1000 + "}\n"
    assert diagnostics_of(text) == ["unknown section 'foo'"]
