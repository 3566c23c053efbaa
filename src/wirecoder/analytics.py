"""Dyad analytics: daily, weekly or monthly conflict-cooperation series per actor pair.

`dyad_series(store, "RUS", "TUR")` counts the events (clusters, not reports) RUS did to TUR per period,
with their quad classes, Goldstein sum and mean, mean PLOVER score and conflict share. Scales and
conventions: docs/exports.md ("Dyad series").
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import replace
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import duckdb

from .errors import DataFileError
from .exports import ExportError, atomic_path
from .query import LEVELS, Filters, QueryError, where
from .schema import PLOVER_TYPES

FREQS = ("day", "week", "month")
SERIES_FORMATS = ("csv", "parquet")
# Events that did not happen are left out of a series unless `filters.factuality` asks for them.
EXCLUDED_FACTUALITY = ("negated", "hypothetical")
SERIES_COLUMNS = ("period", "actor", "recipient", "n_events", "quad1", "quad2", "quad3", "quad4",
                  "goldstein_sum", "goldstein_mean", "plover_score", "conflict_share")
_SERIES_TYPES = {"period": "DATE", "actor": "VARCHAR", "recipient": "VARCHAR", "n_events": "INTEGER",
                 "quad1": "INTEGER", "quad2": "INTEGER", "quad3": "INTEGER", "quad4": "INTEGER",
                 "goldstein_sum": "DOUBLE", "goldstein_mean": "DOUBLE", "plover_score": "DOUBLE",
                 "conflict_share": "DOUBLE"}


@functools.lru_cache(maxsize=1)
def plover_scores() -> dict[tuple[str, str | None], float]:
    """(TYPE, mode or None) -> PLOVER conflict-cooperation score, from data/plover_scores.tsv."""
    name = "plover_scores.tsv"
    text = resources.files("wirecoder").joinpath("data", name).read_text(encoding="utf-8")
    scores: dict[tuple[str, str | None], float] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3 or cols[0] not in PLOVER_TYPES:
            raise DataFileError(f"expected TYPE<TAB>mode<TAB>score, got {line!r}", source=name, line=line_no)
        try:
            scores[(cols[0], cols[1] or None)] = float(cols[2])
        except ValueError as exc:
            raise DataFileError(f"bad score {cols[2]!r}", source=name, line=line_no) from exc
    missing = [t for t in PLOVER_TYPES if (t, None) not in scores]
    if missing:
        raise DataFileError(f"no score for {', '.join(missing)}", source=name)
    return scores


def plover_score(event_type: str, mode: str | None) -> float:
    """The PLOVER score of a type and mode, falling back to the type's own score."""
    scores = plover_scores()
    return scores.get((event_type, mode.lower() if mode else None), scores[(event_type, None)])


def _label(party: str) -> str:
    return party if ":" in party else party.upper()


def _period_start(day: date, freq: str) -> date:
    if freq == "week":
        return day - timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    return day


def _next_period(day: date, freq: str) -> date:
    if freq == "week":
        return day + timedelta(days=7)
    if freq == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _side(filters: Filters, level: str) -> tuple[str, list]:
    clause, params = where(filters, level)
    return clause.removeprefix(" WHERE "), params


def dyad_series(store, actor: str, recipient: str | None = None, *, freq: str = "day",
                filters: Filters = Filters(), both_directions: bool = False,  # noqa: B008
                level: str = "events", fill: bool = True) -> list[dict]:
    """Per-period counts and scores of the events `actor` did to `recipient` (oldest period first).

    `actor`/`recipient` are country codes (RUS) or knowledge-base ids, as in `Filters`. With no recipient,
    one series per counterpart country (from every recipient of a compound event; `None` for events with
    no recipient country). `both_directions` pools A->B and B->A into one series labelled A, B (with no
    recipient: every event involving A, by counterpart). `filters` narrows further (dates, type, place...;
    its parties and sectors are replaced); unless it sets `factuality`, negated and hypothetical events are left
    out. `fill` adds zero rows for periods with no event in a single-dyad series, from `filters.start` (or
    the first event) to `filters.end` (or the last). Periods are the day, the Monday of the ISO week, or
    the first of the month.
    """
    if freq not in FREQS:
        raise QueryError(f"unknown frequency {freq!r}", hint=f"one of {', '.join(FREQS)}")
    if level not in LEVELS:
        raise QueryError(f"level must be one of {LEVELS}")
    if not actor:
        raise QueryError("a dyad series needs an actor")
    key = "event_id" if level == "events" else "report_id"
    # the parties (sectors included: `actor` may be SYRMIL) come from `actor`/`recipient`, not `filters`
    base_clause, base_params = where(replace(filters, actor=None, recipient=None, actor_sector=None,
                                             recipient_sector=None), level)
    conditions = [base_clause.removeprefix(" WHERE ")] if base_clause else []
    conditions.append("date IS NOT NULL")
    if filters.factuality is None:
        conditions.append(f"factuality NOT IN ({', '.join('?' * len(EXCLUDED_FACTUALITY))})")
        base_params = base_params + list(EXCLUDED_FACTUALITY)
    fields = f"{key} AS k, date, event_type, mode, quad_class, goldstein"

    def branch(a: str, b: str | None, other_side: str) -> tuple[str, list]:
        clause, params = _side(Filters(actor=a, recipient=b), level)
        if recipient is not None:
            return f"SELECT {fields}, ? AS other FROM base WHERE {clause}", [_label(recipient)] + params
        other = f"unnest(CASE WHEN len({other_side}) = 0 THEN [NULL] ELSE {other_side} END)"
        return f"SELECT {fields}, {other} AS other FROM base WHERE {clause}", params

    branches = [branch(actor, recipient, "recipient_countries")]
    if both_directions:
        branches.append(branch(recipient, actor, "actor_countries") if recipient is not None
                        else _reverse_branch(actor, level, fields))
    union = " UNION ".join(sql for sql, _ in branches)  # UNION, not UNION ALL: an event counts once per pair
    # The parties also narrow `base` itself, so the (materialised) CTE holds only this actor's events.
    sides = [_side(Filters(actor=actor, recipient=recipient), level)]
    if both_directions:
        sides.append(_side(Filters(actor=recipient, recipient=actor), level))
    conditions.append("(" + " OR ".join(f"({clause})" for clause, _ in sides) + ")")
    base_params = base_params + [p for _, ps in sides for p in ps]
    # Only the columns the branches need: a CTE used twice is materialised, and `record` is large.
    # PLOVER scores come in as parameter lists (type, mode or NULL, score), matched by mode, then by type.
    table = plover_scores()
    sql = (f"WITH base AS (SELECT {key}, date, event_type, mode, quad_class, goldstein, actor_countries, "
           f"recipient_countries, entity_ids, actor_codes, recipient_codes FROM {level} "
           f"WHERE {' AND '.join(conditions)}), pairs AS ({union}), "
           "scores AS (SELECT unnest(?::VARCHAR[]) AS t, unnest(?::VARCHAR[]) AS m, unnest(?::DOUBLE[]) AS s) "
           "SELECT CAST(date_trunc(?, p.date) AS DATE) AS period, p.other, count(*), "
           "count(*) FILTER (WHERE p.quad_class = 1), count(*) FILTER (WHERE p.quad_class = 2), "
           "count(*) FILTER (WHERE p.quad_class = 3), count(*) FILTER (WHERE p.quad_class = 4), "
           "sum(p.goldstein), sum(coalesce(ms.s, ts.s)) "
           "FROM pairs p LEFT JOIN scores ms ON ms.t = p.event_type AND ms.m = lower(p.mode) "
           "LEFT JOIN scores ts ON ts.t = p.event_type AND ts.m IS NULL GROUP BY ALL")
    params = (base_params + [p for _, ps in branches for p in ps]
              + [[t for t, _ in table], [m for _, m in table], list(table.values()), freq])
    try:
        rows = store.con.execute(sql, params).fetchall()
    except duckdb.Error as exc:
        raise QueryError(f"dyad query failed: {exc}") from exc

    acc: dict[tuple[date, str | None], tuple] = {
        (period, other): (n, q1, q2, q3, q4, g_sum or 0.0, p_sum or 0.0)
        for period, other, n, q1, q2, q3, q4, g_sum, p_sum in rows}
    if fill and recipient is not None and (acc or (filters.start and filters.end)):
        days = [d for d, _ in acc]
        period = _period_start(filters.start or min(days), freq)
        last = _period_start(filters.end or max(days), freq)
        while period <= last:
            acc.setdefault((period, _label(recipient)), (0, 0, 0, 0, 0, 0.0, 0.0))
            period = _next_period(period, freq)
    out = []
    for (period, other), (n, q1, q2, q3, q4, g_sum, p_sum) in sorted(
            acc.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or "")):
        out.append({
            "period": period.isoformat(), "actor": _label(actor), "recipient": other, "n_events": n,
            "quad1": q1, "quad2": q2, "quad3": q3, "quad4": q4, "goldstein_sum": round(g_sum, 6),
            "goldstein_mean": round(g_sum / n, 4) if n else None, "plover_score": round(p_sum / n, 4) if n else None,
            "conflict_share": round((q3 + q4) / n, 4) if n else None,
        })
    return out


def _reverse_branch(actor: str, level: str, fields: str) -> tuple[str, list]:
    """Events with `actor` on the recipient side, labelled by the acting countries."""
    clause, params = _side(Filters(recipient=actor), level)
    other = "unnest(CASE WHEN len(actor_countries) = 0 THEN [NULL] ELSE actor_countries END)"
    return f"SELECT {fields}, {other} AS other FROM base WHERE {clause}", params


def export_series(rows: list[dict], out: Path, fmt: str) -> int:
    """Write `dyad_series` rows to a CSV file or a single Parquet file (atomically); returns rows written."""
    if fmt not in SERIES_FORMATS:
        raise ExportError(f"unknown series format {fmt!r}", hint=f"one of {', '.join(SERIES_FORMATS)}")
    out = Path(out)
    try:
        with atomic_path(out) as tmp:
            if fmt == "csv":
                with open(tmp, "w", encoding="utf-8", newline="") as f:
                    writer = csv.DictWriter(f, SERIES_COLUMNS, lineterminator="\r\n", extrasaction="raise")
                    writer.writeheader()
                    writer.writerows(rows)
                return len(rows)
            staging = tmp.with_name("rows.jsonl")
            with open(staging, "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(json.dumps({c: row[c] for c in SERIES_COLUMNS}, ensure_ascii=False) + "\n")
            columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in _SERIES_TYPES.items()) + "}"
            con = duckdb.connect()
            try:
                # A constant column list; the paths are parameters. An empty file still gets the schema.
                con.execute(f"COPY (SELECT * FROM read_json(?, format = 'newline_delimited', columns = {columns})) "
                            "TO ? (FORMAT PARQUET)", [str(staging), str(tmp)])
            finally:
                con.close()
            return len(rows)
    except (OSError, duckdb.Error) as exc:
        raise ExportError(f"cannot write series: {exc}", source=str(out)) from exc


def read_series(path: Path, fmt: str) -> list[dict]:
    """Series rows back from `export_series` (for checks and round trips)."""
    path = Path(path)
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        out = []
        for row in rows:
            typed = {}
            for c in SERIES_COLUMNS:
                v = row[c]
                kind = _SERIES_TYPES[c]
                typed[c] = (None if v == "" else int(v) if kind == "INTEGER" else float(v) if kind == "DOUBLE"
                            else v)
            out.append(typed)
        return out
    if fmt != "parquet":
        raise ExportError(f"unknown series format {fmt!r}", hint=f"one of {', '.join(SERIES_FORMATS)}")
    con = duckdb.connect()
    try:
        result = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [d[0] for d in result.description]
        return [{**dict(zip(names, r, strict=True)), "period": r[0].isoformat()} for r in result.fetchall()]
    finally:
        con.close()
