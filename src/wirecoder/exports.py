"""Exports of stored events: PLOVER JSONL, TSV, CSV and Parquet, written to a path (`export`) or streamed as
bytes (`export_chunks`, for the web API).

Formats, column sets and how to load each in DuckDB, pandas and R: docs/exports.md. TSV, CSV and Parquet take a
column set: wirecoder's own (`flat_row`), which reads back (`read_export`) to exactly the stored records, or
Phoenix- and GDELT-style columns for tools written for those datasets. TSV and CSV hold one record per line: every
field escapes backslash, tab and line breaks (`escape`). Parquet has typed columns (lists and entities as native
LIST/STRUCT). Files are written to a temporary name beside `out` and renamed into place, so a crash never leaves
half an export.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from .errors import StoreDamagedError, StoreFullError, WirecoderError
from .gazetteer import admin1_name, default_gazetteer
from .kb import plover_country
from .query import LEVELS, Filters, where
from .schema import ENTITY_FIELDS, combined_code, date_source
from .store import store_error

FORMATS = ("plover-jsonl", "tsv", "csv", "parquet")
MEDIA_TYPES = {"plover-jsonl": "application/x-ndjson", "tsv": "text/tab-separated-values; charset=utf-8",
               "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}
EXTENSIONS = {"plover-jsonl": "jsonl", "tsv": "tsv", "csv": "csv", "parquet": "parquet"}
CODEBOOK = "PLOVER 0.8; CAMEO 1.1b3"
_BATCH = 5000     # records fetched from the store at a time
_CHUNK = 1 << 16  # bytes a stream yields at a time


class ExportError(WirecoderError):
    """An export cannot be written, or a file given back to `read_export` is not a wirecoder export."""

    code = "W600"


@dataclass(frozen=True)
class Origin:
    """What the store knows about a record beyond the record: every article reporting it, its article's address,
    title, outlet and coding time, and where its sentence starts in that article."""

    doc_ids: tuple[str, ...] | None = None
    url: str | None = None
    title: str | None = None
    outlet: str | None = None
    coded_at: datetime | None = None
    text_start: int | None = None


# --- escaping in TSV and CSV --------------------------------------------------------------------

# Every field writes a backslash, tab, line feed or carriage return as a two-character escape, so a record is one
# line and a TSV field needs no quoting.
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_UNESCAPES = {escaped[1]: char for char, escaped in _ESCAPES.items()}
_ESCAPED = re.compile(r"\\(.?)", re.DOTALL)


def escape(text: str) -> str:
    return text.translate(_ESCAPE_TABLE)


def unescape(text: str) -> str:
    """`escape` undone; ValueError for a backslash that starts none of its escapes."""
    if "\\" not in text:
        return text

    def one(m: re.Match) -> str:
        if m[1] not in _UNESCAPES:
            raise ValueError(f"unknown escape {m[0]!r}")
        return _UNESCAPES[m[1]]

    return _ESCAPED.sub(one, text)


# --- column sets of the flat formats (TSV, CSV, Parquet) ---------------------------------------

_ENTITY_STRUCT = "STRUCT(" + ", ".join(f'"{k}" VARCHAR' for k in ENTITY_FIELDS) + ")"

# wirecoder's columns: name -> DuckDB type in Parquet, in file order. Lists (`[]`) are JSON arrays in TSV/CSV.
# docs/exports.md documents each column.
COLUMN_TYPES: dict[str, str] = {
    "event_id": "VARCHAR",
    "doc_id": "VARCHAR",
    "date": "DATE",
    "sqldate": "INTEGER",
    "year": "INTEGER",
    "month": "INTEGER",
    "day": "INTEGER",
    "date_precision": "VARCHAR",
    "date_text": "VARCHAR",
    "date_source": "VARCHAR",
    "source_country": "VARCHAR",
    "source_sector": "VARCHAR",
    "source_text": "VARCHAR",
    "source_name": "VARCHAR",
    "source_id": "VARCHAR",
    "target_country": "VARCHAR",
    "target_sector": "VARCHAR",
    "target_text": "VARCHAR",
    "target_name": "VARCHAR",
    "target_id": "VARCHAR",
    "event_type": "VARCHAR",
    "cameo": "VARCHAR",
    "root_code": "VARCHAR",
    "base_code": "VARCHAR",
    "quad_class": "INTEGER",
    "goldstein": "DOUBLE",
    "mode": "VARCHAR",
    "context": "VARCHAR[]",
    "factuality": "VARCHAR",
    "confidence": "DOUBLE",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "location_text": "VARCHAR",
    "location_name": "VARCHAR",
    "location_country": "VARCHAR",
    "location_admin1": "VARCHAR",
    "location_feature": "VARCHAR",
    "geonameid": "BIGINT",
    "attribution": "VARCHAR",
    "attribution_kind": "VARCHAR",
    "n_reports": "INTEGER",
    "n_sources": "INTEGER",
    "reports": "VARCHAR[]",
    "doc_ids": "VARCHAR[]",
    "url": "VARCHAR",
    "outlet": "VARCHAR",
    "actor": f"{_ENTITY_STRUCT}[]",
    "recipient": f"{_ENTITY_STRUCT}[]",
    "span_start": "INTEGER",
    "span_end": "INTEGER",
    "event_text": "VARCHAR",
    "coder": "VARCHAR",
    "sentence": "VARCHAR",
}
TSV_COLUMNS: tuple[str, ...] = tuple(COLUMN_TYPES)
# Text columns that are never null in a record: an empty field reads back as "" rather than None.
_REQUIRED_TEXT = frozenset({"event_id", "doc_id", "event_type", "factuality", "event_text", "coder", "sentence"})
_LOCATION_COLUMNS = {"text": "location_text", "name": "location_name", "country": "location_country",
                     "admin1": "location_admin1", "feature": "location_feature", "lat": "latitude",
                     "lon": "longitude", "geonameid": "geonameid"}


def _day(record: dict) -> date | None:
    return date.fromisoformat(record["date"]) if record.get("date") else None


def _firsts(record: dict) -> tuple[dict, dict]:
    """The first actor and recipient ({} when none): the parties of the Phoenix/GDELT-style columns."""
    return (record.get("actor") or [{}])[0], (record.get("recipient") or [{}])[0]


def _codes(cameo: str | None) -> tuple[str | None, str | None]:
    """CAMEO root (2 digits) and base (3 digits) code."""
    return (cameo[:2], cameo[:3]) if cameo else (None, None)


def flat_row(record: dict, origin: Origin | None = None) -> dict[str, Any]:
    """One event record as wirecoder's columns (lists stay Python lists)."""
    origin = origin or Origin()
    actor = record.get("actor") or []
    recipient = record.get("recipient") or []
    first_a, first_r = _firsts(record)
    day = _day(record)
    loc = record.get("location") or {}
    attribution = record.get("attribution") or {}
    cameo = record.get("cameo")
    root, base = _codes(cameo)
    span = record.get("span") or [None, None]
    return {
        "event_id": record["event_id"], "doc_id": record["doc_id"], "date": day,
        "sqldate": int(day.strftime("%Y%m%d")) if day else None,
        "year": day.year if day else None, "month": day.month if day else None, "day": day.day if day else None,
        "date_precision": record.get("date_precision"), "date_text": record.get("date_text"),
        "date_source": date_source(record),
        "source_country": first_a.get("country"), "source_sector": first_a.get("sector"),
        "source_text": first_a.get("text"), "source_name": first_a.get("name"), "source_id": first_a.get("id"),
        "target_country": first_r.get("country"), "target_sector": first_r.get("sector"),
        "target_text": first_r.get("text"), "target_name": first_r.get("name"), "target_id": first_r.get("id"),
        "event_type": record["event_type"], "cameo": cameo, "root_code": root, "base_code": base,
        "quad_class": record.get("quad_class"), "goldstein": record.get("goldstein"), "mode": record.get("mode"),
        "context": list(record.get("context") or []), "factuality": record["factuality"],
        "confidence": record.get("confidence"),
        **{column: loc.get(key) for key, column in _LOCATION_COLUMNS.items()},
        "attribution": attribution.get("source"), "attribution_kind": attribution.get("kind"),
        "n_reports": record.get("n_reports"), "n_sources": record.get("n_sources"),
        "reports": record.get("reports"),
        "doc_ids": list(origin.doc_ids) if origin.doc_ids is not None else [record["doc_id"]],
        "url": origin.url, "outlet": origin.outlet,
        "actor": [{k: e.get(k) for k in ENTITY_FIELDS} for e in actor],
        "recipient": [{k: e.get(k) for k in ENTITY_FIELDS} for e in recipient],
        "span_start": span[0], "span_end": span[1],
        "event_text": record["event_text"], "coder": record["coder"], "sentence": record["sentence"],
    }


def record_from_row(row: dict[str, Any]) -> dict:
    """The event record (docs/event-record.md) back from wirecoder's typed columns; derived columns are ignored."""
    day = row.get("date")
    loc = {key: row.get(column) for key, column in _LOCATION_COLUMNS.items()}
    record = {
        "doc_id": row["doc_id"], "event_id": row["event_id"], "event_type": row["event_type"],
        "mode": row.get("mode"), "context": list(row.get("context") or []), "cameo": row.get("cameo"),
        "quad_class": row.get("quad_class"), "goldstein": row.get("goldstein"),
        "actor": [{k: e.get(k) for k in ENTITY_FIELDS} for e in row.get("actor") or []],
        "recipient": [{k: e.get(k) for k in ENTITY_FIELDS} for e in row.get("recipient") or []],
        "date": day.isoformat() if isinstance(day, date) else day,
        "date_precision": row.get("date_precision"), "date_text": row.get("date_text"),
        "date_source": row.get("date_source"),
        "location": loc if any(v is not None for v in loc.values()) else None,
        "attribution": {"source": row["attribution"], "kind": row.get("attribution_kind")}
        if row.get("attribution") is not None else None,
        "factuality": row["factuality"], "sentence": row["sentence"], "span": [row["span_start"], row["span_end"]],
        "event_text": row["event_text"], "confidence": row.get("confidence"), "coder": row["coder"],
    }
    if row.get("n_reports") is not None:  # event clusters carry these; per-article reports do not
        record.update(n_reports=row["n_reports"], n_sources=row.get("n_sources"),
                      reports=list(row.get("reports") or []))
    return record


def _place_names(loc: dict | None) -> tuple[str | None, str | None]:
    """(province, country) names of a record's location from the gazetteer; records stored before locations
    kept the province's name have its GeoNames code ("68")."""
    if not loc or not loc.get("country"):
        return None, None
    gazetteer = default_gazetteer()
    return admin1_name(loc["country"], loc.get("admin1"), gazetteer), gazetteer.country_name(loc["country"])


# Phoenix (OEDA daily files) columns, in Phoenix's order.
PHOENIX_TYPES: dict[str, str] = {
    "EventID": "VARCHAR", "Date": "INTEGER", "Year": "INTEGER", "Month": "INTEGER", "Day": "INTEGER",
    "SourceActorFull": "VARCHAR", "SourceActorEntity": "VARCHAR", "SourceActorRole": "VARCHAR",
    "SourceActorAttribute": "VARCHAR", "TargetActorFull": "VARCHAR", "TargetActorEntity": "VARCHAR",
    "TargetActorRole": "VARCHAR", "TargetActorAttribute": "VARCHAR", "EventCode": "VARCHAR",
    "EventRootCode": "VARCHAR", "QuadClass": "INTEGER", "GoldsteinScore": "DOUBLE", "Issues": "VARCHAR",
    "ActionLat": "DOUBLE", "ActionLong": "DOUBLE", "LocationName": "VARCHAR", "GeoCountryName": "VARCHAR",
    "GeoStateName": "VARCHAR", "SentenceID": "VARCHAR", "URLs": "VARCHAR", "NewsSources": "VARCHAR",
}


def phoenix_row(record: dict, origin: Origin | None = None) -> dict[str, Any]:
    """One event record as Phoenix-style columns."""
    origin = origin or Origin()
    day = _day(record)
    source, target = _firsts(record)
    loc = record.get("location") or {}
    province, country = _place_names(loc)
    return {
        "EventID": record["event_id"], "Date": int(day.strftime("%Y%m%d")) if day else None,
        "Year": day.year if day else None, "Month": day.month if day else None, "Day": day.day if day else None,
        **{f"{side}Actor{part}": value for side, entity in (("Source", source), ("Target", target))
           for part, value in (("Full", combined_code(entity.get("country"), entity.get("sector"))),
                               ("Entity", entity.get("country")), ("Role", entity.get("sector")),
                               ("Attribute", None))},
        "EventCode": record.get("cameo"), "EventRootCode": _codes(record.get("cameo"))[0],
        "QuadClass": record.get("quad_class"), "GoldsteinScore": record.get("goldstein"),
        "Issues": ";".join(record.get("context") or []) or None,
        "ActionLat": loc.get("lat"), "ActionLong": loc.get("lon"), "LocationName": loc.get("name"),
        "GeoCountryName": country, "GeoStateName": province, "SentenceID": record["doc_id"],
        "URLs": origin.url, "NewsSources": origin.outlet,
    }


# GDELT 2.0 event-table columns that wirecoder can fill, in GDELT's order.
GDELT_TYPES: dict[str, str] = {
    "GLOBALEVENTID": "VARCHAR", "SQLDATE": "INTEGER", "MonthYear": "INTEGER", "Year": "INTEGER",
    "FractionDate": "DOUBLE",
    "Actor1Code": "VARCHAR", "Actor1Name": "VARCHAR", "Actor1CountryCode": "VARCHAR", "Actor1Type1Code": "VARCHAR",
    "Actor2Code": "VARCHAR", "Actor2Name": "VARCHAR", "Actor2CountryCode": "VARCHAR", "Actor2Type1Code": "VARCHAR",
    "EventCode": "VARCHAR", "EventBaseCode": "VARCHAR", "EventRootCode": "VARCHAR", "QuadClass": "INTEGER",
    "GoldsteinScale": "DOUBLE", "NumMentions": "INTEGER", "NumSources": "INTEGER", "NumArticles": "INTEGER",
    "ActionGeo_Type": "INTEGER", "ActionGeo_FullName": "VARCHAR", "ActionGeo_CountryCode": "VARCHAR",
    "ActionGeo_Lat": "DOUBLE", "ActionGeo_Long": "DOUBLE", "ActionGeo_FeatureID": "BIGINT",
    "DATEADDED": "BIGINT", "SOURCEURL": "VARCHAR",
}
# GDELT's ActionGeo_Type by gazetteer feature, (in the United States, elsewhere): 1 country, 2 US state, 3 US city
# or landmark, 4 other city or landmark, 5 other first-order division. Named regions have none.
_GDELT_GEO_TYPE = {"country": (1, 1), "admin1": (2, 5), "admin2": (3, 4), "city": (3, 4), "landmark": (3, 4)}


def gdelt_row(record: dict, origin: Origin | None = None) -> dict[str, Any]:
    """One event record as GDELT-style columns."""
    origin = origin or Origin()
    day = _day(record)
    actor1, actor2 = _firsts(record)
    root, base = _codes(record.get("cameo"))
    loc = record.get("location") or {}
    province, country = _place_names(loc)
    feature = loc.get("feature")
    geo_type = _GDELT_GEO_TYPE.get(feature)
    # "City, Province, Country" as far as the place is precise ("Aleppo, Aleppo, Syria"; "Antalya, Turkey")
    parts = [loc.get("name"), province if feature not in ("country", "admin1") else None,
             country if feature != "country" else None] if loc else []
    doc_ids = origin.doc_ids if origin.doc_ids is not None else (record["doc_id"],)
    return {
        "GLOBALEVENTID": record["event_id"], "SQLDATE": int(day.strftime("%Y%m%d")) if day else None,
        "MonthYear": day.year * 100 + day.month if day else None, "Year": day.year if day else None,
        "FractionDate": round(day.year + (day.month * 30 + day.day) / 365, 4) if day else None,
        **{f"Actor{n}{part}": value for n, entity in ((1, actor1), (2, actor2))
           for part, value in (("Code", combined_code(entity.get("country"), entity.get("sector"))),
                               ("Name", entity.get("name")), ("CountryCode", entity.get("country")),
                               ("Type1Code", entity.get("sector")))},
        "EventCode": record.get("cameo"), "EventBaseCode": base, "EventRootCode": root,
        "QuadClass": record.get("quad_class"), "GoldsteinScale": record.get("goldstein"),
        "NumMentions": record.get("n_reports", 1), "NumSources": record.get("n_sources", 1),
        "NumArticles": len(doc_ids),
        "ActionGeo_Type": (geo_type[0] if loc.get("country") == "USA" else geo_type[1]) if geo_type else None,
        "ActionGeo_FullName": ", ".join(p for p in parts if p) or None,
        "ActionGeo_CountryCode": loc.get("country"), "ActionGeo_Lat": loc.get("lat"),
        "ActionGeo_Long": loc.get("lon"), "ActionGeo_FeatureID": loc.get("geonameid"),
        "DATEADDED": int(origin.coded_at.strftime("%Y%m%d%H%M%S")) if origin.coded_at else None,
        "SOURCEURL": origin.url,
    }


@dataclass(frozen=True)
class ColumnSet:
    """The columns of a TSV, CSV or Parquet export: names and DuckDB types in file order, the function that
    fills them from a record, and the year and month columns a Parquet directory is partitioned by."""

    types: dict[str, str]
    row: Callable[[dict, Origin | None], dict[str, Any]]
    partition: tuple[str, str]


COLUMNS = {
    "wirecoder": ColumnSet(COLUMN_TYPES, flat_row, ("year", "month")),
    "phoenix": ColumnSet(PHOENIX_TYPES, phoenix_row, ("Year", "Month")),
    "gdelt": ColumnSet(GDELT_TYPES, gdelt_row, ("Year", "MonthYear")),
}
COLUMN_SETS = tuple(COLUMNS)


def duckdb_csv_types(columns: str = "wirecoder", *, lists_as_json: bool = True) -> dict[str, str]:
    """DuckDB types of a TSV/CSV export's columns, to cast them to once unescaped (codes stay VARCHAR)."""
    return {name: ("JSON" if lists_as_json and kind.endswith("[]") else kind)
            for name, kind in COLUMNS[columns].types.items()}


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _from_text(column: str, text: str) -> Any:
    kind = COLUMN_TYPES[column]
    if text == "":
        return "" if column in _REQUIRED_TEXT else None
    text = unescape(text)
    if kind.endswith("[]"):
        return json.loads(text)
    if kind in ("INTEGER", "BIGINT"):
        return int(text)
    if kind == "DOUBLE":
        return float(text)
    if kind == "DATE":
        return date.fromisoformat(text)
    return text


# --- PLOVER JSON --------------------------------------------------------------------------------

# Top-level PLOVER fields (PLOVER manual, table "PLOVER JSON") and entity fields ("Information object for
# entities") that wirecoder writes, and the fields it adds (the manual invites named extra fields).
PLOVER_FIELDS = ("id", "date", "actor", "recipient", "event", "event_loc", "event_text", "quad_code",
                 "event_scale", "mode", "context", "text", "text_info", "cite_info", "coder", "coded_date",
                 "coded_time")
PLOVER_ENTITY_FIELDS = ("code", "sector", "entity_text", "identifier_id", "identifier_text")
EXTENSION_FIELDS = ("cameo", "date_precision", "date_text", "date_source", "factuality", "attribution",
                    "confidence", "span", "n_reports", "n_sources", "reports")


def _plover_entity(e: dict) -> dict:
    return {"code": plover_country(e.get("country")), "sector": e.get("sector"), "entity_text": e.get("text"),
            "identifier_id": e.get("id"), "identifier_text": e.get("name")}


def _entity_from_plover(e: dict) -> dict:
    return {"text": e.get("entity_text"), "name": e.get("identifier_text"), "country": e.get("code"),
            "sector": e.get("sector"), "id": e.get("identifier_id"), "why": None}


def _entities_from_plover(obj: dict, side: str) -> list[dict]:
    entities = [_entity_from_plover(e) for e in obj.get(side) or []]
    for entity, why in zip(entities, obj.get(f"{side}_why") or [], strict=False):
        entity["why"] = why
    return entities


def to_plover(record: dict, origin: Origin | None = None) -> dict:
    """A wirecoder event record as a PLOVER JSON object (field names and actor codes of the PLOVER manual)."""
    origin = origin or Origin()
    loc = record.get("location")
    start = origin.text_start
    out = {
        "id": record["event_id"],
        "date": record.get("date"),
        "actor": [_plover_entity(e) for e in record.get("actor") or []],
        "recipient": [_plover_entity(e) for e in record.get("recipient") or []],
        "event": [record["event_type"]],
        "mode": [record["mode"]] if record.get("mode") is not None else [],
        "context": list(record.get("context") or []),
        "event_loc": None if loc is None else {
            "extracted_place": loc.get("text"), "resolved_place": loc.get("name"), "geonameid": loc.get("geonameid"),
            "lat": loc.get("lat"), "lon": loc.get("lon"), "country_code": plover_country(loc.get("country")),
            "admin1": loc.get("admin1"), "feature": loc.get("feature")},
        "event_text": [record["event_text"]],
        "quad_code": record.get("quad_class"),
        "event_scale": record.get("goldstein"),
        "text": record["sentence"],
        # the sentence's offsets in its article, when the store's copy of the article confirms them
        **({"text_info": {"start": start, "end": start + len(record["sentence"])}} if start is not None else {}),
        "cite_info": {"citation": record["doc_id"], "url": origin.url, "title": origin.title,
                      "publication": origin.outlet, "codebook": CODEBOOK},
        "coder": record["coder"],
    }
    if origin.coded_at is not None:
        out["coded_date"] = origin.coded_at.date().isoformat()
        out["coded_time"] = origin.coded_at.time().isoformat()
    for key in EXTENSION_FIELDS:
        if key in record:
            out[key] = record[key]
    for side in ("actor", "recipient"):
        # where a party's country came from when the text did not name it: a wirecoder extension
        whys = [e.get("why") for e in record.get(side) or []]
        if any(whys):
            out[f"{side}_why"] = whys
    return out


def from_plover(obj: dict) -> dict:
    """The wirecoder event record back from `to_plover`'s output."""
    try:
        events = obj["event"]
        if len(events) != 1:
            raise ExportError(f"a wirecoder record has one event type, this PLOVER object has {len(events)}")
        modes = obj.get("mode") or []
        if len(modes) > 1:
            raise ExportError(f"a wirecoder record has at most one mode, this PLOVER object has {len(modes)}")
        event_text = obj.get("event_text") or [""]
        loc = obj.get("event_loc")
        text_info = obj.get("text_info") or {}
        record = {
            "doc_id": obj["cite_info"]["citation"], "event_id": obj["id"], "event_type": events[0],
            "mode": modes[0] if modes else None, "context": list(obj.get("context") or []),
            "cameo": obj.get("cameo"), "quad_class": obj.get("quad_code"), "goldstein": obj.get("event_scale"),
            "actor": _entities_from_plover(obj, "actor"),
            "recipient": _entities_from_plover(obj, "recipient"),
            "date": obj.get("date"), "date_precision": obj.get("date_precision"), "date_text": obj.get("date_text"),
            "date_source": obj.get("date_source"),
            "location": None if loc is None else {
                "text": loc.get("extracted_place"), "name": loc.get("resolved_place"),
                "country": loc.get("country_code"), "admin1": loc.get("admin1"), "lat": loc.get("lat"),
                "lon": loc.get("lon"), "geonameid": loc.get("geonameid"), "feature": loc.get("feature")},
            "attribution": obj.get("attribution"), "factuality": obj["factuality"], "sentence": obj.get("text"),
            # exports before `span` gave the trigger's offsets as text_info
            "span": list(obj.get("span") or [text_info.get("start"), text_info.get("end")]),
            "event_text": event_text[0], "confidence": obj.get("confidence"), "coder": obj.get("coder"),
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ExportError(f"not a wirecoder PLOVER record: missing or malformed {exc}") from exc
    record["date_source"] = date_source(record)
    for key in ("n_reports", "n_sources", "reports"):
        if key in obj:
            record[key] = obj[key]
    return record


# --- reading the store ----------------------------------------------------------------------------

def _text_start_sql(record: str) -> str:
    """SQL for (window start, 1-based position of the sentence in the window or 0): the window of the article
    where a sentence that holds the trigger span can start, so a sentence the article repeats is found at the
    trigger's occurrence."""
    sentence = f"({record}->>'sentence')"
    start, end = (f"CAST({record}->>'$.span[{i}]' AS BIGINT)" for i in (0, 1))
    low = f"greatest({end} - length({sentence}), 0)"
    return f"{low}, strpos(substr(a.text, {low} + 1, {start} + length({sentence}) - {low}), {sentence})"


def _source_rows(store, filters: Filters, level: str, *, text_start: bool = False) -> Iterator[tuple[dict, Origin]]:
    """(record, origin) in query.select's order: date (nulls last), then id. `text_start` finds where each
    record's sentence starts in its article (PLOVER's text_info)."""
    clause, params = where(filters, level)
    if level == "events":
        rows = (
            f"e AS (SELECT event_id, date, record FROM events{clause}), "
            "d AS (SELECT event_id, list_sort(list_distinct(list(doc_id))) AS doc_ids FROM reports "
            "WHERE event_id IN (SELECT event_id FROM e) GROUP BY event_id), "
            "x AS (SELECT e.event_id AS id, e.date, e.record, d.doc_ids, e.record->>'doc_id' AS doc_id "
            "FROM e LEFT JOIN d USING (event_id))")
    else:
        rows = f"x AS (SELECT report_id AS id, date, record, [doc_id] AS doc_ids, doc_id FROM reports{clause})"
    offsets = _text_start_sql("x.record") if text_start else "NULL, NULL"
    sql = (f"WITH {rows} SELECT x.record, x.doc_ids, a.url, a.title, a.outlet, a.coded_at, {offsets} "
           "FROM x LEFT JOIN articles a ON a.doc_id = x.doc_id ORDER BY x.date NULLS LAST, x.id")
    cursor = store.con.cursor()
    try:
        result = cursor.execute(sql, params)
        while batch := result.fetchmany(_BATCH):
            for record, doc_ids, url, title, outlet, coded_at, low, position in batch:
                yield json.loads(record), Origin(
                    tuple(doc_ids) if doc_ids is not None else None, url, title, outlet, coded_at,
                    low + position - 1 if position else None)
    finally:
        cursor.close()


# --- writing ------------------------------------------------------------------------------------

@contextmanager
def atomic_path(out: Path, *, directory: bool = False):
    """A temporary path beside `out`, renamed onto it when the block succeeds and removed when it fails."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    target = tmp / "data" if directory else tmp / out.name
    try:
        yield target
        if directory:
            old = None
            if out.exists():
                old = tmp / "old"
                os.replace(out, old)
            os.replace(target, out)
        else:
            if out.is_dir():
                raise ExportError(f"{out} is a directory", hint="give a file name for this format")
            os.replace(target, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _csv_field(text: str) -> str:
    """RFC 4180 quoting of an escaped field (which holds no line break)."""
    return '"' + text.replace('"', '""') + '"' if "," in text or '"' in text else text


def _lines(source: Iterable[tuple[dict, Origin]], fmt: str, columns: ColumnSet) -> Iterator[str]:
    """The export's lines, each ending in LF: one per record, after a header row in TSV and CSV."""
    if fmt == "plover-jsonl":
        for record, origin in source:
            yield json.dumps(to_plover(record, origin), ensure_ascii=False, default=_json_default) + "\n"
        return
    if fmt == "tsv":
        def join(values: list[str]) -> str:
            return "\t".join(values) + "\n"
    else:
        def join(values: list[str]) -> str:
            return ",".join(_csv_field(v) for v in values) + "\n"
    names = list(columns.types)
    yield join(names)
    for record, origin in source:
        row = columns.row(record, origin)
        yield join([_to_text(row[name]) for name in names])


def _chunked(lines: Iterable[str]) -> Iterator[bytes]:
    """Lines gathered into UTF-8 chunks of about _CHUNK bytes."""
    parts: list[str] = []
    size = 0
    for line in lines:
        parts.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    if parts:
        yield "".join(parts).encode("utf-8")


def _write_parquet(source: Iterable[tuple[dict, Origin]], path: Path, columns: ColumnSet, *,
                   partitioned: bool) -> int:
    """Rows through a JSONL file beside `path` (nulls and empty strings stay apart) into one Parquet file, or a
    directory partitioned by year and month (hive layout `year=2016/month=12/`; undated events under
    `__HIVE_DEFAULT_PARTITION__`)."""
    staging = path.parent / "rows.jsonl"
    n = 0
    with open(staging, "w", encoding="utf-8", newline="\n") as f:
        for record, origin in source:
            f.write(json.dumps(columns.row(record, origin), ensure_ascii=False, default=_json_default) + "\n")
            n += 1
    if partitioned:
        path.mkdir()
    if n or not partitioned:
        # the column names and types are constants of this module, not user input; the paths are parameters
        types = "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.types.items()) + "}"
        options = "FORMAT PARQUET"
        if partitioned:
            options += f", PARTITION_BY ({', '.join(columns.partition)}), OVERWRITE_OR_IGNORE"
        con = duckdb.connect()
        try:
            con.execute(f"COPY (SELECT * FROM read_json(?, format = 'newline_delimited', columns = {types})) "
                        f"TO ? ({options})", [str(staging), str(path)])
        finally:
            con.close()
    staging.unlink()
    return n


class _Counted:
    """An iterator that counts the items passing through it."""

    def __init__(self, items: Iterable) -> None:
        self._items = iter(items)
        self.n = 0

    def __iter__(self) -> _Counted:
        return self

    def __next__(self):
        item = next(self._items)
        self.n += 1
        return item


def _column_set(fmt: str, level: str, columns: str) -> ColumnSet:
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise ExportError(f"unknown level {level!r}", hint=f"one of {', '.join(LEVELS)}")
    if columns not in COLUMNS:
        raise ExportError(f"unknown column set {columns!r}", hint=f"one of {', '.join(COLUMN_SETS)}")
    if fmt == "plover-jsonl" and columns != "wirecoder":
        raise ExportError("PLOVER JSONL has the PLOVER manual's fields, not a column set",
                          hint="column sets are for tsv, csv and parquet")
    return COLUMNS[columns]


def _failure(exc: Exception, store, out: str) -> WirecoderError:
    """The coded error for a failure while reading the store or writing the export."""
    damaged = store_error(exc, getattr(store, "path", "store"), "cannot read the events to export")
    if isinstance(damaged, StoreDamagedError):
        return damaged
    full = store_error(exc, out, "cannot write the export")
    if isinstance(full, StoreFullError):
        return full
    return ExportError(f"cannot write export: {exc}", source=out)


def export(store, out: Path, fmt: str, *, filters: Filters = Filters(), level: str = "events",  # noqa: B008
           columns: str = "wirecoder") -> int:
    """Write the store's events (or per-article reports) matching `filters` to `out`; returns rows written.

    `fmt` is one of FORMATS, `columns` one of COLUMN_SETS (TSV, CSV and Parquet). Parquet writes a directory
    partitioned by year and month; the others one file. `store` is anything with a DuckDB connection `.con`.
    The export is written beside `out` under a temporary name and renamed into place (replacing what was there),
    so a crash never leaves half an export.
    """
    column_set = _column_set(fmt, level, columns)
    out = Path(out)
    source = _Counted(_source_rows(store, filters, level, text_start=fmt == "plover-jsonl"))
    try:
        with atomic_path(out, directory=fmt == "parquet") as tmp:
            if fmt == "parquet":
                return _write_parquet(source, tmp, column_set, partitioned=True)
            with open(tmp, "wb") as f:
                for chunk in _chunked(_lines(source, fmt, column_set)):
                    f.write(chunk)
            return source.n
    except (OSError, duckdb.Error) as exc:
        raise _failure(exc, store, str(out)) from exc


def export_chunks(store, fmt: str, *, filters: Filters = Filters(), level: str = "events",  # noqa: B008
                  columns: str = "wirecoder") -> Iterator[bytes]:
    """The same export as bytes, a piece at a time, never the whole file in memory (the web API streams it).

    Arguments are checked, and the store queried, when the first piece is asked for. Parquet comes as one file
    (not partitioned), written to a temporary file first and removed when the stream ends or is closed.
    """
    column_set = _column_set(fmt, level, columns)
    try:
        source = _source_rows(store, filters, level, text_start=fmt == "plover-jsonl")
        if fmt == "parquet":
            yield from _parquet_chunks(source, column_set)
        else:
            yield from _chunked(_lines(source, fmt, column_set))
    except (OSError, duckdb.Error) as exc:
        raise _failure(exc, store, download_name(fmt)) from exc


def _parquet_chunks(source: Iterable[tuple[dict, Origin]], columns: ColumnSet) -> Iterator[bytes]:
    tmp = Path(tempfile.mkdtemp(prefix="wirecoder-export-"))
    try:
        path = tmp / "export.parquet"
        _write_parquet(source, path, columns, partitioned=False)
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def download_name(fmt: str) -> str:
    """The file name a download of this format gets: wirecoder-events.tsv, ... (Parquet: one .parquet file)."""
    if fmt not in EXTENSIONS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    return f"wirecoder-events.{EXTENSIONS[fmt]}"


# --- reading back ---------------------------------------------------------------------------------

def read_export(path: Path, fmt: str) -> list[dict]:
    """Event records (docs/event-record.md) back from an export with wirecoder's columns, in the order they
    were written. Parquet: a partitioned directory (`export`) or one file (`export_chunks`)."""
    path = Path(path)
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    if not path.exists():
        raise ExportError("no such export", source=str(path))
    try:
        if fmt == "plover-jsonl":
            return _read_plover(path)
        if fmt == "parquet":
            return _read_parquet(path)
        return _read_delimited(path, fmt)
    except (OSError, UnicodeDecodeError, duckdb.Error) as exc:
        raise ExportError(f"cannot read export: {exc}", source=str(path)) from exc


def _read_plover(path: Path) -> list[dict]:
    out = []
    with open(path, encoding="utf-8", newline="\n") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                out.append(from_plover(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ExportError(f"not JSON: {exc}", source=str(path), line=line_no) from exc
            except ExportError as exc:
                raise ExportError(exc.message, source=str(path), line=line_no) from exc
    return out


def _read_delimited(path: Path, fmt: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="" if fmt == "csv" else "\n") as f:
        rows = csv.reader(f) if fmt == "csv" else (line.removesuffix("\n").split("\t") for line in f)
        header = next(rows, None)
        if header is None or tuple(header) != TSV_COLUMNS:
            raise ExportError("the header is not wirecoder's export header", source=str(path), line=1,
                              hint="only exports with wirecoder's columns read back (see docs/exports.md)")
        out = []
        for line_no, values in enumerate(rows, start=2):  # one record per line
            if len(values) != len(TSV_COLUMNS):
                raise ExportError(f"expected {len(TSV_COLUMNS)} fields, got {len(values)}", source=str(path),
                                  line=line_no)
            try:
                out.append(record_from_row({c: _from_text(c, v) for c, v in zip(TSV_COLUMNS, values, strict=True)}))
            except ValueError as exc:
                raise ExportError(f"bad value: {exc}", source=str(path), line=line_no) from exc
    return out


def _read_parquet(path: Path) -> list[dict]:
    files = [path] if path.is_file() else sorted(path.rglob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        result = con.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = ?) ORDER BY date NULLS LAST, event_id",
            [[str(f) for f in files], path.is_dir()])
        names = [d[0] for d in result.description]
        return [record_from_row(dict(zip(names, values, strict=True))) for values in result.fetchall()]
    finally:
        con.close()
