"""Benchmark: parsing and validating a 200-line `.bed` file (target: under 5 ms), and large files.

Prints the median and best time of parse + validate on a realistic 200-line file, next to
the time of the lark parse alone and of a 10-line file in the same run, so the figures can be
compared across machines as ratios. Then, each in a fresh process so that its peak memory is
its own, large files (20 MB by default): a valid one (the reference bed padded with comments)
and the syntax alone of a dense one, in MB/s, and a file of 20 MB of wrong lines, which stops
after 50 errors.

    .venv/bin/python bench/bench_parse.py [--size-mb 20]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bedflow import BedInputError
from bedflow.dsl import parse_with_diagnostics
from bedflow.dsl._parser import Document, _lark, parse_document, read_items

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 5.0


def two_hundred_lines() -> str:
    """The reference example, padded with the comments and blank lines real files carry."""
    base = (REPO / "examples" / "spheres-d10.bed").read_text(encoding="utf-8").splitlines()
    lines: list[str] = []
    for i, line in enumerate(base):
        lines.append(line)
        if line.strip().endswith(";") and i % 2 == 0:
            lines.append("    // measured on the bench rig, see lab notebook p. 12")
            lines.append("")
    while len(lines) < 200:
        lines.append(f"/* note {len(lines)}: spare line kept for the operators */")
    return "\n".join(lines[:200]) + "\n"


def timed(fn: Callable[[], object], repeat: int = 300) -> tuple[float, float]:
    for _ in range(20):  # warm-up: the LALR tables are built once per process
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3


def large(kind: str, size: int) -> str:
    """A file of about ``size`` bytes: ``valid``, ``dense`` (valid syntax only) or ``wrong``."""
    if kind == "valid":
        base = (REPO / "examples" / "spheres-d10.bed").read_text(encoding="utf-8")
        line = (
            "// measured on the bench rig, see lab notebook p. 12; spare line for the operators\n"
        )
        return base + line * ((size - len(base)) // len(line))
    if kind == "dense":
        block = 'bed { diameter = 50 mm; height = 0.1 m; material = "glass"; }\n'
        return block * (size // len(block))
    line = "    diameter = 50 mm;\n"  # the same key again and again: one error per line
    return "particles { }\nbed {\n" + line * (size // len(line)) + "}\n"


def run_large(kind: str, size: int) -> dict[str, float]:
    """Time and peak memory of one large file, measured in this (fresh) process."""
    text = large(kind, size)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    diagnostics = 0
    start = time.perf_counter()
    if kind == "dense":
        read_items(Document((), "dense.bed", text), lambda item: None)
    else:
        try:
            parse_with_diagnostics(text, f"{kind}.bed")
        except BedInputError as exc:
            diagnostics = len(exc.diagnostics)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mb": len(text.encode()) / 1e6,
        "seconds": seconds,
        "peak_mb": peak,
        "text_mb": base_rss,
        "diagnostics": diagnostics,
    }


def report_large(size_mb: float) -> None:
    print(f"large files ({size_mb:g} MB), each in a fresh process; peak RSS includes the text")
    labels = {
        "valid": "valid (reference bed + comment lines)",
        "dense": "dense, syntax only (repeated sections)",
        "wrong": "wrong (an error per line, stops at 50)",
    }
    for kind, label in labels.items():
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, "--size-mb", str(size_mb)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout)
        errors = f", {r['diagnostics']:.0f} diagnostics" if r["diagnostics"] else ""
        print(
            f"  {label:<40} {r['seconds']:7.2f} s  {r['mb'] / r['seconds']:7.2f} MB/s  "
            f"peak {r['peak_mb']:6.0f} MB (text and interpreter: {r['text_mb']:.0f} MB){errors}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=20.0, help="size of the large files")
    parser.add_argument("--one", choices=("valid", "dense", "wrong"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_large(args.one, int(args.size_mb * 1e6))))
        return
    small_files()
    report_large(args.size_mb)


def small_files() -> None:
    start = time.perf_counter()
    _lark()
    build_ms = (time.perf_counter() - start) * 1e3
    text = two_hundred_lines()
    small = "bed { diameter = 50 mm; }\nparticles { count = 100; }\n"
    assert text.count("\n") == 200
    full_med, full_min = timed(lambda: parse_with_diagnostics(text, "bench.bed"))
    lark_med, _ = timed(lambda: parse_document(text, "bench.bed"))
    small_med, _ = timed(lambda: parse_with_diagnostics(small, "small.bed"))
    print("bedflow .bed parse + validate benchmark")
    print(f"  grammar build (once per process)        {build_ms:8.2f} ms")
    print(f"  200-line file, parse + validate, median {full_med:8.3f} ms   (best {full_min:.3f})")
    print(f"  200-line file, syntax tree only, median {lark_med:8.3f} ms")
    print(f"  2-line file, parse + validate, median   {small_med:8.3f} ms")
    print(f"  ratio 200-line / 2-line                  {full_med / small_med:8.1f} x")
    print(
        f"  target                                   {TARGET_MS:8.1f} ms  -> "
        f"{'met' if full_med < TARGET_MS else 'NOT met'} ({full_med / TARGET_MS:.0%} of it)"
    )


if __name__ == "__main__":
    main()
