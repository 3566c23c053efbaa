"""The analyst's workbench: a REST API (OpenAPI at /api/openapi.json) and the dashboard over one store.

A thin layer over the library, like the CLI: filters are `wirecoder.query.Filters`, SQL comes from
`wirecoder.query.where`, coding is `wirecoder.readers.read_text` + `Pipeline.code`, storing is
`EventStore.put`. Every error leaves as one JSON shape, pinned by tests/test_api.py:

    {"error": {"code": "invalid_parameter", "message": "...", "details": ...}}

The server holds the store only while requests use it (`Workbench`), so the CLI can code into and read
the same file while it runs. DuckDB connections are not thread-safe: each request reads through its own
cursor, and a write waits for the reads in progress.
Coding runs in worker processes with a time and a memory limit (`_InProcesses`), so a huge paste
cannot stall reads. `_Guard` wraps the whole app: Host and Origin checks, body deadline, HEAD,
security headers, and the JSON 500. Reference and threat model: docs/api.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import itertools
import json
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import uvicorn
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, StrictBool, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.protocols.http.h11_impl import H11Protocol

from . import __version__, exports, gazetteer
from .batch import Failure, _time_limit, _TimeLimit, code_one, limited_worker
from .errors import InputError, StoreBusyError, StoreFullError, StoreReadOnlyError, WirecoderError
from .query import (
    LEVELS,
    MAX_OFFSET,
    SECTOR_CODES,
    Filters,
    QueryError,
    country_names,
    explain_empty,
    parse_bbox,
    stats,
    where,
)
from .schema import DATE_PRECISION, FACTUALITY, PLOVER_TYPES, Article, date_source

log = logging.getLogger(__name__)

# A pasted article of 1 MB is ~30x a long-form feature (readers.py calibrates its own 2M-character
# limit the same way); bigger bodies are refused with 413 before they are read in full.
DEFAULT_MAX_BODY_BYTES = 1_000_000
# Pasted text is coded while the analyst waits. 200,000 characters is ~3x the longest article in our
# samples; it codes in 6-8 s and peaks at ~1.2 GB of address space (measured, docs/api.md "Limits").
# Longer documents belong to `wirecoder code` (readers.MAX_TEXT_CHARS).
MAX_PASTED_CHARS = 200_000
# Each coding worker is a process holding the pipeline (~360 MB resident); when all are busy, 429.
DEFAULT_CODE_WORKERS = 1
DEFAULT_CODE_TIMEOUT = 60.0
# Address-space cap (RLIMIT_AS) per worker: a loaded worker takes ~580 MB, a 200,000-character news
# article peaks at ~1.2 GB, 200,000 characters of one-letter words at ~2 GB (which then gets a 422).
DEFAULT_CODE_MEMORY_MB = 2048
# SIGALRM interrupts Python code within milliseconds (measured), so a worker still busy this long after
# its time limit is stuck in C code: it is killed and replaced.
KILL_AFTER_SECONDS = 2.0
# The store's read connection is closed when no request has used it for this long, letting other processes in.
LINGER_SECONDS = 1.0
LOAD_TIMEOUT_SECONDS = 120.0  # start a worker process and load the pipeline (~5 s)
# Slow clients (slowloris): the whole body must arrive within BODY_TIMEOUT (1 MB at 33 KB/s), each
# request's headers within HEADER_TIMEOUT; idle keep-alive connections close after KEEP_ALIVE.
BODY_TIMEOUT_SECONDS = 30.0
HEADER_TIMEOUT_SECONDS = 10.0
KEEP_ALIVE_SECONDS = 5
MAX_CONNECTIONS = 100  # uvicorn answers 503 past this many open connections
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A browser sends these cross-site only after a CORS preflight, which this server never grants.
PREFLIGHT_HEADERS = ("x-wirecoder", "authorization")
DEFAULT_LIMIT = 100
MAX_PAGE = 1000
# Network and map payloads stay small enough for the browser to draw at once.
MAX_EDGES = 500
MAX_POINTS = 5000
INTERVALS = DATE_PRECISION  # timeline and dyad periods: one per date precision
# interval=auto: days the dates may span for each period (180 days, 157 weeks, 240 months), else years
AUTO_INTERVAL_DAYS = (("day", 180), ("week", 1100), ("month", 7300))
WEB_DIR = "web"

QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}


# --- errors ---------------------------------------------------------------------------------------

class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class ErrorBody(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_parameter, not_found")
    message: str = Field(description="what went wrong, for people")
    details: Any = Field(None, description="structured context: offending parameters, limits, wirecoder code")


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_CODES = {
    400: "invalid_parameter", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
    413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_article", 500: "internal_error",
}
_ERRORS = {status: {"model": ErrorResponse} for status in (400, 404, 500)}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status,
                        headers=headers)


def _wirecoder_details(exc: WirecoderError) -> dict:
    return {"wirecoder_code": exc.code, "hint": exc.hint}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", ""),
                     "type": e.get("type", "")} for e in exc.errors()]
        names = ", ".join(p["location"][-1] for p in problems if p["location"]) or "request"
        return error_response(400, "invalid_parameter", f"invalid value for {names}", problems)

    @app.exception_handler(QueryError)
    async def _query_error(request: Request, exc: QueryError) -> JSONResponse:
        return error_response(400, "invalid_parameter", exc.message, _wirecoder_details(exc))

    @app.exception_handler(InputError)
    async def _input_error(request: Request, exc: InputError) -> JSONResponse:
        return error_response(422, "invalid_article", exc.message, _wirecoder_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ERROR_CODES.get(exc.status_code, "http_error")
        message = "no such resource" if exc.status_code == 404 else str(exc.detail)
        return error_response(exc.status_code, code, message, {"path": request.url.path})

    @app.exception_handler(WirecoderError)
    async def _wirecoder_error(request: Request, exc: WirecoderError) -> JSONResponse:
        if isinstance(exc, StoreBusyError | StoreFullError | StoreReadOnlyError):
            return error_response(503, "store_unavailable", str(exc), _wirecoder_details(exc))
        return error_response(500, "internal_error", str(exc), _wirecoder_details(exc))
    # Any other exception is answered by _Guard: a handler for Exception would run in Starlette's
    # ServerErrorMiddleware, outside every middleware, so its 500 would miss the security headers.


# --- response models (documentation for /api/openapi.json) -----------------------------------------

class Page(BaseModel):
    items: list[dict[str, Any]] = Field(description="event records (docs/event-record.md), oldest first")
    total: int = Field(description="rows matching the filters")
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last")
    why: str | None = Field(None, description="on an empty page: why the filters match nothing (query.explain_empty)")


class Mark(BaseModel):
    kind: Literal["trigger", "actor", "recipient", "date", "place", "source"]
    start: int
    end: int
    text: str


class Evidence(BaseModel):
    sentence: list[int] | None = Field(description="[start, end] of the sentence in the article text")
    marks: list[Mark] = Field(description="non-overlapping highlights in the article text, in order")


class ReportView(BaseModel):
    report: dict[str, Any] = Field(description="the report's event record")
    event_id: str | None = Field(description="the deduplicated event this report belongs to")
    merge: dict[str, Any] | None = Field(description="why the report joined its event (dedup decision)")
    article: dict[str, Any] | None = Field(description="doc_id, title, outlet, published, url, text")
    evidence: Evidence


class EventDetail(BaseModel):
    event: dict[str, Any]
    reports: list[ReportView]


class ArticleDetail(BaseModel):
    article: dict[str, Any]
    reports: list[ReportView]


class Actor(BaseModel):
    id: str
    name: str | None
    country: str | None
    sector: str | None
    n_reports: int | None


class ActorPage(BaseModel):
    items: list[Actor]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class ActorDetail(BaseModel):
    actor: Actor
    events: Page


class DyadPoint(BaseModel):
    period: str
    n: int
    goldstein_mean: float | None
    quad: dict[str, int]


class DyadSeries(BaseModel):
    actor: str
    recipient: str
    interval: str
    total: int
    series: list[DyadPoint]


class Bucket(BaseModel):
    period: str
    key: str
    n: int


class Timeline(BaseModel):
    by: str
    interval: str
    buckets: list[Bucket] = Field(description="events dated at least as precisely as `interval`")
    coarser: dict[str, int] = Field(description="events left out because their date is coarser than `interval`, "
                                    "by date_precision (a year-dated event is no 1 January spike)")
    undated: int = Field(description="events with no date")


class NetworkNode(BaseModel):
    id: str = Field(description="country code (or IGO, NGO, ...)")
    name: str | None = Field(description="the country's name from the knowledge base, when known")
    n: int = Field(description="events on the node's edges")


class NetworkEdge(BaseModel):
    source: str
    target: str
    n: int
    n_cooperation: int
    n_conflict: int
    goldstein_mean: float | None


class Network(BaseModel):
    nodes: list[NetworkNode]
    edges: list[NetworkEdge] = Field(description="busiest first; source == target is a domestic dyad (KEN -> KEN)")
    domestic: int = Field(description="events of the filter between parties of one country")


class MapPoint(BaseModel):
    lat: float
    lon: float
    name: str | None
    admin1_name: str | None = Field(description="the province's name (gazetteer.admin1_name)")
    country: str | None
    country_name: str | None
    n: int


class MapPoints(BaseModel):
    points: list[MapPoint]
    total: int = Field(description="located events matching the filters")
    unplaced: int = Field(description="events matching the filters with no place, so not on the map")


class Stats(BaseModel):
    total: int
    by_type: list[dict[str, Any]]
    by_quad: list[dict[str, Any]]
    by_dyad: list[dict[str, Any]]
    by_day: list[dict[str, Any]]


class Meta(BaseModel):
    version: str
    event_types: list[str]
    factuality: list[str]
    levels: list[str]
    sectors: list[str] = Field(description="CAMEO sector codes for the `sector` and `recipient_sector` filters")
    quad_classes: dict[str, str]
    counts: dict[str, int]
    date_range: list[str | None]
    writable: bool
    token_required: bool
    max_body_bytes: int
    max_text_chars: int
    code_timeout_seconds: float


class CodeRequest(BaseModel):
    text: str = Field(description="the article text (plain text; title, byline and dateline are detected)")
    published: date | None = Field(None, description="publication date, when the text has no dateline")
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    store: StrictBool = Field(True, description="store the article and its events (when the server is writable)")


class CodeResult(BaseModel):
    article: dict[str, Any]
    stored: bool = Field(description="true when the article and its events were written to the store")
    events: list[ReportView]


# --- evidence -------------------------------------------------------------------------------------

_MARK_PRIORITY = ("trigger", "actor", "recipient", "place", "date", "source")


def _sentence_bounds(text: str, sentence: str | None, span: tuple[int, int]) -> tuple[int, int] | None:
    """Where the record's sentence lies in the article: the occurrence that contains the trigger."""
    if not sentence:
        return None
    start = text.find(sentence)
    best = None
    while start != -1:
        end = start + len(sentence)
        if start <= span[0] and span[1] <= end:
            return start, end
        best = best or (start, end)
        start = text.find(sentence, start + 1)
    return best


def _find_near(text: str, needle: str, lo: int, hi: int, anchor: int) -> tuple[int, int] | None:
    """The occurrence of `needle` in text[lo:hi] nearest the anchor (exact case first, then any case)."""
    if not needle or not needle.strip():
        return None
    for haystack, target in ((text[lo:hi], needle), (text[lo:hi].lower(), needle.lower())):
        found, i = [], haystack.find(target)
        while i != -1:
            found.append(lo + i)
            i = haystack.find(target, i + 1)
        if found:
            start = min(found, key=lambda s: abs(s - anchor))
            return start, start + len(needle)
    return None


def evidence(record: dict, text: str | None) -> dict:
    """Highlights for one report in its article: trigger, actor and recipient phrases, date phrase,
    place and attribution source, looked up in the sentence (the trigger by its offsets)."""
    if not text:
        return {"sentence": None, "marks": []}
    span = tuple(record.get("span") or (0, 0))
    bounds = _sentence_bounds(text, record.get("sentence"), span)
    lo, hi = bounds if bounds else (max(0, span[0] - 400), min(len(text), span[1] + 400))
    wanted: list[tuple[str, str | None]] = []
    wanted += [("actor", e.get("text")) for e in record.get("actor") or []]
    wanted += [("recipient", e.get("text")) for e in record.get("recipient") or []]
    wanted.append(("place", (record.get("location") or {}).get("text")))
    wanted.append(("date", record.get("date_text")))
    wanted.append(("source", (record.get("attribution") or {}).get("source")))
    candidates = []
    if 0 <= span[0] < span[1] <= len(text):
        candidates.append(("trigger", span[0], span[1]))
    for kind, phrase in wanted:
        where_ = _find_near(text, phrase or "", lo, hi, span[0])
        if where_:
            candidates.append((kind, *where_))
    marks: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(candidates, key=lambda c: _MARK_PRIORITY.index(c[0])):
        if all(end <= s or start >= e for _, s, e in marks):
            marks.append((kind, start, end))
    marks.sort(key=lambda m: m[1])
    return {"sentence": list(bounds) if bounds else None,
            "marks": [{"kind": k, "start": s, "end": e, "text": text[s:e]} for k, s, e in marks]}


# --- the application -------------------------------------------------------------------------------

class _Reader:
    """What `wirecoder.query` needs from a store: a `.con` to run SQL on."""

    def __init__(self, con) -> None:
        self.con = con


class _Shared:
    """A readers-writer lock: reads go on together, a write (or closing the connection) goes alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class Workbench:
    """The store behind the app, held only while requests use it, so `wirecoder code`, `query` and `export`
    can use the same file while the server runs (docs/store.md, "Sharing a store"). Requests read through
    cursors of one read-only connection, opened when a request needs it and closed once no request has
    used it for `linger` seconds; a write closes it and opens the store to write for that one article."""

    def __init__(self, db_path: str | Path, *, read_only: bool = False, wait: float | None = None,
                 linger: float = LINGER_SECONDS) -> None:
        from .store import EventStore, store_wait

        self.db_path = str(db_path)
        self.read_only = read_only
        self.wait = store_wait() if wait is None else wait
        self.linger = linger
        EventStore(self.db_path, read_only=read_only, wait=self.wait).close()  # create or migrate it now
        self._shared = _Shared()
        self._open_lock = threading.Lock()
        self._con = None
        self._last_use = 0.0
        self._stop = threading.Event()
        self._closer = threading.Thread(target=self._close_when_idle, name="wirecoder-store-closer", daemon=True)
        self._closer.start()

    @contextmanager
    def reader(self) -> Iterator[_Reader]:
        from .store import connect

        self._yield_to_writers()
        with self._shared.read():
            with self._open_lock:
                if self._con is None:
                    self._con = connect(self.db_path, read_only=True, wait=self.wait)
                cur = self._con.cursor()
            try:
                yield _Reader(cur)
            finally:
                cur.close()
                self._last_use = time.monotonic()

    def put(self, article, events) -> None:
        from .store import EventStore

        with self._shared.write():
            self._disconnect()
            with EventStore(self.db_path, wait=self.wait) as store:
                store.put(article, events)

    def _yield_to_writers(self) -> None:
        """When another process waits to write (`wirecoder code` storing a batch), let go of the store once the
        reads in progress end, and start no new read until it has the store: then reads wait for its batch."""
        from .store import writer_waiting

        if not writer_waiting(self.db_path):
            return
        with self._shared.write():
            self._disconnect()
        deadline = time.monotonic() + self.wait
        while writer_waiting(self.db_path) and time.monotonic() < deadline:
            time.sleep(0.02)

    def _close_when_idle(self) -> None:
        from .store import writer_waiting

        while not self._stop.wait(min(self.linger / 4, 0.1)):
            if self._con is None:
                continue
            if time.monotonic() - self._last_use > self.linger or writer_waiting(self.db_path):
                with self._shared.write():
                    self._disconnect()

    def _disconnect(self) -> None:
        with self._open_lock:
            con, self._con = self._con, None
        if con is not None:
            con.close()

    def close(self) -> None:
        self._stop.set()
        self._closer.join()
        with self._shared.write():
            self._disconnect()


# --- coding -----------------------------------------------------------------------------------------

def _busy(workers: int) -> ApiError:
    return ApiError(429, "too_many_requests", f"{workers} article(s) are being coded already; retry shortly",
                    {"retry_after_seconds": 2, "code_workers": workers})


class _InThreads:
    """Codes with a coder given to create_app (tests, custom coders) in the server's threads, one article at
    a time (spaCy pipelines are not thread-safe). The time limit interrupts Python code only
    (batch._time_limit); there is no memory limit."""

    def __init__(self, coder, *, workers: int, timeout: float) -> None:
        self.coder = coder
        self.workers = workers
        self.timeout = timeout
        self.busy = 0
        self.lock = threading.Lock()

    async def code(self, article: Article):
        if self.busy >= self.workers:
            raise _busy(self.workers)
        self.busy += 1  # only the event loop's thread counts
        try:
            return await run_in_threadpool(self._code, article)
        finally:
            self.busy -= 1

    def _code(self, article: Article):
        with self.lock:
            try:
                with _time_limit(self.timeout):
                    return self.coder.code(article)
            except _TimeLimit:
                return Failure("W110", f"coding took longer than {self.timeout:g} s")

    def close(self) -> None:
        return None


class _Worker:
    """One coding process, in a pool of its own, so that killing it loses no other article."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.pid: int | None = None


# Coded once when a worker starts, so that the pipeline is loaded before the time limit applies.
_WARM_UP = Article(doc_id="warm-up", text="Russia met Turkey on Monday.")


class _InProcesses:
    """Codes with the shipped pipeline in worker processes: each loads it once (batch._worker_pipeline) and
    codes one article at a time with `batch.code_one` under the time limit, inside an address-space cap.
    A worker still busy `KILL_AFTER_SECONDS` past the limit is killed and started afresh on the next article.
    Everything here runs on the event loop's thread, so waiting for a worker blocks no other request."""

    def __init__(self, *, workers: int, timeout: float, memory_mb: int | None) -> None:
        self.workers = workers
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.idle = [_Worker() for _ in range(workers)]
        self.busy: list[_Worker] = []

    async def code(self, article: Article):
        if not self.idle:
            raise _busy(self.workers)
        worker = self.idle.pop()
        self.busy.append(worker)
        try:
            if worker.pool is None:
                await self._start(worker)
            try:
                future = asyncio.wrap_future(worker.pool.submit(code_one, article, self.timeout))
                return await asyncio.wait_for(future, self.timeout + KILL_AFTER_SECONDS)
            except asyncio.TimeoutError:
                self._stop(worker, kill=True)
                return Failure("W110", f"coding took longer than {self.timeout:g} s")
            except BrokenProcessPool:  # the worker died: over its memory cap in C code, or a crash
                self._stop(worker, kill=False)
                return Failure("W111", "the worker coding this article crashed")
        finally:
            self.busy.remove(worker)
            self.idle.append(worker)

    async def _start(self, worker: _Worker) -> None:
        limit = None if self.memory_mb is None else self.memory_mb * 2**20
        # spawn, not fork: forking a server whose threads may hold locks can deadlock the child
        worker.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                          initializer=limited_worker, initargs=(limit,))
        try:
            worker.pid = await asyncio.wait_for(asyncio.wrap_future(worker.pool.submit(os.getpid)),
                                                LOAD_TIMEOUT_SECONDS)
            loaded = await asyncio.wait_for(asyncio.wrap_future(worker.pool.submit(code_one, _WARM_UP)),
                                            LOAD_TIMEOUT_SECONDS)
        except (asyncio.TimeoutError, BrokenProcessPool):
            loaded = Failure("W111", "the worker died or hung while loading the pipeline")
        if isinstance(loaded, Failure):
            self._stop(worker, kill=worker.pid is not None)
            raise ApiError(503, "coding_unavailable", f"could not start a coding worker: {loaded.message}",
                           {"wirecoder_code": loaded.code, "code_memory_mb": self.memory_mb})

    def _stop(self, worker: _Worker, *, kill: bool) -> None:
        if kill and worker.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        if worker.pool is not None:
            worker.pool.shutdown(wait=False, cancel_futures=True)
        worker.pool = worker.pid = None

    def close(self) -> None:
        for worker in self.busy:
            self._stop(worker, kill=True)
        for worker in self.idle:
            self._stop(worker, kill=False)


def _coding_error(failure: Failure, timeout: float, memory_mb: int | None) -> ApiError:
    """The API's answer to an article the coder gave up on (codes from batch.Failure)."""
    if failure.code == "W110":
        return ApiError(504, "coding_timeout", f"coding took longer than the server's limit of {timeout:g} s",
                        {"wirecoder_code": failure.code, "code_timeout_seconds": timeout,
                         "hint": "split the article, or start the server with a larger --code-timeout"})
    if failure.code == "W111":
        return ApiError(503, "worker_crashed", "the worker coding this article crashed and is being replaced; "
                        f"it may have run past its memory limit ({memory_mb} MB)",
                        {"wirecoder_code": failure.code, "code_memory_mb": memory_mb})
    return ApiError(422, "coding_failed", f"could not code the article: {failure.message}",
                    {"wirecoder_code": failure.code, "code_memory_mb": memory_mb,
                     "hint": "out of memory: split the article or raise --code-memory; else report it"})


def _q(description: str, **kw):
    return Query(description=description, **kw)


def _filters(
    start: Annotated[str | None, _q("events on or after: YYYY-MM-DD, or YYYY-MM or YYYY from its first day")] = None,
    end: Annotated[str | None, _q("events on or before: YYYY-MM-DD, or YYYY-MM or YYYY to its last day")] = None,
    actor: Annotated[str | None, _q("actor country code (RUS), code and sector (SYRMIL) or knowledge-base id "
                                    "(wc:person:...)")] = None,
    recipient: Annotated[str | None, _q("recipient country code, code and sector, or knowledge-base id")] = None,
    sector: Annotated[str | None, _q("an actor has this sector (MIL, GOV, ...), with `actor`'s country")] = None,
    recipient_sector: Annotated[str | None, _q("a recipient has this sector, with `recipient`'s country")] = None,
    event_type: Annotated[str | None, _q("PLOVER event type (ASSAULT, CONSULT, ...)")] = None,
    place: Annotated[str | None, _q("place name, case-insensitive")] = None,
    bbox: Annotated[str | None, _q("min_lon,min_lat,max_lon,max_lat")] = None,
    factuality: Annotated[str | None, _q(", ".join(FACTUALITY))] = None,
    source: Annotated[str | None, _q("outlet or attribution source (substring, case-insensitive)")] = None,
) -> Filters:
    """The same filters as `wirecoder query` (wirecoder.query.Filters, which normalises the values); bad values
    raise QueryError -> 400."""
    from .query import parse_date

    return Filters(start=parse_date(start) if start else None, end=parse_date(end, end=True) if end else None,
                   actor=actor, recipient=recipient, actor_sector=sector, recipient_sector=recipient_sector,
                   event_type=event_type, place=place, bbox=parse_bbox(bbox) if bbox else None,
                   factuality=factuality, source=source)


FiltersDep = Annotated[Filters, Depends(_filters)]
Level = Annotated[Literal["events", "reports"], _q("deduplicated events or per-article reports")]
Order = Annotated[Literal["asc", "desc"], _q("by date: asc (oldest first) or desc")]
Limit = Annotated[int, _q("page size", ge=1, le=MAX_PAGE)]
Offset = Annotated[int, _q("rows to skip (paging)", ge=0, le=MAX_OFFSET)]
Interval = Annotated[str, _q("/".join(INTERVALS))]
ExportFormat = Annotated[Literal[exports.FORMATS], Query(alias="format", description=", ".join(exports.FORMATS))]
ExportColumns = Annotated[Literal[exports.COLUMN_SETS], _q("column set of tsv, csv and parquet (docs/exports.md)")]


def _page(total: int, items: list, limit: int, offset: int) -> dict:
    nxt = offset + limit
    return {"items": items, "total": total, "limit": limit, "offset": offset,
            "next_offset": nxt if nxt < total else None}


def _list(reader: _Reader, clause: str, params: list, level: str, limit: int, offset: int, order: str) -> dict:
    key = "event_id" if level == "events" else "report_id"
    direction = "DESC" if order == "desc" else "ASC"
    extra = ", event_id" if level == "reports" else ""
    rows = reader.con.execute(
        f"SELECT record{extra} FROM {level}{clause} ORDER BY date {direction} NULLS LAST, {key} {direction} "
        f"LIMIT ? OFFSET ?", params + [limit, offset]).fetchall()
    total = reader.con.execute(f"SELECT count(*) FROM {level}{clause}", params).fetchone()[0]
    items = []
    for row in rows:
        record = json.loads(row[0])
        if level == "reports":
            record["cluster_id"] = row[1]
        items.append(record)
    return _page(total, _shown(reader, items), limit, offset)


def _shown(reader: _Reader, records: list[dict]) -> list[dict]:
    """Records as the API shows them, with `outlet` (the article's), `date_source` (old records too) and the
    place's `location.admin1_name` (a name where the record keeps a GeoNames code such as "68") and
    `location.country_name`."""
    doc_ids = sorted({r["doc_id"] for r in records if r.get("doc_id")})
    outlets = dict(reader.con.execute("SELECT doc_id, outlet FROM articles WHERE list_contains(?, doc_id)",
                                      [doc_ids]).fetchall()) if doc_ids else {}
    places = [r["location"] for r in records if r.get("location")]
    countries = country_names(reader, sorted({p["country"] for p in places if p.get("country")}))
    for record in records:
        record["outlet"] = outlets.get(record.get("doc_id"))
        record["date_source"] = date_source(record)
    for place in places:
        place["admin1_name"] = _admin1_name(place.get("country"), place.get("admin1"))
        place["country_name"] = countries.get(place.get("country"))
    return records


def _admin1_name(country: str | None, admin1: str | None) -> str | None:
    return gazetteer.admin1_name(country, admin1) if country and admin1 else None


def _article(row) -> dict | None:
    doc_id, title, outlet, published, url, text = row
    if doc_id is None:
        return None
    return {"doc_id": doc_id, "title": title, "outlet": outlet,
            "published": published.isoformat() if published else None, "url": url, "text": text}


_REPORT_SQL = (
    "SELECT r.record, r.event_id, r.merge_reason, a.doc_id, a.title, a.outlet, a.published, a.url, a.text "
    "FROM reports r LEFT JOIN articles a ON a.doc_id = r.doc_id ")


def _report_views(reader: _Reader, where_sql: str, params: list) -> list[dict]:
    rows = reader.con.execute(
        _REPORT_SQL + where_sql + " ORDER BY a.published NULLS LAST, r.doc_id, r.report_id", params).fetchall()
    out = []
    for record_json, event_id, merge, *article_row in rows:
        record = json.loads(record_json)
        article = _article(article_row)
        out.append({"report": record, "event_id": event_id, "merge": json.loads(merge) if merge else None,
                    "article": article, "evidence": evidence(record, article["text"] if article else None)})
    _shown(reader, [view["report"] for view in out])
    return out


def _export_chunks(bench: Workbench, fmt: str, filters: Filters, level: str, columns: str) -> Iterator[bytes]:
    """The export's bytes, read through one reader that stays open until the last chunk is sent."""
    with bench.reader() as r:
        yield from exports.export_chunks(r, fmt, filters=filters, level=level, columns=columns)


def _auto_interval(first: date | None, last: date | None) -> str:
    """The finest period that draws the span in at most ~240 bars."""
    span = (last - first).days if first and last else 0
    return next((interval for interval, days in AUTO_INTERVAL_DAYS if span <= days), INTERVALS[-1])


def _period(interval: str) -> str:
    if interval not in INTERVALS:
        raise ApiError(400, "invalid_parameter", f"interval must be one of {', '.join(INTERVALS)}")
    return f"CAST(date_trunc('{interval}', date) AS DATE)"


# The dashboard loads nothing from elsewhere: everything it needs is served by this app.
CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
SECURITY_HEADERS = [(b"content-security-policy", CSP), (b"x-content-type-options", b"nosniff")]
_HOST_CHARS = re.compile(r"[a-z0-9._-]+|[0-9a-f:.]+")  # a DNS name, an IPv4 or an IPv6 address


def _host_name(value: str) -> str | None:
    """The name in a Host header or an --allow-host value ("[::1]:8000" -> "::1"), lower-case, without a
    trailing dot; None when it is not a host name or address with an optional port."""
    value = value.strip()
    if value.count(":") > 1 and not value.startswith("["):
        value = f"[{value}]"  # a bare IPv6 address
    try:
        parts = urlsplit("//" + value)
        port_zero = parts.port == 0  # .port raises ValueError unless the port is a number up to 65535
    except ValueError:
        return None
    name = (parts.hostname or "").rstrip(".")
    if port_zero or parts.netloc != value or "@" in value or not _HOST_CHARS.fullmatch(name):
        return None
    return name


def _same_origin(source: str, host: str) -> bool:
    """Whether an Origin header (or a Referer's scheme and authority) names the server the Host header names;
    a missing port is the scheme's default, so this holds behind a TLS proxy that keeps the Host."""
    try:
        there, here = urlsplit(source), urlsplit("//" + host)
        default = {"http": 80, "https": 443}.get(there.scheme)
        return (default is not None and there.hostname is not None
                and (there.hostname, there.port or default) == (here.hostname, here.port or default))
    except ValueError:
        return False


def _write_refusal(headers: Headers) -> JSONResponse | None:
    """403 for a write a page on another site may have sent (cross-site request forgery), else None.
    Browsers send Origin on every cross-site POST; a request with neither Origin nor Referer (curl, scripts)
    must carry something a browser cannot send cross-site without a preflight: a JSON body or a header of
    PREFLIGHT_HEADERS."""
    source = headers.get("origin") or headers.get("referer")
    if source is not None:
        if _same_origin(source, headers.get("host", "")):
            return None
        return error_response(403, "cross_origin", f"writes must come from this server's own pages, not {source!r}",
                              {"origin": source})
    media = headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json" or any(name in headers for name in PREFLIGHT_HEADERS):
        return None
    return error_response(403, "no_origin", "a write without Origin must send JSON or an X-Wirecoder header",
                          {"hint": "curl -H 'X-Wirecoder: 1' ..., or send Content-Type: application/json"})


class _SlowBody(Exception):
    """The request body did not arrive within the body timeout."""


class _Guard:
    """Pure ASGI middleware (no body buffering) that every request and response passes through, 500s included:
    security headers on every response; HEAD answered as GET without the body; the Host must name this server
    (DNS rebinding); writes must come from this server's own pages (_write_refusal); the body must arrive
    within `body_timeout` (slow clients, 408); any other exception becomes the JSON 500."""

    def __init__(self, app, *, hosts: frozenset[str], body_timeout: float) -> None:
        self.app = app
        self.hosts = hosts
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        started = False

        async def guarded_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        try:
            headers = Headers(scope=scope)
            refusal = self._host_refusal(headers)
            if refusal is None and scope["method"] not in SAFE_METHODS:
                refusal = _write_refusal(headers)
            if refusal is not None:
                await refusal(scope, receive, guarded_send)
                return
            if head:
                scope = {**scope, "method": "GET"}
            await self.app(scope, self._with_deadline(receive), guarded_send)
        except _SlowBody:
            if started:
                raise
            slow = error_response(408, "request_timeout", f"the request body did not arrive within "
                                  f"{self.body_timeout:g} s", {"body_timeout_seconds": self.body_timeout},
                                  headers={"connection": "close"})
            await slow(scope, receive, guarded_send)
        except Exception as exc:
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if started:
                raise
            await error_response(500, "internal_error", f"unexpected {type(exc).__name__}")(
                scope, receive, guarded_send)

    def _host_refusal(self, headers: Headers) -> JSONResponse | None:
        host = headers.get("host", "")
        if _host_name(host) in self.hosts:
            return None
        return error_response(421, "unknown_host", f"this server does not answer to the name {host!r}",
                              {"host": host, "hint": "start the server with --allow-host NAME for each name "
                               "clients use to reach it"})

    def _with_deadline(self, receive):
        """`receive` that raises _SlowBody once the body has taken longer than `body_timeout` in all."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout
        done = False

        async def receive_in_time():
            nonlocal done
            if done:  # later calls only wait for the client to disconnect
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                raise _SlowBody from None
            done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        return receive_in_time


def _allowed_hosts(names: Iterable[str]) -> frozenset[str]:
    hosts = set()
    for name in (*LOOPBACK_HOSTS, *names):
        host = _host_name(name)
        if host is None:
            raise WirecoderError(f"{name!r} is not a host name or address", hint="give a name such as "
                                 "events.example.org or an address such as 192.0.2.7, without a scheme or path")
        hosts.add(host)
    return frozenset(hosts)


def _check_limits(**limits: float | None) -> None:
    for name, value in limits.items():
        if value is not None and not value > 0:
            raise WirecoderError(f"{name} must be a positive number, not {value!r}")


def create_app(db_path: str | Path, *, coder=None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               token: str | None = None, read_only: bool = False, allowed_hosts: Iterable[str] = (),
               code_timeout: float = DEFAULT_CODE_TIMEOUT, code_memory_mb: int | None = DEFAULT_CODE_MEMORY_MB,
               code_workers: int = DEFAULT_CODE_WORKERS, body_timeout: float = BODY_TIMEOUT_SECONDS) -> FastAPI:
    """The web app over one store (docs/api.md).

    `coder` is anything with `.code(article) -> list[Event]`, run in the server's threads; by default the
    shipped pipeline runs in `code_workers` processes, each started on first use, with `code_timeout` seconds
    per article and `code_memory_mb` of address space (None: no cap). The workers are spawned, so a script
    that builds the app must guard its entry point (`if __name__ == "__main__":`), as for any
    multiprocessing. The app answers requests whose Host is
    a loopback name or one of `allowed_hosts` (names or addresses, the port is ignored). With `token`,
    POST /api/code needs `Authorization: Bearer TOKEN`; `read_only` opens the store read-only and never
    stores coded articles."""
    _check_limits(max_body_bytes=max_body_bytes, code_timeout=code_timeout, code_memory_mb=code_memory_mb,
                  code_workers=code_workers, body_timeout=body_timeout)
    hosts = _allowed_hosts(allowed_hosts)
    if coder is None:
        coding = _InProcesses(workers=code_workers, timeout=code_timeout, memory_mb=code_memory_mb)
    else:
        coding = _InThreads(coder, workers=code_workers, timeout=code_timeout)
        code_memory_mb = None
    bench = Workbench(db_path, read_only=read_only)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        coding.close()
        bench.close()

    app = FastAPI(title="wirecoder", version=__version__, openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, lifespan=lifespan,
                  description="Events coded from news in PLOVER/CAMEO; reference: docs/api.md")
    app.state.workbench = bench
    app.state.coding = coding
    _install_error_handlers(app)
    web = Path(str(files("wirecoder").joinpath(WEB_DIR)))
    app.mount("/static", StaticFiles(directory=web), name="static")

    app.add_middleware(_Guard, hosts=hosts, body_timeout=body_timeout)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(web / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/api", include_in_schema=False)
    def api_root() -> RedirectResponse:
        return RedirectResponse("/api/openapi.json")

    @app.get("/api/meta", response_model=Meta, tags=["store"])
    def meta() -> dict:
        """Version, vocabularies (event types, factuality, quad classes), row counts and what the server allows."""
        with bench.reader() as r:
            counts = {t: r.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                      for t in ("articles", "reports", "events")}
            lo, hi = r.con.execute("SELECT min(date), max(date) FROM events").fetchone()
        return {"version": __version__, "event_types": list(PLOVER_TYPES), "factuality": list(FACTUALITY),
                "levels": list(LEVELS), "sectors": list(SECTOR_CODES),
                "quad_classes": {str(k): v for k, v in QUAD_NAMES.items()},
                "counts": counts, "date_range": [lo.isoformat() if lo else None, hi.isoformat() if hi else None],
                "writable": not read_only, "token_required": token is not None, "max_body_bytes": max_body_bytes,
                "max_text_chars": MAX_PASTED_CHARS, "code_timeout_seconds": code_timeout}

    @app.get("/api/events", response_model=Page, responses=_ERRORS, tags=["events"])
    def list_events(filters: FiltersDep, level: Level = "events", limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
                    order: Order = "asc") -> JSONResponse:
        """Events (deduplicated clusters) or per-article reports matching the filters, one page at a time."""
        clause, params = where(filters, level)
        with bench.reader() as r:
            page = _list(r, clause, params, level, limit, offset, order)
            page["why"] = explain_empty(r, filters, level) if not page["total"] else None
        return JSONResponse(page)

    @app.get("/api/events/{event_id}", response_model=EventDetail, responses=_ERRORS, tags=["events"])
    def get_event(event_id: str) -> JSONResponse:
        """One event with every report of it: each report's record, article text and highlighted evidence."""
        with bench.reader() as r:
            row = r.con.execute("SELECT record FROM events WHERE event_id = ?", [event_id]).fetchone()
            if row is None:
                raise ApiError(404, "not_found", f"no event {event_id!r}", {"event_id": event_id})
            reports = _report_views(r, "WHERE r.event_id = ?", [event_id])
            (event,) = _shown(r, [json.loads(row[0])])
        return JSONResponse({"event": event, "reports": reports})

    @app.get("/api/reports/{report_id}", response_model=ReportView, responses=_ERRORS, tags=["events"])
    def get_report(report_id: str) -> JSONResponse:
        """One report (an event as one article tells it) with its article and evidence."""
        with bench.reader() as r:
            views = _report_views(r, "WHERE r.report_id = ?", [report_id])
        if not views:
            raise ApiError(404, "not_found", f"no report {report_id!r}", {"report_id": report_id})
        return JSONResponse(views[0])

    @app.get("/api/articles/{doc_id}", response_model=ArticleDetail, responses=_ERRORS, tags=["events"])
    def get_article(doc_id: str) -> JSONResponse:
        """One stored article with every report coded from it."""
        with bench.reader() as r:
            row = r.con.execute("SELECT doc_id, title, outlet, published, url, text FROM articles WHERE doc_id = ?",
                                [doc_id]).fetchone()
            if row is None:
                raise ApiError(404, "not_found", f"no article {doc_id!r}", {"doc_id": doc_id})
            reports = _report_views(r, "WHERE r.doc_id = ?", [doc_id])
        return JSONResponse({"article": _article(row), "reports": reports})

    @app.get("/api/actors", response_model=ActorPage, responses=_ERRORS, tags=["actors"])
    def list_actors(q: Annotated[str | None, _q("part of a name or id, or a country code")] = None,
                    limit: Limit = 50, offset: Offset = 0) -> JSONResponse:
        """Actors in the store (knowledge-base entities), most reported first."""
        clause, params = "", []
        if q:  # contains(), not LIKE: % and _ are plain characters
            clause = " WHERE contains(lower(entity_id), ?) OR contains(lower(name), ?) OR country = ?"
            params = [q.lower(), q.lower(), q.upper()]
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT entity_id, name, country, sector, n_reports FROM entities{clause} "
                "ORDER BY n_reports DESC, entity_id LIMIT ? OFFSET ?", params + [limit, offset]).fetchall()
            total = r.con.execute(f"SELECT count(*) FROM entities{clause}", params).fetchone()[0]
        items = [dict(zip(("id", "name", "country", "sector", "n_reports"), row, strict=True)) for row in rows]
        return JSONResponse(_page(total, items, limit, offset))

    @app.get("/api/actors/{actor_id}", response_model=ActorDetail, responses=_ERRORS, tags=["actors"])
    def get_actor(actor_id: str, filters: FiltersDep, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
                  order: Order = "desc") -> JSONResponse:
        """One actor and the events it takes part in (on either side), newest first by default."""
        with bench.reader() as r:
            if ":" in actor_id:
                row = r.con.execute("SELECT entity_id, name, country, sector, n_reports FROM entities "
                                    "WHERE entity_id = ?", [actor_id]).fetchone()
                side = "list_contains(entity_ids, ?)"
                side_params = [actor_id]
            else:
                code = actor_id.upper()
                side = "(list_contains(actor_countries, ?) OR list_contains(recipient_countries, ?))"
                side_params = [code, code]
                n = r.con.execute(f"SELECT count(*) FROM events WHERE {side}", side_params).fetchone()[0]
                row = (code, country_names(r, [code]).get(code, code), code, None, n) if n else None
            if row is None:
                raise ApiError(404, "not_found", f"no actor {actor_id!r}", {"actor_id": actor_id})
            clause, params = where(filters, "events", side)  # `side` comes first, so do its values
            page = _list(r, clause, side_params + params, "events", limit, offset, order)
        actor = dict(zip(("id", "name", "country", "sector", "n_reports"), row, strict=True))
        return JSONResponse({"actor": actor, "events": page})

    @app.get("/api/dyads", response_model=DyadSeries, responses=_ERRORS, tags=["actors"])
    def dyad_series(filters: FiltersDep, interval: Interval = "month", level: Level = "events") -> JSONResponse:
        """Events from `actor` to `recipient` (both required) over time: counts by quad class, mean Goldstein."""
        if not filters.actor or not filters.recipient:
            raise ApiError(400, "invalid_parameter", "a dyad needs both actor and recipient",
                           {"actor": filters.actor, "recipient": filters.recipient})
        period = _period(interval)
        clause, params = where(filters, level)
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT {period} AS p, quad_class, count(*), sum(goldstein) FROM {level}{clause} "
                "AND date IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2", params).fetchall()
        series: dict[str, dict] = {}
        for p, quad, n, gsum in rows:
            point = series.setdefault(p.isoformat(), {"period": p.isoformat(), "n": 0, "gsum": 0.0,
                                                      "quad": {str(q): 0 for q in QUAD_NAMES}})
            point["n"] += n
            point["gsum"] += gsum or 0.0
            point["quad"][str(quad)] = n
        points = []
        for point in series.values():
            gsum = point.pop("gsum")
            point["goldstein_mean"] = round(gsum / point["n"], 3) if point["n"] else None
            points.append(point)
        return JSONResponse({"actor": filters.actor, "recipient": filters.recipient, "interval": interval,
                             "total": sum(p["n"] for p in points), "series": points})

    @app.get("/api/stats", response_model=Stats, responses=_ERRORS, tags=["stats"])
    def get_stats(filters: FiltersDep, level: Level = "events",
                  top: Annotated[int, _q("how many dyads", ge=1, le=MAX_PAGE)] = 20) -> JSONResponse:
        """Counts by event type, quad class, dyad and day (as `wirecoder stats`)."""
        clause, params = where(filters, level)
        with bench.reader() as r:
            result = stats(r, filters, level=level, top=top)
            total = r.con.execute(f"SELECT count(*) FROM {level}{clause}", params).fetchone()[0]
            quads = r.con.execute(f"SELECT quad_class, count(*) FROM {level}{clause} GROUP BY 1 ORDER BY 1",
                                  params).fetchall()
        by_quad = [{"quad_class": q, "name": QUAD_NAMES.get(q), "n": n} for q, n in quads]
        return JSONResponse({"total": total, "by_quad": by_quad, **result})

    @app.get("/api/timeline", response_model=Timeline, responses=_ERRORS, tags=["stats"])
    def timeline(filters: FiltersDep, level: Level = "events",
                 by: Annotated[Literal["quad", "type"], _q("stack by quad class or event type")] = "quad",
                 interval: Annotated[str, _q("/".join(INTERVALS) + ", or auto: the finest that the "
                                             "filtered dates' span allows")] = "day") -> JSONResponse:
        """Event counts per period, split by quad class or event type (the dashboard's timeline). Only events
        dated at least as precisely as `interval` are counted; the others are counted in `coarser` and `undated`."""
        key = "quad_class::VARCHAR" if by == "quad" else "event_type"
        precision = f"coalesce(date_precision, '{DATE_PRECISION[0]}')"  # a record without one counts as a day
        clause, params = where(filters, level)
        with bench.reader() as r:
            if interval == "auto":
                interval = _auto_interval(*r.con.execute(f"SELECT min(date), max(date) FROM {level}{clause}",
                                                         params).fetchone())
            period = _period(interval)
            fine = DATE_PRECISION[:DATE_PRECISION.index(interval) + 1]
            date_clause, _ = where(filters, level, "date IS NOT NULL",
                                   f"{precision} IN ({', '.join(repr(p) for p in fine)})")
            rows = r.con.execute(f"SELECT {period} AS p, {key} AS k, count(*) FROM {level}{date_clause} "
                                 "GROUP BY 1, 2 ORDER BY 1, 2", params).fetchall()
            by_precision = dict(r.con.execute(
                f"SELECT CASE WHEN date IS NOT NULL THEN {precision} END, count(*) FROM {level}{clause} GROUP BY 1",
                params).fetchall())
        return JSONResponse({"by": by, "interval": interval,
                             "buckets": [{"period": p.isoformat(), "key": str(k), "n": n} for p, k, n in rows],
                             "coarser": {p: n for p, n in by_precision.items() if p is not None and p not in fine},
                             "undated": by_precision.get(None, 0)})

    @app.get("/api/network", response_model=Network, responses=_ERRORS, tags=["actors"])
    def network(filters: FiltersDep, level: Level = "events",
                limit: Annotated[int, _q("at most this many edges, busiest first", ge=1, le=MAX_EDGES)] = 150,
                ) -> JSONResponse:
        """Actor network for the filter: country nodes, directed edges counting cooperation and conflict events;
        an edge from a country to itself is a domestic dyad (police against protesters: KEN -> KEN)."""
        clause, params = where(filters, level, "actor_country IS NOT NULL", "recipient_country IS NOT NULL")
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT actor_country, recipient_country, count(*) AS n, count(*) FILTER (WHERE quad_class <= 2), "
                f"count(*) FILTER (WHERE quad_class >= 3), avg(goldstein) FROM {level}{clause} "
                "GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT ?", params + [limit]).fetchall()
            edges = [{"source": a, "target": b, "n": n, "n_cooperation": coop, "n_conflict": conf,
                      "goldstein_mean": None if g is None else round(g, 3)} for a, b, n, coop, conf, g in rows]
            weight: dict[str, int] = {}
            for e in edges:
                for node in {e["source"], e["target"]}:  # a domestic edge counts once
                    weight[node] = weight.get(node, 0) + e["n"]
            names = country_names(r, list(weight))
            domestic = r.con.execute(f"SELECT count(*) FROM {level}{clause} AND actor_country = recipient_country",
                                     params).fetchone()[0]
        ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
        nodes = [{"id": k, "name": names.get(k), "n": v} for k, v in ranked]
        return JSONResponse({"nodes": nodes, "edges": edges, "domestic": domestic})

    @app.get("/api/export", response_class=StreamingResponse, responses=_ERRORS, tags=["events"])
    def export(filters: FiltersDep, fmt: ExportFormat = "csv", columns: ExportColumns | None = None,
               level: Level = "events") -> StreamingResponse:
        """The events (or reports) the filters match as a file to download, streamed while it is written
        (`wirecoder.exports.export_chunks`; formats and columns: docs/exports.md)."""
        if fmt == "plover-jsonl" and columns not in (None, "wirecoder"):
            raise ApiError(400, "invalid_parameter", "plover-jsonl has the PLOVER manual's fields, not a column set",
                           {"format": fmt, "columns": columns})
        chunks = _export_chunks(bench, fmt, filters, level, columns or "wirecoder")
        first = next(chunks, b"")  # a bad request fails here, before the response starts: a JSON error
        return StreamingResponse(itertools.chain([first], chunks), media_type=exports.MEDIA_TYPES[fmt], headers={
            "content-disposition": f'attachment; filename="{exports.download_name(fmt)}"'})

    @app.get("/api/map", response_model=MapPoints, responses=_ERRORS, tags=["stats"])
    def map_points(filters: FiltersDep, level: Level = "events",
                   limit: Annotated[int, _q("at most this many places", ge=1, le=MAX_POINTS)] = 2000,
                   ) -> JSONResponse:
        """Located events grouped by place (the client clusters them by zoom level), and how many have no place."""
        clause, params = where(filters, level, "lat IS NOT NULL", "lon IS NOT NULL")
        all_clause, _ = where(filters, level)
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT round(lat, 3), round(lon, 3), any_value(location_name), any_value(location_country), "
                f"any_value(json_extract_string(record, '$.location.admin1')), count(*) AS n FROM {level}{clause} "
                "GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT ?", params + [limit]).fetchall()
            total, unplaced = r.con.execute(
                f"SELECT count(*) FILTER (WHERE lat IS NOT NULL AND lon IS NOT NULL), "
                f"count(*) FILTER (WHERE lat IS NULL OR lon IS NULL) FROM {level}{all_clause}", params).fetchone()
            names = country_names(r, sorted({row[3] for row in rows if row[3]}))
        points = [{"lat": lat, "lon": lon, "name": name, "admin1_name": _admin1_name(country, admin1),
                   "country": country, "country_name": names.get(country), "n": n}
                  for lat, lon, name, country, admin1, n in rows]
        return JSONResponse({"total": total, "unplaced": unplaced, "points": points})

    @app.post("/api/code", response_model=CodeResult, tags=["coding"],
              responses={s: {"model": ErrorResponse} for s in (400, 401, 403, 408, 413, 415, 422, 429, 500, 503,
                                                                 504)},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": CodeRequest.model_json_schema()},
                  "text/plain": {"schema": {"type": "string"}}}}})
    async def code_article(request: Request) -> JSONResponse:
        """Code a pasted article now (JSON `CodeRequest`, or the bare text as text/plain) and show its events;
        the article and its events are stored when the server is writable and `store` is true."""
        if token is not None and not _authorized(request.headers.get("authorization", ""), token):
            raise ApiError(401, "unauthorized", "POST /api/code needs Authorization: Bearer TOKEN")
        body = await _read_limited(request, max_body_bytes)
        req = _code_request(body, request.headers.get("content-type", "application/json"))
        article = _make_article(req)
        events = await coding.code(article)
        if isinstance(events, Failure):
            raise _coding_error(events, code_timeout, code_memory_mb)
        return JSONResponse(await run_in_threadpool(_store_and_show, bench, article, events,
                                                    req.store and not read_only))

    return app


def _authorized(header: str, token: str) -> bool:
    """`Authorization: Bearer TOKEN`, the scheme in any case (RFC 7235); the token compared in constant time."""
    scheme, _, credentials = header.strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode())


async def _read_limited(request: Request, limit: int) -> bytes:
    too_large = ApiError(413, "body_too_large", f"request body over {limit} bytes", {"max_body_bytes": limit})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _code_request(body: bytes, content_type: str) -> CodeRequest:
    media = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_parameter", f"body is not UTF-8 (byte {exc.start})") from exc
    if media == "text/plain":
        return CodeRequest(text=text)
    if media not in ("application/json", ""):
        raise ApiError(415, "unsupported_media_type", f"send application/json or text/plain, not {media}")
    try:
        return CodeRequest.model_validate_json(text)
    except ValidationError as exc:
        problems = [{"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", ""),
                     "type": e.get("type", "")} for e in exc.errors()]
        raise ApiError(400, "invalid_parameter", "body is not a valid CodeRequest", problems) from exc


def _make_article(req: CodeRequest):
    from dataclasses import replace

    from .readers import read_text

    if not req.text.strip():
        raise InputError("the article text is empty", hint="paste the article text")
    if "\x00" in req.text:
        raise InputError("the article text contains NUL bytes: binary data?")
    if len(req.text) > MAX_PASTED_CHARS:
        raise InputError(f"article of {len(req.text):,} characters; the API codes at most {MAX_PASTED_CHARS:,}",
                         hint="split it, or code long documents with `wirecoder code`")
    article = read_text(req.text, published=req.published)
    return replace(article, title=req.title or article.title, outlet=req.outlet, url=req.url,
                   source_path="api:/api/code")


def _store_and_show(bench: Workbench, article, events: list, store: bool) -> dict:
    if store:
        bench.put(article, events)
    with bench.reader() as r:
        clusters = dict(r.con.execute("SELECT report_id, event_id FROM reports WHERE doc_id = ?",
                                      [article.doc_id]).fetchall()) if store else {}
    text = article.text
    views = []
    for event in events:
        record = event.to_dict()
        views.append({"report": record, "event_id": clusters.get(event.event_id), "merge": None,
                      "article": None, "evidence": evidence(record, text)})
    info = {"doc_id": article.doc_id, "title": article.title, "outlet": article.outlet,
            "published": article.published.isoformat() if article.published else None, "url": article.url,
            "text": text}
    return {"article": info, "stored": store, "events": views}


class _HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers: uvicorn closes idle keep-alive
    connections, but not one that sends its headers a byte at a time or never sends them (slowloris)."""

    def __init__(self, *args, header_timeout: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.head_timer: asyncio.TimerHandle | None = None
        self.waiting_after = None  # the request cycle before the head being waited for

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._wait_for_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.head_timer is not None and self.cycle is not self.waiting_after:  # a new request began
            self.head_timer.cancel()
            self.head_timer = None

    def on_response_complete(self) -> None:
        cycle = self.cycle
        super().on_response_complete()
        if self.cycle is cycle:  # no pipelined request started
            self._wait_for_head()

    def connection_lost(self, exc) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        super().connection_lost(exc)

    def _wait_for_head(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
        if not self.transport.is_closing():
            self.waiting_after = self.cycle
            self.head_timer = self.loop.call_later(self.header_timeout, self.transport.close)


def server_config(app, host: str = "127.0.0.1", port: int = 8000, *,
                  header_timeout: float = HEADER_TIMEOUT_SECONDS, log_level: str = "info") -> uvicorn.Config:
    """uvicorn's configuration for the app, with the slow-client limits (docs/api.md, "Security")."""
    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          http=functools.partial(_HeadTimeoutH11, header_timeout=header_timeout),
                          timeout_keep_alive=KEEP_ALIVE_SECONDS, limit_concurrency=MAX_CONNECTIONS)


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8000, *, read_only: bool = False,
          token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, allowed_hosts: Iterable[str] = (),
          code_timeout: float = DEFAULT_CODE_TIMEOUT, code_memory_mb: int | None = DEFAULT_CODE_MEMORY_MB,
          code_workers: int = DEFAULT_CODE_WORKERS) -> None:
    """Run the workbench until interrupted (what `wirecoder serve` calls). The bound address is an allowed
    Host too, unless it is a wildcard (0.0.0.0, ::): then clients' names must be in `allowed_hosts`."""
    bound = [] if host in ("0.0.0.0", "::", "") else [host]
    app = create_app(db_path, read_only=read_only, token=token, max_body_bytes=max_body_bytes,
                     allowed_hosts=[*bound, *allowed_hosts], code_timeout=code_timeout,
                     code_memory_mb=code_memory_mb, code_workers=code_workers)
    uvicorn.Server(server_config(app, host, port)).run()


__all__ = ["ApiError", "create_app", "evidence", "serve", "server_config"]
