"""The embedded event store (DuckDB): articles, reports, deduplicated events, entities, places, rejects.

A *report* is one event as one article tells it (the coder's output). An *event* is a cluster of
reports of the same real event across articles (dedup.py). Each article, its reports and the event
updates are written in one transaction, so a crash never leaves half an article; re-ingesting an
article with the same text changes nothing. Schema: docs/store.md.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from pathlib import Path

import duckdb

from . import __version__
from .dedup import BLOCKING_FIELDS, DedupParams, ReportKey, best_match, blocking_fields, blocking_sql
from .errors import StoreBusyError, StoreDamagedError, StoreError, StoreFullError, StoreReadOnlyError
from .ontology import goldstein, quad_class_of
from .schema import PLACE_FIELDS, Article, Event, combined_code

SCHEMA_VERSION = 5
DEFAULT_DB = "wirecoder.duckdb"
# A store in use by another process is waited for this long (seconds; $WIRECODER_WAIT), telling the user
# after WAIT_NOTICE_SECONDS. Docs: docs/store.md, "Sharing a store".
WAIT_ENV = "WIRECODER_WAIT"
DEFAULT_WAIT_SECONDS = 60.0
WAIT_NOTICE_SECONDS = 1.0
# Writers store coded articles this many at a time, or whatever has arrived after this many seconds: a batch costs
# little more than one article (benchmarks/README.md, "Into a store").
STORE_BATCH = 64
STORE_SECONDS = 2.0
# Reports stored more than this many days from a new report are never candidates for the same event.
CANDIDATE_DAYS = 40

_TABLES = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS articles (
        doc_id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, title VARCHAR, author VARCHAR,
        published DATE, url VARCHAR, outlet VARCHAR, source_path VARCHAR, text VARCHAR NOT NULL,
        n_reports INTEGER NOT NULL, coder VARCHAR NOT NULL, coded_at TIMESTAMP DEFAULT current_timestamp,
        feed VARCHAR, version INTEGER DEFAULT 1)""",
    """CREATE TABLE IF NOT EXISTS reports (
        report_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, event_id VARCHAR NOT NULL,
        event_type VARCHAR NOT NULL, mode VARCHAR, cameo VARCHAR, quad_class INTEGER, goldstein DOUBLE,
        date DATE, date_precision VARCHAR, actor_country VARCHAR, actor_sector VARCHAR,
        recipient_country VARCHAR, recipient_sector VARCHAR, actor_countries VARCHAR[],
        recipient_countries VARCHAR[], entity_ids VARCHAR[], location_name VARCHAR, location_country VARCHAR,
        geonameid BIGINT, lat DOUBLE, lon DOUBLE, factuality VARCHAR NOT NULL, attribution VARCHAR,
        outlet VARCHAR, confidence DOUBLE, merge_reason JSON, record JSON NOT NULL, seq BIGINT, dated BOOLEAN,
        actor_codes VARCHAR[], recipient_codes VARCHAR[])""",
    """CREATE TABLE IF NOT EXISTS events (
        event_id VARCHAR PRIMARY KEY, event_type VARCHAR NOT NULL, mode VARCHAR, cameo VARCHAR,
        quad_class INTEGER, goldstein DOUBLE, date DATE, date_precision VARCHAR, actor_country VARCHAR,
        actor_sector VARCHAR, recipient_country VARCHAR, recipient_sector VARCHAR, location_name VARCHAR,
        location_country VARCHAR, lat DOUBLE, lon DOUBLE, factuality VARCHAR NOT NULL, n_reports INTEGER NOT NULL,
        n_sources INTEGER NOT NULL, confidence DOUBLE, actor_countries VARCHAR[], recipient_countries VARCHAR[],
        entity_ids VARCHAR[], sources VARCHAR[], record JSON NOT NULL, actor_codes VARCHAR[],
        recipient_codes VARCHAR[])""",
    """CREATE TABLE IF NOT EXISTS entities (
        entity_id VARCHAR PRIMARY KEY, name VARCHAR, country VARCHAR, sector VARCHAR, n_reports INTEGER)""",
    """CREATE TABLE IF NOT EXISTS places (
        geonameid BIGINT PRIMARY KEY, name VARCHAR, country VARCHAR, admin1 VARCHAR, lat DOUBLE, lon DOUBLE,
        n_reports INTEGER)""",
    """CREATE TABLE IF NOT EXISTS rejected (
        source VARCHAR NOT NULL, line INTEGER, code VARCHAR NOT NULL, message VARCHAR NOT NULL,
        seen_at TIMESTAMP DEFAULT current_timestamp)""",
    # what `fetch` and `watch` remember of each URL they met (docs/feeds.md)
    """CREATE TABLE IF NOT EXISTS fetched (
        url VARCHAR PRIMARY KEY, canonical_url VARCHAR, doc_id VARCHAR, feed VARCHAR, outcome VARCHAR NOT NULL,
        code VARCHAR, message VARCHAR, stamp VARCHAR, etag VARCHAR, last_modified VARCHAR, body_hash VARCHAR,
        round INTEGER, tries INTEGER NOT NULL, seen_at TIMESTAMP DEFAULT current_timestamp)""",
    """CREATE TABLE IF NOT EXISTS feeds (
        url VARCHAR PRIMARY KEY, title VARCHAR, site VARCHAR, etag VARCHAR, last_modified VARCHAR,
        round INTEGER, outcome VARCHAR, n_entries INTEGER, checked_at TIMESTAMP DEFAULT current_timestamp)""",
]
_INDEXES = [
    "CREATE INDEX IF NOT EXISTS reports_doc ON reports (doc_id)",
    "CREATE INDEX IF NOT EXISTS reports_event ON reports (event_id)",
    "CREATE INDEX IF NOT EXISTS events_date ON events (date)",
]


def _migrate_v1(con) -> None:
    """v1 kept reports in a table called `events` with no clusters: rename, then cluster afresh."""
    con.execute("ALTER TABLE events RENAME TO events_v1")
    con.execute("ALTER TABLE articles RENAME COLUMN n_events TO n_reports")


def _migrate_v2(con) -> None:
    """v3 keeps each report's insertion order (`seq`, the order deduplication compares in) and whether its
    date came from the text (`dated`) as columns, so candidates are found without decoding records."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "reports" not in tables:
        return
    for index in ("reports_doc", "reports_event", "reports_type_date"):
        con.execute(f"DROP INDEX IF EXISTS {index}")
    con.execute("ALTER TABLE reports ADD COLUMN seq BIGINT")
    con.execute("ALTER TABLE reports ADD COLUMN dated BOOLEAN")
    con.execute("UPDATE reports SET seq = o.n, dated = json_extract_string(record, '$.date_text') IS NOT NULL "
                "FROM (SELECT report_id AS id, row_number() OVER (ORDER BY rowid) AS n FROM reports) o "
                "WHERE report_id = o.id")


def _migrate_v3(con) -> None:
    """v4 keeps every party's combined code (SYRMIL: country and sector) for the sector filter, and gives each
    event the quad class and Goldstein score of its CAMEO code (v3 took them from the representative report,
    whose code may differ from the event's most common one)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "reports" not in tables:
        return
    for index in ("reports_doc", "reports_event", "events_date"):  # DuckDB alters no table with an index
        con.execute(f"DROP INDEX IF EXISTS {index}")
    for table in ("reports", "events"):
        for side in ("actor", "recipient"):
            con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {side}_codes VARCHAR[]")
    for side in ("actor", "recipient"):
        # the SQL twin of `_codes`: every party's country || sector, distinct and sorted
        con.execute(f"""UPDATE reports SET {side}_codes = list_sort(list_distinct(list_filter(list_transform(
            CAST(coalesce(json_extract(record, '$.{side}'), '[]') AS JSON[]),
            lambda e: nullif(coalesce(e->>'country', '') || coalesce(e->>'sector', ''), '')),
            lambda c: c IS NOT NULL)))""")
        con.execute(f"""UPDATE events SET {side}_codes = c.codes FROM (
            SELECT event_id AS id, list_sort(list_distinct(flatten(list({side}_codes)))) AS codes
            FROM reports GROUP BY 1) c WHERE events.event_id = c.id""")
    codes = [r[0] for r in con.execute("SELECT DISTINCT cameo FROM events WHERE cameo IS NOT NULL").fetchall()]
    for code in codes:
        con.execute("UPDATE events SET quad_class = ?, goldstein = ?, record = json_merge_patch(record, "
                    "json_object('quad_class', ?, 'goldstein', ?)) WHERE cameo = ?",
                    [quad_class_of(code), goldstein(code), quad_class_of(code), goldstein(code), code])


def _migrate_v4(con) -> None:
    """v5 keeps the feed an article came from and its version (1, then one more for each changed text), and adds
    the tables `fetch` and `watch` remember URLs and feeds in."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "articles" in tables:
        con.execute("ALTER TABLE articles ADD COLUMN IF NOT EXISTS feed VARCHAR")
        con.execute("ALTER TABLE articles ADD COLUMN IF NOT EXISTS version INTEGER DEFAULT 1")


MIGRATIONS = {1: _migrate_v1, 2: _migrate_v2, 3: _migrate_v3, 4: _migrate_v4}


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")
_DAMAGE = ("not a valid DuckDB database", "Could not read enough bytes", "Corrupt database", "checksum",
           "Serialization Error", "INTERNAL Error", "database has been invalidated", "Failed to read")
_READ_ONLY = ("Permission denied", "Read-only file system", "read-only mode")


def store_error(exc: Exception, path: str, doing: str) -> StoreError:
    """The coded error for a DuckDB or file-system failure while `doing` something with the store at `path`:
    busy (another process holds the lock), damaged, not writable, disk full, or else the generic W400."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or "No space left on device" in text:
        return StoreFullError(f"{doing}: the disk is full", source=path,
                              hint="free some space (the store and the temporary folder), then run the command "
                                   "again; articles stored before are complete")
    holder = _LOCK_HOLDER.search(text)
    if holder or "Could not set lock" in text:
        who = describe_process(int(holder.group(2)), holder.group(1)) if holder else "another process"
        if "wirecoder" in who:
            hint = (f"wirecoder commands wait up to ${WAIT_ENV} seconds (default {DEFAULT_WAIT_SECONDS:g}) for a "
                    "store in use; wait for that command to finish or stop it, or work on a copy of the file")
        else:
            hint = ("close that program's connection to the file (DuckDB lets one process write, or several "
                    "read, at a time), or work on a copy of the file")
        return StoreBusyError(f"{doing}: the store is in use by {who}", source=path, hint=hint)
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) or \
            any(s in text for s in _READ_ONLY):
        return StoreReadOnlyError(f"{doing}: the store cannot be written ({_first_line(text)})", source=path,
                                  hint="check the file's and its folder's permissions, or read it with "
                                       "`wirecoder query`/`serve --read-only`")
    if any(s in text for s in _DAMAGE):
        return StoreDamagedError(f"{doing}: the store is damaged ({_first_line(text)})", source=path,
                                 hint="restore it from a backup, or re-code the articles into a new store; "
                                      "`wirecoder doctor` lists what can still be read")
    return StoreError(f"{doing}: {_first_line(text)}", source=path)


def describe_process(pid: int, program: str = "") -> str:
    """"process 123 (wirecoder serve --db x.duckdb)": the command line of a process, as far as it can be read."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        argv = [program] if program else []
    argv = [a for a in argv if a]
    if len(argv) > 1 and Path(argv[0]).name.startswith("python"):
        argv = argv[1:]  # `python -m wirecoder ...` or a script: show what runs
    if argv and argv[0] == "-m":
        argv = argv[1:]
    if argv:
        argv[0] = Path(argv[0]).name
    command = " ".join(argv)
    if len(command) > 80:
        command = command[:77] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def store_wait() -> float:
    """Seconds a command waits for a store another process is using: ${WAIT_ENV}, default DEFAULT_WAIT_SECONDS."""
    value = os.environ.get(WAIT_ENV, "")
    try:
        return max(0.0, float(value)) if value else DEFAULT_WAIT_SECONDS
    except ValueError:
        raise StoreError(f"${WAIT_ENV} must be a number of seconds, not {value!r}") from None


def connect(path: str, *, read_only: bool, wait: float, on_wait=None):
    """A DuckDB connection to the store, waiting up to `wait` seconds while another process holds the file (a
    writer storing a batch, readers while a writer waits). A writer that has to wait says so in a marker file
    beside the store, so that a server reading it lets go (`writer_waiting`). `on_wait(message)` is told once
    when the wait lasts more than WAIT_NOTICE_SECONDS."""
    start = time.monotonic()
    pause, told, marker = 0.01, False, None
    try:
        while True:
            try:
                return duckdb.connect(path, read_only=read_only)
            except (duckdb.Error, OSError) as exc:
                error = store_error(exc, path, "cannot open the store")
                waited = time.monotonic() - start
                if not isinstance(error, StoreBusyError) or waited >= wait:
                    if isinstance(error, StoreBusyError) and wait:
                        error = store_error(exc, path, f"cannot open the store after waiting {waited:.0f} s")
                    raise error from exc
                if marker is None and not read_only:
                    marker = _announce_writer(path)
                if on_wait is not None and not told and waited >= WAIT_NOTICE_SECONDS:
                    told = True
                    on_wait(f"waiting for {path}: {error.message.partition(': ')[2]}")
                time.sleep(min(pause, max(0.0, wait - waited)))
                pause = min(pause * 2, 0.1)
    finally:
        if marker is not None:
            _withdraw(marker)


WRITERS_WAITING = ".writers-waiting"  # <store>.writers-waiting/<pid>: that process waits to write the store


def _announce_writer(path: str) -> Path | None:
    folder = Path(path + WRITERS_WAITING)
    for _ in range(3):  # another writer may remove the empty folder between our mkdir and write
        try:
            folder.mkdir(exist_ok=True)
            marker = folder / str(os.getpid())
            marker.write_text("", encoding="utf-8")
            return marker
        except FileNotFoundError:
            continue
        except OSError:
            return None  # a folder we cannot write: readers are merely not told
    return None


def _withdraw(marker: Path) -> None:
    marker.unlink(missing_ok=True)
    with suppress(OSError):
        marker.parent.rmdir()  # fails while another writer waits: its marker stays


def writer_waiting(path: str) -> bool:
    """Whether another live process waits to write the store (markers of processes that died are removed)."""
    folder = path + WRITERS_WAITING
    try:
        names = os.listdir(folder)
    except OSError:
        return False  # no writer waits (the usual case: one failed stat)
    waiting = False
    for name in names:
        if name.isdigit() and int(name) != os.getpid() and _alive(int(name)):
            waiting = True
        elif not name.isdigit() or int(name) != os.getpid():
            with suppress(OSError):
                os.unlink(os.path.join(folder, name))
    return waiting


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _in_session(method):
    """Run a store method inside a session (the file is opened for it when the store does not hold it)."""
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        with self.session():
            return method(self, *args, **kwargs)
    return run


class EventStore:
    def __init__(self, path: str | Path = DEFAULT_DB, *, read_only: bool = False,
                 dedup: DedupParams | None = None, memory_limit: str | None = None, hold: bool = True,
                 wait: float | None = None, on_wait=None) -> None:
        """`memory_limit` (e.g. "256MB") caps DuckDB's memory, its cache of the file included; without it
        DuckDB may cache up to 80% of the machine's memory as the store grows.

        With `hold` the file stays open (and locked) until `close`; without it, it is opened for each
        operation (`session`) and closed after, so other processes can use the store in between
        (docs/store.md, "Sharing a store"). Opening waits up to `wait` seconds (default `store_wait()`) while
        another process holds the file, calling `on_wait(message)` once if that takes a while."""
        self.path = str(path)
        self.read_only = read_only
        self.dedup = dedup or DedupParams()
        self.memory_limit = memory_limit
        self.hold = hold
        self.wait = store_wait() if wait is None else wait
        self.on_wait = on_wait
        self.con = None
        self._seq: int | None = None  # the last report's `seq`, once read in this session
        self._replaced: set[str] = set()
        self._lock = threading.RLock()
        self._migrated = read_only
        with self.session():  # open (and create or migrate) now: a store that cannot be opened fails here
            pass

    @contextmanager
    def session(self) -> Iterator[EventStore]:
        """The store open for a series of operations; nested sessions share one connection."""
        with self._lock:
            if self.con is not None:
                yield self
                return
            self._open()
            try:
                yield self
            finally:
                if not self.hold:
                    self._disconnect()

    def _open(self) -> None:
        self.con = connect(self.path, read_only=self.read_only, wait=self.wait, on_wait=self.on_wait)
        self._seq = None  # another process may have stored reports since the last session
        try:
            if self.memory_limit is not None:
                self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
            if not self._migrated:
                self._migrate()
                self._migrated = True
        except BaseException:
            self._disconnect()
            raise

    def _disconnect(self) -> None:
        con, self.con = self.con, None
        if con is not None:
            try:
                con.close()
            except (duckdb.Error, OSError) as exc:
                raise store_error(exc, self.path, "cannot close the store") from exc

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
        except (duckdb.Error, OSError) as exc:
            self._rollback()
            raise store_error(exc, self.path, "cannot migrate the store") from exc
        self._recluster_v1()

    def _recluster_v1(self) -> None:
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if "events_v1" not in tables:
            return
        outlets = dict(self.con.execute("SELECT doc_id, outlet FROM articles").fetchall())
        pending = []
        for doc_id, record in self.con.execute("SELECT doc_id, record FROM events_v1 ORDER BY doc_id").fetchall():
            event = event_from_record(json.loads(record))
            pending.append(_Pending(event, report_key(event), outlets.get(doc_id) or doc_id))
        self._write_reports(pending)
        self.con.execute("DROP TABLE events_v1")

    def close(self) -> None:
        with self._lock:
            self._disconnect()

    def __enter__(self) -> EventStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------------

    def is_stored(self, article: Article) -> bool:
        return self.stored(article)[0]

    @_in_session
    def stored(self, *articles: Article) -> list[bool]:
        """For each article, whether it is stored already with the same text (one query for them all)."""
        hashes = dict(self.con.execute(
            "SELECT doc_id, content_hash FROM articles WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
            [[a.doc_id for a in articles]]).fetchall())
        return [hashes.get(a.doc_id) == content_hash(a.text) for a in articles]

    def put(self, article: Article, events: Iterable[Event]) -> bool:
        """Store one article with its reports atomically. Returns False when it was stored already
        with the same text (nothing changes); a changed text replaces the earlier coding."""
        return self.put_many([(article, list(events))])[0]

    @_in_session
    def put_many(self, items: Iterable[tuple[Article, list[Event]]], *,
                 fetched: list[dict] | None = None) -> list[bool]:
        """Store coded articles in one transaction, in order: the result is the same as `put` on each in
        turn (deduplication sees every earlier report), at a fraction of the cost (docs/store.md, "Writing").
        `fetched` rows (FETCHED_COLUMNS: what became of a URL) are written in the same transaction, so a URL is
        remembered exactly when its article is stored."""
        items = [(article, list(events)) for article, events in items]
        stored: list[bool] = []
        self._replaced: set[str] = set()  # events a replaced article's reports left, in this transaction
        try:
            self.con.execute("BEGIN TRANSACTION")
            known = {doc_id: (digest, version) for doc_id, digest, version in self.con.execute(
                "SELECT doc_id, content_hash, version FROM articles WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
                [[a.doc_id for a, _ in items]]).fetchall()}
            group: list[tuple[Article, list[Event], str, int]] = []
            for article, events in items:
                digest = content_hash(article.text)
                old, version = known.get(article.doc_id, (None, 0))
                stored.append(old != digest)
                if old == digest:
                    continue
                if old is not None:  # a changed text replaces the earlier coding: a new version
                    self._write(group)
                    group = []
                    self._remove_article(article.doc_id)
                known[article.doc_id] = (digest, (version or 1) + 1 if old is not None else 1)
                group.append((article, events, digest, known[article.doc_id][1]))
            self._write(group)
            if fetched:
                self._upsert_fetched(fetched)
            self.con.execute("COMMIT")
        except (duckdb.Error, OSError) as exc:
            self._rollback()
            self._seq = None
            which = ", ".join(a.doc_id for a, _ in items[:3]) + (" ..." if len(items) > 3 else "")
            raise store_error(exc, self.path, f"cannot store article(s) {which}") from exc
        return stored

    def _rollback(self) -> None:
        """Undo the open transaction; when DuckDB cannot (its database is invalidated after a fatal error), the
        file keeps what the last commit wrote."""
        with suppress(duckdb.Error):
            self.con.execute("ROLLBACK")

    def _remove_article(self, doc_id: str) -> None:
        touched = [r[0] for r in self.con.execute(
            "SELECT DISTINCT event_id FROM reports WHERE doc_id = ?", [doc_id]).fetchall()]
        self._uncount(doc_id)
        self.con.execute("DELETE FROM reports WHERE doc_id = ?", [doc_id])
        self.con.execute("DELETE FROM articles WHERE doc_id = ?", [doc_id])
        self._replaced.update(touched)
        self._refresh_events(touched, [], set(touched))

    def _write(self, group: list[tuple[Article, list[Event], str, int]]) -> None:
        """Articles with their reports, each report clustered against every report stored before it."""
        if not group:
            return
        self._insert("articles", ARTICLE_COLUMNS, [
            [a.doc_id, digest, a.title, a.author, a.published, a.url, a.outlet, a.source_path, a.text, len(events),
             f"wirecoder {__version__}", a.feed, version] for a, events, digest, version in group])
        self._write_reports([_Pending(e, report_key(e), a.outlet or a.doc_id)
                             for a, events, _, _ in group for e in events])

    def _write_reports(self, pending: list[_Pending]) -> None:
        if not pending:
            return
        merged_earlier = self._cluster(pending)
        if self._seq is None:
            self._seq = self.con.execute("SELECT coalesce(max(seq), 0) FROM reports").fetchone()[0]
        seq, self._seq = self._seq, self._seq + len(pending)
        self._insert("reports", REPORT_COLUMNS, [
            _report_row(p.event, p.event_id, p.outlet, p.reason, seq + n) for n, p in enumerate(pending, 1)])
        self._count_entities([p.event for p in pending])
        touched = list(dict.fromkeys(p.event_id for p in pending))
        self._refresh_events(touched, pending, merged_earlier | (set(touched) & self._replaced))

    def _cluster(self, pending: list[_Pending]) -> set[str]:
        """Decide each new report's event: the best match among stored reports (found by one blocking query)
        and the new reports before it, in the order they were stored; otherwise a new event. Returns the
        stored events that new reports joined."""
        stored = self._candidates([p.key for p in pending])
        stored_events = {event_id for found in stored.values() for event_id, _ in found}
        joined: set[str] = set()
        earlier: dict[tuple[str, str], list[int]] = {}  # (type, country) -> positions of new reports before
        for idx, p in enumerate(pending):
            key = p.key
            countries = key.actors | key.recipients
            near = sorted({j for c in countries for j in earlier.get((key.event_type, c), ())})
            own = [(pending[j].event_id, pending[j].key) for j in near
                   if pending[j].key.doc_id != key.doc_id and _within_window(key, pending[j].key)]
            decision = best_match(key, stored.get(idx, []) + own, self.dedup)
            p.event_id = decision.event_id or p.event.event_id
            p.reason = {"event_id": p.event_id, "merged": decision.event_id is not None, "score": decision.score,
                        "because": decision.reasons}
            if decision.event_id in stored_events:
                joined.add(decision.event_id)
            for c in countries:
                earlier.setdefault((key.event_type, c), []).append(idx)
        return joined

    def _candidates(self, keys: list[ReportKey]) -> dict[int, list[tuple[str, ReportKey]]]:
        """Stored reports that could tell the same event as each key, in the order they were stored: those
        within CANDIDATE_DAYS (or undated) that pass deduplication's hard constraints (`dedup.blocking_sql`).
        Joining on the type and a bucket of a few days keeps the work per report small however large the
        store (docs/store.md, "Writing")."""
        rows = []
        for i, k in enumerate(keys):
            if not (k.actors or k.recipients):
                continue
            row = {"i": i, **blocking_fields(k, self.dedup), "days": [], "periods": []}
            if k.day is not None:
                lo, hi = row["lo"], row["hi"]
                near, far = k.day - timedelta(days=CANDIDATE_DAYS), k.day + timedelta(days=CANDIDATE_DAYS)
                row.update(days=_buckets(max(lo, near), min(hi, far)), periods=_buckets(near, min(hi, far)))
            rows.append(row)
        if not rows:
            return {}
        fields = ("event_id, report_id, r.doc_id, event_type, cameo, date, date_precision, actor_countries, "
                  "recipient_countries, entity_ids, geonameid, location_country, lat, lon, factuality, dated")
        columns = (("i", "INTEGER"), *BLOCKING_FIELDS.items(), ("days", "INTEGER[]"), ("periods", "INTEGER[]"))
        # every stored report falls in one bucket of one kind: day-precise (d), a longer period (p), undated (x)
        kind = "CASE WHEN r.date IS NULL THEN 'x' WHEN coalesce(r.date_precision, 'day') = 'day' THEN 'd' ELSE 'p' END"
        bucket = f"coalesce((date_diff('day', DATE '0001-01-01', r.date) + 1) // {BUCKET_DAYS}, -1)"
        keep = f"{blocking_sql('r', 'n')} AND (r.date IS NULL OR n.day IS NULL OR " \
               f"abs(date_diff('day', r.date, n.day)) <= {CANDIDATE_DAYS})"
        # one scan of the reports for every new report with a date (the join on type and bucket does the
        # blocking); a new report without one is compared with every stored report of its type
        sql = f"""
            WITH n AS (SELECT * FROM {{source}}),
            nb AS (SELECT *, unnest(days) AS bucket, 'd' AS kind FROM n WHERE day IS NOT NULL
                   UNION ALL SELECT *, unnest(periods), 'p' FROM n WHERE day IS NOT NULL
                   UNION ALL SELECT *, -1, 'x' FROM n WHERE day IS NOT NULL)
            SELECT n.i, r.seq, {fields} FROM nb n JOIN reports r
              ON r.event_type = n.t AND {bucket} = n.bucket AND {kind} = n.kind WHERE {keep}"""
        if any(row["day"] is None for row in rows):
            sql += f"""
            UNION ALL
            SELECT n.i, r.seq, {fields} FROM (SELECT * FROM n WHERE day IS NULL) n JOIN reports r
              ON r.event_type = n.t WHERE {keep}"""
        sql += "\n            ORDER BY 1, 2"
        out: dict[int, list[tuple[str, ReportKey]]] = {}
        with _json_rows(columns, [[row[name] for name, _ in columns] for row in rows]) as source:
            found = self.con.execute(sql.replace("{source}", source)).fetchall()
        for row in found:
            out.setdefault(row[0], []).append((row[2], _key_of_row(row[3:])))
        return out

    def _refresh_events(self, event_ids: list[str], pending: list[_Pending], earlier: set[str]) -> None:
        """Recompute events from their reports (deleted when none are left). The reports just written come
        from `pending`; only the events in `earlier` can have reports stored before, and only those are read."""
        if not event_ids:
            return
        reports: dict[str, list[tuple[Event, str]]] = {}
        if earlier:
            new = {p.event.event_id for p in pending}
            for event_id, report_id, record, outlet in self.con.execute(
                    "SELECT event_id, report_id, record, outlet FROM reports WHERE event_id = ANY(?::VARCHAR[])",
                    [sorted(earlier)]).fetchall():
                if report_id not in new:
                    reports.setdefault(event_id, []).append((event_from_record(json.loads(record)), outlet))
            self.con.execute("DELETE FROM events WHERE event_id = ANY(?::VARCHAR[])", [sorted(earlier)])
        for p in pending:
            reports.setdefault(p.event_id, []).append((p.event, p.outlet))
        self._insert("events", EVENT_COLUMNS, [
            _event_row(event_id, sorted(reports[event_id], key=lambda r: r[0].event_id))
            for event_id in event_ids if event_id in reports])

    def _count_entities(self, events: list[Event]) -> None:
        """Add the reports to `entities` and `places`: `n_reports` counts the reports naming each (a report that
        names an entity on both sides counts once), the same count `check` derives from `reports`."""
        entities: dict[str, list] = {}
        places: dict[int, list] = {}
        for event in events:
            for e in {e.id: e for e in event.actor + event.recipient if e.id}.values():
                entities.setdefault(e.id, [e.id, e.name, e.country, e.sector, 0])[4] += 1
            loc = event.location
            if loc is not None and loc.geonameid is not None:
                places.setdefault(loc.geonameid, [loc.geonameid, loc.name, loc.country, loc.admin1, loc.lat,
                                                  loc.lon, 0])[6] += 1
        for table, key, columns, rows in (("entities", "entity_id", ENTITY_COLUMNS, entities),
                                          ("places", "geonameid", PLACE_COLUMNS, places)):
            self._insert(table, columns, list(rows.values()),
                         conflict=f"ON CONFLICT ({key}) DO UPDATE SET n_reports = {table}.n_reports + "
                                  "excluded.n_reports")

    def _uncount(self, doc_id: str) -> None:
        """Take an article's reports out of the `entities` and `places` counts (before they are deleted);
        entities and places no report names any more are dropped."""
        self.con.execute(
            "UPDATE entities SET n_reports = entities.n_reports - c.n FROM (SELECT id, count(*) AS n FROM "
            "(SELECT unnest(entity_ids) AS id FROM reports WHERE doc_id = ?) GROUP BY id) c "
            "WHERE entities.entity_id = c.id", [doc_id])
        self.con.execute(
            "UPDATE places SET n_reports = places.n_reports - c.n FROM (SELECT geonameid AS g, count(*) AS n "
            "FROM reports WHERE doc_id = ? AND geonameid IS NOT NULL GROUP BY 1) c WHERE places.geonameid = c.g",
            [doc_id])
        for table in ("entities", "places"):
            self.con.execute(f"DELETE FROM {table} WHERE n_reports <= 0")

    def _insert(self, table: str, columns: tuple[tuple[str, str], ...], rows: list[list], conflict: str = "",
                verb: str = "INSERT") -> None:
        """Append rows in one statement (benchmarks/README.md, "Into a store")."""
        if rows:
            names = ", ".join(name for name, _ in columns)
            with _json_rows(columns, rows) as source:
                self.con.execute(f"{verb} INTO {table} ({names}) SELECT {names} FROM {source} {conflict}")

    # --- what fetch and watch remember ------------------------------------------------------

    def _dicts(self, sql: str, params: list) -> list[dict]:
        cursor = self.con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    @_in_session
    def fetch_state(self, urls: list[str]) -> dict[str, dict]:
        """The `fetched` row of each URL that has one."""
        rows = self._dicts("SELECT * FROM fetched WHERE url IN (SELECT unnest(?::VARCHAR[]))", [urls])
        return {row["url"]: row for row in rows}

    @_in_session
    def stored_bodies(self, body_hashes: list[str]) -> dict[str, str]:
        """The fetched articles stored with one of these body hashes (`crawl.body_hash`): {body_hash: doc_id}."""
        return dict(self.con.execute(
            "SELECT body_hash, min(doc_id) FROM fetched WHERE outcome = 'stored' AND body_hash IN "
            "(SELECT unnest(?::VARCHAR[])) GROUP BY 1", [body_hashes]).fetchall())

    @_in_session
    def fetch_retries(self, feed: str) -> list[dict]:
        """The `fetched` rows of a feed's pages that got no answer and are to be tried again."""
        return self._dicts("SELECT * FROM fetched WHERE feed = ? AND outcome = 'retry' ORDER BY url", [feed])

    def _upsert_fetched(self, rows: list[dict]) -> None:
        """Remember what became of URLs: one row per URL, replaced when it is met again."""
        last = {row["url"]: row for row in rows}  # one row per URL in a statement
        self._insert("fetched", FETCHED_COLUMNS, [[row.get(name) for name, _ in FETCHED_COLUMNS]
                                                  for row in last.values()], verb="INSERT OR REPLACE")

    @_in_session
    def feed_states(self, urls: list[str]) -> dict[str, dict]:
        """The `feeds` row of each URL that has one."""
        rows = self._dicts("SELECT * FROM feeds WHERE url IN (SELECT unnest(?::VARCHAR[]))", [urls])
        return {row["url"]: row for row in rows}

    @_in_session
    def save_feed(self, row: dict) -> None:
        try:
            self._insert("feeds", FEED_COLUMNS, [[row.get(name) for name, _ in FEED_COLUMNS]],
                         verb="INSERT OR REPLACE")
        except (duckdb.Error, OSError) as exc:
            raise store_error(exc, self.path, f"cannot record the feed {row.get('url')}") from exc

    @_in_session
    def fetch_round(self) -> tuple[int, bool]:
        """The last round `watch` (or `fetch`) started, and whether it finished."""
        meta = dict(self.con.execute(
            "SELECT key, value FROM meta WHERE key IN ('fetch_round', 'fetch_round_done')").fetchall())
        return int(meta.get("fetch_round", 0)), meta.get("fetch_round_done", "1") == "1"

    @_in_session
    def set_fetch_round(self, number: int, done: bool) -> None:
        try:
            self.con.execute("INSERT OR REPLACE INTO meta VALUES ('fetch_round', ?), ('fetch_round_done', ?)",
                             [str(number), "1" if done else "0"])
        except (duckdb.Error, OSError) as exc:
            raise store_error(exc, self.path, "cannot record the fetch round") from exc

    @_in_session
    def reject(self, source: str, line: int | None, code: str, message: str) -> None:
        """Record a rejected input once: a re-run that rejects it again only updates `seen_at`."""
        try:
            self.con.execute("BEGIN TRANSACTION")
            self.con.execute("DELETE FROM rejected WHERE source = ? AND line IS NOT DISTINCT FROM ? AND code = ? "
                             "AND message = ?", [source, line, code, message])
            self.con.execute("INSERT INTO rejected (source, line, code, message) VALUES (?, ?, ?, ?)",
                             [source, line, code, message])
            self.con.execute("COMMIT")
        except (duckdb.Error, OSError) as exc:
            self._rollback()
            raise store_error(exc, self.path, f"cannot record the rejection of {source}") from exc

    # --- reading ----------------------------------------------------------------------------

    @_in_session
    def reports(self, doc_id: str | None = None) -> list[dict]:
        sql = "SELECT record FROM reports"
        params: list = []
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY doc_id, json_extract(record, '$.span[0]')::INTEGER, report_id"
        return [json.loads(r[0]) for r in self.con.execute(sql, params).fetchall()]

    @_in_session
    def events(self, doc_id: str | None = None) -> list[dict]:
        """Event records (clusters); with doc_id, those the article reports."""
        if doc_id is None:
            rows = self.con.execute("SELECT record FROM events ORDER BY date, event_id").fetchall()
        else:
            rows = self.con.execute(
                "SELECT record FROM events WHERE event_id IN (SELECT event_id FROM reports WHERE doc_id = ?) "
                "ORDER BY date, event_id", [doc_id]).fetchall()
        return [json.loads(r[0]) for r in rows]

    @_in_session
    def check(self) -> list[str]:
        """Every problem found (empty when the store is sound): `wirecoder doctor`. Reads every row of every
        table, decodes every record, and derives again from the reports what is derived from them: article and
        event report counts, the events themselves, and the entity and place counts."""
        problems = []
        version = self.schema_version()
        if version != SCHEMA_VERSION:
            problems.append(f"schema version {version}, expected {SCHEMA_VERSION} (opening it to write, e.g. with "
                            "`wirecoder code`, migrates it)")
        tables = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for table in TABLE_NAMES:
            if table not in tables:
                problems.append(f"table {table} is missing")
                continue
            try:  # hashing each whole row makes DuckDB read (and checksum) every block of every column
                self.con.execute(f"SELECT count(*), sum(hash({table})) FROM {table}").fetchone()
            except duckdb.Error as exc:
                problems.append(f"table {table} cannot be read ({_first_line(str(exc))})")
        if problems:
            return problems  # the derived checks below would only repeat the damage
        try:
            problems += self._check_counts()
            problems += self._check_records()
        except duckdb.Error as exc:
            problems.append(f"the store could not be read to the end ({_first_line(str(exc))})")
        return problems

    def _check_counts(self) -> list[str]:
        derived = ("{join} (SELECT {key} AS k, count(*) AS n FROM {source} GROUP BY 1) c ON t.{id} = c.k "
                   "WHERE coalesce(t.n_reports, 0) <> coalesce(c.n, 0)")
        checks = {
            "articles whose report count does not match their reports":
                "SELECT count(*) FROM articles t " + derived.format(
                    join="LEFT JOIN", key="doc_id", source="reports", id="doc_id"),
            "reports without their article": "SELECT count(*) FROM reports WHERE doc_id NOT IN "
                                             "(SELECT doc_id FROM articles)",
            "reports whose event is missing": "SELECT count(*) FROM reports WHERE event_id NOT IN "
                                              "(SELECT event_id FROM events)",
            "events without reports": "SELECT count(*) FROM events WHERE event_id NOT IN "
                                      "(SELECT event_id FROM reports)",
            "events whose report count is wrong":
                "SELECT count(*) FROM events t " + derived.format(
                    join="JOIN", key="event_id", source="reports", id="event_id"),
            "entities whose report count does not match the reports (or missing from entities)":
                "SELECT count(*) FROM entities t " + derived.format(
                    join="FULL JOIN", key="id", source="(SELECT unnest(entity_ids) AS id FROM reports)",
                    id="entity_id"),
            "places whose report count does not match the reports (or missing from places)":
                "SELECT count(*) FROM places t " + derived.format(
                    join="FULL JOIN", key="geonameid", source="reports WHERE geonameid IS NOT NULL", id="geonameid"),
        }
        for table, key in (("articles", "doc_id"), ("reports", "report_id"), ("events", "event_id"),
                           ("entities", "entity_id"), ("places", "geonameid")):
            checks[f"{table} sharing a {key} (a damaged index)"] = \
                f"SELECT count(*) - count(DISTINCT {key}) FROM {table}"
        problems = []
        for what, sql in checks.items():
            n = self.con.execute(sql).fetchone()[0]
            if n:
                problems.append(f"{n} {what}")
        return problems

    def _check_records(self) -> list[str]:
        """Article hashes, readable records, and each event equal to what its reports give (read in event order,
        a batch of rows at a time). Each kind of problem is one line: how many, and the first few ids."""
        found: dict[str, list[str]] = {}
        for doc_id, stored, text in _rows(self.con, "SELECT doc_id, content_hash, text FROM articles"):
            if content_hash(text) != stored:
                found.setdefault("articles whose text does not match its content hash", []).append(doc_id)
        names = ", ".join(name for name, _ in EVENT_COLUMNS)
        events = _rows(self.con, f"SELECT {names} FROM events ORDER BY event_id")
        stored_event = next(events, None)
        reports = _rows(self.con, "SELECT event_id, report_id, record, outlet FROM reports "
                                  "ORDER BY event_id, report_id")
        for event_id, group in groupby(reports, key=lambda r: r[0]):
            told = []
            for _, report_id, record, outlet in group:
                try:
                    told.append((event_from_record(json.loads(record)), outlet))
                except (ValueError, KeyError, TypeError):
                    found.setdefault("reports whose record cannot be read", []).append(report_id)
            while stored_event is not None and stored_event[0] < event_id:
                stored_event = next(events, None)
            if stored_event is None or stored_event[0] != event_id or not told:
                continue  # a missing event is counted by _check_counts
            if _comparable_event(stored_event) != _comparable_event(_event_row(event_id, told)):
                found.setdefault("events that do not match their reports", []).append(event_id)
        return [f"{len(ids)} {what} (e.g. {', '.join(ids[:CHECK_EXAMPLES])})" for what, ids in found.items()]

    @_in_session
    def counts(self) -> dict[str, int]:
        return {t: self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("articles", "reports", "events", "rejected")}


TABLE_NAMES = tuple(re.search(r"EXISTS (\w+)", ddl).group(1) for ddl in _TABLES)
ROWS_PER_FETCH = 2048


def _rows(con, sql: str) -> Iterator[tuple]:
    """The rows of a query, fetched a batch at a time (bounded memory on a large store)."""
    cur = con.cursor()
    try:
        cur.execute(sql)
        while batch := cur.fetchmany(ROWS_PER_FETCH):
            yield from batch
    finally:
        cur.close()


CHECK_EXAMPLES = 5  # ids named for each kind of problem `check` finds


def _comparable_event(row) -> list:
    """An events row as compared by `check`: its record read back as an `Event` and written again, so a record
    written by an earlier wirecoder (without fields added since) compares equal to one derived today."""
    values = [_comparable(v) for v in row]
    record = values[-1]
    with suppress(ValueError, KeyError, TypeError, AttributeError):  # an unreadable record stays, and differs
        values[-1] = {**event_from_record(record).to_dict(),
                      **{k: record.get(k) for k in ("event_id", "cameo", "n_reports", "n_sources", "reports")}}
    return values


def _comparable(value):
    """A column value as it reads back from the store, for comparing a stored row with a derived one."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict):
        return json.loads(json.dumps(value, default=_plain))
    if isinstance(value, (list, tuple)):
        return [_comparable(v) for v in value]
    return value


BUCKET_DAYS = 8  # candidates are joined on the type and the date's bucket of this many days
MIN_OBJECT_BYTES = 1 << 20  # the smallest read buffer asked of DuckDB for a batch of rows
ARTICLE_COLUMNS = (("doc_id", "VARCHAR"), ("content_hash", "VARCHAR"), ("title", "VARCHAR"), ("author", "VARCHAR"),
                   ("published", "DATE"), ("url", "VARCHAR"), ("outlet", "VARCHAR"), ("source_path", "VARCHAR"),
                   ("text", "VARCHAR"), ("n_reports", "INTEGER"), ("coder", "VARCHAR"), ("feed", "VARCHAR"),
                   ("version", "INTEGER"))
FETCHED_COLUMNS = (("url", "VARCHAR"), ("canonical_url", "VARCHAR"), ("doc_id", "VARCHAR"), ("feed", "VARCHAR"),
                   ("outcome", "VARCHAR"), ("code", "VARCHAR"), ("message", "VARCHAR"), ("stamp", "VARCHAR"),
                   ("etag", "VARCHAR"), ("last_modified", "VARCHAR"), ("body_hash", "VARCHAR"), ("round", "INTEGER"),
                   ("tries", "INTEGER"))
FEED_COLUMNS = (("url", "VARCHAR"), ("title", "VARCHAR"), ("site", "VARCHAR"), ("etag", "VARCHAR"),
                ("last_modified", "VARCHAR"), ("round", "INTEGER"), ("outcome", "VARCHAR"), ("n_entries", "INTEGER"))
_PARTIES = (("actor_country", "VARCHAR"), ("actor_sector", "VARCHAR"), ("recipient_country", "VARCHAR"),
            ("recipient_sector", "VARCHAR"))
_LISTS = (("actor_countries", "VARCHAR[]"), ("recipient_countries", "VARCHAR[]"), ("entity_ids", "VARCHAR[]"),
          ("actor_codes", "VARCHAR[]"), ("recipient_codes", "VARCHAR[]"))
_CODES = (("event_type", "VARCHAR"), ("mode", "VARCHAR"), ("cameo", "VARCHAR"), ("quad_class", "INTEGER"),
          ("goldstein", "DOUBLE"), ("date", "DATE"), ("date_precision", "VARCHAR"))
REPORT_COLUMNS = (("report_id", "VARCHAR"), ("doc_id", "VARCHAR"), ("event_id", "VARCHAR"), *_CODES, *_PARTIES,
                  *_LISTS, ("location_name", "VARCHAR"), ("location_country", "VARCHAR"), ("geonameid", "BIGINT"),
                  ("lat", "DOUBLE"), ("lon", "DOUBLE"), ("factuality", "VARCHAR"), ("attribution", "VARCHAR"),
                  ("outlet", "VARCHAR"), ("confidence", "DOUBLE"), ("merge_reason", "JSON"), ("record", "JSON"),
                  ("seq", "BIGINT"), ("dated", "BOOLEAN"))
EVENT_COLUMNS = (("event_id", "VARCHAR"), *_CODES, *_PARTIES, ("location_name", "VARCHAR"),
                 ("location_country", "VARCHAR"), ("lat", "DOUBLE"), ("lon", "DOUBLE"), ("factuality", "VARCHAR"),
                 ("n_reports", "INTEGER"), ("n_sources", "INTEGER"), ("confidence", "DOUBLE"), *_LISTS,
                 ("sources", "VARCHAR[]"), ("record", "JSON"))
ENTITY_COLUMNS = (("entity_id", "VARCHAR"), ("name", "VARCHAR"), ("country", "VARCHAR"), ("sector", "VARCHAR"),
                  ("n_reports", "INTEGER"))
PLACE_COLUMNS = (("geonameid", "BIGINT"), ("name", "VARCHAR"), ("country", "VARCHAR"), ("admin1", "VARCHAR"),
                 ("lat", "DOUBLE"), ("lon", "DOUBLE"), ("n_reports", "INTEGER"))


@dataclass
class _Pending:
    """A report being stored: its event, dedup key and outlet; `_cluster` decides its event."""

    event: Event
    key: ReportKey
    outlet: str
    event_id: str = ""
    reason: dict = field(default_factory=dict)


@contextmanager
def _json_rows(columns: tuple[tuple[str, str], ...], rows: list[list]) -> Iterator[str]:
    """A table expression over `rows`: DuckDB reads them from a JSON-lines file, two orders of magnitude
    faster than one INSERT per row and several times faster than a JSON parameter."""
    names = [name for name, _ in columns]
    longest = 0
    f = tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False)  # noqa: SIM115 (unlinked in finally)
    try:
        with f:
            for row in rows:
                line = json.dumps(dict(zip(names, row, strict=True)), ensure_ascii=False, default=_plain).encode()
                f.write(line + b"\n")
                longest = max(longest, len(line))
        spec = ", ".join(f"'{name}': '{kind}'" for name, kind in columns)
        path = f.name.replace("'", "''")
        # DuckDB's read buffer is twice the largest object allowed: size it to the rows at hand
        yield (f"read_json('{path}', format = 'newline_delimited', columns = {{{spec}}}, "
               f"maximum_object_size = {max(longest + 1, MIN_OBJECT_BYTES)})")
    finally:
        Path(f.name).unlink(missing_ok=True)


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def _buckets(first: date, last: date) -> list[int]:
    return list(range(first.toordinal() // BUCKET_DAYS, last.toordinal() // BUCKET_DAYS + 1))


def _within_window(new: ReportKey, old: ReportKey) -> bool:
    return new.day is None or old.day is None or abs((new.day - old.day).days) <= CANDIDATE_DAYS


def _key_of_row(row) -> ReportKey:
    (report_id, doc_id, event_type, cameo, day, precision, actors, recipients, ids, geonameid, country, lat, lon,
     factuality, dated) = row
    return ReportKey(report_id=report_id, doc_id=doc_id, event_type=event_type, cameo=cameo, day=day,
                     precision=precision, actors=frozenset(actors or ()), recipients=frozenset(recipients or ()),
                     actor_ids=frozenset(ids or ()), geonameid=geonameid, place_country=country, lat=lat, lon=lon,
                     factuality=factuality, dated=bool(dated))


def _event_row(event_id: str, reports: list[tuple[Event, str]]) -> list:
    """One event's row from its reports (in report-id order) and their outlets."""
    events = [r for r, _ in reports]
    outlets = {o for _, o in reports}
    rep = _representative(events)
    loc = next((r.location for r in events if r.location is not None), None)
    cameo, quad_class, score = _event_codes(events, rep)
    record = rep.to_dict()
    record.update(event_id=event_id, cameo=cameo, quad_class=quad_class, goldstein=score,
                  location=None if loc is None else record_location(loc), n_reports=len(events),
                  n_sources=len(outlets), reports=[r.event_id for r in events])
    a = rep.actor[0] if rep.actor else None
    b = rep.recipient[0] if rep.recipient else None
    sources = outlets | {x.attribution.source for x in events if x.attribution}
    return [event_id, rep.event_type, rep.mode, cameo, quad_class, score, rep.date, rep.date_precision,
            a.country if a else None, a.sector if a else None, b.country if b else None, b.sector if b else None,
            loc.name if loc else None, loc.country if loc else None, loc.lat if loc else None,
            loc.lon if loc else None, rep.factuality, len(events), len(outlets), max(r.confidence for r in events),
            sorted({x.country for r in events for x in r.actor if x.country}),
            sorted({x.country for r in events for x in r.recipient if x.country}),
            sorted({x.id for r in events for x in r.actor + r.recipient if x.id}),
            sorted({c for r in events for c in _codes(r.actor)}),
            sorted({c for r in events for c in _codes(r.recipient)}),
            sorted(x.lower() for x in sources if x), record]


def _event_codes(events: list[Event], rep: Event) -> tuple[str | None, int, float]:
    """An event's CAMEO code (the most common among its reports; the representative's on a tie) with the quad
    class and Goldstein score of that code, so the three always agree."""
    counts = Counter(r.cameo for r in events if r.cameo)
    if not counts:
        return rep.cameo, rep.quad_class, rep.goldstein
    top = max(counts.values())
    cameo = rep.cameo if counts.get(rep.cameo) == top else min(c for c, n in counts.items() if n == top)
    return cameo, quad_class_of(cameo), goldstein(cameo)


def _codes(entities) -> list[str]:
    """The parties' combined codes (SYRMIL), distinct and sorted."""
    return sorted({c for e in entities if (c := combined_code(e.country, e.sector))})


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


def _report_row(e: Event, event_id: str, outlet: str, reason: dict, seq: int) -> list:
    first_actor = e.actor[0] if e.actor else None
    first_recipient = e.recipient[0] if e.recipient else None
    loc = e.location
    return [
        e.event_id, e.doc_id, event_id, e.event_type, e.mode, e.cameo, e.quad_class, e.goldstein, e.date,
        e.date_precision, first_actor.country if first_actor else None,
        first_actor.sector if first_actor else None, first_recipient.country if first_recipient else None,
        first_recipient.sector if first_recipient else None,
        sorted({x.country for x in e.actor if x.country}), sorted({x.country for x in e.recipient if x.country}),
        sorted({x.id for x in e.actor + e.recipient if x.id}), _codes(e.actor), _codes(e.recipient),
        loc.name if loc else None,
        loc.country if loc else None, loc.geonameid if loc else None, loc.lat if loc else None,
        loc.lon if loc else None, e.factuality, e.attribution.source if e.attribution else None, outlet,
        e.confidence, reason, e.to_dict(), seq, e.date_text is not None,
    ]
