"""The dashboard end to end, in Debian's chromium against a real `bedflow serve` on an empty
data directory: sign up and in, a bed from `.bed` text with an error shown at its line and
then fixed, the pipeline watched to 100% with dp/L beside Ergun, the 3D view really drawn, a
job cancelled, two results compared, a second user who sees none of it, an axe-core scan and
a screenshot of every page.

The tests of this module run in order and share the first user's browser context (each step
builds on the previous one, as a user's session does)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import FRONTEND

pytestmark = [pytest.mark.slow, pytest.mark.services]

AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a long enough password 1"
TINY = """name = "{name}";

bed {{
    diameter = 20 mm;
    height = 20 mm;
}}

particles {{
    diameter = 4 mm;
    count = 30;
    seed = 1;
}}

packing {{
    method = hexagonal_3d;
}}

export {{
    formats = ["stl"];
}}

cfd {{
    solver = correlation;
    inlet_velocity = {velocity};
}}
"""
#: Long enough to be cancelled while it runs: a 40-cells-per-diameter LBM on a larger bed.
SLOW = TINY.replace("count = 30;", "count = 60;").replace(
    "solver = correlation;", "solver = lbm;\n    cells_per_dp = 40;\n    max_iterations = 200000;"
)
#: A grid convergence study that costs little: three coarse LBM grids on the tiny bed.
COARSE_LBM = TINY.replace(
    "solver = correlation;", "solver = lbm;\n    cells_per_dp = 6;\n    max_iterations = 20000;"
)
JOB_TIMEOUT_MS = 300_000
#: The serious and critical axe-core violations of a page, with up to three nodes each.
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ') ' + v.nodes.slice(0, 3)
    .map(n => n.target.join(' ') + ' ' + (n.any[0]?.message ?? '')).join(' / '))"""
#: Users unique to the run, so that a rerun against one server (BEDFLOW_WEB_URL) starts clean.
RUN = uuid.uuid4().hex[:8]
ALICE = f"alice-{RUN}@example.com"
BOB = f"bob-{RUN}@example.com"


class Shots:
    """Screenshots and accessibility scans of every page visited."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.violations: dict[str, list[str]] = {}
        self.csp: list[str] = []

    def watch(self, page: Any) -> None:
        """Record what the content security policy refuses (the app must need nothing)."""
        page.on(
            "console",
            lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def take(self, page: Any, name: str, *, full_page: bool = True) -> None:
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=full_page)
        if AXE.exists():
            # through the DevTools protocol: the app's CSP (rightly) refuses inline scripts
            page.evaluate("() => {" + AXE.read_text() + "\n}")
            result = page.evaluate(AXE_RUN)
            if result:
                self.violations[name] = result


@pytest.fixture(scope="module")
def shots(artifacts: Path) -> Shots:
    return Shots(artifacts)


@pytest.fixture(scope="module")
def page(browser: Any, server: str, shots: Shots) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(30_000)
    shots.watch(p)
    yield p
    context.close()


def sign_up(page: Any, email: str) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Full name").fill("Test User")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Overview").wait_for()


def set_editor(page: Any, text: str) -> None:
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def create_bed(page: Any, text: str, warning: str | None = None) -> str:
    """A bed made in the editor, once the server's check found nothing (or, with ``warning``,
    only a warning saying that)."""
    page.goto("/beds/new")
    set_editor(page, text)
    if warning is None:
        page.get_by_text("No problems found.").wait_for(timeout=60_000)
    else:
        page.get_by_test_id("diagnostics").filter(has_text=f"warning: {warning}").wait_for(
            timeout=60_000
        )
    page.get_by_role("button", name="Create bed").click()
    page.wait_for_url(re.compile(r"/beds/[0-9a-f-]{36}$"))
    return str(page.url.rsplit("/", 1)[1])


def simulate(page: Any, bed_id: str, solver: str | None = None) -> str:
    page.goto(f"/beds/{bed_id}")
    if solver:
        page.get_by_role("textbox", name="Solver").click()
        page.get_by_role("option", name=solver, exact=True).click()
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    return str(page.url.rsplit("/", 1)[1])


def wait_succeeded(page: Any) -> None:
    page.get_by_test_id("job-status").filter(has_text=re.compile("succeeded|failed")).wait_for(
        timeout=JOB_TIMEOUT_MS
    )
    assert page.get_by_test_id("job-status").text_content() == "succeeded", page.inner_text("body")


def test_sign_up_sign_out_and_sign_in(page: Any, shots: Shots) -> None:
    page.goto("/")
    page.get_by_role("heading", name="Sign in to bedflow").wait_for()
    shots.take(page, "01-sign-in")
    page.goto("/signup")
    shots.take(page, "02-sign-up")
    sign_up(page, ALICE)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to bedflow").wait_for()
    page.get_by_label("Email").fill(ALICE)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview").wait_for()
    # the session survives a reload (the httpOnly cookie), and no token is readable by scripts
    page.reload()
    page.get_by_role("heading", name="Overview").wait_for()
    assert "bedflow_session" not in page.evaluate("document.cookie")
    shots.take(page, "03-overview")


def test_a_bed_error_is_shown_at_its_line_then_fixed(page: Any, shots: Shots) -> None:
    page.goto("/beds/new")
    shots.take(page, "04-new-bed")
    broken = TINY.format(name="alice-tiny", velocity="5 mm/s").replace(
        "diameter = 4 mm;", "diameter = 4 qq;"
    )
    line = broken.splitlines().index("    diameter = 4 qq;") + 1
    set_editor(page, broken)
    problems = page.get_by_test_id("diagnostics")
    problems.get_by_text(re.compile(rf":{line}:\d+")).wait_for(timeout=60_000)
    # the editor marks the same line
    page.locator(".cm-lintRange-error").first.wait_for()
    marked = page.evaluate(
        "() => { const r = document.querySelector('.cm-lintRange-error');"
        " const lines = [...document.querySelectorAll('.cm-line')];"
        " return lines.findIndex(l => l.contains(r)) + 1; }"
    )
    assert marked == line
    shots.take(page, "05-bed-error")
    set_editor(page, TINY.format(name="alice-tiny", velocity="5 mm/s"))
    page.get_by_text("No problems found.").wait_for(timeout=60_000)
    page.get_by_role("button", name="Create bed").click()
    page.wait_for_url(re.compile(r"/beds/[0-9a-f-]{36}$"))
    page.get_by_role("heading", name="alice-tiny").wait_for()


def test_the_bed_form_from_the_schema_writes_text_the_server_checks(
    page: Any, shots: Shots
) -> None:
    page.goto("/beds/new")
    page.get_by_role("button", name=re.compile("Fill in a form")).click()
    form = page.get_by_test_id("bed-form")
    form.get_by_role("textbox", name="name", exact=True).fill("alice-form")
    column = form.get_by_role("group", name="bed", exact=True)
    column.get_by_role("textbox", name="diameter", exact=True).fill("20 mm")
    particles = form.get_by_role("group", name="particles", exact=True)
    particles.get_by_role("textbox", name="diameter", exact=True).fill("4 kg")
    particles.get_by_role("textbox", name="count", exact=True).fill("30")
    form.get_by_role("button", name="Write into the editor").click()
    # a length in kilograms: the server's diagnostic, at the line the form wrote it on
    diagnostics = page.get_by_test_id("diagnostics")
    diagnostics.get_by_text(re.compile(r"bed\.bed:\d+:\d+")).first.wait_for(timeout=60_000)
    assert "kg" in diagnostics.inner_text()
    particles.get_by_role("textbox", name="diameter", exact=True).fill("4 mm")
    form.get_by_role("button", name="Write into the editor").click()
    page.get_by_text("No problems found.").wait_for(timeout=60_000)
    assert "diameter = 4 mm;" in page.locator(".cm-content").inner_text()
    shots.take(page, "05b-bed-form")


def test_the_pipeline_runs_live_to_100_percent_and_dp_sits_beside_ergun(
    page: Any, shots: Shots
) -> None:
    page.goto("/beds")
    page.get_by_role("link", name="alice-tiny").click()
    bed_id = page.url.rsplit("/", 1)[1]
    shots.take(page, "06-bed")
    simulate(page, bed_id)
    wait_succeeded(page)
    assert page.get_by_test_id("job-progress").inner_text() == "100%"
    assert "[PACK]" in page.get_by_test_id("job-log").inner_text()
    shots.take(page, "07-job")
    page.goto(f"/beds/{bed_id}")
    dpdl = page.get_by_test_id("dpdl").first
    dpdl.wait_for()
    text = dpdl.inner_text()
    # a single-grid run: its numerical uncertainty is unknown, and the page says so
    assert text.endswith("Pa/m, uncertainty unknown (single grid)"), text
    assert float(text.split()[0]) > 0
    assert float(page.get_by_test_id("ergun").first.inner_text()) > 0
    page.get_by_test_id("pressure-chart").locator(".recharts-line").first.wait_for()
    shots.take(page, "08-bed-results")


def test_a_grid_convergence_study_shows_dp_with_its_uncertainty(page: Any, shots: Shots) -> None:
    # the editor shows the check's advice: this coarse study is a fast profile
    bed_id = create_bed(
        page,
        COARSE_LBM.format(name="alice-converge", velocity="2 mm/s"),
        warning="'cells_per_dp' in cfd: below 14 cells per diameter",
    )
    page.get_by_role("checkbox", name="grid convergence study (3 resolutions)").check()
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]{36}$"))
    wait_succeeded(page)
    page.goto(f"/beds/{bed_id}")
    dpdl = page.get_by_test_id("dpdl-text").first
    dpdl.wait_for()
    text = dpdl.inner_text()
    assert re.fullmatch(r"\S+ ± \S+ Pa/m \(GCI, 3 grids(, not converging: a bound)?\)", text), text
    dpdl.hover()
    tip = page.get_by_role("tooltip")
    tip.wait_for()
    assert "observed order" in tip.inner_text() and "safety factor" in tip.inner_text()
    # the window only, the study's details showing: README's picture of the bed page
    shots.take(page, "08b-bed-converged", full_page=False)


def test_the_3d_view_renders_the_bed(page: Any, shots: Shots) -> None:
    page.goto("/beds")
    page.get_by_role("link", name="alice-tiny").click()
    page.get_by_role("tab", name="3D view").click()
    page.locator("canvas[data-rendered=true]").wait_for(timeout=60_000)
    # pixels differ from the background: draw the WebGL canvas into a 2D one and count
    distinct = page.evaluate(
        """() => { const c = document.querySelector('canvas[data-rendered=true]');
        const t = document.createElement('canvas'); t.width = c.width; t.height = c.height;
        const g = t.getContext('2d'); g.drawImage(c, 0, 0);
        const d = g.getImageData(0, 0, t.width, t.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4)
          if (Math.abs(d[i] - 0x1d) + Math.abs(d[i+1] - 0x27) + Math.abs(d[i+2] - 0x33) > 30) n++;
        return n; }"""
    )
    assert distinct > 1000, f"only {distinct} pixels differ from the background"
    stats = page.evaluate("window.__bedflowViewer")
    assert stats["particles"] == 30 and stats["drawCalls"] >= 1
    slider = page.get_by_role("slider", name="Clipping plane")
    slider.focus()
    for _ in range(45):  # cut the bed open at 55% of its width
        page.keyboard.press("ArrowLeft")
    assert slider.get_attribute("aria-valuenow") == "55"
    shots.take(page, "09-bed-3d")
    page.get_by_role("tab", name="Porosity profiles").click()
    shots.take(page, "10-bed-profiles")
    page.get_by_role("tab", name="Files", exact=True).click()
    shots.take(page, "11-bed-files")


def test_a_running_job_is_cancelled(page: Any, shots: Shots) -> None:
    bed_id = create_bed(page, SLOW.format(name="alice-slow", velocity="5 mm/s"))
    simulate(page, bed_id)
    page.get_by_role("button", name="Cancel").click()
    page.get_by_test_id("job-status").filter(has_text="cancelled").wait_for(timeout=JOB_TIMEOUT_MS)
    shots.take(page, "12-job-cancelled")


def test_two_results_are_compared(page: Any, shots: Shots) -> None:
    bed_id = create_bed(page, TINY.format(name="alice-faster", velocity="2 cm/s"))
    simulate(page, bed_id)
    wait_succeeded(page)
    page.goto("/results")
    boxes = page.get_by_role("checkbox", name=re.compile("Compare result"))
    boxes.nth(0).check()
    boxes.nth(1).check()
    table = page.get_by_test_id("compare-table")
    table.wait_for()
    assert "pressure drop per length" in table.inner_text()
    shots.take(page, "13-results-compare")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    csv = Path(download.value.path()).read_text()
    assert csv.startswith("result_id,") and len(csv.splitlines()) == 3


def test_the_other_pages_show(page: Any, shots: Shots) -> None:
    for path, heading, name in [
        ("/beds", "Beds", "14-beds"),
        ("/jobs", "Jobs", "15-jobs"),
        ("/studies", "Studies", "16-studies"),
        ("/projects", "Projects", "17-projects"),
        ("/account", "Account", "18-account"),
        ("/", "Overview", "19-overview-after-runs"),
    ]:
        page.goto(path)
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        shots.take(page, name)
    page.get_by_role("button", name=re.compile("Switch to (dark|light) theme")).click()
    shots.take(page, "20-overview-other-theme")


def test_a_second_user_sees_none_of_the_first_users_beds(
    browser: Any, server: str, page: Any, shots: Shots
) -> None:
    page.goto("/beds")
    page.get_by_role("link", name="alice-tiny").click()
    alice_bed = page.url
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844})
    try:
        bob = context.new_page()
        sign_up(bob, BOB)
        bob.goto("/beds")
        bob.get_by_text("No beds yet").wait_for()
        shots.take(bob, "21-second-user-beds-phone")
        bob.goto(alice_bed)
        bob.get_by_role("alert").get_by_text(re.compile("Not found|not found")).wait_for()
    finally:
        context.close()


def test_no_serious_accessibility_violations(shots: Shots) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed in frontend/node_modules (npm ci)")
    assert shots.violations == {}, json.dumps(shots.violations, indent=1)


def test_the_content_security_policy_refused_nothing(shots: Shots) -> None:
    assert shots.csp == []


def test_screenshots_were_saved(shots: Shots) -> None:
    names = sorted(p.name for p in shots.folder.glob("*.png"))
    assert len(names) >= 15, names
