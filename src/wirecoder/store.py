"""The embedded event store (DuckDB): articles, events and rejected inputs.

Each article and its events are written in one transaction, so a crash never leaves half an
article; re-coding the same article text replaces its rows (idempotent by content hash).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import duckdb

from . import __version__
from .errors import StoreError
from .schema import Article, Event

SCHEMA_VERSION = 1
DEFAULT_DB = "wirecoder.duckdb"

_DDL = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS articles (
        doc_id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, title VARCHAR, author VARCHAR,
        published DATE, url VARCHAR, outlet VARCHAR, source_path VARCHAR, text VARCHAR NOT NULL,
        n_events INTEGER NOT NULL, coder VARCHAR NOT NULL, coded_at TIMESTAMP DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS events (
        event_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, event_type VARCHAR NOT NULL,
        mode VARCHAR, cameo VARCHAR, quad_class INTEGER, goldstein DOUBLE, date DATE,
        date_precision VARCHAR, actor_country VARCHAR, actor_sector VARCHAR, recipient_country VARCHAR,
        recipient_sector VARCHAR, location_name VARCHAR, location_country VARCHAR, lat DOUBLE,
        lon DOUBLE, factuality VARCHAR NOT NULL, attribution VARCHAR, confidence DOUBLE,
        record JSON NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS rejected (
        source VARCHAR NOT NULL, line INTEGER, code VARCHAR NOT NULL, message VARCHAR NOT NULL,
        seen_at TIMESTAMP DEFAULT current_timestamp)""",
]


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EventStore:
    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False) -> None:
        self.path = str(path)
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open store: {exc}", source=self.path,
                             hint="is another wirecoder process writing to it?") from exc
        if not read_only:
            self._migrate()

    def _migrate(self) -> None:
        for ddl in _DDL:
            self.con.execute(ddl)
        row = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            self.con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"store schema {row[0]} is newer than this wirecoder ({SCHEMA_VERSION})",
                             source=self.path, hint="upgrade wirecoder")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def is_stored(self, article: Article) -> bool:
        row = self.con.execute("SELECT content_hash FROM articles WHERE doc_id = ?", [article.doc_id]).fetchone()
        return row is not None and row[0] == content_hash(article.text)

    def put(self, article: Article, events: Iterable[Event]) -> None:
        """Store one article with its events atomically, replacing an earlier coding of it."""
        events = list(events)
        try:
            self.con.execute("BEGIN TRANSACTION")
            self.con.execute("DELETE FROM events WHERE doc_id = ?", [article.doc_id])
            self.con.execute("DELETE FROM articles WHERE doc_id = ?", [article.doc_id])
            self.con.execute(
                "INSERT INTO articles (doc_id, content_hash, title, author, published, url, outlet, "
                "source_path, text, n_events, coder) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [article.doc_id, content_hash(article.text), article.title, article.author,
                 article.published, article.url, article.outlet, article.source_path, article.text,
                 len(events), f"wirecoder {__version__}"])
            if events:
                self.con.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [_event_row(e) for e in events])
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            self.con.execute("ROLLBACK")
            raise StoreError(f"cannot store article {article.doc_id}: {exc}", source=self.path) from exc

    def reject(self, source: str, line: int | None, code: str, message: str) -> None:
        self.con.execute("INSERT INTO rejected (source, line, code, message) VALUES (?, ?, ?, ?)",
                         [source, line, code, message])

    def events(self, doc_id: str | None = None) -> list[dict]:
        sql = "SELECT record FROM events"
        params: list = []
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY doc_id, json_extract(record, '$.span[0]')::INTEGER"
        return [json.loads(r[0]) for r in self.con.execute(sql, params).fetchall()]

    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "events", "rejected")}


def _event_row(e: Event) -> list:
    first_actor = e.actor[0] if e.actor else None
    first_recipient = e.recipient[0] if e.recipient else None
    loc = e.location
    return [
        e.event_id, e.doc_id, e.event_type, e.mode, e.cameo, e.quad_class, e.goldstein, e.date,
        e.date_precision, first_actor.country if first_actor else None,
        first_actor.sector if first_actor else None, first_recipient.country if first_recipient else None,
        first_recipient.sector if first_recipient else None, loc.name if loc else None,
        loc.country if loc else None, loc.lat if loc else None, loc.lon if loc else None, e.factuality,
        e.attribution.source if e.attribution else None, e.confidence, json.dumps(e.to_dict()),
    ]
