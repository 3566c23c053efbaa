"""Filtered reads from the store: the one place filters become SQL (always parameterised)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date

from .errors import WirecoderError
from .schema import FACTUALITY, PLOVER_TYPES

LEVELS = ("events", "reports")
MAX_LIMIT = 1_000_000
# Far past any store DuckDB serves here, and small enough that OFFSET + LIMIT stays inside BIGINT.
MAX_OFFSET = 10**12


class QueryError(WirecoderError):
    """A filter value is invalid."""

    code = "W500"


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    actor: str | None = None          # country code (RUS) or knowledge-base id (wc:person:...)
    recipient: str | None = None
    event_type: str | None = None
    place: str | None = None          # place name, case-insensitive
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    factuality: str | None = None
    source: str | None = None         # outlet or attribution source, case-insensitive substring

    def __post_init__(self) -> None:
        if self.event_type is not None and self.event_type not in PLOVER_TYPES:
            raise QueryError(f"unknown event type {self.event_type!r}", hint=f"one of {', '.join(PLOVER_TYPES)}")
        if self.factuality is not None and self.factuality not in FACTUALITY:
            raise QueryError(f"unknown factuality {self.factuality!r}", hint=f"one of {', '.join(FACTUALITY)}")
        if self.start and self.end and self.start > self.end:
            raise QueryError("the start date is after the end date")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise QueryError("bbox must be min_lon,min_lat,max_lon,max_lat within -180..180, -90..90")

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError as exc:
        raise QueryError(f"bbox {text!r} is not four numbers") from exc
    if len(parts) != 4:
        raise QueryError(f"bbox {text!r} needs four numbers: min_lon,min_lat,max_lon,max_lat")
    return parts  # type: ignore[return-value]


def _party_clause(column_prefix: str, value: str) -> tuple[str, list]:
    """A country code (RUS) or an entity id (wc:person:...), on one side of the event."""
    if ":" in value:
        return "list_contains(entity_ids, ?)", [value]
    return f"list_contains({column_prefix}_countries, ?)", [value.upper()]


def where(filters: Filters, level: str, *conditions: str) -> tuple[str, list]:
    """SQL WHERE clause and parameters for the events or reports table; `conditions` are fixed SQL
    conditions (no values) added by the caller, e.g. "lat IS NOT NULL"."""
    if level not in LEVELS:
        raise QueryError(f"level must be one of {LEVELS}")
    clauses, params = list(conditions), []
    if filters.start:
        clauses.append("date >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append("date <= ?")
        params.append(filters.end)
    for prefix, value in (("actor", filters.actor), ("recipient", filters.recipient)):
        if value:
            clause, values = _party_clause(prefix, value)
            clauses.append(clause)
            params += values
    if filters.event_type:
        clauses.append("event_type = ?")
        params.append(filters.event_type)
    if filters.place:
        clauses.append("lower(location_name) = lower(?)")
        params.append(filters.place)
    if filters.bbox:
        clauses.append("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?")
        min_lon, min_lat, max_lon, max_lat = filters.bbox
        params += [min_lon, max_lon, min_lat, max_lat]
    if filters.factuality:
        clauses.append("factuality = ?")
        params.append(filters.factuality)
    if filters.source:
        # contains(), not LIKE: % and _ in the value are plain characters
        needle = filters.source.lower()
        if level == "reports":
            clauses.append("(contains(lower(outlet), ?) OR contains(lower(attribution), ?))")
            params += [needle, needle]
        else:  # the events table keeps its sources lower-cased
            clauses.append("len(list_filter(sources, lambda s: contains(s, ?))) > 0")
            params.append(needle)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def select(store, filters: Filters, *, level: str = "events", limit: int = 1000, offset: int = 0) -> list[dict]:
    """Records (event clusters or reports) matching the filters, oldest first."""
    if not 0 < limit <= MAX_LIMIT or not 0 <= offset <= MAX_OFFSET:
        raise QueryError(f"limit must be 1..{MAX_LIMIT} and offset 0..{MAX_OFFSET}")
    clause, params = where(filters, level)
    key = "event_id" if level == "events" else "report_id"
    sql = f"SELECT record FROM {level}{clause} ORDER BY date NULLS LAST, {key} LIMIT ? OFFSET ?"
    return [json.loads(r[0]) for r in store.con.execute(sql, params + [limit, offset]).fetchall()]


def count(store, filters: Filters, *, level: str = "events") -> int:
    clause, params = where(filters, level)
    return store.con.execute(f"SELECT count(*) FROM {level}{clause}", params).fetchone()[0]


def stats(store, filters: Filters, *, level: str = "events", top: int = 20) -> dict[str, list]:
    """Counts by event type, by dyad (actor country -> recipient country) and by day."""
    clause, params = where(filters, level)
    table = f"(SELECT * FROM {level}{clause})"
    by_type = store.con.execute(
        f"SELECT event_type, count(*) AS n FROM {table} GROUP BY 1 ORDER BY n DESC, 1", params).fetchall()
    by_dyad = store.con.execute(
        f"SELECT coalesce(actor_country, '---'), coalesce(recipient_country, '---'), count(*) AS n "
        f"FROM {table} GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT ?", params + [top]).fetchall()
    by_day = store.con.execute(
        f"SELECT date, count(*) AS n FROM {table} WHERE date IS NOT NULL GROUP BY 1 ORDER BY 1", params).fetchall()
    return {
        "by_type": [{"event_type": t, "n": n} for t, n in by_type],
        "by_dyad": [{"actor": a, "recipient": r, "n": n} for a, r, n in by_dyad],
        "by_day": [{"date": d.isoformat(), "n": n} for d, n in by_day],
    }
