"""Filters, paging and stats over a small hand-built store; the CLI's query and stats commands."""

import json
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecoder import api, cli
from wirecoder.query import (
    DATE_FORMS,
    Filters,
    QueryError,
    count,
    explain_empty,
    parse_bbox,
    parse_date,
    select,
    stats,
    where,
)
from wirecoder.schema import Article, Attribution, Entity, Event, Place
from wirecoder.store import EventStore

ALEPPO = Place("Aleppo", "Aleppo", "SYR", "09", 36.2, 37.16, 170063)
ANKARA = Place("Ankara", "Ankara", "TUR", "68", 39.92, 32.85, 323786)


def _event(doc, n, event_type, actor, recipient, day, place=None, source=None, factuality="asserted"):
    def ent(code):  # "SYRMIL": country and sector; "SYR": a government
        country, sector = code[:3], code[3:] or "GOV"
        return (Entity(code, country, country, sector, f"wc:country:{country.lower()}"),) if code else ()
    return Event(doc, f"{doc}{n}".ljust(20, "0"), event_type, None, (), "190" if event_type == "ASSAULT" else "040",
                 4 if event_type == "ASSAULT" else 1, -10.0 if event_type == "ASSAULT" else 1.0, ent(actor),
                 ent(recipient), day, "day", None, place, Attribution(source, "media") if source else None,
                 factuality, "s", (0, 1), "x", 0.8, "test")


@pytest.fixture()
def store(tmp_path):
    s = EventStore(tmp_path / "q.duckdb")
    s.put(Article("a", "A", outlet="Reuters"), [
        _event("a", 1, "ASSAULT", "SYRMIL", "TUR", "2016-11-29", ALEPPO, source="Financial Times"),
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
    (Filters(start=date(2016, 12, 1)), 2),
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


@pytest.mark.parametrize(("filters", "expected"), [
    (Filters(actor="SYR", actor_sector="MIL"), 1),
    (Filters(actor="syrmil"), 1),
    (Filters(actor="SYRMIL", actor_sector="mil"), 1),
    (Filters(actor_sector="MIL"), 1),
    (Filters(actor_sector="GOV"), 2),
    (Filters(actor="SYR", actor_sector="GOV"), 0),
    (Filters(recipient="TURGOV"), 2),
    (Filters(recipient_sector="MIL"), 0),
    (Filters(actor="wc:country:syr", actor_sector="MIL"), 1),
    (Filters(actor="wc:country:rus", actor_sector="MIL"), 0),
])
def test_sector_filters(store, filters, expected):
    assert count(store, filters) == expected
    assert count(store, filters, level="reports") == expected


@pytest.mark.parametrize(("given_", "expected"), [
    ({"actor": "syrmil"}, {"actor": "SYR", "actor_sector": "MIL"}),
    ({"recipient": "Tur", "recipient_sector": "reb"}, {"recipient": "TUR", "recipient_sector": "REB"}),
    ({"actor": "IGOIGO"}, {"actor": "IGO", "actor_sector": "IGO"}),
    ({"actor": "wc:person:sergey-lavrov", "actor_sector": "gov"},
     {"actor": "wc:person:sergey-lavrov", "actor_sector": "GOV"}),
    ({"event_type": "assault", "factuality": "Negated"}, {"event_type": "ASSAULT", "factuality": "negated"}),
    ({"actor": "", "place": "", "source": ""}, {"actor": None, "place": None, "source": None}),
])
def test_values_are_normalised(given_, expected):
    filters = Filters(**given_)
    assert {k: getattr(filters, k) for k in expected} == expected


@pytest.mark.parametrize(("given_", "names"), [
    ({"actor_sector": "XYZ"}, ["MIL", "GOV"]),
    ({"recipient_sector": "army"}, ["MIL"]),
    ({"actor": "SYRMIL", "actor_sector": "GOV"}, ["MIL", "GOV"]),
    ({"actor": "Syria"}, ["SYRMIL"]),
    ({"event_type": "fight"}, ["ASSAULT"]),
    ({"factuality": "maybe"}, ["negated"]),
])
def test_bad_values_name_the_valid_ones(given_, names):
    with pytest.raises(QueryError) as caught:
        Filters(**given_)
    assert all(name in str(caught.value) for name in names)


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("2016-12-05", False, date(2016, 12, 5)), ("2016-12-05", True, date(2016, 12, 5)),
    ("2016-12", False, date(2016, 12, 1)), ("2016-12", True, date(2016, 12, 31)),
    ("2016-02", True, date(2016, 2, 29)), ("2015-02", True, date(2015, 2, 28)),
    ("2016", False, date(2016, 1, 1)), ("2016", True, date(2016, 12, 31)),
])
def test_parse_date(text, end, expected):
    assert parse_date(text, end=end) == expected


@pytest.mark.parametrize("bad", ["2016-13", "2016-02-30", "16-12", "2016-2-1", "yesterday", "0000", ""])
def test_bad_dates_show_the_forms(bad):
    with pytest.raises(QueryError) as caught:
        parse_date(bad)
    assert DATE_FORMS in str(caught.value)


@given(st.dates())
def test_a_month_and_a_year_hold_their_days(day):
    assert parse_date(day.isoformat()) == day
    for text in (day.isoformat()[:7], day.isoformat()[:4]):
        assert parse_date(text) <= day <= parse_date(text, end=True)


def test_api_filters_take_the_same_forms():
    filters = api._filters(start="2016-12", end="2016", actor="syr", sector="mil", recipient_sector="gov",
                           event_type="assault", factuality="Asserted", place="", source="")
    assert filters == Filters(start=date(2016, 12, 1), end=date(2016, 12, 31), actor="SYR", actor_sector="MIL",
                              recipient_sector="GOV", event_type="ASSAULT", factuality="asserted")
    with pytest.raises(QueryError):
        api._filters(start="December")


@pytest.mark.parametrize(("filters", "why"), [
    (Filters(actor="SYR", actor_sector="GOV"), "no events with actor SYR in sector GOV (actor SYR appears with MIL 1)"),
    (Filters(actor_sector="REB"), "no events with an actor in sector REB (actor sectors in the store: GOV 2, MIL 1)"),
    (Filters(start=date(2030, 1, 1), end=date(2030, 12, 31)),
     "no events between 2030-01-01 and 2030-12-31 (the store covers 2016-11-29 to 2017-01-05)"),
    (Filters(end=date(2000, 1, 1)), "no events on or before 2000-01-01 (the store covers 2016-11-29 to 2017-01-05)"),
    (Filters(event_type="SANCTION"), "no events of type SANCTION (types in the store: CONSULT 2, ASSAULT 1)"),
    (Filters(actor="KEN"), "no events with actor KEN (KEN is not in the store)"),
    (Filters(actor="CHN"), "no events with actor CHN (CHN is only ever recipient, in 1 of the events)"),
    (Filters(actor="MIL"), "no events with actor MIL (MIL is a sector, not a country: ask for the sector)"),
    (Filters(actor="wc:person:nobody"), "no events involving wc:person:nobody (wc:person:nobody is not in the store)"),
    (Filters(factuality="negated"), "no events with factuality negated (factualities in the store: asserted 3)"),
    (Filters(place="alep"), "no events at a place named 'alep' (places like it: Aleppo 1)"),
    (Filters(bbox=(0, 0, 1, 1)), "no events inside the box 0,0,1,1 (2 events have coordinates, "
                                 "within lon 32.85..37.16, lat 36.2..39.92)"),
    (Filters(event_type="SANCTION", actor="KEN"),
     "no events of type SANCTION (types in the store: CONSULT 2, ASSAULT 1); "
     "no events with actor KEN (KEN is not in the store)"),
    (Filters(event_type="ASSAULT", actor="RUS", start=date(2016, 11, 1)),
     "no events of type ASSAULT with actor RUS (alone: 1 of type ASSAULT, 1 with actor RUS)"),
    (Filters(recipient="TUR", recipient_sector="GOV", place="Aleppo", actor="RUS"),
     "no events with actor RUS at a place named 'Aleppo' (alone: 1 with actor RUS, 1 at a place named 'Aleppo')"),
])
def test_explain_empty(store, filters, why):
    assert count(store, filters) == 0
    assert explain_empty(store, filters) == why


def test_explain_empty_is_none_when_something_matches(store):
    assert explain_empty(store, Filters()) is None
    assert explain_empty(store, Filters(actor="SYRMIL"), "reports") is None


def test_explain_empty_at_the_reports_level(store):
    why = explain_empty(store, Filters(source="bbc"), "reports")
    assert why == "no reports from a source containing 'bbc' (sources in the store include Reuters 2, AP 1, " \
                  "Financial Times 1)"


def test_explain_empty_store(tmp_path):
    with EventStore(tmp_path / "empty.duckdb") as empty:
        assert explain_empty(empty, Filters(actor="RUS")) == "the store has no events"


def test_cli_sector_month_and_case(store, capsys):
    path = str(store.path)
    store.close()

    def query(*argv):
        assert cli.main(["query", "--db", path, "--format", "jsonl", *argv]) == 0
        return [json.loads(line)["event_id"][:2] for line in capsys.readouterr().out.splitlines()]

    assert query("--actor", "syr", "--sector", "MIL") == query("--actor", "SYRMIL") == ["a1"]
    assert query("--sector", "gov", "--recipient-sector", "Gov") == ["a2", "b1"]
    assert query("--from", "2016-12", "--to", "2016-12") == ["a2"]
    assert query("--from", "2017", "--to", "2017") == ["b1"]
    assert query("--type", "assault", "--factuality", "Asserted", "--level", "Reports") == ["a1"]
    assert cli.main(["query", "--db", path, "--sector", "army"]) == 1
    assert "MIL" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["query", "--db", path, "--to", "2016-13"])
    assert DATE_FORMS in capsys.readouterr().err
