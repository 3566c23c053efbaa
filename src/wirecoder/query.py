"""Filtered reads from the store: the one place filter values are parsed and normalised, and the one place
filters become SQL (always parameterised). `explain_empty` says which filters left a result empty."""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass, fields
from datetime import date

from .errors import WirecoderError
from .kb import SECTORS
from .schema import FACTUALITY, PLOVER_TYPES, combined_code

LEVELS = ("events", "reports")
MAX_LIMIT = 1_000_000
# Far past any store DuckDB serves here, and small enough that OFFSET + LIMIT stays inside BIGINT.
MAX_OFFSET = 10**12
SECTOR_CODES = tuple(sorted(SECTORS))
DATE_FORMS = "YYYY-MM-DD, YYYY-MM or YYYY"
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_COUNTRY_RE = re.compile(r"[A-Z]{3}")
# An explanation of an empty result names at most this many of the values the store has instead.
TOP_VALUES = 5


class QueryError(WirecoderError):
    """A filter value is invalid."""

    code = "W500"


@dataclass(frozen=True)
class Filters:
    """What to read. Values are normalised here, so callers pass what users typed: codes upper-case,
    factuality lower-case, "" as None, "SYRMIL" as country SYR and sector MIL. A bad value raises QueryError
    naming the valid ones."""

    start: date | None = None
    end: date | None = None
    actor: str | None = None          # country code (RUS) or knowledge-base id (wc:person:...)
    recipient: str | None = None
    actor_sector: str | None = None   # some actor has this sector (kb.SECTORS), and `actor`'s country if given
    recipient_sector: str | None = None
    event_type: str | None = None
    place: str | None = None          # place name, case-insensitive
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat
    factuality: str | None = None
    source: str | None = None         # outlet or attribution source, case-insensitive substring

    def __post_init__(self) -> None:
        clean = {f.name: None if getattr(self, f.name) == "" else getattr(self, f.name) for f in fields(self)}
        clean["actor"], clean["actor_sector"] = _party("actor", clean["actor"], clean["actor_sector"])
        clean["recipient"], clean["recipient_sector"] = _party(
            "recipient", clean["recipient"], clean["recipient_sector"])
        clean["event_type"] = _choice("event type", clean["event_type"], PLOVER_TYPES, str.upper)
        clean["factuality"] = _choice("factuality", clean["factuality"], FACTUALITY, str.lower)
        for name, value in clean.items():
            object.__setattr__(self, name, value)
        if self.start and self.end and self.start > self.end:
            raise QueryError("the start date is after the end date")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
                raise QueryError("bbox must be min_lon,min_lat,max_lon,max_lat within -180..180, -90..90")

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def _choice(what: str, value: str | None, valid: tuple[str, ...], fold) -> str | None:
    if value is None:
        return None
    folded = fold(value.strip())
    if folded not in valid:
        raise QueryError(f"unknown {what} {value!r}", hint=f"one of {', '.join(valid)}")
    return folded


def _is_entity_id(value: str | None) -> bool:
    return value is not None and ":" in value  # wc:person:sergey-lavrov; country codes are letters only


def _party(side: str, value: str | None, sector: str | None) -> tuple[str | None, str | None]:
    """One side's (country code or entity id, sector): ("syrmil", None) -> ("SYR", "MIL")."""
    sector = _choice(f"{side} sector", sector, SECTOR_CODES, str.upper)
    if value is None or _is_entity_id(value):
        return value, sector
    code = value.strip().upper()
    if len(code) == 6 and code[3:] in SECTORS:
        if sector not in (None, code[3:]):
            raise QueryError(f"{side} {value!r} names sector {code[3:]}, but the {side} sector asked is {sector}")
        code, sector = code[:3], code[3:]
    if not _COUNTRY_RE.fullmatch(code):
        raise QueryError(f"{side} {value!r} is neither a country code nor a knowledge-base id",
                         hint="a three-letter code (SYR), a code and sector (SYRMIL) or an id (wc:person:...)")
    return code, sector


def parse_date(text: str, *, end: bool = False) -> date:
    """A date bound of a filter: YYYY-MM-DD, or a month (YYYY-MM) or year (YYYY), which stands for its first
    day, or with `end` for its last (from 2016-12 to 2016-12 is December 2016)."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise QueryError(f"{text!r} is not a date", hint=f"use {DATE_FORMS}")
    year, month, day = (int(x) if x else None for x in match.groups())
    try:
        if day is not None:
            return date(year, month, day)
        if month is not None:
            return date(year, month, calendar.monthrange(year, month)[1] if end else 1)
        return date(year, 12, 31) if end else date(year, 1, 1)
    except ValueError as exc:  # month 13, February 30, year 0
        raise QueryError(f"{text!r} is not a date: {exc}", hint=f"use {DATE_FORMS}") from exc


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError as exc:
        raise QueryError(f"bbox {text!r} is not four numbers") from exc
    if len(parts) != 4:
        raise QueryError(f"bbox {text!r} needs four numbers: min_lon,min_lat,max_lon,max_lat")
    return parts  # type: ignore[return-value]


def _party_clauses(side: str, value: str | None, sector: str | None) -> list[tuple[str, list]]:
    """Some party on `side` is the country, with the sector if one is given (SYR + MIL: code SYRMIL), or has
    the sector, any country. An entity id (wc:person:...) may be on either side."""
    out = []
    if _is_entity_id(value):
        out.append(("list_contains(entity_ids, ?)", [value]))
        value = None
    if value is not None and sector is not None:
        out.append((f"list_contains({side}_codes, ?)", [combined_code(value, sector)]))
    elif value is not None:
        out.append((f"list_contains({side}_countries, ?)", [value]))
    elif sector is not None:  # codes end in their sector: SYRMIL, MIL
        out.append((f"len(list_filter({side}_codes, lambda c: suffix(c, ?))) > 0", [sector]))
    return out


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
    for side in ("actor", "recipient"):
        for clause, values in _party_clauses(side, getattr(filters, side), getattr(filters, f"{side}_sector")):
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


def explain_empty(store, filters: Filters, level: str = "events") -> str | None:
    """Why no record matches `filters` (None when some do): each filter that matches nothing on its own, with
    what the store has instead, else the fewest filters that together match nothing. Count queries only."""
    if count(store, filters, level=level):
        return None
    if not count(store, Filters(), level=level):
        return f"the store has no {level}"
    asks = _asks(filters)
    alone = {id(a): count(store, a, level=level) for a in asks}
    empty = [a for a in asks if not alone[id(a)]]
    if empty:
        return "; ".join(f"no {level} {_phrase(a)} ({_instead(store, a, level)})" for a in empty)
    needed = list(asks)
    for ask in sorted(asks, key=lambda a: -alone[id(a)]):  # drop the broadest first, keep the telling ones
        rest = [a for a in needed if a is not ask]
        if not count(store, _joined(rest), level=level):
            needed = rest
    each = ", ".join(f"{alone[id(a)]} {_phrase(a)}" for a in needed)
    return f"no {level} {' '.join(_phrase(a) for a in needed)} (alone: {each})"


def _asks(f: Filters) -> list[Filters]:
    """The filters one at a time; a side's country and sector go together (SYR in sector MIL is one ask)."""
    out = [Filters(event_type=f.event_type)] if f.event_type else []
    for side in ("actor", "recipient"):
        value, sector = getattr(f, side), getattr(f, f"{side}_sector")
        if _is_entity_id(value):
            out.append(Filters(**{side: value}))
            value = None
        if value is not None or sector is not None:
            out.append(Filters(**{side: value, f"{side}_sector": sector}))
    out += [Filters(**{name: getattr(f, name)}) for name in ("factuality", "place", "bbox", "source")
            if getattr(f, name) is not None]
    if f.start or f.end:
        out.append(Filters(start=f.start, end=f.end))
    return out


def _joined(asks: list[Filters]) -> Filters:
    return Filters(**{f.name: getattr(a, f.name) for a in asks for f in fields(a) if getattr(a, f.name) is not None})


def _phrase(a: Filters) -> str:
    """One ask in words, to follow "no events": "of type ASSAULT", "with actor SYR in sector MIL"."""
    if a.event_type:
        return f"of type {a.event_type}"
    for side, article in (("actor", "an"), ("recipient", "a")):
        value, sector = getattr(a, side), getattr(a, f"{side}_sector")
        if _is_entity_id(value):
            return f"involving {value}"
        if value is not None:
            return f"with {side} {value}" + (f" in sector {sector}" if sector else "")
        if sector is not None:
            return f"with {article} {side} in sector {sector}"
    if a.factuality:
        return f"with factuality {a.factuality}"
    if a.place:
        return f"at a place named {a.place!r}"
    if a.bbox:
        return "inside the box " + ",".join(f"{x:g}" for x in a.bbox)
    if a.source:
        return f"from a source containing {a.source!r}"
    if a.start and a.end:
        return f"between {a.start} and {a.end}"
    return f"on or after {a.start}" if a.start else f"on or before {a.end}"


def _instead(store, a: Filters, level: str) -> str:
    """What the store has in place of an ask that matches nothing on its own."""
    if a.event_type:
        return "types in the store: " + _tally(store, f"SELECT event_type AS v FROM {level}")
    if a.factuality:
        return "factualities in the store: " + _tally(store, f"SELECT factuality AS v FROM {level}")
    for side in ("actor", "recipient"):
        value, sector = getattr(a, side), getattr(a, f"{side}_sector")
        if _is_entity_id(value):
            return f"{value} is not in the store"
        if value is not None:
            return _country_instead(store, level, side, value)
        if sector is not None:
            codes = (f"SELECT v FROM (SELECT unnest(list_distinct(list_transform({side}_codes, lambda c: c[-3:]))) "
                     f"AS v FROM {level}) WHERE list_contains(?, v)")
            found = _tally(store, codes, [list(SECTOR_CODES)])
            return f"{side} sectors in the store: {found}" if found else f"no {side} in the store has a sector"
    if a.place:
        like = _tally(store, f"SELECT location_name AS v FROM {level} WHERE contains(lower(location_name), ?)",
                      [a.place.lower()])
        return f"places like it: {like}" if like else f"no place name in the store contains {a.place!r}"
    if a.bbox:
        n, *box = store.con.execute(f"SELECT count(*), min(lon), max(lon), min(lat), max(lat) FROM {level} "
                                    "WHERE lat IS NOT NULL AND lon IS NOT NULL").fetchone()
        if not n:
            return f"no {level} in the store have coordinates"
        return f"{n} {level} have coordinates, within lon {box[0]:g}..{box[1]:g}, lat {box[2]:g}..{box[3]:g}"
    if a.source:
        sources = "unnest([outlet, attribution])" if level == "reports" else "unnest(sources)"
        found = _tally(store, f"SELECT {sources} AS v FROM {level}")
        return f"sources in the store include {found}" if found else f"no {level} in the store have a source"
    first, last = store.con.execute(f"SELECT min(date), max(date) FROM {level}").fetchone()
    return f"the store covers {first} to {last}" if first else f"no {level} in the store have a date"


def _country_instead(store, level: str, side: str, country: str) -> str:
    other = "recipient" if side == "actor" else "actor"
    here, there = store.con.execute(
        f"SELECT count(*) FILTER (list_contains({side}_countries, ?)), "
        f"count(*) FILTER (list_contains({other}_countries, ?)) FROM {level}", [country, country]).fetchone()
    if here:  # so a sector was asked for
        codes = (f"SELECT CASE WHEN length(v) = 3 THEN 'no sector' ELSE v[4:] END AS v FROM "
                 f"(SELECT unnest(list_distinct({side}_codes)) AS v FROM {level}) WHERE starts_with(v, ?)")
        return f"{side} {country} appears with " + _tally(store, codes, [country])
    if there:
        return f"{country} is only ever {other}, in {there} of the {level}"
    if country in SECTORS:
        return f"{country} is a sector, not a country: ask for the sector"
    return f"{country} is not in the store"


def _tally(store, values_sql: str, params: list | None = None) -> str:
    """The commonest values of `values_sql` (one column, v) with their counts: "CONSULT 12, ASSAULT 3"."""
    rows = store.con.execute(f"SELECT v, count(*) AS n FROM ({values_sql}) WHERE v IS NOT NULL GROUP BY v "
                             "ORDER BY n DESC, v LIMIT ?", (params or []) + [TOP_VALUES]).fetchall()
    return ", ".join(f"{v} {n}" for v, n in rows)


def country_names(store, codes: list[str]) -> dict[str, str]:
    """Names of country codes: the knowledge-base country entities seen in the store, else the gazetteer's."""
    from .gazetteer import default_gazetteer

    if not codes:
        return {}
    rows = store.con.execute(
        "SELECT country, min(name) FROM entities WHERE entity_id LIKE 'wc:country:%' AND entity_id NOT LIKE '%+%' "
        "AND list_contains(?, country) GROUP BY 1", [codes]).fetchall()
    names = dict(rows)
    for code in set(codes) - set(names):
        name = default_gazetteer().country_name(code)
        if name:
            names[code] = name
    return names
