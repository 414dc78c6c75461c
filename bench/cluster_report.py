"""Write reports/cluster.md (tables) and its SVG charts from a run of bench_cluster.py.

.venv/bin/python bench/cluster_report.py out/cluster-run.json   # rewrite the report
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUCKET_S = 2.0
W, H, PAD = 640, 180, 40


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _failed(status: int) -> bool:
    """A request failed: no answer, or a server error (a 4xx is the client's, e.g. 429)."""
    return status == 0 or status >= 500


def _chart(series: list[tuple[float, float]], faults: list[tuple[float, str]], seconds: float,
           top: float, unit: str, colour: str) -> str:  # fmt: skip
    def x(t: float) -> float:
        return PAD + (W - 2 * PAD) * t / seconds

    def y(v: float) -> float:
        return H - PAD + (PAD * 1.5 - H) * min(v, top) / top

    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in series)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'font-family="sans-serif" font-size="10">',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>',
             f'<line x1="{PAD}" y1="{PAD / 2}" x2="{PAD}" y2="{H - PAD}" stroke="#999"/>',
             f'<text x="2" y="{PAD / 2 + 8}">{top:g} {unit}</text>',
             f'<text x="{PAD - 10}" y="{H - PAD + 12}">0</text>',
             f'<text x="{W - PAD - 20}" y="{H - PAD + 12}">{seconds:.0f} s</text>']  # fmt: skip
    for i, (t, name) in enumerate(faults):
        parts.append(f'<line x1="{x(t):.1f}" y1="{PAD / 2}" x2="{x(t):.1f}" y2="{H - PAD}" '
                     'stroke="#d33" stroke-dasharray="3,3"/>')  # fmt: skip
        parts.append(f'<text x="{x(t) + 2:.1f}" y="{H - PAD + 14 + 10 * (i % 2)}" '
                     f'fill="#d33">{name}</text>')  # fmt: skip
    parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_report(result: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    samples = result["samples"]
    seconds = float(result["seconds"])
    faults = [(t, n) for t, n in result["faults"]]
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for s in samples:
        by_kind[s[1]].append(s)
    rows = []
    for kind, items in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        ms = [s[2] for s in items if not _failed(s[3])]
        errors = sum(_failed(s[3]) for s in items)
        limited = sum(s[3] == 429 for s in items)
        rows.append(f"| {kind} | {len(items)} | {len(items) / seconds:.1f} | {_pct(ms, 50):.0f} | "
                    f"{_pct(ms, 95):.0f} | {_pct(ms, 99):.0f} | {errors} "
                    f"({100 * errors / len(items):.1f} %) | {limited} |")  # fmt: skip
    buckets: dict[int, list[Any]] = defaultdict(list)
    for s in samples:
        buckets[int(s[0] // BUCKET_S)].append(s)
    latency, errors_pct = [], []
    for b in sorted(buckets):
        items = buckets[b]
        t = (b + 0.5) * BUCKET_S
        ok = [s[2] for s in items if not _failed(s[3])]
        latency.append((t, _pct(ok, 95)))
        errors_pct.append((t, 100 * sum(_failed(s[3]) for s in items) / len(items)))
    top_ms = max(100.0, _pct([v for _, v in latency], 90) * 2)
    marks = [(t, n) for t, n in faults if not n.endswith(("started", "restored", "promoted"))]
    (folder / "cluster-latency.svg").write_text(
        _chart(latency, marks, seconds, round(top_ms, -1), "ms p95", "#36c"), encoding="utf-8"
    )
    (folder / "cluster-errors.svg").write_text(
        _chart(errors_pct, marks, seconds, 100, "% failed", "#c63"), encoding="utf-8"
    )
    recovery = []
    starts = [t for t, _ in marks] + [seconds]
    for (t, name), end in zip(marks, starts[1:], strict=False):
        # A request counts when its answer came (a request sent just before a fault fails
        # because of it).
        failed = [e for s in samples if _failed(s[3]) and t <= (e := s[0] + s[2] / 1000) < end]
        last = max(failed) - t if failed else 0.0
        recovery.append(f"| {t:.0f} s | {name} | {len(failed)} | {last:.1f} s |")
    scaling = [f"| {r['workers']} | {r['jobs']} | {r['seconds']} | {r['jobs_per_min']} |"
               for r in result["scaling"]]  # fmt: skip
    moments = "| at | event |\n|---|---|\n" + "\n".join(f"| {t:.1f} s | {n} |" for t, n in faults)
    c = result["check"]
    check_row = " | ".join(
        str(c[k])
        for k in ("beds", "files", "jobs", "lost", "completed_twice", "jobs_not_succeeded")
    )
    check_row = f"| {check_row} |"
    base = result["scaling"][0]["jobs_per_min"] if result["scaling"] else 1
    gains = ", ".join(f"{r['jobs_per_min'] / base:.2f}x" for r in result["scaling"])
    text = f"""# Cluster under load and faults

Generated by `bench/cluster_report.py` from a run of `bench/bench_cluster.py`
({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {result["cores"]} CPU cores shared with other work):
{result["users"]} simulated users for {seconds:.0f} s through nginx on the cluster of
[docs/cluster.md](../docs/cluster.md) (two APIs, three Celery workers, Redis, PostgreSQL primary
and synchronous replica, s3rver), faults injected at the moments marked below.

## Nothing lost

| acknowledged beds | uploads | jobs | lost or changed | jobs completed twice | jobs not succeeded |
|---|---|---|---|---|---|
{check_row}

## Requests by type

Failed: no answer or a 5xx. 429: refused by the API's rate limits (per user and per client
address: all simulated users share one address), not counted as failures. Latency of the
requests that did not fail, ms.

| request | count | per s | p50 | p95 | p99 | failed | 429 |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Over time

p95 latency per {BUCKET_S:.0f} s (capped at the top of the chart) and the share of failed
requests, with the faults marked:

![latency](cluster-latency.svg)

![errors](cluster-errors.svg)

## Fault moments

{moments}

## Recovery

Failed requests from each fault to the next, and the last one after the fault.

| at | fault | failed requests | last failure after |
|---|---|---|---|
{chr(10).join(recovery)}

## Throughput per worker count

The same queue of small jobs (ordered packing and the correlation solver) with 1, 2 and 3
worker hosts of one process each; relative to one worker: {gains}. A job is CPU-bound
Python (packing, geometry export, the correlation solver), so workers beyond the machine's
{result["cores"]} cores (shared here with other work) only share them and the curve flattens
there; on more cores it predicts gains close to the number of workers until the database
(a few row writes per job event) or Redis limits them, which this run did not reach or measure.

| workers | jobs | seconds | jobs per minute |
|---|---|---|---|
{chr(10).join(scaling)}
"""
    (folder / "cluster.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    write_report(data, Path(__file__).resolve().parents[1] / "reports")
