"""Benchmark: the dashboard in headless chromium against a real `bedflow serve`.

Prints:

- each JavaScript chunk of the built app (``frontend/dist``) with its gzip size, and the
  initial route's total (the entry script and the chunks ``index.html`` preloads) against
  the 250 KB budget;
- for beds of 1,000 and 20,000 spheres (ordered hexagonal packings made in the run, pack
  stage only): the time from opening the bed's page and its 3D tab to the bed on screen
  (the viewer's first frame with particles drawn), and the frame time while orbiting,
  with the draw calls and triangles of a frame. Headless chromium renders WebGL in software
  (SwiftShader) here, so frame times are far above a laptop GPU's; the ratio 20,000 / 1,000
  is the figure to watch;
- the beds table with 10,000 beds (bulk-inserted into the server's database for the
  signed-in user): time from navigation to the first rows, and from the "next page" click
  to the next page's rows; the ratio to an empty account's first paint is the baseline.

    .venv/bin/python bench/bench_web.py [--skip-3d] [--skip-table]

Needs the built app (``make web``), Debian's chromium and the Python playwright package.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bedflow.db import Bed, make_engine
from bedflow.dsl import canonical_json, format_spec, parse, spec_hash

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "frontend" / "dist"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "bench password for the dashboard 1"
BUDGET_KB = 250.0


def chunks() -> None:
    index = (DIST / "index.html").read_text()
    initial = set(re.findall(r'(?:src|href)="/(assets/[^"]+\.js)"', index))
    total = 0.0
    print(f"{'chunk':52} {'raw KB':>8} {'gzip KB':>8}  initial")
    for path in sorted((DIST / "assets").glob("*.js"), key=lambda p: p.stat().st_size):
        raw = path.read_bytes()
        gz = len(gzip.compress(raw, 9)) / 1024
        rel = f"assets/{path.name}"
        if rel in initial:
            total += gz
        print(f"{path.name:52} {len(raw) / 1024:8.1f} {gz:8.1f}  {'yes' if rel in initial else ''}")
    print(
        f"initial route: {total:.1f} KB gzip of JavaScript (budget {BUDGET_KB:.0f} KB, "
        f"{total / BUDGET_KB:.0%} of it)"
    )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if "DATABASE_URL" not in k}
        env |= {"BEDFLOW_DATA_DIR": str(data), "BEDFLOW_ADMIN_PASSWORD": PASSWORD}
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("bedflow")), "serve", "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("bedflow serve did not start")

    def stop(self) -> None:
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)


def sign_up(page: Any, email: str) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Overview").wait_for()


def api(page: Any, method: str, path: str, body: Any = None) -> Any:
    """A call from inside the signed-in page (the cookie and the CSRF header)."""
    return page.evaluate(
        """async ([method, path, body]) => {
            const csrf = document.cookie.match(/bedflow_csrf=([^;]+)/)?.[1] ?? '';
            const r = await fetch(path, {method, headers: {'Content-Type': 'application/json',
              'X-CSRF-Token': decodeURIComponent(csrf)},
              body: body ? JSON.stringify(body) : undefined});
            return r.status === 204 ? null : await r.json(); }""",
        [method, path, body],
    )


def hex_spec(count: int) -> dict[str, Any]:
    d = 0.002
    side = (count / 0.6 * d**3) ** (1 / 3) * 1.3
    spec = parse(
        f'name = "hex-{count}";\n'
        f"bed {{ diameter = {side * 1e3:.1f} mm; height = {side * 1.5e3:.1f} mm }}\n"
        f"particles {{ diameter = 2 mm; count = {count} }}\n"
        "packing { method = hexagonal_3d }\ncfd { solver = correlation }\n"
    )
    return dict(json.loads(canonical_json(spec)))


def time_3d(page: Any, count: int) -> None:
    bed = api(page, "POST", "/api/v1/beds", hex_spec(count))
    job = api(page, "POST", "/api/v1/jobs", {"bed_id": bed["id"], "stages": ["pack"]})
    while job["status"] not in {"succeeded", "failed", "cancelled"}:
        time.sleep(1)
        job = api(page, "GET", f"/api/v1/jobs/{job['id']}")
    assert job["status"] == "succeeded", job
    page.goto(f"/beds/{bed['id']}")
    page.get_by_role("tab", name="3D view").wait_for()
    start = time.perf_counter()
    page.get_by_role("tab", name="3D view").click()
    page.locator("canvas[data-rendered=true]").wait_for(timeout=300_000)
    shown = time.perf_counter() - start
    box = page.locator("canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = page.evaluate("[window.__bedflowViewer.frames, performance.now()]")
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(10):  # orbit: a drag across the canvas, one render per move (on demand)
        page.mouse.move(cx + 20 * i, cy + 5 * i, steps=1)
        page.wait_for_timeout(30)
    page.mouse.up()
    after = page.evaluate("[window.__bedflowViewer.frames, performance.now()]")
    stats = page.evaluate("window.__bedflowViewer")
    frames = max(1, after[0] - before[0])
    print(
        f"{count:>6} particles: on screen {shown:6.2f} s; "
        f"orbit {(after[1] - before[1]) / frames:7.1f}"
        f" ms/frame ({frames} frames); {stats['drawCalls']} draw calls, "
        f"{stats['triangles']:,} triangles"
    )


def fill_beds(data: Path, owner: str, n: int) -> None:
    engine = make_engine(f"sqlite:///{data / 'bedflow.db'}")
    base = parse(
        "bed { diameter = 50 mm; height = 100 mm; }\nparticles { diameter = 5 mm; count = 100; }\n"
    )
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        spec = base.model_copy(update={"name": f"bench-{i:05d}"})
        rows.append(
            {
                "id": uuid.uuid4(),
                "owner_id": uuid.UUID(owner),
                "name": spec.name,
                "description": "",
                "spec": json.loads(canonical_json(spec)),
                "bed_text": format_spec(spec),
                "spec_hash": spec_hash(spec),
                "column_diameter": spec.bed.diameter,
                "column_height": spec.bed.height,
                "particle_kind": spec.particles.kind,
                "particle_diameter": spec.particles.diameter,
                "particle_count": spec.particles.count,
                "packing_method": spec.packing_method,
                "solver": spec.cfd.solver,
                "created_at": now - timedelta(seconds=i),
                "updated_at": now,
            }
        )
    with engine.begin() as conn:
        for s in range(0, n, 1000):
            conn.execute(insert(Bed), rows[s : s + 1000])
    engine.dispose()


def time_table(page: Any, data: Path, n: int) -> None:
    def first_rows() -> float:
        start = time.perf_counter()
        page.goto("/beds")
        page.locator("table[aria-label=Beds] tbody tr").or_(
            page.get_by_text("No beds yet")
        ).first.wait_for()
        return time.perf_counter() - start

    empty = first_rows()
    me = api(page, "GET", "/api/v1/users/me")
    fill_beds(data, me["id"], n)
    full = first_rows()
    start = time.perf_counter()
    page.get_by_role("button", name="2", exact=True).click()
    page.get_by_role("link", name="bench-00025").wait_for()
    nxt = time.perf_counter() - start
    print(
        f"beds table, {n:,} beds: first rows {full * 1e3:.0f} ms "
        f"(empty account {empty * 1e3:.0f} ms, ratio {full / empty:.2f}); "
        f"next page {nxt * 1e3:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-3d", action="store_true")
    parser.add_argument("--skip-table", action="store_true")
    parser.add_argument("--counts", default="1000,20000")
    args = parser.parse_args()
    chunks()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        server = Server(Path(tmp))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(base_url=server.url, viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            sign_up(page, "bench@example.com")
            if not args.skip_table:
                time_table(page, Path(tmp), 10_000)
            if not args.skip_3d:
                for count in (int(c) for c in args.counts.split(",")):
                    time_3d(page, count)
        finally:
            browser.close()
            server.stop()


if __name__ == "__main__":
    main()
