"""Exports of stored events: PLOVER JSONL, a Phoenix/GDELT-style TSV, CSV and partitioned Parquet.

Every format re-imports (`read_export`) to exactly the event records the store holds, so an export can be
checked and a dataset rebuilt from it. Formats, columns and how to load them: docs/exports.md.

All four formats come from one flattening (`flat_row`) and go back through one (`record_from_row`):
TSV and CSV write it as text (lists as JSON arrays, empty field = null), Parquet as typed columns
(lists and entities as native LIST/STRUCT). Files are written to a temporary name beside `out` and
renamed into place, so a crash never leaves half an export.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from .errors import WirecoderError
from .query import LEVELS, Filters, where
from .schema import ENTITY_FIELDS

FORMATS = ("plover-jsonl", "tsv", "csv", "parquet")
CODEBOOK = "PLOVER 0.8; CAMEO 1.1b3"
_BATCH = 5000


class ExportError(WirecoderError):
    """An export cannot be written, or a file given back to `read_export` is not a wirecoder export."""

    code = "W600"


# --- columns of the flat formats (TSV, CSV, Parquet) ------------------------------------------------

_ENTITY_STRUCT = "STRUCT(" + ", ".join(f'"{k}" VARCHAR' for k in ENTITY_FIELDS) + ")"

# name -> DuckDB type in Parquet (and for reading the TSV/CSV with DuckDB). Lists (`[]`) are JSON arrays in
# TSV/CSV. Order is the file order; docs/exports.md documents each column.
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


def duckdb_csv_types(*, lists_as_json: bool = True) -> dict[str, str]:
    """Column types for DuckDB's `read_csv(..., types=...)` on a TSV/CSV export (codes stay VARCHAR)."""
    return {name: ("JSON" if lists_as_json and kind.endswith("[]") else kind) for name, kind in COLUMN_TYPES.items()}


def flat_row(record: dict, doc_ids: list[str] | None = None) -> dict[str, Any]:
    """One event record as the typed columns of the flat formats (lists stay Python lists)."""
    actor = record.get("actor") or []
    recipient = record.get("recipient") or []
    first_a = actor[0] if actor else {}
    first_r = recipient[0] if recipient else {}
    day = date.fromisoformat(record["date"]) if record.get("date") else None
    loc = record.get("location") or {}
    attribution = record.get("attribution") or {}
    cameo = record.get("cameo")
    span = record.get("span") or [None, None]
    return {
        "event_id": record["event_id"], "doc_id": record["doc_id"], "date": day,
        "sqldate": int(day.strftime("%Y%m%d")) if day else None,
        "year": day.year if day else None, "month": day.month if day else None, "day": day.day if day else None,
        "date_precision": record.get("date_precision"), "date_text": record.get("date_text"),
        "source_country": first_a.get("country"), "source_sector": first_a.get("sector"),
        "source_text": first_a.get("text"), "source_name": first_a.get("name"), "source_id": first_a.get("id"),
        "target_country": first_r.get("country"), "target_sector": first_r.get("sector"),
        "target_text": first_r.get("text"), "target_name": first_r.get("name"), "target_id": first_r.get("id"),
        "event_type": record["event_type"], "cameo": cameo, "root_code": cameo[:2] if cameo else None,
        "quad_class": record.get("quad_class"), "goldstein": record.get("goldstein"), "mode": record.get("mode"),
        "context": list(record.get("context") or []), "factuality": record["factuality"],
        "confidence": record.get("confidence"),
        **{column: loc.get(key) for key, column in _LOCATION_COLUMNS.items()},
        "attribution": attribution.get("source"), "attribution_kind": attribution.get("kind"),
        "n_reports": record.get("n_reports"), "n_sources": record.get("n_sources"),
        "reports": record.get("reports"), "doc_ids": doc_ids if doc_ids is not None else [record["doc_id"]],
        "actor": [{k: e.get(k) for k in ENTITY_FIELDS} for e in actor],
        "recipient": [{k: e.get(k) for k in ENTITY_FIELDS} for e in recipient],
        "span_start": span[0], "span_end": span[1],
        "event_text": record["event_text"], "coder": record["coder"], "sentence": record["sentence"],
    }


def record_from_row(row: dict[str, Any]) -> dict:
    """The event record (docs/event-record.md) back from typed flat columns; derived columns are ignored."""
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


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _from_text(column: str, text: str) -> Any:
    kind = COLUMN_TYPES[column]
    if text == "":
        return "" if column in _REQUIRED_TEXT else None
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
EXTENSION_FIELDS = ("cameo", "date_precision", "date_text", "factuality", "attribution", "confidence",
                    "n_reports", "n_sources", "reports")


def _plover_entity(e: dict) -> dict:
    return {"code": e.get("country"), "sector": e.get("sector"), "entity_text": e.get("text"),
            "identifier_id": e.get("id"), "identifier_text": e.get("name")}


def _entity_from_plover(e: dict) -> dict:
    return {"text": e.get("entity_text"), "name": e.get("identifier_text"), "country": e.get("code"),
            "sector": e.get("sector"), "id": e.get("identifier_id"), "why": None}


def _entities_from_plover(obj: dict, side: str) -> list[dict]:
    entities = [_entity_from_plover(e) for e in obj.get(side) or []]
    for entity, why in zip(entities, obj.get(f"{side}_why") or [], strict=False):
        entity["why"] = why
    return entities


def to_plover(record: dict, *, coded_at: datetime | None = None) -> dict:
    """A wirecoder event record as a PLOVER JSON object (field names of the PLOVER manual)."""
    loc = record.get("location")
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
            "lat": loc.get("lat"), "lon": loc.get("lon"), "country_code": loc.get("country"),
            "admin1": loc.get("admin1"), "feature": loc.get("feature")},
        "event_text": [record["event_text"]],
        "quad_code": record.get("quad_class"),
        "event_scale": record.get("goldstein"),
        "text": record["sentence"],
        "text_info": {"start": record["span"][0], "end": record["span"][1]},
        "cite_info": {"citation": record["doc_id"], "codebook": CODEBOOK},
        "coder": record["coder"],
    }
    if coded_at is not None:
        out["coded_date"] = coded_at.date().isoformat()
        out["coded_time"] = coded_at.time().isoformat()
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
            "location": None if loc is None else {
                "text": loc.get("extracted_place"), "name": loc.get("resolved_place"),
                "country": loc.get("country_code"), "admin1": loc.get("admin1"), "lat": loc.get("lat"),
                "lon": loc.get("lon"), "geonameid": loc.get("geonameid"), "feature": loc.get("feature")},
            "attribution": obj.get("attribution"), "factuality": obj["factuality"], "sentence": obj.get("text"),
            "span": [text_info.get("start"), text_info.get("end")], "event_text": event_text[0],
            "confidence": obj.get("confidence"), "coder": obj.get("coder"),
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ExportError(f"not a wirecoder PLOVER record: missing or malformed {exc}") from exc
    for key in ("n_reports", "n_sources", "reports"):
        if key in obj:
            record[key] = obj[key]
    return record


# --- writing ------------------------------------------------------------------------------------

def _source_rows(store, filters: Filters, level: str) -> Iterator[tuple[dict, list[str], datetime | None]]:
    """(record, doc_ids, coded_at) in query.select's order: date (nulls last), then id."""
    clause, params = where(filters, level)
    if level == "events":
        sql = (
            f"WITH e AS (SELECT event_id, date, record FROM events{clause}), "
            "d AS (SELECT event_id, list_sort(list_distinct(list(doc_id))) AS doc_ids FROM reports "
            "WHERE event_id IN (SELECT event_id FROM e) GROUP BY event_id) "
            "SELECT e.record, d.doc_ids, a.coded_at FROM e LEFT JOIN d USING (event_id) "
            "LEFT JOIN articles a ON a.doc_id = e.record->>'doc_id' ORDER BY e.date NULLS LAST, e.event_id")
    else:
        sql = (
            f"WITH r AS (SELECT report_id, doc_id, date, record FROM reports{clause}) "
            "SELECT r.record, [r.doc_id], a.coded_at FROM r LEFT JOIN articles a USING (doc_id) "
            "ORDER BY r.date NULLS LAST, r.report_id")
    cursor = store.con.cursor()
    try:
        result = cursor.execute(sql, params)
        while batch := result.fetchmany(_BATCH):
            for record, doc_ids, coded_at in batch:
                yield json.loads(record), doc_ids, coded_at
    finally:
        cursor.close()


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


def _write_jsonl(rows: Iterable[dict], path: Path) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
            n += 1
    return n


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _write_delimited(source, path: Path, delimiter: str) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(TSV_COLUMNS)
        for record, doc_ids, _ in source:
            row = flat_row(record, doc_ids)
            writer.writerow([_to_text(row[c]) for c in TSV_COLUMNS])
            n += 1
    return n


def _json_columns() -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in COLUMN_TYPES.items()) + "}"


def _write_parquet(source, path: Path) -> int:
    """Flat rows through a JSONL file (nulls and empty strings stay apart) into Parquet partitioned by
    year and month (hive layout `year=2016/month=12/`; undated events under `__HIVE_DEFAULT_PARTITION__`)."""
    staging = path.parent / "rows.jsonl"
    n = _write_jsonl((flat_row(record, doc_ids) for record, doc_ids, _ in source), staging)
    path.mkdir()
    if n == 0:
        return 0
    con = duckdb.connect()
    try:
        # COLUMN_TYPES is a constant of this module, not user input; the paths are parameters.
        con.execute(
            f"COPY (SELECT * FROM read_json(?, format = 'newline_delimited', columns = {_json_columns()})) "
            "TO ? (FORMAT PARQUET, PARTITION_BY (year, month), OVERWRITE_OR_IGNORE)",
            [str(staging), str(path)])
    finally:
        con.close()
    staging.unlink()
    return n


def export(store, out: Path, fmt: str, *, filters: Filters = Filters(), level: str = "events") -> int:  # noqa: B008
    """Write the store's events (or per-article reports) matching `filters` to `out`; returns rows written.

    `fmt` is one of FORMATS. Parquet writes a directory partitioned by year and month; the others one file.
    The export is written beside `out` under a temporary name and renamed into place (replacing what was
    there), so a crash never leaves half an export.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"one of {', '.join(FORMATS)}")
    if level not in LEVELS:
        raise ExportError(f"unknown level {level!r}", hint=f"one of {', '.join(LEVELS)}")
    out = Path(out)
    source = _source_rows(store, filters, level)
    try:
        with atomic_path(out, directory=fmt == "parquet") as tmp:
            if fmt == "plover-jsonl":
                return _write_jsonl((to_plover(r, coded_at=c) for r, _, c in source), tmp)
            if fmt == "parquet":
                return _write_parquet(source, tmp)
            return _write_delimited(source, tmp, "\t" if fmt == "tsv" else ",")
    except (OSError, duckdb.Error) as exc:
        from .errors import StoreDamagedError, StoreFullError
        from .store import store_error

        damaged = store_error(exc, getattr(store, "path", "store"), "cannot read the events to export")
        if isinstance(damaged, StoreDamagedError):
            raise damaged from exc
        full = store_error(exc, str(out), "cannot write the export")
        if isinstance(full, StoreFullError):
            raise full from exc
        raise ExportError(f"cannot write export: {exc}", source=str(out)) from exc


# --- reading back ---------------------------------------------------------------------------------

def read_export(path: Path, fmt: str) -> list[dict]:
    """Event records (docs/event-record.md) back from an export, in the order they were written."""
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
        return _read_delimited(path, "\t" if fmt == "tsv" else ",")
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


def _read_delimited(path: Path, delimiter: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        header = next(reader, None)
        if header is None or tuple(header) != TSV_COLUMNS:
            raise ExportError("the header is not wirecoder's export header", source=str(path), line=1,
                              hint="see TSV_COLUMNS in docs/exports.md")
        out = []
        for values in reader:
            if len(values) != len(TSV_COLUMNS):
                raise ExportError(f"expected {len(TSV_COLUMNS)} fields, got {len(values)}", source=str(path),
                                  line=reader.line_num)
            try:
                out.append(record_from_row({c: _from_text(c, v) for c, v in zip(TSV_COLUMNS, values, strict=True)}))
            except ValueError as exc:
                raise ExportError(f"bad value: {exc}", source=str(path), line=reader.line_num) from exc
    return out


def _read_parquet(path: Path) -> list[dict]:
    files = sorted(path.rglob("*.parquet"))
    if not files:
        return []
    con = duckdb.connect()
    try:
        result = con.execute(
            "SELECT * FROM read_parquet(?, hive_partitioning = true) ORDER BY date NULLS LAST, event_id",
            [[str(f) for f in files]])
        names = [d[0] for d in result.description]
        return [record_from_row(dict(zip(names, values, strict=True))) for values in result.fetchall()]
    finally:
        con.close()
