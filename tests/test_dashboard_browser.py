"""The dashboard, end to end, in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

A real server is started on loopback over a store coded from examples/ with the real pipeline, plus one
synthetic article with hundreds of events at places close together (the map's clusters), domestic dyads and
events with no place. Screenshots go to test-artifacts/dashboard/ (git-ignored). Install the browser with
`apt-get install -y chromium`; Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

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


DENSE_TEXT = "Syrian troops shelled protesters near Aleppo on Monday, activists said.\n"
DENSE_OUTLET = "Dense Wire"
DENSE_PLACES = 150   # within a degree of Aleppo: they cannot all be drawn apart at a province's zoom
DENSE_MIL, DENSE_REB, DENSE_UNPLACED = 300, 100, 40
DENSE_PUBLISHED = date(2017, 4, 3)


def _dense_article():
    """One article telling of clashes at DENSE_PLACES villages near Aleppo: Syrian troops (SYRMIL) against
    civilians and rebels (SYRREB) against troops (domestic dyads), and events with no place."""
    import random

    from wirecoder.schema import Article, Attribution, Entity, Event, Place

    rng = random.Random(7)
    troops = Entity("Syrian troops", "Syria troops", "SYR", "MIL", "wc:country:syria+wc:agent:troops")
    rebels = Entity("rebels", "Syria rebels", "SYR", "REB", "wc:country:syria+wc:agent:rebel")
    civilians = Entity("protesters", "Syria protesters", "SYR", "CVL", "wc:country:syria+wc:agent:protester")
    syria = Entity("Syria", "Syria", "SYR", None, "wc:country:syria")
    places = [Place(f"Village {j}", f"Village {j}", "SYR", "09", 36.2 + rng.uniform(-1, 1), 37.15 + rng.uniform(-1, 1),
                    9_000_000 + j) for j in range(DENSE_PLACES)]
    start = DENSE_TEXT.index("shelled")
    events = []
    for i in range(DENSE_MIL + DENSE_REB + DENSE_UNPLACED):
        unplaced = i >= DENSE_MIL + DENSE_REB
        actor, recipient = (troops, civilians) if i < DENSE_MIL else (troops, syria) if unplaced else (rebels, troops)
        events.append(Event(
            doc_id="dense-1", event_id=hashlib.sha1(f"dense-{i}".encode()).hexdigest()[:20], event_type="ASSAULT",
            mode=None, context=(), cameo="195", quad_class=4, goldstein=-10.0, actor=(actor,), recipient=(recipient,),
            # the unplaced ones have no date phrase either: they stand on the publication date, the newest
            date=(DENSE_PUBLISHED if unplaced else date(2017, 1, 2) + timedelta(days=i % 90)).isoformat(),
            date_precision="day", date_text=None if unplaced else "Monday",
            location=None if unplaced else places[i % DENSE_PLACES],
            attribution=Attribution("activists", "other"), factuality="reported", sentence=DENSE_TEXT.strip(),
            span=(start, start + len("shelled")), event_text="shelled", confidence=0.9, coder="test/1"))
    article = Article(doc_id="dense-1", text=DENSE_TEXT, title="Shelling near Aleppo", published=DENSE_PUBLISHED,
                      outlet=DENSE_OUTLET)
    return article, events


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
        store.put(*_dense_article())
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
    assert page.locator("#network path.edge.domestic[data-source='SYR'][data-target='SYR']").count() == 1
    assert page.locator("#timeline .axis line.tick").count() >= 2
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
    dates = page.locator("#events-table tbody tr[data-event-id] td[data-date]").evaluate_all(
        "cells => cells.map(c => c.dataset.date)")
    assert dates and all(start <= d <= end for d in dates)
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


def _filter(pg, selector: str, value: str) -> None:
    before = pg.evaluate("document.body.dataset.loaded")
    pg.fill(selector, value)
    pg.press(selector, "Enter")
    _wait_reload(pg, before)


def _hash(pg) -> dict[str, list[str]]:
    return parse_qs(urlparse(pg.url).fragment)


def _api_ids(pg, server: str, params: dict) -> list[str]:
    """Every event id /api/events has for these filters."""
    ids, offset = [], 0
    while offset is not None:
        page = pg.request.get(f"{server}/api/events", params={**params, "limit": 1000, "offset": offset}).json()
        ids += [e["event_id"] for e in page["items"]]
        offset = page["next_offset"]
    return ids


def test_export_downloads_exactly_the_filtered_view(page, server, tmp_path):
    from wirecoder.exports import download_name, read_export

    _filter(page, "#f-actor", "syrmil")  # a country and sector in one code, in any case
    want = _api_ids(page, server, {"actor": "SYRMIL"})
    assert len(want) >= DENSE_MIL + DENSE_UNPLACED
    assert f"{len(want):,} events match" in page.inner_text("#summary")
    page.select_option("#export-format", "tsv")
    with page.expect_download() as info:
        page.click("#export-link")
    download = info.value
    assert download.suggested_filename == download_name("tsv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    got = [r["event_id"] for r in read_export(path, "tsv")]
    assert sorted(got) == sorted(want)


def test_permalink_restores_the_view_and_back_undoes_each_change(page, server, browser):
    length = page.evaluate("history.length")
    _filter(page, "#f-source", DENSE_OUTLET)
    assert _hash(page)["source"] == [DENSE_OUTLET]
    row = page.locator("#events-table tbody tr[data-event-id]").first
    cells = row.locator("td").all_inner_texts()
    assert "pub." in cells[0] and "shelled" in cells[2] and cells[6:8] == ["activists", DENSE_OUTLET]
    page.click("#zoom-in")  # a map move rewrites the entry, adding none
    zoom = page.get_attribute("#map svg", "data-zoom")
    assert "map" in _hash(page) and page.evaluate("history.length") == length + 1
    event_id = row.get_attribute("data-event-id")
    row.click()
    page.locator("dialog#detail mark.m-trigger").first.wait_for()
    assert _hash(page)["event"] == [event_id] and page.evaluate("history.length") == length + 2
    link = page.url
    _shot(page, "07-permalink")

    page.go_back()  # closes the event
    page.wait_for_function("!document.querySelector('#detail').open")
    assert page.input_value("#f-source") == DENSE_OUTLET and "event" not in _hash(page)
    before = page.evaluate("document.body.dataset.loaded")
    page.go_back()  # the unfiltered view
    _wait_reload(page, before)
    assert page.input_value("#f-source") == "" and _hash(page) == {}
    before = page.evaluate("document.body.dataset.loaded")
    page.go_forward()
    _wait_reload(page, before)
    assert page.input_value("#f-source") == DENSE_OUTLET
    assert page.evaluate("history.length") == length + 2

    context = browser.new_context(viewport={"width": 1366, "height": 900})  # the link, pasted elsewhere
    pasted = context.new_page()
    pasted.add_init_script("window.historyAtStart = history.length")
    pasted.goto(link)
    pasted.locator("dialog#detail mark.m-trigger").first.wait_for()
    assert pasted.evaluate("document.querySelector('#detail').dataset.eventId") == event_id
    assert pasted.input_value("#f-source") == DENSE_OUTLET and pasted.get_attribute("#map svg", "data-zoom") == zoom
    assert pasted.url == link and pasted.evaluate("history.length === window.historyAtStart")  # no entry added
    context.close()


CIRCLES_JS = """() => {
  const cs = [...document.querySelectorAll('#map .cluster')].map(g => {
    const c = g.querySelector('circle');
    return {x: c.cx.baseVal.value, y: c.cy.baseVal.value, r: c.r.baseVal.value, n: Number(g.dataset.n)};
  });
  const overlaps = [];
  for (let i = 0; i < cs.length; i++) for (let j = i + 1; j < cs.length; j++)
    if (Math.hypot(cs[i].x - cs[j].x, cs[i].y - cs[j].y) < cs[i].r + cs[j].r) overlaps.push([cs[i], cs[j]]);
  return {clusters: cs.length, events: cs.reduce((a, c) => a + c.n, 0), overlaps};
}"""


def test_map_clusters_never_overlap_and_fit_the_view(page, server):
    _filter(page, "#f-source", DENSE_OUTLET)
    located = DENSE_MIL + DENSE_REB
    assert page.request.get(f"{server}/api/map", params={"source": DENSE_OUTLET}).json()["unplaced"] == DENSE_UNPLACED
    assert f"{DENSE_UNPLACED} events have no place and are not on the map" in page.inner_text("#map-note")
    assert float(page.get_attribute("#map svg", "data-zoom")) > 8  # fitted to the villages, not the world
    fitted = page.evaluate(CIRCLES_JS)
    assert fitted["overlaps"] == [] and fitted["events"] == located and fitted["clusters"] > 3
    _shot(page, "08-map-dense")
    page.click("#zoom-in")
    page.click("#zoom-in")
    closer = page.evaluate(CIRCLES_JS)
    assert closer["overlaps"] == [] and closer["clusters"] > fitted["clusters"]
    page.click("#zoom-reset")  # the world: everything in one place, still no overlaps
    world = page.evaluate(CIRCLES_JS)
    assert world["overlaps"] == [] and world["events"] == located


def test_sector_filters(page, server):
    _filter(page, "#f-sector", "reb")
    total = page.request.get(f"{server}/api/events", params={"sector": "REB"}).json()["total"]
    assert total >= DENSE_REB and f"{total:,} events match" in page.inner_text("#summary")
    sectors = page.locator("#events-table tbody tr[data-event-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.actorSectors.split(' '))")
    assert sectors and all("REB" in s for s in sectors)
    assert "actor sector: REB" in page.inner_text("#active-filters") and _hash(page)["sector"] == ["REB"]
    _filter(page, "#f-recipient-sector", "MIL")
    recipients = page.locator("#events-table tbody tr[data-event-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.recipientSectors.split(' '))")
    assert recipients and all("MIL" in s for s in recipients)
    _filter(page, "#f-source", DENSE_OUTLET)
    _filter(page, "#f-recipient-sector", "CVL")  # the dense article's rebels attack only troops: say why
    why = page.request.get(f"{server}/api/events", params={"sector": "REB", "recipient_sector": "CVL",
                                                           "source": DENSE_OUTLET}).json()["why"]
    assert why and why in page.inner_text("#events-table tbody") and why in page.inner_text("#summary")


LIVE = ("Ministers meet in Ankara\n\nTurkish Foreign Minister Mevlut Cavusoglu met Russian Foreign Minister "
        "Sergey Lavrov in Ankara on Thursday.\n")


def test_new_events_in_the_store_are_announced(page, server):
    before = page.inner_text("#summary")
    res = page.request.post(server + "/api/code", data={"text": LIVE, "published": "2017-05-05"})
    assert res.ok and res.json()["events"], res.text()  # stored by another client: this page did not ask
    page.evaluate("window.dispatchEvent(new Event('focus'))")  # as when the analyst comes back to the tab
    page.wait_for_selector("#updates:not([hidden])")
    assert "new event" in page.inner_text("#updates")
    loaded = page.evaluate("document.body.dataset.loaded")
    page.click("#updates-refresh")
    _wait_reload(page, loaded)
    assert page.inner_text("#summary") != before and page.locator("#updates").is_hidden()
