"""The dashboard, end to end, in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

A real server is started on loopback over a store coded from examples/ with the real pipeline. Screenshots
go to test-artifacts/dashboard/ (git-ignored). Install the browser with `apt-get install -y chromium`;
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("WIRECODER_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.model,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} is missing: install Debian's browser with `apt-get install -y chromium`"),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (dev extra)")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (web extra)")

PASTED = ("Leaders meet in Moscow\n\n"
          "Russian President Vladimir Putin met Turkish President Recep Tayyip Erdogan in Moscow on Tuesday, "
          "the Kremlin said. Turkish troops attacked Kurdish militants near Afrin on Monday, according to Reuters.\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pipeline):
    from wirecoder.api import create_app
    from wirecoder.readers import Rejected, iter_inputs
    from wirecoder.store import EventStore

    db = tmp_path_factory.mktemp("dashboard") / "events.duckdb"
    with EventStore(db) as store:
        articles = [a for a in iter_inputs([str(ROOT / "examples")]) if not isinstance(a, Rejected)]
        for article, events in pipeline.code_many(articles):
            store.put(article, events)
    port = _free_port()
    app = create_app(db, coder=pipeline)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    """A fresh laptop-sized page that fails the test on a script error or a request leaving loopback."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    pg.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)

    def only_loopback(route):
        host = urlparse(route.request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            problems.append(f"request left the machine: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    pg.route("**/*", only_loopback)
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-loaded]")
    yield pg
    context.close()
    assert problems == []


def _shot(pg, name: str, full_page: bool = False) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def _wait_reload(pg, before: str) -> None:
    pg.wait_for_function("b => document.body.dataset.loaded !== b", arg=before)


def test_dashboard_loads_every_view(page, server):
    meta = page.request.get(server + "/api/meta").json()
    assert meta["counts"]["events"] > 0
    rows = page.locator("#events-table tbody tr[data-event-id]")
    assert rows.count() == min(50, meta["counts"]["events"])
    assert f"{meta['counts']['events']} events match" in page.inner_text("#summary")
    assert page.locator("#timeline svg rect:not(.brush)").count() > 0
    assert page.locator("#network .node").count() > 1
    assert page.locator("#network path.edge").count() > 0
    assert page.locator("#map path.country").count() > 150  # the offline world outline
    assert page.locator("#map .cluster").count() > 0
    _shot(page, "01-dashboard-laptop", full_page=True)


def test_filter_by_actor(page):
    total_before = page.inner_text("#summary")
    before = page.evaluate("document.body.dataset.loaded")
    page.fill("#f-actor", "RUS")
    page.press("#f-actor", "Enter")
    _wait_reload(page, before)
    assert page.inner_text("#summary") != total_before
    rows = page.locator("#events-table tbody tr[data-event-id]")
    assert rows.count() > 0
    for i in range(rows.count()):
        assert "RUS" in rows.nth(i).get_attribute("data-actor-countries").split()
    assert "actor: RUS" in page.inner_text("#active-filters")
    assert "actor=RUS" in page.url
    _shot(page, "02-filtered-by-actor", full_page=True)
    # the network filters too: selecting a node sets the actor filter
    before = page.evaluate("document.body.dataset.loaded")
    page.locator("#network .node[data-id='TUR']").first.click()
    _wait_reload(page, before)
    assert page.input_value("#f-actor") == "TUR"


def test_open_an_event_shows_highlighted_evidence(page, server):
    row = page.locator("#events-table tbody tr[data-event-id]").first
    event_id = row.get_attribute("data-event-id")
    row.click()
    dialog = page.locator("dialog#detail")
    dialog.locator("mark.m-trigger").first.wait_for()
    detail = page.request.get(f"{server}/api/events/{event_id}").json()
    record = detail["event"]
    assert dialog.locator(".report").count() == len(detail["reports"]) == record["n_reports"]
    trigger = dialog.locator(".report mark.m-trigger").first
    assert trigger.is_visible()
    assert trigger.inner_text().startswith(detail["reports"][0]["report"]["event_text"])
    kinds = set(dialog.locator(".report mark").evaluate_all("ms => ms.map(m => m.dataset.kind)"))
    assert {m["kind"] for m in detail["reports"][0]["evidence"]["marks"]} == kinds
    assert dialog.locator("[data-fact='factuality']").inner_text() == record["factuality"]
    assert dialog.locator("[data-fact='coded by']").inner_text() == record["coder"]
    _shot(page, "03-event-evidence")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_keyboard_opens_and_closes_an_event(page):
    row = page.locator("#events-table tbody tr[data-event-id]").nth(1)
    row.focus()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.dataset.eventId")
    assert focused == page.locator("#events-table tbody tr[data-event-id]").nth(2).get_attribute("data-event-id")
    page.keyboard.press("Enter")
    page.locator("dialog#detail mark.m-trigger").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "detail-close"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.dataset.eventId") == focused  # focus goes back to the row


def test_timeline_brushing_filters_dates(page):
    box = page.locator("#timeline svg").bounding_box()
    before = page.evaluate("document.body.dataset.loaded")
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.6, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.99, y, steps=5)
    page.mouse.up()
    _wait_reload(page, before)
    start, end = page.input_value("#f-start"), page.input_value("#f-end")
    assert start and end and start <= end
    for date in page.locator("#events-table tbody tr[data-event-id] td:first-child").all_inner_texts():
        assert start <= date <= end
    _shot(page, "04-timeline-brushed")


def test_code_a_pasted_article(page):
    before_total = page.inner_text("#summary")
    page.fill("#code-text", PASTED)
    page.fill("#code-published", "2017-03-10")
    page.fill("#code-outlet", "Browser Test Wire")
    page.click("#code-submit")
    page.wait_for_selector("#code-results li.coded-event", timeout=60_000)
    items = page.locator("#code-results li.coded-event")
    assert items.count() >= 2
    assert "stored" in page.inner_text("#code-status")
    texts = items.all_inner_texts()
    assert any("CONSULT" in t and "Putin" in t for t in texts)
    assert items.first.locator("mark.m-trigger").count() == 1
    page.wait_for_function("t => document.querySelector('#summary').innerText !== t", arg=before_total)
    page.locator("#code-panel").screenshot(path=str(ARTIFACTS / "05-coded-article.png"))
    items.first.get_by_role("button", name="Open event").click()
    dialog = page.locator("dialog#detail")
    dialog.locator("mark.m-trigger").first.wait_for()
    assert "Browser Test Wire" in dialog.inner_text()


@pytest.mark.parametrize(("name", "width", "height"), [("laptop", 1280, 800), ("tablet", 768, 1024)])
def test_layout_fits_the_width(browser, server, name, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.goto(server + "/")
    pg.wait_for_selector("body[data-loaded]")
    assert pg.evaluate("document.documentElement.scrollWidth") <= width
    for panel in ("#timeline-panel", "#network-panel", "#map-panel", "#events-panel", "#code-panel"):
        box = pg.locator(panel).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, panel
    _shot(pg, f"06-{name}-{width}", full_page=True)
    context.close()


def test_text_contrast_is_readable(page):
    """WCAG AA (4.5:1) for body text, table text, type chips and highlighted evidence."""
    ratios = page.evaluate("""() => {
      const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = (c) => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
                              : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const bg = (el) => {
        for (; el; el = el.parentElement) {
          const c = getComputedStyle(el).backgroundColor;
          if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
        }
        return 'rgb(255, 255, 255)';
      };
      const ratio = (el) => { const a = lum(rgb(getComputedStyle(el).color)), b = lum(rgb(bg(el)));
                              return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
      const sel = ['#summary', '#events-table td', '#events-table th', '.type-chip', '.hint', 'label', 'button'];
      const out = {};
      for (const s of sel) { const els = [...document.querySelectorAll(s)].slice(0, 40);
                             out[s] = Math.min(...els.map(ratio)); }
      return out;
    }""")
    for selector, ratio in ratios.items():
        assert ratio >= 4.5, (selector, ratio)
