"""Cross-article deduplication: does a new report describe an event already in the store?

Pure functions over plain records; the store fetches candidates and applies the decision.
Rules and calibration notes: docs/dedup.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

# PLOVER types whose two sides are interchangeable (a meeting of A and B is a meeting of B and A).
SYMMETRIC_TYPES = {"CONSULT", "COOPERATE", "AGREE", "ASSAULT"}
PERIOD_DAYS = {"day": 1, "week": 7, "month": 31, "year": 366}


# Knowledge-base id kinds that name one actor. A country ("wc:country:russia"), its capital, a demonym or a
# generic agent ("wc:country:russia+wc:agent:soldier") is shared by every report about that country, so it is
# no evidence that two reports tell the same event.
NAMED_KINDS = ("wc:person:", "wc:group:", "wc:organization:")


@dataclass(frozen=True)
class DedupParams:
    """Tunable thresholds. Calibrated on tests/data/dedup_corpus.jsonl (docs/dedup.md).

    Calibration (tools/eval_dedup.py): with the original rules, reports of two Russian strikes on two Ukrainian
    cities on the same day merged (no place coded, "same named actor" from the bare country id), and so did
    Israeli strikes in Lebanon and Syria. The fixes are causes, not cases: a country is not a named actor, and for
    types that happen many times a day between the same parties (`located_types`) a missing place costs
    `unlocated_penalty`. A report whose date is the publication date (no date phrase) covers the
    `undated_days` before it, since news reports what already happened.
    """

    window_days: int = 1          # two day-precise reports may differ by this much (time zones, "overnight")
    max_km: float = 60.0          # two geocoded places further apart than this are different events
    min_score: float = 2.0        # evidence needed beyond the hard constraints
    located_types: frozenset[str] = frozenset({"ASSAULT", "PROTEST", "MOBILIZE"})
    unlocated_penalty: float = 1.0  # score lost by a located type when either report has no place
    undated_days: int = 3         # an undated report (dated at publication) may tell an event this many days older


@dataclass(frozen=True)
class ReportKey:
    """What deduplication looks at in one report."""

    report_id: str
    doc_id: str
    event_type: str
    cameo: str | None
    day: date | None
    precision: str | None
    actors: frozenset[str]        # country codes
    recipients: frozenset[str]
    actor_ids: frozenset[str]     # knowledge-base ids, for stronger evidence
    geonameid: int | None
    place_country: str | None
    lat: float | None
    lon: float | None
    factuality: str
    dated: bool = True            # False when `day` is the publication date because the text gave no date


@dataclass
class Decision:
    event_id: str | None
    score: float
    reasons: list[str] = field(default_factory=list)


def _period(day: date, precision: str | None) -> tuple[date, date]:
    """The span of days a date of the given precision covers."""
    if precision == "week":
        return day, day + timedelta(days=6)
    if precision == "month":
        nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        return day, nxt - timedelta(days=1)
    if precision == "year":
        return day, date(day.year, 12, 31)
    return day, day


def _span(key: ReportKey, undated_days: int) -> tuple[date, date]:
    start, end = _period(key.day, key.precision)
    if not key.dated:  # the publication date: the event happened then or in the days before
        start -= timedelta(days=undated_days)
    return start, end


def date_reach(key: ReportKey, params: DedupParams, other_dated: bool = False) -> tuple[date, date]:
    """Dates another report can carry and still be date-compatible with `key`: its day (when day-precise) or
    the first day of its period falls on or before the end, and its period ends on or after the start. The
    end assumes the other report is undated unless `other_dated`. The store blocks candidates on it."""
    start, end = _span(key, params.undated_days)
    extra = 0 if other_dated else params.undated_days
    return start - timedelta(days=params.window_days), end + timedelta(days=params.window_days + extra)


def dates_compatible(a: ReportKey, b: ReportKey, window_days: int, undated_days: int = 0) -> tuple[bool, str]:
    if a.day is None or b.day is None:
        return True, "one report has no date"
    a0, a1 = _span(a, undated_days)
    b0, b1 = _span(b, undated_days)
    gap = max((b0 - a1).days, (a0 - b1).days, 0)
    if gap <= window_days:
        undated = "" if a.dated and b.dated else f", an undated report covering {undated_days} day(s) before"
        return True, f"dates {a.day.isoformat()} and {b.day.isoformat()} within {window_days} day(s){undated}"
    return False, f"dates {gap} days apart"


def _km(a: ReportKey, b: ReportKey) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def places_compatible(a: ReportKey, b: ReportKey, max_km: float) -> tuple[bool, str]:
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return True, "same place"
    if a.place_country and b.place_country and a.place_country != b.place_country:
        return False, f"places in different countries ({a.place_country}, {b.place_country})"
    km = _km(a, b)
    if km is not None and km > max_km:
        return False, f"places {km:.0f} km apart"
    if km is not None:
        return True, f"places {km:.0f} km apart"
    return True, "one report has no place"


def _located(key: ReportKey) -> bool:
    return key.geonameid is not None or (key.lat is not None and key.lon is not None)


def _overlap(x: frozenset[str], y: frozenset[str]) -> bool:
    return not x or not y or bool(x & y)


def parties_compatible(a: ReportKey, b: ReportKey) -> tuple[bool, str]:
    straight = _overlap(a.actors, b.actors) and _overlap(a.recipients, b.recipients)
    crossed = a.event_type in SYMMETRIC_TYPES and _overlap(a.actors, b.recipients) and _overlap(a.recipients, b.actors)
    shared = (a.actors | a.recipients) & (b.actors | b.recipients)
    if not shared:
        return False, "no country in common"
    if straight:
        return True, f"parties agree ({', '.join(sorted(shared))})"
    if crossed:
        return True, f"parties agree with sides swapped ({', '.join(sorted(shared))})"
    return False, "parties conflict"


# The new report's fields as `blocking_sql` reads them (a row of the store's candidate query).
BLOCKING_FIELDS = {"t": "VARCHAR", "d": "VARCHAR", "neg": "BOOLEAN", "a": "VARCHAR[]", "rc": "VARCHAR[]",
                   "c": "VARCHAR[]", "sym": "BOOLEAN", "pc": "VARCHAR", "g": "BIGINT", "day": "DATE", "lo": "DATE",
                   "hi": "DATE", "end": "DATE"}


def blocking_fields(key: ReportKey, params: DedupParams) -> dict:
    """A new report's values for `blocking_sql`."""
    row = {"t": key.event_type, "d": key.doc_id, "neg": key.factuality == "negated", "a": sorted(key.actors),
           "rc": sorted(key.recipients), "c": sorted(key.actors | key.recipients),
           "sym": key.event_type in SYMMETRIC_TYPES, "pc": key.place_country, "g": key.geonameid, "day": None,
           "lo": None, "hi": None, "end": None}
    if key.day is not None:
        lo, hi = date_reach(key, params)
        row.update(day=key.day, lo=lo, hi=hi, end=date_reach(key, params, other_dated=True)[1])
    return row


def blocking_sql(old: str = "r", new: str = "n") -> str:
    """`compare`'s hard constraints as a SQL condition over a stored report (`old`, the store's reports
    columns) and a new one (`new`, `BLOCKING_FIELDS`), except the distance between two places: the store
    fetches only the pairs it keeps. It must never reject a pair `compare` scores above 0
    (tests/test_dedup.py checks it on random reports)."""
    r, n = old, new

    def overlap(x: str, y: str) -> str:
        return f"(len({x}) = 0 OR len({y}) = 0 OR list_has_any({x}, {y}))"

    ra, rr = f"coalesce({r}.actor_countries, [])", f"coalesce({r}.recipient_countries, [])"
    length = " ".join(f"WHEN '{p}' THEN {d - 1}" for p, d in PERIOD_DAYS.items())
    dates = (f"({r}.date IS NULL OR {n}.day IS NULL OR ({r}.date <= {n}.hi "
             f"AND {r}.date + CAST(CASE {r}.date_precision {length} ELSE 0 END AS INTEGER) >= {n}.lo "
             f"AND ({r}.date <= {n}.\"end\" OR NOT {r}.dated OR {r}.date_precision NOT IN ('day'))))")
    return " AND ".join([
        f"{r}.event_type = {n}.t", f"{r}.doc_id <> {n}.d", f"({r}.factuality = 'negated') = {n}.neg", dates,
        f"({r}.geonameid = {n}.g OR {n}.pc IS NULL OR {r}.location_country IS NULL "
        f"OR {r}.location_country = {n}.pc)",
        f"(list_has_any({ra}, {n}.c) OR list_has_any({rr}, {n}.c))",
        f"(({overlap(ra, n + '.a')} AND {overlap(rr, n + '.rc')}) "
        f"OR ({n}.sym AND {overlap(ra, n + '.rc')} AND {overlap(rr, n + '.a')}))",
    ])


def compare(new: ReportKey, old: ReportKey, params: DedupParams) -> Decision:
    """Evidence that two reports from different articles describe one event; score 0 means no.

    Hard constraints first (different articles, same type, same negation, dates, places, parties); any that
    fails gives score 0 and says why. Then the score: 1 for passing them, plus the evidence each reason names
    ("+1 same named actor ...", "-1 no place on one report of a located type (ASSAULT)")."""
    if new.doc_id == old.doc_id:
        return Decision(None, 0.0, ["same article: merged by the coder, not here"])
    if new.event_type != old.event_type:
        return Decision(None, 0.0, ["different event types"])
    if (new.factuality == "negated") != (old.factuality == "negated"):
        return Decision(None, 0.0, ["one report says it did not happen"])
    reasons = [f"same type {new.event_type}"]
    for ok, why in (dates_compatible(new, old, params.window_days, params.undated_days),
                    places_compatible(new, old, params.max_km), parties_compatible(new, old)):
        if not ok:
            return Decision(None, 0.0, [why])
        reasons.append(why)
    score = 1.0
    named = sorted(i for i in new.actor_ids & old.actor_ids if i.startswith(NAMED_KINDS))
    if named:
        score += 1.0
        reasons.append(f"+1 same named actor ({', '.join(named)})")
    if (new.day and new.day == old.day and new.precision == old.precision == "day" and new.dated
            and old.dated):
        score += 1.0
        reasons.append("+1 same day")
    if new.geonameid is not None and new.geonameid == old.geonameid:
        score += 1.0
        reasons.append("+1 same place")
    elif new.event_type in params.located_types and not (_located(new) and _located(old)):
        score -= params.unlocated_penalty
        reasons.append(f"-{params.unlocated_penalty:g} no place on one report of a located type ({new.event_type})")
    if new.cameo and old.cameo and new.cameo[:3] == old.cameo[:3]:
        score += 0.5
        reasons.append(f"+0.5 same CAMEO code {new.cameo[:3]}")
    if new.recipients and old.recipients and new.recipients & old.recipients and new.actors & old.actors:
        score += 0.5
        reasons.append("+0.5 both sides named and agree")
    return Decision(None, score, reasons)


def best_match(new: ReportKey, candidates: list[tuple[str, ReportKey]], params: DedupParams) -> Decision:
    """The event (id) whose reports best match `new`, or Decision(None, ...) for a new event.

    `candidates` are (event_id, report) pairs for reports already stored. Ties go to the earliest candidate.
    When none reaches `min_score`, the reasons name the closest candidate and why it fell short."""
    best = Decision(None, 0.0, ["no earlier report matched"])
    closest: tuple[str, Decision] | None = None
    for event_id, old in candidates:
        decision = compare(new, old, params)
        if decision.score >= params.min_score and decision.score > best.score:
            best = Decision(event_id, decision.score, decision.reasons)
        if closest is None or decision.score > closest[1].score:
            closest = (event_id, decision)
    if best.event_id is None and closest is not None:
        event_id, near = closest
        best.reasons.append(f"closest: event {event_id} scored {near.score:g} (< {params.min_score:g}): "
                            + "; ".join(near.reasons))
    return best
