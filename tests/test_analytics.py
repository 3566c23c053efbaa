"""Dyad series: counts, quad classes, Goldstein and PLOVER scores per period and actor pair; CSV/Parquet export."""

from dataclasses import replace
from datetime import date

import pytest

from wirecoder.analytics import (
    SERIES_COLUMNS,
    dyad_series,
    export_series,
    plover_score,
    plover_scores,
    read_series,
)
from wirecoder.exports import ExportError
from wirecoder.ontology import PLOVER_QUAD
from wirecoder.query import Filters, QueryError, count
from wirecoder.schema import PLOVER_TYPES, Article, Entity, Event
from wirecoder.store import EventStore


def _event(n, event_type, cameo, goldstein, day, actors=("RUS",), recipients=("TUR",), mode=None,
           factuality="asserted"):
    def party(code):
        return Entity(code, code, code, "GOV", f"wc:country:{code.lower()}")

    return Event(
        doc_id="d", event_id=f"{n:020x}", event_type=event_type, mode=mode, context=(), cameo=cameo,
        quad_class=PLOVER_QUAD[event_type], goldstein=goldstein, actor=tuple(party(c) for c in actors),
        recipient=tuple(party(c) for c in recipients), date=day, date_precision="day", date_text=None,
        location=None, attribution=None, factuality=factuality, sentence="s", span=(n, n + 1), event_text="x",
        confidence=0.9, coder="test")


@pytest.fixture
def store(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as s:
        s.put(Article("d", "one article, so nothing merges"), [
            _event(1, "CONSULT", "040", 1.0, "2016-11-28", mode="visit"),   # Monday
            _event(2, "ASSAULT", "190", -10.0, "2016-11-28"),
            _event(3, "ACCUSE", "112", -2.0, "2016-11-30", mode="allege"),
            _event(4, "AGREE", "057", 8.0, "2016-12-02", recipients=("TUR", "IRN")),
            _event(5, "ASSAULT", "190", -10.0, "2016-12-02", factuality="negated"),   # did not happen
            _event(6, "REQUEST", "100", -5.0, "2016-12-01", actors=("TUR",), recipients=("RUS",)),
            _event(7, "CONSULT", "040", 1.0, "2016-12-05", actors=("RUS",), recipients=()),
        ])
        yield s


def test_daily_series_of_one_dyad(store):
    rows = dyad_series(store, "rus", "TUR")
    assert [r["period"] for r in rows] == ["2016-11-28", "2016-11-29", "2016-11-30", "2016-12-01", "2016-12-02"]
    first = rows[0]
    assert first == {
        "period": "2016-11-28", "actor": "RUS", "recipient": "TUR", "n_events": 2, "quad1": 1, "quad2": 0,
        "quad3": 0, "quad4": 1, "goldstein_sum": -9.0, "goldstein_mean": -4.5,
        "plover_score": (4 + -9) / 2,  # CONSULT visit, ASSAULT
        "conflict_share": 0.5}
    assert rows[1]["n_events"] == 0 and rows[1]["goldstein_mean"] is None   # filled gap
    assert rows[2]["plover_score"] == -3.5                                   # ACCUSE allege
    assert rows[4]["n_events"] == 1                                           # the negated assault left out
    assert sum(r["n_events"] for r in rows) == count(store, Filters(actor="RUS", recipient="TUR")) - 1


def test_weekly_series_starts_on_monday_and_fill_spans_the_filter(store):
    rows = dyad_series(store, "RUS", "TUR", freq="week",
                       filters=Filters(start=date(2016, 11, 20), end=date(2016, 12, 10)))
    assert [(r["period"], r["n_events"]) for r in rows] == [("2016-11-14", 0), ("2016-11-21", 0),
                                                            ("2016-11-28", 4), ("2016-12-05", 0)]
    assert [r["n_events"] for r in dyad_series(store, "RUS", "TUR", freq="month")] == [3, 1]


def test_both_directions_pools_the_pair(store):
    rows = dyad_series(store, "RUS", "TUR", both_directions=True, fill=False)
    assert [(r["period"], r["n_events"]) for r in rows] == [
        ("2016-11-28", 2), ("2016-11-30", 1), ("2016-12-01", 1), ("2016-12-02", 1)]
    # TUR's request to RUS: an event takes the quad class of its CAMEO code (100, demand: verbal conflict)
    assert rows[2]["quad3"] == 1 and rows[2]["plover_score"] == 0.0


def test_without_a_recipient_one_series_per_counterpart(store):
    rows = dyad_series(store, "RUS")
    assert [(r["period"], r["recipient"], r["n_events"]) for r in rows] == [
        ("2016-11-28", "TUR", 2), ("2016-11-30", "TUR", 1), ("2016-12-02", "IRN", 1), ("2016-12-02", "TUR", 1),
        ("2016-12-05", None, 1)]
    both = dyad_series(store, "TUR", both_directions=True)
    assert {(r["period"], r["recipient"]) for r in both} == {
        ("2016-11-28", "RUS"), ("2016-11-30", "RUS"), ("2016-12-01", "RUS"), ("2016-12-02", "RUS")}


def test_an_explicit_factuality_filter_wins(store):
    rows = dyad_series(store, "RUS", "TUR", filters=Filters(factuality="negated"), fill=False)
    assert [(r["period"], r["n_events"], r["quad4"]) for r in rows] == [("2016-12-02", 1, 1)]


def test_plover_scores_cover_every_type():
    scores = plover_scores()
    assert all((t, None) in scores for t in PLOVER_TYPES)
    assert plover_score("CONSULT", "visit") == 4 and plover_score("CONSULT", "Phone") == 1.5
    assert plover_score("ASSAULT", "assassinate") == -9          # unscored mode: the type's score
    assert plover_score("ACCUSE", None) < 0                       # see the note in plover_scores.tsv


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_series_export_round_trip(store, tmp_path, fmt):
    rows = dyad_series(store, "RUS")
    out = tmp_path / f"series.{fmt}"
    assert export_series(rows, out, fmt) == len(rows)
    assert read_series(out, fmt) == rows
    assert tuple(read_series(out, fmt)[0]) == SERIES_COLUMNS
    assert export_series([], tmp_path / f"empty.{fmt}", fmt) == 0
    assert read_series(tmp_path / f"empty.{fmt}", fmt) == []


def test_bad_arguments(store, tmp_path):
    with pytest.raises(QueryError, match="frequency"):
        dyad_series(store, "RUS", freq="year")
    with pytest.raises(ExportError):
        export_series([], tmp_path / "x.xlsx", "xlsx")


def test_a_sector_in_the_actor_code_narrows_both_directions(tmp_path):
    mil = Entity("Syrian troops", "Syria", "SYR", "MIL", None)
    gov = Entity("Syria", "Syria", "SYR", "GOV", "wc:country:syr")
    tur = Entity("Turkey", "Turkey", "TUR", "GOV", "wc:country:tur")
    events = [replace(_event(1, "ASSAULT", "190", -10.0, "2016-12-01"), actor=(mil,), recipient=(tur,)),
              replace(_event(2, "CONSULT", "040", 1.0, "2016-12-01"), actor=(gov,), recipient=(tur,)),
              replace(_event(3, "ACCUSE", "112", -2.0, "2016-12-01"), actor=(tur,), recipient=(mil,))]
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("d", "one article"), events)
        one_way = dyad_series(store, "SYRMIL", "TUR", fill=False)
        both = dyad_series(store, "SYRMIL", "TUR", both_directions=True, fill=False)
    assert [r["n_events"] for r in one_way] == [1] and one_way[0]["quad4"] == 1
    assert [r["n_events"] for r in both] == [2] and both[0]["quad3"] == 1
