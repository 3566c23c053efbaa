"""Filters, paging and stats over a small hand-built store; the CLI's query and stats commands."""

import json

import pytest

from wirecoder import cli
from wirecoder.query import Filters, QueryError, count, parse_bbox, select, stats, where
from wirecoder.schema import Article, Attribution, Entity, Event, Place
from wirecoder.store import EventStore

ALEPPO = Place("Aleppo", "Aleppo", "SYR", "09", 36.2, 37.16, 170063)
ANKARA = Place("Ankara", "Ankara", "TUR", "68", 39.92, 32.85, 323786)


def _event(doc, n, event_type, actor, recipient, day, place=None, source=None, factuality="asserted"):
    def ent(code):
        return (Entity(code, code, code, "GOV", f"wc:country:{code.lower()}"),) if code else ()
    return Event(doc, f"{doc}{n}".ljust(20, "0"), event_type, None, (), "190" if event_type == "ASSAULT" else "040",
                 4 if event_type == "ASSAULT" else 1, -10.0 if event_type == "ASSAULT" else 1.0, ent(actor),
                 ent(recipient), day, "day", None, place, Attribution(source, "media") if source else None,
                 factuality, "s", (0, 1), "x", 0.8, "test")


@pytest.fixture()
def store(tmp_path):
    s = EventStore(tmp_path / "q.duckdb")
    s.put(Article("a", "A", outlet="Reuters"), [
        _event("a", 1, "ASSAULT", "SYR", "TUR", "2016-11-29", ALEPPO, source="Financial Times"),
        _event("a", 2, "CONSULT", "RUS", "TUR", "2016-12-01", ANKARA)])
    s.put(Article("b", "B", outlet="AP"), [_event("b", 1, "CONSULT", "USA", "CHN", "2017-01-05")])
    yield s
    s.close()


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(), 3),
    (Filters(actor="RUS"), 1),
    (Filters(recipient="tur"), 2),
    (Filters(actor="wc:country:usa"), 1),
    (Filters(event_type="ASSAULT"), 1),
    (Filters(start=__import__("datetime").date(2016, 12, 1)), 2),
    (Filters(place="aleppo"), 1),
    (Filters(bbox=(30.0, 35.0, 40.0, 40.0)), 2),
    (Filters(source="financial"), 1),
    (Filters(source="reuters"), 2),
    (Filters(factuality="negated"), 0),
])
def test_filters(store, filters, expected):
    assert count(store, filters) == expected
    assert len(select(store, filters)) == expected
    assert count(store, filters, level="reports") == expected


def test_paging_and_order(store):
    first = select(store, Filters(), limit=2)
    second = select(store, Filters(), limit=2, offset=2)
    assert [r["date"] for r in first + second] == ["2016-11-29", "2016-12-01", "2017-01-05"]


@pytest.mark.parametrize("bad", [
    lambda: Filters(event_type="FIGHT"), lambda: Filters(factuality="maybe"),
    lambda: parse_bbox("1,2,3"), lambda: parse_bbox("a,b,c,d"), lambda: Filters(bbox=(10, 0, 5, 1)),
])
def test_bad_filters_raise(bad):
    with pytest.raises(QueryError):
        bad()


def test_values_never_reach_sql_text():
    clause, params = where(Filters(place="x'; DROP TABLE events; --"), "events")
    assert "DROP" not in clause and params == ["x'; DROP TABLE events; --"]


def test_stats(store):
    result = stats(store, Filters())
    assert {r["event_type"]: r["n"] for r in result["by_type"]} == {"CONSULT": 2, "ASSAULT": 1}
    assert {"actor": "RUS", "recipient": "TUR", "n": 1} in result["by_dyad"]


def test_cli_query_and_stats(store, capsys):
    path = store.path
    store.close()
    assert cli.main(["query", "--db", path, "--actor", "RUS", "--format", "jsonl"]) == 0
    out = capsys.readouterr().out
    assert [json.loads(line)["event_type"] for line in out.splitlines()] == ["CONSULT"]
    assert cli.main(["stats", "--db", path, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["by_type"][0] == {"event_type": "CONSULT", "n": 2}
    assert cli.main(["query", "--db", str(path) + ".missing"]) == 1
