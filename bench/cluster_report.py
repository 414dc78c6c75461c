"""Write reports/cluster.md (tables) and its SVG charts from a run of bench_cluster.py:
its record (out/cluster-run.json: faults, scaling, check) and locust's CSV files
(out/cluster-locust_stats.csv, _stats_history.csv, _failures.csv).

.venv/bin/python bench/cluster_report.py out/cluster-run.json   # rewrite the report
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUCKET_S = 2.0
W, H, PAD = 640, 180, 40


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _num(value: str) -> float:
    return 0.0 if value in ("", "N/A") else float(value)


def _error(text: str) -> str:
    """locust's record of a failure, without its wrapper, on one table cell."""
    match = re.fullmatch(r"CatchResponseError\('(.*)'\)", text, re.S)
    return (match.group(1) if match else text).replace("|", "/").replace("\n", " ")[:160]


def _history(rows: list[dict[str, str]], t0: float) -> list[tuple[float, float, int, int]]:
    """locust's aggregated history, a row a second: (t, p95 of the last 10 s, requests,
    failures), the counts since the row before."""
    out, requests, failures = [], 0, 0
    for row in rows:
        if row["Name"] != "Aggregated":
            continue
        total, failed = int(row["Total Request Count"]), int(row["Total Failure Count"])
        t = int(row["Timestamp"]) - t0
        out.append((t, _num(row["95%"]), total - requests, failed - failures))
        requests, failures = total, failed
    return out


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


def _scaling_section(result: dict[str, Any]) -> str:
    head = "## Throughput per worker count\n\n"
    if not result["scaling"]:
        return head + "Not measured in this run (`--scale-jobs 0`).\n"
    base = result["scaling"][0]["jobs_per_min"]
    gains = ", ".join(f"{r['jobs_per_min'] / base:.2f}x" for r in result["scaling"])
    rows = "\n".join(f"| {r['workers']} | {r['jobs']} | {r['seconds']} | {r['jobs_per_min']} |"
                     for r in result["scaling"])  # fmt: skip
    text = f"""\
The same queue of small jobs (ordered packing and the correlation solver) with 1, 2 and 3
worker hosts of one process each; relative to one worker: {gains}. A job is CPU-bound
Python (packing, geometry export, the correlation solver), so workers beyond the machine's
{result["cores"]} cores (shared here with other work) only share them and the curve flattens
there; on more cores it predicts gains close to the number of workers until the database
(a few row writes per job event) or Redis limits them, which this run did not reach or measure.

| workers | jobs | seconds | jobs per minute |
|---|---|---|---|
{rows}
"""
    return head + text


def write_report(result: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prefix = folder.parent / result["csv"]
    stats = _rows(Path(f"{prefix}_stats.csv"))
    failures = _rows(Path(f"{prefix}_failures.csv"))
    history = _history(_rows(Path(f"{prefix}_stats_history.csv")), float(result["t0"]))
    seconds = float(result["seconds"])
    faults = [(t, n) for t, n in result["faults"]]
    limited: dict[str, int] = defaultdict(int)
    for f in failures:
        if "HTTP 429" in f["Error"]:
            limited[f["Name"]] += int(f["Occurrences"])
    rows = []
    ordered = sorted(stats, key=lambda r: (r["Name"] == "Aggregated", -int(r["Request Count"])))
    for r in ordered:
        n, failed = int(r["Request Count"]), int(r["Failure Count"])
        name = "all" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        rate = f"{100 * failed / n:.1f} %" if n else "-"
        refused = sum(limited.values()) if name == "all" else limited[r["Name"]]
        rows.append(f"| {name} | {n} | {n / seconds:.1f} | {_num(r['50%']):.0f} | "
                    f"{_num(r['95%']):.0f} | {_num(r['99%']):.0f} | {failed} ({rate}) | "
                    f"{refused} |")  # fmt: skip
    buckets: dict[int, list[tuple[float, float, int, int]]] = defaultdict(list)
    for h in history:
        buckets[int(h[0] // BUCKET_S)].append(h)
    latency, errors_pct, throughput = [], [], []
    for b in sorted(buckets):
        items = buckets[b]
        t = (b + 0.5) * BUCKET_S
        sent, failed = sum(h[2] for h in items), sum(h[3] for h in items)
        p95 = max(h[1] for h in items)
        if p95 or not sent:  # 0 with requests: locust had no snapshot of 10 s ago (a gap)
            latency.append((t, p95))
        errors_pct.append((t, 100 * failed / sent if sent else 0.0))
        throughput.append((t, sent / BUCKET_S))
    top_ms = max(100.0, sorted(v for _, v in latency)[int(0.9 * len(latency))] * 2)
    top_rps = max(10.0, max(v for _, v in throughput) * 1.2)
    marks = [(t, n) for t, n in faults if not n.endswith(("started", "restored", "promoted"))]
    (folder / "cluster-latency.svg").write_text(
        _chart(latency, marks, seconds, round(top_ms, -1), "ms p95", "#36c"), encoding="utf-8"
    )
    (folder / "cluster-errors.svg").write_text(
        _chart(errors_pct, marks, seconds, 100, "% failed", "#c63"), encoding="utf-8"
    )
    (folder / "cluster-throughput.svg").write_text(
        _chart(throughput, marks, seconds, round(top_rps), "req/s", "#393"), encoding="utf-8"
    )
    recovery = []
    starts = [t for t, _ in marks] + [seconds]
    for (t, name), end in zip(marks, starts[1:], strict=False):
        failed_at = [h[0] for h in history if t <= h[0] < end and h[3]]
        count = sum(h[3] for h in history if t <= h[0] < end)
        last = max(failed_at) - t if failed_at else 0.0
        recovery.append(f"| {t:.0f} s | {name} | {count} | {last:.0f} s |")
    errors = sorted(failures, key=lambda f: -int(f["Occurrences"]))[:15]
    error_rows = [f"| {f['Method']} {f['Name']} | {_error(f['Error'])} | {f['Occurrences']} |"
                  for f in errors] or ["| - | none | 0 |"]  # fmt: skip
    moments = "| at | event |\n|---|---|\n" + "\n".join(f"| {t:.1f} s | {n} |" for t, n in faults)
    c = result["check"]
    check_row = " | ".join(
        str(c[k])
        for k in ("beds", "files", "jobs", "lost", "completed_twice", "jobs_not_succeeded")
    )
    check_row = f"| {check_row} |"
    text = f"""# Cluster under load and faults

Generated by `bench/cluster_report.py` from a run of `bench/bench_cluster.py`
({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {result["cores"]} CPU cores shared with other work):
{result["users"]} simulated users of locust (bench/locustfile.py, headless) for
{seconds:.0f} s through nginx on the cluster of [docs/cluster.md](../docs/cluster.md) (two
APIs, three Celery workers, Redis, PostgreSQL primary and synchronous replica, s3rver), faults
injected at the moments marked below. Each user signed up and signed in through the API; the
users sent from {result["addresses"]} addresses of their own (the API's production limit of 10
sign-ins a minute per client address holds).

## Nothing lost

| acknowledged beds | uploads | jobs | lost or changed | jobs completed twice | jobs not succeeded |
|---|---|---|---|---|---|
{check_row}

## Requests by type

Failed: any answer but a 2xx, or none (locust's count); 429: of those, refused by the API's
rate limits or its full sign-in queue (the users try a refused sign-in again after its
`Retry-After`). Latency in ms, of every request (failed ones included), from locust's
statistics.

| request | count | per s | p50 | p95 | p99 | failed | 429 |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Most frequent errors:

| request | error | count |
|---|---|---|
{chr(10).join(error_rows)}

## Over time

From locust's history (`--csv-full-history`, a row a second): p95 latency of the last 10 s
(the highest in each {BUCKET_S:.0f} s, capped at the top of the chart), the share of failed
requests and the requests per second, with the faults marked:

![latency](cluster-latency.svg)

![errors](cluster-errors.svg)

![throughput](cluster-throughput.svg)

## Fault moments

{moments}

## Recovery

Failed requests from each fault to the next, and the last one after the fault (to the
second of locust's history).

| at | fault | failed requests | last failure after |
|---|---|---|---|
{chr(10).join(recovery)}

{_scaling_section(result)}
"""
    (folder / "cluster.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    write_report(data, Path(__file__).resolve().parents[1] / "reports")
