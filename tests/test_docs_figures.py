"""Measured figures live in the benchmarks' output and in docs/benchmarks.md, not in the code.

A comment or docstring that says what a benchmark measured goes stale with the next change to
the code it describes (issue 14): it gives the reason in words and names the benchmark that
prints the figure. A sentence of a comment or docstring under src/ that holds a figure with a
unit of time or throughput and says it was measured, benched, timed or took it, fails here.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from tests.utils.beds import REPO

# A number with a unit of time or throughput: "26 ms", "0.5 s", "85 MLUPS", "120 MB/s".
FIGURE = re.compile(
    r"\b\d+(?:[.,]\d+)?\s?(?:ns|µs|us|ms|s|min|MLUPS|MFLUPS|[kMG]i?B/s|req/s|requests/s)(?![\w/])"
)
# Words that make such a figure a measurement on some machine rather than a setting.
MEASURED = re.compile(r"\b(?:measured|bench\w*|took|timed)\b", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+(?=[A-Z(`])")


def measured_figures(text: str) -> list[str]:
    """The sentences of ``text`` (a comment block or a docstring) that quote a measurement."""
    sentences = [
        s
        for paragraph in re.split(r"\n\s*\n", text)
        for s in SENTENCE_END.split(" ".join(paragraph.split()))
    ]
    return [s for s in sentences if FIGURE.search(s) and MEASURED.search(s)]


def _comment_blocks(source: str) -> list[tuple[int, str]]:
    """Runs of comments on consecutive lines, as (first line, text)."""
    blocks: list[tuple[int, str]] = []
    last = -2
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.lstrip("#:").strip()
        if tok.start[0] == last + 1 and blocks:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + " " + text)
        else:
            blocks.append((tok.start[0], text))
        last = tok.start[0]
    return blocks


def _docstrings(source: str) -> list[tuple[int, str]]:
    """Every string that stands alone as a statement: docstrings, attribute docstrings."""
    return [
        (node.lineno, node.value.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


def offending(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    return [
        f"{path}:{line}: {sentence}"
        for line, text in _comment_blocks(source) + _docstrings(source)
        for sentence in measured_figures(text)
    ]


def test_no_measured_figures_in_source_comments() -> None:
    found = [hit for path in sorted((REPO / "src").rglob("*.py")) for hit in offending(path)]
    assert not found, (
        "measured figures in comments or docstrings: give the reason in words, name the "
        "benchmark that prints the figure, and put the figure in docs/benchmarks.md:\n"
        + "\n".join(found)
    )


def test_env_example_carries_no_measured_figures() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    comments = "\n".join(line.lstrip("# ") for line in text.splitlines() if line.startswith("#"))
    assert not [s for block in comments.split("\n\n") for s in measured_figures(block)]


def test_a_planted_figure_is_caught(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        '"""The kernel.\n\nbench/bench_lbm.py measured 85.9 MLUPS on 2 cores."""\n\n'
        "#: The pool waits before it answers 500: the listing took\n#: 26 ms at p99 here.\n"
        "TIMEOUT = 30\n"
        '"""How long to wait (30 s, the pool\'s default)."""\n',
        encoding="utf-8",
    )
    assert sorted(offending(planted)) == [
        f"{planted}:1: bench/bench_lbm.py measured 85.9 MLUPS on 2 cores.",
        f"{planted}:5: The pool waits before it answers 500: the listing took 26 ms at p99 here.",
    ]


def test_settings_and_plain_durations_are_not_figures() -> None:
    assert not measured_figures("Beats every 5 s while the job runs.")
    assert not measured_figures("bench/bench_api.py prints the tail latency per slot count.")
    assert not measured_figures("The slab dp/L is measured across, 2.3 d long.")


def test_benchmarks_table_is_linked_and_names_real_scripts() -> None:
    assert "(docs/benchmarks.md)" in (REPO / "README.md").read_text(encoding="utf-8")
    table = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    scripts = set(re.findall(r"bench/[\w]+\.py", table))
    assert scripts, "docs/benchmarks.md names no benchmark"
    assert all((REPO / s).is_file() for s in scripts), sorted(
        s for s in scripts if not (REPO / s).is_file()
    )
