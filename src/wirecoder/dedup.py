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


@dataclass(frozen=True)
class DedupParams:
    """Tunable thresholds. Calibrated on tests/data/dedup_corpus.jsonl (docs/dedup.md)."""

    window_days: int = 1          # two day-precise reports may differ by this much (time zones, "overnight")
    max_km: float = 60.0          # two geocoded places further apart than this are different events
    min_score: float = 2.0        # evidence needed beyond the hard constraints


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


def dates_compatible(a: ReportKey, b: ReportKey, window_days: int) -> tuple[bool, str]:
    if a.day is None or b.day is None:
        return True, "one report has no date"
    a0, a1 = _period(a.day, a.precision)
    b0, b1 = _period(b.day, b.precision)
    gap = max((b0 - a1).days, (a0 - b1).days, 0)
    if gap <= window_days:
        return True, f"dates {a.day.isoformat()} and {b.day.isoformat()} within {window_days} day(s)"
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


def compare(new: ReportKey, old: ReportKey, params: DedupParams) -> Decision:
    """Evidence that two reports from different articles describe one event; score 0 means no."""
    if new.doc_id == old.doc_id:
        return Decision(None, 0.0, ["same article: merged by the coder, not here"])
    if new.event_type != old.event_type:
        return Decision(None, 0.0, ["different event types"])
    if (new.factuality == "negated") != (old.factuality == "negated"):
        return Decision(None, 0.0, ["one report says it did not happen"])
    reasons = [f"same type {new.event_type}"]
    for ok, why in (dates_compatible(new, old, params.window_days), places_compatible(new, old, params.max_km),
                    parties_compatible(new, old)):
        if not ok:
            return Decision(None, 0.0, [why])
        reasons.append(why)
    score = 1.0
    if new.actor_ids & old.actor_ids:
        score += 1.0
        reasons.append("same named actor")
    if new.day and old.day and new.day == old.day and new.precision == old.precision == "day":
        score += 1.0
    if new.geonameid is not None and new.geonameid == old.geonameid:
        score += 1.0
    if new.cameo and old.cameo and new.cameo[:3] == old.cameo[:3]:
        score += 0.5
        reasons.append(f"same CAMEO code {new.cameo[:3]}")
    if new.recipients and old.recipients and new.recipients & old.recipients and new.actors & old.actors:
        score += 0.5
    return Decision(None, score, reasons)


def best_match(new: ReportKey, candidates: list[tuple[str, ReportKey]], params: DedupParams) -> Decision:
    """The event (id) whose reports best match `new`, or Decision(None, ...) for a new event.

    `candidates` are (event_id, report) pairs for reports already stored."""
    best = Decision(None, 0.0, ["no earlier report matched"])
    for event_id, old in candidates:
        decision = compare(new, old, params)
        if decision.score >= params.min_score and decision.score > best.score:
            best = Decision(event_id, decision.score, decision.reasons)
    return best
