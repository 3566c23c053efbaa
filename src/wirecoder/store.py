"""The embedded event store (DuckDB): articles, reports, deduplicated events, entities, places, rejects.

A *report* is one event as one article tells it (the coder's output). An *event* is a cluster of
reports of the same real event across articles (dedup.py). Each article, its reports and the event
updates are written in one transaction, so a crash never leaves half an article; re-ingesting an
article with the same text changes nothing. Schema: docs/store.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb

from . import __version__
from .dedup import DedupParams, ReportKey, best_match
from .errors import StoreError
from .schema import PLACE_FIELDS, Article, Event

SCHEMA_VERSION = 2
DEFAULT_DB = "wirecoder.duckdb"
# Reports stored more than this many days from a new report are never candidates for the same event.
CANDIDATE_DAYS = 40

_TABLES = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS articles (
        doc_id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, title VARCHAR, author VARCHAR,
        published DATE, url VARCHAR, outlet VARCHAR, source_path VARCHAR, text VARCHAR NOT NULL,
        n_reports INTEGER NOT NULL, coder VARCHAR NOT NULL, coded_at TIMESTAMP DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS reports (
        report_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL,
        event_type VARCHAR NOT NULL, mode VARCHAR, cameo VARCHAR, quad_class INTEGER, goldstein DOUBLE,
        date DATE, date_precision VARCHAR, actor_country VARCHAR, actor_sector VARCHAR,
        recipient_country VARCHAR, recipient_sector VARCHAR, actor_countries VARCHAR[],
        recipient_countries VARCHAR[], entity_ids VARCHAR[], location_name VARCHAR, location_country VARCHAR,
        geonameid BIGINT, lat DOUBLE, lon DOUBLE, factuality VARCHAR NOT NULL, attribution VARCHAR,
        outlet VARCHAR, confidence DOUBLE, merge_reason JSON, record JSON NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS events (
        event_id VARCHAR PRIMARY KEY, event_type VARCHAR NOT NULL, mode VARCHAR, cameo VARCHAR,
        quad_class INTEGER, goldstein DOUBLE, date DATE, date_precision VARCHAR, actor_country VARCHAR,
        actor_sector VARCHAR, recipient_country VARCHAR, recipient_sector VARCHAR, location_name VARCHAR,
        location_country VARCHAR, lat DOUBLE, lon DOUBLE, factuality VARCHAR NOT NULL, n_reports INTEGER NOT NULL,
        n_sources INTEGER NOT NULL, confidence DOUBLE, actor_countries VARCHAR[], recipient_countries VARCHAR[],
        entity_ids VARCHAR[], sources VARCHAR[], record JSON NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS entities (
        entity_id VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR, sector VARCHAR, n_reports INTEGER)""",
    """CREATE TABLE IF NOT EXISTS places (
        geonameid BIGINT PRIMARY KEY, name VARCHAR, country VARCHAR, admin1 VARCHAR, lat DOUBLE, lon DOUBLE,
        n_reports INTEGER)""",
    """CREATE TABLE IF NOT EXISTS rejected (
        source VARCHAR NOT NULL, line INTEGER, code VARCHAR NOT NULL, message VARCHAR NOT NULL,
        seen_at TIMESTAMP DEFAULT current_timestamp)""",
]
_INDEXES = [
    "CREATE INDEX IF NOT EXISTS reports_doc ON reports (doc_id)",
    "CREATE INDEX IF NOT EXISTS reports_event ON reports (event_id)",
    "CREATE INDEX IF NOT EXISTS reports_type_date ON reports (event_type, date)",
    "CREATE INDEX IF NOT EXISTS events_date ON events (date)",
]


def _migrate_v1(con) -> None:
    """v1 kept reports in a table called `events` with no clusters: rename, then cluster afresh."""
    con.execute("ALTER TABLE events RENAME TO events_v1")
    con.execute("ALTER TABLE articles RENAME COLUMN n_events TO n_reports")


MIGRATIONS = {1: _migrate_v1}


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EventStore:
    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False,
                 dedup: DedupParams | None = None) -> None:
        self.path = str(path)
        self.dedup = dedup or DedupParams()
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store: {exc}", source=self.path,
                             hint="is another wirecoder process writing to it?") from exc
        if not read_only:
            self._migrate()

    # --- schema -----------------------------------------------------------------------------

    def schema_version(self) -> int | None:
        try:
            row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except duckdb.CatalogException:
            return None
        return int(row[0]) if row else None

    def _migrate(self) -> None:
        version = self.schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"store schema {version} is newer than this wirecoder ({SCHEMA_VERSION})",
                             source=self.path, hint="upgrade wirecoder")
        self.con.execute("BEGIN TRANSACTION")
        try:
            while version is not None and version < SCHEMA_VERSION:
                MIGRATIONS[version](self.con)
                version += 1
            for ddl in _TABLES + _INDEXES:
                self.con.execute(ddl)
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise StoreError(f"cannot migrate store: {exc}", source=self.path) from exc
        self._recluster_v1()

    def _recluster_v1(self) -> None:
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "events_v1" not in tables:
            return
        by_doc: dict[str, list[Event]] = {}
        for doc_id, record in self.con.execute("SELECT doc_id, record FROM events_v1 ORDER BY doc_id").fetchall():
            by_doc.setdefault(doc_id, []).append(event_from_record(json.loads(record)))
        for doc_id, events in by_doc.items():
            row = self.con.execute("SELECT text, outlet FROM articles WHERE doc_id = ?", [doc_id]).fetchone()
            self._put_reports(doc_id, row[1] if row else None, events)
        self.con.execute("DROP TABLE events_v1")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def is_stored(self, article: Article) -> bool:
        row = self.con.execute("SELECT content_hash FROM articles WHERE doc_id = ?", [article.doc_id]).fetchone()
        return row is not None and row[0] == content_hash(article.text)

    def put(self, article: Article, events: Iterable[Event]) -> bool:
        """Store one article with its reports atomically. Returns False when it was stored already
        with the same text (nothing changes); a changed text replaces the earlier coding."""
        events = list(events)
        if self.is_stored(article):
            return False
        try:
            self.con.execute("BEGIN TRANSACTION")
            self._remove_article(article.doc_id)
            self.con.execute(
                "INSERT INTO articles (doc_id, content_hash, title, author, published, url, outlet, "
                "source_path, text, n_reports, coder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article.doc_id, content_hash(article.text), article.title, article.author,
                 article.published, article.url, article.outlet, article.source_path, article.text,
                 len(events), f"wirecoder {__version__}"])
            self._put_reports(article.doc_id, article.outlet, events)
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise StoreError(f"cannot store article {article.doc_id}: {exc}", source=self.path) from exc
        return True

    def _remove_article(self, doc_id: str) -> None:
        touched = [r[0] for r in self.con.execute(
            "SELECT DISTINCT event_id FROM reports WHERE doc_id = ?", [doc_id]).fetchall()]
        self.con.execute("DELETE FROM reports WHERE doc_id = ?", [doc_id])
        self.con.execute("DELETE FROM articles WHERE doc_id = ?", [doc_id])
        for event_id in touched:
            self._refresh_event(event_id)

    def _put_reports(self, doc_id: str, outlet: str | None, events: list[Event]) -> None:
        touched: set[str] = set()
        for event in events:
            key = report_key(event)
            decision = best_match(key, self._candidates(key), self.dedup)
            event_id = decision.event_id or event.event_id
            reason = {"event_id": event_id, "merged": decision.event_id is not None, "score": decision.score,
                      "because": decision.reasons}
            self.con.execute(
                "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?, ?)", _report_row(event, event_id, outlet or doc_id, reason))
            touched.add(event_id)
            self._count_entities(event)
        for event_id in touched:
            self._refresh_event(event_id)

    def _candidates(self, key: ReportKey) -> list[tuple[str, ReportKey]]:
        if key.day is None:
            rows = self.con.execute(
                "SELECT event_id, record FROM reports WHERE event_type = ? AND doc_id <> ?",
                [key.event_type, key.doc_id]).fetchall()
        else:
            rows = self.con.execute(
                "SELECT event_id, record FROM reports WHERE event_type = ? AND doc_id <> ? "
                "AND (date IS NULL OR abs(date_diff('day', date, ?)) <= ?)",
                [key.event_type, key.doc_id, key.day, CANDIDATE_DAYS]).fetchall()
        return [(event_id, report_key(event_from_record(json.loads(rec)))) for event_id, rec in rows]

    def _refresh_event(self, event_id: str) -> None:
        """Recompute one event from its reports (deleted when none are left)."""
        self.con.execute("DELETE FROM events WHERE event_id = ?", [event_id])
        rows = self.con.execute("SELECT record, outlet FROM reports WHERE event_id = ? ORDER BY report_id",
                                [event_id]).fetchall()
        if not rows:
            return
        reports = [event_from_record(json.loads(r[0])) for r in rows]
        rep = _representative(reports)
        loc = next((r.location for r in reports if r.location is not None), None)
        codes = Counter(r.cameo for r in reports if r.cameo)
        cameo = codes.most_common(1)[0][0] if codes else rep.cameo
        record = rep.to_dict()
        record.update(event_id=event_id, cameo=cameo, location=None if loc is None else record_location(loc),
                      n_reports=len(rows), n_sources=len({r[1] for r in rows}),
                      reports=[r.event_id for r in reports])
        a = rep.actor[0] if rep.actor else None
        b = rep.recipient[0] if rep.recipient else None
        sources = {r[1] for r in rows} | {x.attribution.source for x in reports if x.attribution}
        self.con.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [event_id, rep.event_type, rep.mode, cameo, rep.quad_class, rep.goldstein, rep.date,
             rep.date_precision, a.country if a else None, a.sector if a else None, b.country if b else None,
             b.sector if b else None, loc.name if loc else None, loc.country if loc else None,
             loc.lat if loc else None, loc.lon if loc else None, rep.factuality, len(rows),
             len({r[1] for r in rows}), max(r.confidence for r in reports),
             sorted({x.country for r in reports for x in r.actor if x.country}),
             sorted({x.country for r in reports for x in r.recipient if x.country}),
             sorted({x.id for r in reports for x in r.actor + r.recipient if x.id}),
             sorted(x.lower() for x in sources if x), json.dumps(record)])

    def _count_entities(self, event: Event) -> None:
        for e in event.actor + event.recipient:
            if e.id:
                self.con.execute(
                    "INSERT INTO entities VALUES (?, ?, ?, ?, 1) ON CONFLICT (entity_id) DO UPDATE "
                    "SET n_reports = entities.n_reports + 1", [e.id, e.name, e.country, e.sector])
        loc = event.location
        if loc is not None and loc.geonameid is not None:
            self.con.execute(
                "INSERT INTO places VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (geonameid) DO UPDATE "
                "SET n_reports = places.n_reports + 1", [loc.geonameid, loc.name, loc.country, loc.admin1,
                                                         loc.lat, loc.lon])

    def reject(self, source: str, line: int | None, code: str, message: str) -> None:
        self.con.execute("INSERT INTO rejected (source, line, code, message) VALUES (?, ?, ?, ?)",
                         [source, line, code, message])

    # --- reading ----------------------------------------------------------------------------

    def reports(self, doc_id: str | None = None) -> list[dict]:
        sql = "SELECT record FROM reports"
        params: list = []
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY doc_id, json_extract(record, '$.span[0]')::INTEGER, report_id"
        return [json.loads(r[0]) for r in self.con.execute(sql, params).fetchall()]

    def events(self, doc_id: str | None = None) -> list[dict]:
        """Event records (clusters); with doc_id, those the article reports."""
        if doc_id is None:
            rows = self.con.execute("SELECT record FROM events ORDER BY date, event_id").fetchall()
        else:
            rows = self.con.execute(
                "SELECT record FROM events WHERE event_id IN (SELECT event_id FROM reports WHERE doc_id = ?) "
                "ORDER BY date, event_id", [doc_id]).fetchall()
        return [json.loads(r[0]) for r in rows]

    def check(self) -> list[str]:
        """Integrity problems (empty when the store is sound): `wirecoder doctor`."""
        problems = []
        version = self.schema_version()
        if version != SCHEMA_VERSION:
            problems.append(f"schema version {version}, expected {SCHEMA_VERSION}")
        checks = {
            "articles whose report count does not match their reports":
                "SELECT count(*) FROM articles a WHERE n_reports <> (SELECT count(*) FROM reports r "
                "WHERE r.doc_id = a.doc_id)",
            "reports without their article": "SELECT count(*) FROM reports WHERE doc_id NOT IN "
                                             "(SELECT doc_id FROM articles)",
            "reports whose event is missing": "SELECT count(*) FROM reports WHERE event_id NOT IN "
                                              "(SELECT event_id FROM events)",
            "events without reports": "SELECT count(*) FROM events WHERE event_id NOT IN "
                                      "(SELECT event_id FROM reports)",
            "events whose report count is wrong": "SELECT count(*) FROM events e WHERE n_reports <> "
                                                 "(SELECT count(*) FROM reports r WHERE r.event_id = e.event_id)",
        }
        for what, sql in checks.items():
            n = self.con.execute(sql).fetchone()[0]
            if n:
                problems.append(f"{n} {what}")
        for doc_id, stored, text in self.con.execute("SELECT doc_id, content_hash, text FROM articles").fetchall():
            if content_hash(text) != stored:
                problems.append(f"article {doc_id}: text does not match its content hash")
        for report_id, record in self.con.execute("SELECT report_id, record FROM reports").fetchall():
            try:
                event_from_record(json.loads(record))
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"report {report_id}: unreadable record ({exc})")
        return problems

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "reports", "events", "rejected")}


def record_location(loc) -> dict:
    return {k: getattr(loc, k) for k in PLACE_FIELDS}


def _representative(reports: list[Event]) -> Event:
    """The report that stands for the event: most parties named, then most precise date, then confidence."""
    precision = {"day": 3, "week": 2, "month": 1, "year": 0, None: -1}
    return max(reports, key=lambda r: (len(r.actor) > 0, len(r.recipient) > 0, r.date_text is not None,
                                       precision.get(r.date_precision, -1), r.confidence, r.event_id))


def report_key(event: Event) -> ReportKey:
    loc = event.location
    return ReportKey(
        report_id=event.event_id, doc_id=event.doc_id, event_type=event.event_type, cameo=event.cameo,
        day=date.fromisoformat(event.date) if event.date else None, precision=event.date_precision,
        actors=frozenset(e.country for e in event.actor if e.country),
        recipients=frozenset(e.country for e in event.recipient if e.country),
        actor_ids=frozenset(e.id for e in event.actor + event.recipient if e.id),
        geonameid=loc.geonameid if loc else None, place_country=loc.country if loc else None,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, factuality=event.factuality,
        dated=event.date_text is not None)


def event_from_record(record: dict) -> Event:
    """Rebuild an `Event` from its JSON record (the contract in docs/event-record.md)."""
    from .schema import ENTITY_FIELDS, Attribution, Entity, Place

    def entities(items):
        return tuple(Entity(**{k: e.get(k) for k in ENTITY_FIELDS}) for e in items)

    loc = record.get("location")
    attribution = record.get("attribution")
    return Event(
        doc_id=record["doc_id"], event_id=record["event_id"], event_type=record["event_type"],
        mode=record.get("mode"), context=tuple(record.get("context") or ()), cameo=record.get("cameo"),
        quad_class=record["quad_class"], goldstein=record["goldstein"], actor=entities(record.get("actor", [])),
        recipient=entities(record.get("recipient", [])), date=record.get("date"),
        date_precision=record.get("date_precision"), date_text=record.get("date_text"),
        location=Place(**{k: loc.get(k) for k in PLACE_FIELDS})
        if loc else None,
        attribution=Attribution(**attribution) if attribution else None, factuality=record["factuality"],
        sentence=record["sentence"], span=tuple(record["span"]), event_text=record["event_text"],
        confidence=record["confidence"], coder=record["coder"])


def _report_row(e: Event, event_id: str, outlet: str, reason: dict) -> list:
    first_actor = e.actor[0] if e.actor else None
    first_recipient = e.recipient[0] if e.recipient else None
    loc = e.location
    return [
        e.event_id, e.doc_id, event_id, e.event_type, e.mode, e.cameo, e.quad_class, e.goldstein, e.date,
        e.date_precision, first_actor.country if first_actor else None,
        first_actor.sector if first_actor else None, first_recipient.country if first_recipient else None,
        first_recipient.sector if first_recipient else None,
        sorted({x.country for x in e.actor if x.country}), sorted({x.country for x in e.recipient if x.country}),
        sorted({x.id for x in e.actor + e.recipient if x.id}), loc.name if loc else None,
        loc.country if loc else None, loc.geonameid if loc else None, loc.lat if loc else None,
        loc.lon if loc else None, e.factuality, e.attribution.source if e.attribution else None, outlet,
        e.confidence, json.dumps(reason), json.dumps(e.to_dict()),
    ]
