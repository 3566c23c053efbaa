"""Cross-article deduplication rules (dedup.py) on hand-built report keys: hard constraints, then the score."""

from dataclasses import replace
from datetime import date

import pytest

from wirecoder.dedup import DedupParams, ReportKey, best_match, compare, dates_compatible, places_compatible

P = DedupParams()
SOCHI = dict(geonameid=491422, place_country="RUS", lat=43.60, lon=39.73)
ADLER = dict(geonameid=582432, place_country="RUS", lat=43.43, lon=39.92)      # 24 km from Sochi
MOSCOW = dict(geonameid=524901, place_country="RUS", lat=55.75, lon=37.62)     # 1,359 km from Sochi
ANKARA = dict(geonameid=323786, place_country="TUR", lat=39.92, lon=32.85)
NOWHERE = dict(geonameid=None, place_country=None, lat=None, lon=None)


def key(doc="a", *, event_type="CONSULT", cameo="040", day="2023-09-04", precision="day", actors=("RUS",),
        recipients=("TUR",), ids=("wc:person:vladimir-putin",), place=SOCHI, factuality="asserted",
        dated=True) -> ReportKey:
    return ReportKey(
        report_id=f"{doc}-r", doc_id=doc, event_type=event_type, cameo=cameo,
        day=date.fromisoformat(day) if day else None, precision=precision if day else None,
        actors=frozenset(actors), recipients=frozenset(recipients), actor_ids=frozenset(ids),
        factuality=factuality, dated=dated, **place)


# --- dates ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b, ok", [
    (("2023-09-04", "day"), ("2023-09-04", "day"), True),
    (("2023-09-04", "day"), ("2023-09-05", "day"), True),      # within window_days=1 ("overnight", time zones)
    (("2023-09-04", "day"), ("2023-09-06", "day"), False),     # two days apart
    (("2023-09-04", "day"), ("2023-09-01", "month"), True),    # "in September" covers the 4th
    (("2023-10-01", "day"), ("2023-09-01", "month"), True),    # the day after the month ends, within the window
    (("2023-10-02", "day"), ("2023-09-01", "month"), False),
    (("2023-09-04", "day"), ("2023-09-04", "week"), True),     # "this week": 4..10 September
    (("2023-09-11", "day"), ("2023-09-04", "week"), True),     # the 10th + window
    (("2023-09-12", "day"), ("2023-09-04", "week"), False),
    (("2023-09-04", "day"), ("2023-01-01", "year"), True),     # "this year"
    (("2024-01-01", "day"), ("2023-01-01", "year"), True),
    (("2024-01-02", "day"), ("2023-01-01", "year"), False),
])
def test_dates_by_precision(a, b, ok):
    x, y = key(day=a[0], precision=a[1]), key("b", day=b[0], precision=b[1])
    assert dates_compatible(x, y, P.window_days)[0] is ok
    assert dates_compatible(y, x, P.window_days)[0] is ok  # symmetric


def test_missing_date_does_not_block():
    assert dates_compatible(key(day=None), key("b"), P.window_days) == (True, "one report has no date")


@pytest.mark.parametrize("published, ok", [("2023-09-04", True), ("2023-09-08", True), ("2023-09-09", False),
                                           ("2023-09-03", True), ("2023-09-02", False)])
def test_an_undated_report_covers_the_days_before_publication(published, ok):
    event = key(day="2023-09-04")
    # dated at publication: the event is then or in the undated_days (3) before, plus the window (1)
    undated = key("b", day=published, dated=False)
    assert dates_compatible(event, undated, P.window_days, P.undated_days)[0] is ok


# --- places -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b, ok, why", [
    (SOCHI, SOCHI, True, "same place"),
    (SOCHI, ADLER, True, "places 24 km apart"),
    (SOCHI, MOSCOW, False, "places 1359 km apart"),
    (SOCHI, ANKARA, False, "places in different countries (RUS, TUR)"),
    (SOCHI, NOWHERE, True, "one report has no place"),
])
def test_place_distance(a, b, ok, why):
    assert places_compatible(key(place=a), key("b", place=b), P.max_km) == (ok, why)


def test_max_km_is_tunable():
    assert not places_compatible(key(place=SOCHI), key("b", place=ADLER), 10.0)[0]


# --- hard constraints in compare ----------------------------------------------------------------------------


@pytest.mark.parametrize("change, why", [
    ({"doc_id": "a"}, "same article: merged by the coder, not here"),
    ({"event_type": "ASSAULT", "cameo": "190"}, "different event types"),
    ({"factuality": "negated"}, "one report says it did not happen"),
    ({"day": date(2023, 9, 12)}, "dates 8 days apart"),
    (MOSCOW, "places 1359 km apart"),
    ({"actors": frozenset({"USA"}), "recipients": frozenset({"CHN"})}, "no country in common"),
    ({"actors": frozenset({"RUS"}), "recipients": frozenset({"UKR"})}, "parties conflict"),
])
def test_hard_constraints_give_score_zero(change, why):
    decision = compare(replace(key("b"), **change), key("a"), P)
    assert decision.score == 0.0 and decision.reasons == [why]


def test_negated_never_merges_even_with_everything_else_equal():
    denied = key("b", factuality="negated")
    assert compare(denied, key("a"), P).score == 0.0
    assert best_match(denied, [("e1", key("a"))], P).event_id is None
    assert compare(key("c", factuality="negated"), denied, P).score > P.min_score  # two denials agree


def test_same_article_never_merges():
    assert best_match(key("a"), [("e1", key("a"))], P).event_id is None


def test_swapped_sides_agree_only_for_symmetric_types():
    swapped = key("b", actors=("TUR",), recipients=("RUS",))
    assert "parties agree with sides swapped (RUS, TUR)" in compare(swapped, key("a"), P).reasons
    accuse = dict(event_type="ACCUSE", cameo="112")
    assert compare(replace(swapped, **accuse), replace(key("a"), **accuse), P).reasons == ["parties conflict"]


def test_one_side_unnamed_is_compatible():
    decision = compare(key("b", recipients=()), key("a"), P)
    assert decision.score > 0 and "parties agree (RUS)" in decision.reasons


# --- the score -------------------------------------------------------------------------------------------


def test_full_agreement_scores_every_piece_of_evidence():
    decision = compare(key("b"), key("a"), P)
    assert decision.score == 1 + 1 + 1 + 1 + 0.5 + 0.5
    assert decision.reasons == [
        "same type CONSULT", "dates 2023-09-04 and 2023-09-04 within 1 day(s)", "same place",
        "parties agree (RUS, TUR)", "+1 same named actor (wc:person:vladimir-putin)", "+1 same day",
        "+1 same place", "+0.5 same CAMEO code 040", "+0.5 both sides named and agree"]


@pytest.mark.parametrize("ids", [("wc:country:russia",), ("wc:country:russia+wc:agent:soldier",),
                                 ("wc:capital:moscow",), ("wc:demonym:russian",)])
def test_a_country_is_not_a_named_actor(ids):
    a, b = key("a", ids=ids), key("b", ids=ids)
    assert not any("named actor" in r for r in compare(b, a, P).reasons)


@pytest.mark.parametrize("ids", [("wc:person:vladimir-putin",), ("wc:group:hamas",), ("wc:organization:asean",)])
def test_people_groups_and_organisations_are_named_actors(ids):
    assert any("named actor" in r for r in compare(key("b", ids=ids), key("a", ids=ids), P).reasons)


def test_undated_reports_get_no_same_day_evidence():
    decision = compare(key("b", dated=False), key("a"), P)
    assert "+1 same day" not in decision.reasons and decision.score == 4.0


def _strike(doc, place=NOWHERE, **kw):
    return key(doc, event_type="ASSAULT", cameo="194", actors=("RUS",), recipients=(), ids=("wc:country:russia",),
               place=place, day="2023-08-15", **kw)


def test_a_located_type_without_a_place_needs_more_evidence():
    # two unlocated shellings by Russia on one day: in a war that is the base rate, not one event
    decision = compare(_strike("b"), _strike("a"), P)
    assert decision.score == 1 + 1 - 1 + 0.5 < P.min_score
    assert "-1 no place on one report of a located type (ASSAULT)" in decision.reasons
    # the same place is evidence enough
    kherson = dict(geonameid=706448, place_country="UKR", lat=46.64, lon=32.61)
    assert compare(_strike("b", kherson), _strike("a", kherson), P).score >= P.min_score
    # a meeting is not a located type: one a day per dyad
    meeting = compare(key("b", place=NOWHERE, ids=()), key("a", place=NOWHERE, ids=()), P)
    assert meeting.score == 1 + 1 + 0.5 + 0.5


def test_penalty_is_tunable():
    assert compare(_strike("b"), _strike("a"), DedupParams(unlocated_penalty=0)).score == 2.5


# --- best_match -------------------------------------------------------------------------------------------


def test_best_match_picks_the_highest_score():
    weak = key("x", ids=(), place=NOWHERE)                 # 1 + day + cameo + sides = 3
    strong = key("y")                                      # every piece of evidence = 5
    decision = best_match(key("b"), [("weak", weak), ("strong", strong)], P)
    assert decision.event_id == "strong" and decision.score == 5.0


def test_best_match_ties_go_to_the_earliest_candidate():
    assert best_match(key("b"), [("first", key("x")), ("second", key("y"))], P).event_id == "first"


def test_below_min_score_is_a_new_event_and_says_how_close_it_came():
    decision = best_match(_strike("b"), [("e1", _strike("a"))], P)
    assert decision.event_id is None and decision.score == 0.0
    assert decision.reasons[0] == "no earlier report matched"
    assert decision.reasons[1].startswith("closest: event e1 scored 1.5 (< 2): same type ASSAULT")


def test_min_score_is_tunable():
    assert best_match(_strike("b"), [("e1", _strike("a"))], DedupParams(min_score=1.5)).event_id == "e1"


def test_no_candidates_is_a_new_event():
    assert best_match(key("b"), [], P) == best_match(key("b"), [], P)
    assert best_match(key("b"), [], P).event_id is None


# --- the store's SQL twin of the hard constraints ---------------------------------------------------------


def _random_key(rng, doc: str) -> ReportKey:
    countries = ("RUS", "TUR", "SYR", "USA")
    places = (SOCHI, ADLER, MOSCOW, ANKARA, NOWHERE, NOWHERE)
    day = None if rng.random() < 0.1 else f"2023-09-{rng.randint(1, 20):02d}"
    return key(doc, event_type=rng.choice(("CONSULT", "ASSAULT", "PROTEST")), day=day,
               precision=rng.choice(("day", "day", "day", "week", "month", "year")),
               actors=rng.sample(countries, rng.randint(0, 2)), recipients=rng.sample(countries, rng.randint(0, 2)),
               place=rng.choice(places), factuality=rng.choice(("asserted", "asserted", "negated")),
               dated=rng.random() < 0.7)


def test_blocking_sql_never_rejects_a_pair_compare_would_score():
    """The store fetches only pairs that pass `blocking_sql`; a pair it drops must be one `compare` scores 0."""
    import json
    import random

    import duckdb

    from wirecoder.dedup import BLOCKING_FIELDS, blocking_fields, blocking_sql

    rng = random.Random(7)
    pairs = [(_random_key(rng, "new"), _random_key(rng, rng.choice(("old", "new")))) for _ in range(3000)]
    con = duckdb.connect()
    con.execute("CREATE TABLE r (i INTEGER, event_type VARCHAR, doc_id VARCHAR, factuality VARCHAR, date DATE, "
                "date_precision VARCHAR, dated BOOLEAN, geonameid BIGINT, location_country VARCHAR, "
                "actor_countries VARCHAR[], recipient_countries VARCHAR[])")
    con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        [i, o.event_type, o.doc_id, o.factuality, o.day, o.precision, o.dated, o.geonameid, o.place_country,
         sorted(o.actors), sorted(o.recipients)] for i, (_, o) in enumerate(pairs)])
    spec = json.dumps([{"i": "INTEGER", **BLOCKING_FIELDS}])
    rows = json.dumps([{"i": i, **blocking_fields(n, P)} for i, (n, _) in enumerate(pairs)], default=str)
    kept = {i for (i,) in con.execute(
        f"WITH n AS (SELECT unnest(from_json(?::JSON, '{spec}'), recursive := true)) "
        f"SELECT r.i FROM r JOIN n ON r.i = n.i WHERE {blocking_sql('r', 'n')}", [rows]).fetchall()}
    scored = {i for i, (n, o) in enumerate(pairs) if compare(n, o, P).score > 0}
    assert scored <= kept
    assert len(kept) < len(pairs) / 2  # and it does block
