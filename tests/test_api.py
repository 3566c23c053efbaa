"""The REST API: every endpoint, filters, paging, evidence, POST /api/code, and the one JSON error shape."""

from __future__ import annotations

import concurrent.futures
import hashlib
import re
import threading
import warnings
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (fastapi, uvicorn)")

with warnings.catch_warnings():  # starlette asks for httpx2, which is not released for all Pythons yet
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from wirecoder.api import create_app, evidence  # noqa: E402
from wirecoder.schema import Article, Attribution, Entity, Event, Place  # noqa: E402
from wirecoder.store import EventStore  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api.md"
# TestClient sends `Host: testserver`; the app answers only the names it is given (and loopback ones).
TEST_HOST = "testserver"
# What a script (no Origin header) sends with a write that is not JSON, docs/api.md "Security".
SCRIPT = {"X-Wirecoder": "1"}


def app_for_tests(db, **kwargs):
    return create_app(db, allowed_hosts=[TEST_HOST], **kwargs)

LAVROV = Entity("Sergey Lavrov", "Sergey Lavrov", "RUS", "GOV", "wc:person:sergey-lavrov")
CAVUSOGLU = Entity("Mevlut Cavusoglu", "Mevlut Cavusoglu", "TUR", "GOV", "wc:person:mevlut-cavusoglu")
TURKISH_TROOPS = Entity("Turkish troops", "Turkey soldier", "TUR", "MIL", "wc:country:turkey+wc:agent:soldier")
SYRIAN_ARMY = Entity("Syrian army", "Syria army", "SYR", "MIL", "wc:country:syria+wc:agent:army")
RUSSIA = Entity("Russia", "Russia", "RUS", None, "wc:country:russia")
TURKEY = Entity("Turkey", "Turkey", "TUR", None, "wc:country:turkey")
ALANYA = Place("Alanya", "Alanya", "TUR", "Antalya", 36.54375, 31.99982, 320392)
AL_BAB = Place("al-Bab", "Al Bāb", "SYR", "Aleppo", 36.37051, 37.5157, 170017)

TEXT_1 = ("Lavrov meets Cavusoglu\n\n"
          "Sergey Lavrov met Mevlut Cavusoglu in Alanya on Thursday, the Financial Times reported. "
          "Turkish troops shelled the Syrian army near al-Bab on Friday.\n")
TEXT_2 = ("Talks in Alanya\n\n"
          "Russia and Turkey held talks in Alanya last week, officials said.\n")


def make_event(doc_id: str, text: str, trigger: str, *, cameo: str, event_type: str, quad: int, goldstein: float,
               actor=(), recipient=(), date: str, date_text: str | None = None, location: Place | None = None,
               attribution: Attribution | None = None, factuality: str = "asserted") -> Event:
    start = text.index(trigger)
    sent_start = max(text.rfind(". ", 0, start) + 2, text.rfind("\n", 0, start) + 1)
    sentence = text[sent_start:text.index(".", start) + 1]
    key = f"{doc_id}|{start}|{cameo}"
    return Event(doc_id=doc_id, event_id=hashlib.sha1(key.encode()).hexdigest()[:20], event_type=event_type,
                 mode=None, context=(), cameo=cameo, quad_class=quad, goldstein=goldstein, actor=tuple(actor),
                 recipient=tuple(recipient), date=date, date_precision="day", date_text=date_text,
                 location=location, attribution=attribution, factuality=factuality, sentence=sentence.strip(),
                 span=(start, start + len(trigger)), event_text=trigger, confidence=0.9,
                 coder="test-rules/1 triggers.tsv:1:meet/VERB")


def fixture_articles() -> list[tuple[Article, list[Event]]]:
    from datetime import date

    a1 = Article(doc_id="doc-1", text=TEXT_1, title="Lavrov meets Cavusoglu", published=date(2016, 12, 2),
                 outlet="Wire One")
    a2 = Article(doc_id="doc-2", text=TEXT_2, title="Talks in Alanya", published=date(2016, 12, 9),
                 outlet="Wire Two")
    e1 = make_event("doc-1", TEXT_1, "met", cameo="040", event_type="CONSULT", quad=1, goldstein=1.0,
                    actor=[LAVROV], recipient=[CAVUSOGLU], date="2016-12-01", date_text="Thursday",
                    location=ALANYA, attribution=Attribution("the Financial Times", "media"), factuality="reported")
    e2 = make_event("doc-1", TEXT_1, "shelled", cameo="195", event_type="ASSAULT", quad=4, goldstein=-10.0,
                    actor=[TURKISH_TROOPS], recipient=[SYRIAN_ARMY], date="2016-12-02", date_text="Friday",
                    location=AL_BAB)
    e3 = make_event("doc-2", TEXT_2, "held talks", cameo="040", event_type="CONSULT", quad=1, goldstein=1.0,
                    actor=[RUSSIA], recipient=[TURKEY], date="2016-11-28", date_text="last week", location=ALANYA,
                    attribution=Attribution("officials", "official"), factuality="reported")
    return [(a1, [e1, e2]), (a2, [e3])]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("api") / "events.duckdb"
    with EventStore(path) as store:
        for article, events in fixture_articles():
            store.put(article, events)
    return str(path)


@pytest.fixture(scope="module")
def client(db):
    with TestClient(app_for_tests(db, coder=FakeCoder(), read_only=True)) as c:
        yield c


class FakeCoder:
    """Codes every 'met' as a CONSULT between Russia and Turkey (fast, deterministic)."""

    def code(self, article: Article) -> list[Event]:
        out = []
        for m in re.finditer(r"\bmet\b", article.text):
            key = f"{article.doc_id}|{m.start()}"
            out.append(Event(
                doc_id=article.doc_id, event_id=hashlib.sha1(key.encode()).hexdigest()[:20], event_type="CONSULT",
                mode=None, context=(), cameo="040", quad_class=1, goldstein=1.0, actor=(RUSSIA,), recipient=(TURKEY,),
                date="2017-03-07", date_precision="day", date_text=None, location=None, attribution=None,
                factuality="asserted", sentence=article.text.strip(), span=(m.start(), m.end()), event_text="met",
                confidence=0.8, coder="fake/1"))
        return out


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape: {"error": {"code", "message", "details"}} and nothing else."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# --- reading ---------------------------------------------------------------------------------------

def test_meta(client):
    meta = client.get("/api/meta").json()
    assert meta["counts"]["articles"] == 2
    assert meta["counts"]["reports"] == 3
    assert "ASSAULT" in meta["event_types"] and "negated" in meta["factuality"]
    assert meta["date_range"][0] <= "2016-11-28" and meta["date_range"][1] == "2016-12-02"
    assert meta["writable"] is False and meta["token_required"] is False


def test_list_events_pages_through_everything(client):
    total = client.get("/api/events").json()["total"]
    seen, offset = [], 0
    while offset is not None:
        page = client.get("/api/events", params={"limit": 1, "offset": offset}).json()
        assert page["limit"] == 1 and page["total"] == total and len(page["items"]) <= 1
        seen += [e["event_id"] for e in page["items"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == total >= 2
    dates = [e["date"] for e in client.get("/api/events", params={"order": "desc"}).json()["items"]]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize(("params", "expected_types"), [
    ({"actor": "RUS"}, {"CONSULT"}),
    ({"actor": "wc:person:sergey-lavrov"}, {"CONSULT"}),
    ({"recipient": "SYR"}, {"ASSAULT"}),
    ({"event_type": "assault"}, {"ASSAULT"}),
    ({"place": "alanya"}, {"CONSULT"}),
    ({"bbox": "37,36,38,37"}, {"ASSAULT"}),
    ({"factuality": "asserted"}, {"ASSAULT"}),
    ({"source": "financial"}, {"CONSULT"}),
    ({"start": "2016-12-02", "end": "2016-12-31"}, {"ASSAULT"}),
    ({"end": "2016-11-30"}, {"CONSULT"}),
    ({"actor": "TUR", "event_type": "CONSULT"}, set()),
])
def test_filters(client, params, expected_types):
    for level in ("events", "reports"):
        page = client.get("/api/events", params={**params, "level": level}).json()
        assert {e["event_type"] for e in page["items"]} == expected_types, (level, page)
        assert page["total"] == len(page["items"])


def test_reports_level_names_the_event(client):
    page = client.get("/api/events", params={"level": "reports"}).json()
    assert page["total"] == 3
    for report in page["items"]:
        assert client.get(f"/api/events/{report['cluster_id']}").status_code == 200


def test_event_with_reports_and_evidence(client):
    event = client.get("/api/events", params={"event_type": "ASSAULT"}).json()["items"][0]
    detail = client.get(f"/api/events/{event['event_id']}").json()
    assert detail["event"]["event_id"] == event["event_id"]
    assert len(detail["reports"]) == detail["event"]["n_reports"] == 1
    view = detail["reports"][0]
    assert view["article"]["text"] == TEXT_1 and view["article"]["outlet"] == "Wire One"
    assert view["event_id"] == event["event_id"]
    marks = {m["kind"]: m["text"] for m in view["evidence"]["marks"]}
    assert marks == {"trigger": "shelled", "actor": "Turkish troops", "recipient": "Syrian army",
                     "place": "al-Bab", "date": "Friday"}
    start, end = view["evidence"]["sentence"]
    assert TEXT_1[start:end] == view["report"]["sentence"]
    for m in view["evidence"]["marks"]:
        assert TEXT_1[m["start"]:m["end"]] == m["text"] and start <= m["start"] < m["end"] <= end


def test_evidence_marks_attribution_and_never_overlap():
    (article, events), _ = fixture_articles()
    ev = evidence(events[0].to_dict(), article.text)
    kinds = [m["kind"] for m in ev["marks"]]
    assert kinds == ["actor", "trigger", "recipient", "place", "date", "source"]
    ends = [(m["start"], m["end"]) for m in ev["marks"]]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:], strict=False))
    assert evidence(events[0].to_dict(), None) == {"sentence": None, "marks": []}


def test_report_and_article(client):
    report = client.get("/api/events", params={"level": "reports", "place": "alanya"}).json()["items"][0]
    view = client.get(f"/api/reports/{report['event_id']}").json()
    assert view["report"]["event_id"] == report["event_id"]
    assert any(m["kind"] == "trigger" for m in view["evidence"]["marks"])
    article = client.get("/api/articles/doc-1").json()
    assert article["article"]["title"] == "Lavrov meets Cavusoglu"
    assert [v["report"]["event_text"] for v in article["reports"]] == ["met", "shelled"]


@pytest.mark.parametrize("path", ["/api/events/0000000000", "/api/reports/nope", "/api/articles/nope",
                                  "/api/actors/wc:person:nobody", "/api/actors/XXX", "/api/no-such-endpoint",
                                  "/static/no-such-file.js"])
def test_missing_ids_are_404(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_actors(client):
    found = client.get("/api/actors", params={"q": "lavrov"}).json()
    assert [a["id"] for a in found["items"]] == ["wc:person:sergey-lavrov"]
    assert found["items"][0]["country"] == "RUS"
    by_country = client.get("/api/actors", params={"q": "tur"}).json()
    assert {"wc:person:mevlut-cavusoglu", "wc:country:turkey"} <= {a["id"] for a in by_country["items"]}
    everyone = client.get("/api/actors", params={"limit": 2}).json()
    assert len(everyone["items"]) == 2 and everyone["next_offset"] == 2 and everyone["total"] >= 6

    person = client.get("/api/actors/wc:person:sergey-lavrov").json()
    assert person["actor"]["name"] == "Sergey Lavrov"
    assert [e["event_type"] for e in person["events"]["items"]] == ["CONSULT"]
    turkey = client.get("/api/actors/tur").json()  # a country on either side
    assert turkey["actor"]["name"] == "Turkey"
    assert {e["event_type"] for e in turkey["events"]["items"]} == {"CONSULT", "ASSAULT"}
    assert turkey["events"]["total"] == 3
    recent = client.get("/api/actors/TUR", params={"start": "2016-12-02"}).json()
    assert recent["events"]["total"] == 1


def test_dyad_series(client):
    series = client.get("/api/dyads", params={"actor": "RUS", "recipient": "TUR", "interval": "week"}).json()
    assert series["total"] == 2
    assert [p["period"] for p in series["series"]] == ["2016-11-28"]
    assert series["series"][0]["quad"] == {"1": 2, "2": 0, "3": 0, "4": 0}
    assert series["series"][0]["goldstein_mean"] == 1.0
    monthly = client.get("/api/dyads", params={"actor": "TUR", "recipient": "SYR"}).json()
    assert monthly["series"] == [{"period": "2016-12-01", "n": 1, "quad": {"1": 0, "2": 0, "3": 0, "4": 1},
                                  "goldstein_mean": -10.0}]


def test_stats(client):
    stats = client.get("/api/stats").json()
    assert stats["total"] == sum(t["n"] for t in stats["by_type"]) == sum(q["n"] for q in stats["by_quad"])
    assert {"event_type": "ASSAULT", "n": 1} in stats["by_type"]
    assert {"quad_class": 4, "name": "material conflict", "n": 1} in stats["by_quad"]
    assert {"actor": "TUR", "recipient": "SYR", "n": 1} in stats["by_dyad"]
    assert client.get("/api/stats", params={"actor": "TUR"}).json()["total"] == 1


@pytest.mark.parametrize(("params", "keys"), [({"by": "quad"}, {"1", "4"}), ({"by": "type"}, {"CONSULT", "ASSAULT"})])
def test_timeline(client, params, keys):
    tl = client.get("/api/timeline", params=params).json()
    assert {b["key"] for b in tl["buckets"]} == keys
    assert sum(b["n"] for b in tl["buckets"]) == client.get("/api/stats").json()["total"]
    monthly = client.get("/api/timeline", params={**params, "interval": "month"}).json()
    assert {b["period"] for b in monthly["buckets"]} == {"2016-11-01", "2016-12-01"}


def test_network(client):
    net = client.get("/api/network").json()
    assert {n["id"] for n in net["nodes"]} == {"RUS", "TUR", "SYR"}
    names = {n["id"]: n["name"] for n in net["nodes"]}
    assert names["TUR"] == "Turkey"
    edges = {(e["source"], e["target"]): e for e in net["edges"]}
    assert edges[("TUR", "SYR")]["n_conflict"] == 1 and edges[("TUR", "SYR")]["n_cooperation"] == 0
    assert edges[("RUS", "TUR")]["n_cooperation"] == 2
    assert client.get("/api/network", params={"event_type": "ASSAULT"}).json()["nodes"][0]["id"] in {"TUR", "SYR"}


def test_map(client):
    points = client.get("/api/map").json()
    by_name = {p["name"]: p for p in points["points"]}
    assert by_name["Alanya"]["n"] == 2 and by_name["Al Bāb"]["n"] == 1
    assert points["total"] == 3
    assert client.get("/api/map", params={"bbox": "37,36,38,37"}).json()["total"] == 1


KENYAN_POLICE = Entity("Kenyan police", "Kenya police", "KEN", "COP", "wc:country:kenya+wc:agent:police")
KENYAN_PROTESTERS = Entity("protesters", "Kenya protesters", "KEN", "CVL", "wc:country:kenya+wc:agent:protester")
TURKISH_POLICE = Entity("Turkish police", "Turkey police", "TUR", "COP", "wc:country:turkey+wc:agent:police")
TURKISH_PROTESTERS = Entity("demonstrators", "Turkey protesters", "TUR", "CVL", "wc:country:turkey+wc:agent:protester")
ANKARA_OLD = Place("Ankara", "Ankara", "TUR", "68", 39.91987, 32.85427, 323786)  # an old record: a GeoNames code
TEXT_3 = ("Police and protesters\n\nKenyan police fired tear gas at protesters in 2016, witnesses said. "
          "Turkish police detained demonstrators in Ankara on Monday.\n")


@pytest.fixture(scope="module")
def domestic(tmp_path_factory):
    """The fixture store plus two domestic dyads: KEN -> KEN with no place, dated only to a year, and
    TUR -> TUR in Ankara with the province kept as its GeoNames code ("68"), as old records have it."""
    from dataclasses import replace
    from datetime import date

    path = tmp_path_factory.mktemp("api-domestic") / "events.duckdb"
    kenya = make_event("doc-3", TEXT_3, "fired", cameo="180", event_type="ASSAULT", quad=4, goldstein=-9.0,
                       actor=[KENYAN_POLICE], recipient=[KENYAN_PROTESTERS], date="2016-01-01", date_text="in 2016")
    turkey = make_event("doc-3", TEXT_3, "detained", cameo="173", event_type="ASSAULT", quad=4, goldstein=-5.0,
                        actor=[TURKISH_POLICE], recipient=[TURKISH_PROTESTERS], date="2016-12-19", date_text="Monday",
                        location=ANKARA_OLD)
    article = Article(doc_id="doc-3", text=TEXT_3, title="Police and protesters", published=date(2016, 12, 20),
                      outlet="Wire Three")
    with EventStore(path) as store:
        for a, events in [*fixture_articles(), (article, [replace(kenya, date_precision="year"), turkey])]:
            store.put(a, events)
    with TestClient(app_for_tests(path, coder=FakeCoder(), read_only=True)) as c:
        yield c


def test_network_and_stats_include_domestic_dyads(domestic):
    net = domestic.get("/api/network").json()
    edges = {(e["source"], e["target"]): e for e in net["edges"]}
    assert edges[("KEN", "KEN")]["n"] == edges[("KEN", "KEN")]["n_conflict"] == 1
    assert edges[("TUR", "TUR")]["n"] == 1 and edges[("TUR", "SYR")]["n"] == 1
    assert net["domestic"] == 2
    nodes = {n["id"]: n for n in net["nodes"]}
    assert nodes["KEN"]["n"] == 1  # a loop counts once for its country
    assert nodes["KEN"]["name"] == "Kenya"  # from the gazetteer: no Kenya entity is in the store
    assert domestic.get("/api/network", params={"actor": "KEN"}).json()["edges"] == [edges[("KEN", "KEN")]]
    assert {"actor": "KEN", "recipient": "KEN", "n": 1} in domestic.get("/api/stats").json()["by_dyad"]


def test_map_counts_events_without_a_place(domestic):
    everything = domestic.get("/api/map").json()
    assert (everything["total"], everything["unplaced"]) == (4, 1)
    ankara = next(p for p in everything["points"] if p["name"] == "Ankara")
    assert (ankara["admin1_name"], ankara["country_name"]) == ("Ankara", "Turkey")
    kenya = domestic.get("/api/map", params={"actor": "KEN"}).json()
    assert (kenya["total"], kenya["unplaced"], kenya["points"]) == (0, 1, [])


def test_records_name_provinces_outlets_and_date_sources(domestic):
    (record,) = domestic.get("/api/events", params={"place": "Ankara"}).json()["items"]
    assert record["location"]["admin1"] == "68"  # the record as stored ...
    assert record["location"]["admin1_name"] == "Ankara" and record["location"]["country_name"] == "Turkey"
    assert record["outlet"] == "Wire Three" and record["date_source"] == "text"
    detail = domestic.get(f"/api/events/{record['event_id']}").json()
    assert detail["event"]["location"]["admin1_name"] == "Ankara"
    assert detail["reports"][0]["report"]["outlet"] == "Wire Three"


@pytest.mark.parametrize(("interval", "drawn", "coarser"), [
    ("day", 4, {"year": 1}), ("month", 4, {"year": 1}), ("year", 5, {}), ("auto", 4, {"year": 1}),
])
def test_timeline_leaves_out_dates_coarser_than_its_periods(domestic, interval, drawn, coarser):
    tl = domestic.get("/api/timeline", params={"interval": interval}).json()
    assert sum(b["n"] for b in tl["buckets"]) == drawn
    assert tl["coarser"] == coarser and tl["undated"] == 0
    assert tl["interval"] == ("week" if interval == "auto" else interval)  # 2016-01-01 to 2016-12-19


def test_empty_pages_say_why(client):
    empty = client.get("/api/events", params={"actor": "TUR", "event_type": "CONSULT"}).json()
    assert empty["total"] == 0 and "CONSULT" in empty["why"] and "TUR" in empty["why"]
    why = client.get("/api/events", params={"actor": "KEN"}).json()["why"]
    assert why == "no events with actor KEN (KEN is not in the store)"
    assert client.get("/api/events", params={"actor": "TUR"}).json()["why"] is None


def _ids(client, params: dict) -> list[str]:
    return [e["event_id"] for e in client.get("/api/events", params={**params, "limit": 1000}).json()["items"]]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "plover-jsonl", "parquet"])
@pytest.mark.parametrize("params", [{}, {"actor": "TUR"}, {"source": "financial", "level": "reports"}])
def test_export_streams_the_filtered_events(client, tmp_path, fmt, params):
    from wirecoder.exports import MEDIA_TYPES, download_name, read_export

    with client.stream("GET", "/api/export", params={**params, "format": fmt}) as res:
        assert res.status_code == 200
        body = b"".join(res.iter_bytes())
    assert res.headers["content-type"] == MEDIA_TYPES[fmt]
    assert res.headers["content-disposition"] == f'attachment; filename="{download_name(fmt)}"'
    assert "content-length" not in res.headers  # streamed as it is written, never built whole first
    path = tmp_path / download_name(fmt)
    path.write_bytes(body)
    ids = [r["event_id"] for r in read_export(path, fmt)]
    assert ids == _ids(client, params) and ids


def test_export_column_sets(client):
    wirecoder = client.get("/api/export", params={"format": "csv"}).text.splitlines()[0]
    phoenix = client.get("/api/export", params={"format": "csv", "columns": "phoenix"}).text.splitlines()[0]
    assert wirecoder.startswith("event_id,") and phoenix != wirecoder
    err = assert_error(client.get("/api/export", params={"format": "plover-jsonl", "columns": "gdelt"}),
                       400, "invalid_parameter")
    assert err["details"] == {"format": "plover-jsonl", "columns": "gdelt"}


# --- bad requests ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "params"), [
    ("/api/events", {"start": "yesterday"}),
    ("/api/events", {"start": "2017-01-01", "end": "2016-01-01"}),
    ("/api/events", {"bbox": "1,2"}),
    ("/api/events", {"bbox": "a,b,c,d"}),
    ("/api/events", {"bbox": "0,0,200,10"}),
    ("/api/events", {"event_type": "PARTY"}),
    ("/api/events", {"factuality": "maybe"}),
    ("/api/events", {"level": "articles"}),
    ("/api/events", {"limit": 0}),
    ("/api/events", {"limit": 100_000}),
    ("/api/events", {"limit": "ten"}),
    ("/api/events", {"offset": -1}),
    ("/api/events", {"order": "sideways"}),
    ("/api/actors", {"limit": 0}),
    ("/api/dyads", {"actor": "RUS"}),
    ("/api/dyads", {"actor": "RUS", "recipient": "TUR", "interval": "hour"}),
    ("/api/timeline", {"by": "colour"}),
    ("/api/timeline", {"interval": "fortnight"}),
    ("/api/network", {"limit": 10_000}),
    ("/api/map", {"end": "2016-13-01"}),
    ("/api/stats", {"top": -5}),
    ("/api/export", {"format": "xlsx"}),
    ("/api/export", {"columns": "acled"}),
    ("/api/export", {"event_type": "PARTY"}),
    ("/api/export", {"level": "articles"}),
])
def test_bad_parameters_are_400(client, path, params):
    err = assert_error(client.get(path, params=params), 400, "invalid_parameter")
    assert err["details"] is None or isinstance(err["details"], (dict, list))


def test_validation_details_name_the_parameter(client):
    err = assert_error(client.get("/api/events", params={"limit": "ten"}), 400, "invalid_parameter")
    assert err["details"][0]["location"] == ["query", "limit"]
    err = assert_error(client.get("/api/events", params={"event_type": "PARTY"}), 400, "invalid_parameter")
    assert err["details"]["wirecoder_code"] == "W500" and "ASSAULT" in err["details"]["hint"]


def test_wrong_method_is_405(client):
    assert_error(client.delete("/api/events", headers=SCRIPT), 405, "method_not_allowed")


# --- coding ----------------------------------------------------------------------------------------

PASTED = "Putin met Erdogan in Moscow on Tuesday, the Kremlin said.\n"


@pytest.fixture()
def writable(tmp_path, db):
    import shutil

    path = tmp_path / "w.duckdb"
    shutil.copy(db, path)
    with TestClient(app_for_tests(path, coder=FakeCoder(), max_body_bytes=2_000)) as c:
        yield c


def test_code_stores_and_returns_events(writable):
    before = writable.get("/api/meta").json()["counts"]["articles"]
    res = writable.post("/api/code", json={"text": PASTED, "published": "2017-03-10", "outlet": "Pasted"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["stored"] is True and body["article"]["published"] == "2017-03-10"
    (view,) = body["events"]
    assert view["report"]["event_text"] == "met"
    assert [m["kind"] for m in view["evidence"]["marks"]] == ["trigger"]
    detail = writable.get(f"/api/events/{view['event_id']}").json()
    assert detail["reports"][0]["article"]["outlet"] == "Pasted"
    assert writable.get("/api/meta").json()["counts"]["articles"] == before + 1
    again = writable.post("/api/code", json={"text": PASTED, "published": "2017-03-10"}).json()
    assert again["events"][0]["event_id"] == view["event_id"]  # same text: nothing new
    assert writable.get("/api/meta").json()["counts"]["articles"] == before + 1


def test_code_accepts_plain_text(writable):
    res = writable.post("/api/code", content=PASTED.encode(),
                        headers={"Content-Type": "text/plain; charset=utf-8", **SCRIPT})
    assert res.status_code == 200 and len(res.json()["events"]) == 1


def test_code_does_not_store_when_read_only(client, db):
    res = client.post("/api/code", json={"text": PASTED})
    assert res.status_code == 200 and res.json()["stored"] is False
    assert res.json()["events"][0]["event_id"] is None
    assert client.get("/api/meta").json()["counts"]["articles"] == 2


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"json": {"text": "   \n "}}, 422, "invalid_article"),
    ({"json": {"text": "a\x00b"}}, 422, "invalid_article"),
    ({"json": {"txt": PASTED}}, 400, "invalid_parameter"),
    ({"json": {"text": PASTED, "published": "soon"}}, 400, "invalid_parameter"),
    ({"json": ["text"]}, 400, "invalid_parameter"),
    ({"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "invalid_parameter"),
    ({"content": b"\xff\xfe text", "headers": {"Content-Type": "text/plain", **SCRIPT}}, 400, "invalid_parameter"),
    ({"content": b"<p>hi</p>", "headers": {"Content-Type": "text/html", **SCRIPT}}, 415, "unsupported_media_type"),
])
def test_code_rejects_bad_bodies(writable, kwargs, status, code):
    assert_error(writable.post("/api/code", **kwargs), status, code)


def test_code_rejects_oversized_bodies(writable):
    big = "Putin met Erdogan. " * 200  # ~3,800 bytes > max_body_bytes=2,000
    err = assert_error(writable.post("/api/code", json={"text": big}), 413, "body_too_large")
    assert err["details"] == {"max_body_bytes": 2_000}

    def chunks():  # no Content-Length: the limit holds while streaming
        for _ in range(10):
            yield b"x" * 500

    assert_error(writable.post("/api/code", content=chunks(), headers={"Content-Type": "text/plain", **SCRIPT}),
                 413, "body_too_large")


def test_code_needs_the_token_when_one_is_set(db):
    with TestClient(app_for_tests(db, coder=FakeCoder(), token="s3cret", read_only=True)) as c:
        assert c.get("/api/meta").json()["token_required"] is True
        assert_error(c.post("/api/code", json={"text": PASTED}), 401, "unauthorized")
        wrong = c.post("/api/code", json={"text": PASTED}, headers={"Authorization": "Bearer nope"})
        assert_error(wrong, 401, "unauthorized")
        ok = c.post("/api/code", json={"text": PASTED}, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert c.get("/api/events").status_code == 200  # reading needs no token


def test_unexpected_errors_keep_the_shape(db):
    class Broken:
        def code(self, article):
            raise RuntimeError("boom")

    with TestClient(app_for_tests(db, coder=Broken(), read_only=True), raise_server_exceptions=False) as c:
        err = assert_error(c.post("/api/code", json={"text": PASTED}), 500, "internal_error")
        assert "boom" not in err["message"]  # no internals leak


@pytest.mark.model
def test_code_with_the_real_pipeline(tmp_path):
    """POST /api/code starts a worker process with the shipped pipeline and codes the article for real."""
    with TestClient(app_for_tests(tmp_path / "real.duckdb")) as c:
        text = ("Leaders meet\n\nRussian President Vladimir Putin met Turkish President Recep Tayyip Erdogan in "
                "Moscow on Tuesday, the Kremlin said.\n")
        res = c.post("/api/code", json={"text": text, "published": "2017-03-10"})
        assert res.status_code == 200, res.text
        events = res.json()["events"]
        consult = next(v for v in events if v["report"]["event_type"] == "CONSULT")
        assert consult["report"]["date"] == "2017-03-07"
        kinds = {m["kind"]: m["text"] for m in consult["evidence"]["marks"]}
        assert kinds["trigger"] == "met" and kinds["place"] == "Moscow" and kinds["date"] == "Tuesday"
        assert "Putin" in kinds["actor"] and "Erdogan" in kinds["recipient"]
        assert c.get(f"/api/events/{consult['event_id']}").status_code == 200


# --- documentation and the dashboard's files ----------------------------------------------------------

def test_openapi_lists_every_endpoint_and_docs_cover_them(client):
    spec = client.get("/api/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/events", "/api/events/{event_id}", "/api/actors", "/api/actors/{actor_id}", "/api/dyads",
            "/api/stats", "/api/code"} <= paths
    text = DOCS.read_text(encoding="utf-8")
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"`{method.upper()} {path}`" in text, f"{method.upper()} {path} is not in docs/api.md"
        for op in methods.values():
            for param in op.get("parameters", []):
                name = f"{{{param['name']}}}" if param["in"] == "path" else f"`{param['name']}`"
                assert name in text, f"parameter {param['name']} is not in docs/api.md"


def test_dashboard_is_served_with_local_assets_only(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset
    web = Path(__file__).resolve().parent.parent / "src" / "wirecoder" / "web"
    for path in [web / "index.html", web / "app.js", web / "style.css"]:
        urls = re.findall(r"https?://[^\s\"')]+", path.read_text(encoding="utf-8"))
        assert [u for u in urls if u != "http://www.w3.org/2000/svg"] == [], path
    world = client.get("/static/vendor/countries-110m.json").json()
    assert world["type"] == "Topology" and len(world["objects"]["countries"]["geometries"]) > 150
    assert (web / "vendor" / "NOTICE.md").exists() and (web / "vendor" / "LICENSE-world-atlas").exists()


class BlockingCoder(FakeCoder):
    """Holds its coding slot until released."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()

    def code(self, article: Article) -> list[Event]:
        self.started.set()
        assert self.release.wait(10)
        return super().code(article)


def test_code_refuses_work_beyond_capacity(db):
    coder = BlockingCoder()
    with TestClient(app_for_tests(db, coder=coder, read_only=True, code_workers=1)) as c, \
            concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(c.post, "/api/code", json={"text": PASTED})
        assert coder.started.wait(10)
        err = assert_error(c.post("/api/code", json={"text": PASTED}), 429, "too_many_requests")
        assert err["details"]["code_workers"] == 1
        coder.release.set()
        assert first.result(timeout=10).status_code == 200
        assert c.post("/api/code", json={"text": PASTED}).status_code == 200  # the slot is free again
