"""The analyst's workbench: a REST API (OpenAPI at /api/openapi.json) and the dashboard over one store.

A thin layer over the library, like the CLI: filters are `wirecoder.query.Filters`, SQL comes from
`wirecoder.query.where`, coding is `wirecoder.readers.read_text` + `Pipeline.code`, storing is
`EventStore.put`. Every error leaves as one JSON shape, pinned by tests/test_api.py:

    {"error": {"code": "invalid_parameter", "message": "...", "details": ...}}

DuckDB connections are not thread-safe: each request reads through its own cursor (a connection
to the same database instance) and writes go through the store's connection under a lock.
Reference: docs/api.md.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .errors import InputError, WirecoderError
from .query import LEVELS, Filters, QueryError, parse_bbox, stats, where
from .schema import FACTUALITY, PLOVER_TYPES

# Coding is CPU-bound: more simultaneous jobs than cores only queue up; extra requests get 429.
MAX_CONCURRENT_CODING = max(1, os.cpu_count() or 1)
# A pasted article of 1 MB is ~30x a long-form feature (readers.py calibrates its own 2M-character
# limit the same way); bigger bodies are refused with 413 before they are read in full.
DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_LIMIT = 100
MAX_PAGE = 1000
# Network and map payloads stay small enough for the browser to draw at once.
MAX_EDGES = 500
MAX_POINTS = 5000
INTERVALS = ("day", "week", "month", "year")
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


def error_response(status: int, code: str, message: str, details: Any = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status)


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
        return error_response(500, "internal_error", str(exc), _wirecoder_details(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal_error", f"unexpected {type(exc).__name__}", None)


# --- response models (documentation for /api/openapi.json) -----------------------------------------

class Page(BaseModel):
    items: list[dict[str, Any]] = Field(description="event records (docs/event-record.md), oldest first")
    total: int = Field(description="rows matching the filters")
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last")


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
    buckets: list[Bucket]


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
    edges: list[NetworkEdge]


class MapPoint(BaseModel):
    lat: float
    lon: float
    name: str | None
    country: str | None
    n: int


class MapPoints(BaseModel):
    points: list[MapPoint]
    total: int = Field(description="located events matching the filters")


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
    quad_classes: dict[str, str]
    counts: dict[str, int]
    date_range: list[str | None]
    writable: bool
    token_required: bool
    max_body_bytes: int


class CodeRequest(BaseModel):
    text: str = Field(description="the article text (plain text; title, byline and dateline are detected)")
    published: date | None = Field(None, description="publication date, when the text has no dateline")
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    store: bool = Field(True, description="store the article and its events (when the server is writable)")


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


class Workbench:
    """The store behind the app: per-request read cursors, one locked writer, a lazily loaded coder."""

    def __init__(self, db_path: str | Path, *, coder=None, read_only: bool = False) -> None:
        from .store import EventStore

        self.db_path = str(db_path)
        self.read_only = read_only
        self.store = EventStore(self.db_path, read_only=read_only)
        self._root = self.store.con.cursor()
        self._root_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._coder = coder
        self._coder_lock = threading.Lock()

    @contextmanager
    def reader(self) -> Iterator[_Reader]:
        with self._root_lock:
            cur = self._root.cursor()
        try:
            yield _Reader(cur)
        finally:
            cur.close()

    def coder(self):
        with self._coder_lock:
            if self._coder is None:
                from .pipeline import Pipeline

                self._coder = Pipeline.default()
            return self._coder

    def code(self, article) -> list:
        coder = self.coder()
        with self._coder_lock:  # spaCy pipelines are not safe to share between threads
            return coder.code(article)

    def put(self, article, events) -> None:
        with self._write_lock:
            self.store.put(article, events)

    def close(self) -> None:
        self._root.close()
        self.store.close()


def _q(description: str, **kw):
    return Query(description=description, **kw)


def _filters(
    start: Annotated[date | None, _q("events on or after (YYYY-MM-DD)")] = None,
    end: Annotated[date | None, _q("events on or before (YYYY-MM-DD)")] = None,
    actor: Annotated[str | None, _q("actor country code (RUS) or knowledge-base id (wc:person:...)")] = None,
    recipient: Annotated[str | None, _q("recipient country code or knowledge-base id")] = None,
    event_type: Annotated[str | None, _q("PLOVER event type (ASSAULT, CONSULT, ...)")] = None,
    place: Annotated[str | None, _q("place name, case-insensitive")] = None,
    bbox: Annotated[str | None, _q("min_lon,min_lat,max_lon,max_lat")] = None,
    factuality: Annotated[str | None, _q(", ".join(FACTUALITY))] = None,
    source: Annotated[str | None, _q("outlet or attribution source (substring, case-insensitive)")] = None,
) -> Filters:
    """The same filters as `wirecoder query` (wirecoder.query.Filters); bad values raise QueryError -> 400."""
    return Filters(start=start, end=end, actor=actor or None, recipient=recipient or None,
                   event_type=event_type.upper() if event_type else None, place=place or None,
                   bbox=parse_bbox(bbox) if bbox else None, factuality=factuality or None, source=source or None)


FiltersDep = Annotated[Filters, Depends(_filters)]
Level = Annotated[Literal["events", "reports"], _q("deduplicated events or per-article reports")]
Order = Annotated[Literal["asc", "desc"], _q("by date: asc (oldest first) or desc")]
Limit = Annotated[int, _q("page size", ge=1, le=MAX_PAGE)]
Offset = Annotated[int, _q("rows to skip (paging)", ge=0)]
Interval = Annotated[str, _q("/".join(INTERVALS))]


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
    return _page(total, items, limit, offset)


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
    return out


def _country_names(reader: _Reader, codes: list[str]) -> dict[str, str]:
    """Names of country codes from the knowledge-base country entities seen in the store."""
    if not codes:
        return {}
    rows = reader.con.execute(
        "SELECT country, min(name) FROM entities WHERE entity_id LIKE 'wc:country:%' AND entity_id NOT LIKE '%+%' "
        "AND list_contains(?, country) GROUP BY 1", [codes]).fetchall()
    return dict(rows)


def _period(interval: str) -> str:
    if interval not in INTERVALS:
        raise ApiError(400, "invalid_parameter", f"interval must be one of {', '.join(INTERVALS)}")
    return f"CAST(date_trunc('{interval}', date) AS DATE)"


# The dashboard loads nothing from elsewhere: everything it needs is served by this app.
CSP = b"default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"


class _SecurityHeaders:
    """Pure ASGI middleware (no body buffering): CSP and nosniff on every response."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP), (b"x-content-type-options", b"nosniff")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db_path: str | Path, *, coder=None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               token: str | None = None, read_only: bool = False) -> FastAPI:
    """The web app over one store. `coder` is anything with `.code(article) -> list[Event]` (default:
    `Pipeline.default()`, loaded on the first POST /api/code); with `token`, POST /api/code needs
    `Authorization: Bearer TOKEN`; `read_only` opens the store read-only and never stores coded articles."""
    bench = Workbench(db_path, coder=coder, read_only=read_only)
    coding_slots = threading.BoundedSemaphore(MAX_CONCURRENT_CODING)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        bench.close()

    app = FastAPI(title="wirecoder", version=__version__, openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, lifespan=lifespan,
                  description="Events coded from news in PLOVER/CAMEO; reference: docs/api.md")
    app.state.workbench = bench
    _install_error_handlers(app)
    web = Path(str(files("wirecoder").joinpath(WEB_DIR)))
    app.mount("/static", StaticFiles(directory=web), name="static")

    app.add_middleware(_SecurityHeaders)

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
                "levels": list(LEVELS), "quad_classes": {str(k): v for k, v in QUAD_NAMES.items()},
                "counts": counts, "date_range": [lo.isoformat() if lo else None, hi.isoformat() if hi else None],
                "writable": not read_only, "token_required": token is not None, "max_body_bytes": max_body_bytes}

    @app.get("/api/events", response_model=Page, responses=_ERRORS, tags=["events"])
    def list_events(filters: FiltersDep, level: Level = "events", limit: Limit = DEFAULT_LIMIT, offset: Offset = 0,
                    order: Order = "asc") -> JSONResponse:
        """Events (deduplicated clusters) or per-article reports matching the filters, one page at a time."""
        clause, params = where(filters, level)
        with bench.reader() as r:
            return JSONResponse(_list(r, clause, params, level, limit, offset, order))

    @app.get("/api/events/{event_id}", response_model=EventDetail, responses=_ERRORS, tags=["events"])
    def get_event(event_id: str) -> JSONResponse:
        """One event with every report of it: each report's record, article text and highlighted evidence."""
        with bench.reader() as r:
            row = r.con.execute("SELECT record FROM events WHERE event_id = ?", [event_id]).fetchone()
            if row is None:
                raise ApiError(404, "not_found", f"no event {event_id!r}", {"event_id": event_id})
            reports = _report_views(r, "WHERE r.event_id = ?", [event_id])
        return JSONResponse({"event": json.loads(row[0]), "reports": reports})

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
        if q:
            pattern = f"%{q.lower()}%"
            clause = " WHERE lower(entity_id) LIKE ? OR lower(name) LIKE ? OR country = ?"
            params = [pattern, pattern, q.upper()]
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
                row = (code, _country_names(r, [code]).get(code, code), code, None, n) if n else None
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
                 interval: Interval = "day") -> JSONResponse:
        """Event counts per period, split by quad class or event type (the dashboard's timeline)."""
        period = _period(interval)
        key = "quad_class::VARCHAR" if by == "quad" else "event_type"
        date_clause, params = where(filters, level, "date IS NOT NULL")
        with bench.reader() as r:
            rows = r.con.execute(f"SELECT {period} AS p, {key} AS k, count(*) FROM {level}{date_clause} "
                                 "GROUP BY 1, 2 ORDER BY 1, 2", params).fetchall()
        return JSONResponse({"by": by, "interval": interval,
                             "buckets": [{"period": p.isoformat(), "key": str(k), "n": n} for p, k, n in rows]})

    @app.get("/api/network", response_model=Network, responses=_ERRORS, tags=["actors"])
    def network(filters: FiltersDep, level: Level = "events",
                limit: Annotated[int, _q("at most this many edges, busiest first", ge=1, le=MAX_EDGES)] = 150,
                ) -> JSONResponse:
        """Actor network for the filter: country nodes, directed edges counting cooperation and conflict events."""
        clause, params = where(filters, level, "actor_country IS NOT NULL", "recipient_country IS NOT NULL",
                               "actor_country <> recipient_country")
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT actor_country, recipient_country, count(*) AS n, count(*) FILTER (WHERE quad_class <= 2), "
                f"count(*) FILTER (WHERE quad_class >= 3), avg(goldstein) FROM {level}{clause} "
                "GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT ?", params + [limit]).fetchall()
            edges = [{"source": a, "target": b, "n": n, "n_cooperation": coop, "n_conflict": conf,
                      "goldstein_mean": None if g is None else round(g, 3)} for a, b, n, coop, conf, g in rows]
            weight: dict[str, int] = {}
            for e in edges:
                for node in (e["source"], e["target"]):
                    weight[node] = weight.get(node, 0) + e["n"]
            names = _country_names(r, list(weight))
        ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
        nodes = [{"id": k, "name": names.get(k), "n": v} for k, v in ranked]
        return JSONResponse({"nodes": nodes, "edges": edges})

    @app.get("/api/map", response_model=MapPoints, responses=_ERRORS, tags=["stats"])
    def map_points(filters: FiltersDep, level: Level = "events",
                   limit: Annotated[int, _q("at most this many places", ge=1, le=MAX_POINTS)] = 2000,
                   ) -> JSONResponse:
        """Located events grouped by place (the client clusters them by zoom level)."""
        clause, params = where(filters, level, "lat IS NOT NULL", "lon IS NOT NULL")
        with bench.reader() as r:
            rows = r.con.execute(
                f"SELECT round(lat, 3), round(lon, 3), any_value(location_name), any_value(location_country), "
                f"count(*) AS n FROM {level}{clause} GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT ?",
                params + [limit]).fetchall()
            total = r.con.execute(f"SELECT count(*) FROM {level}{clause}", params).fetchone()[0]
        return JSONResponse({"total": total, "points": [
            {"lat": lat, "lon": lon, "name": name, "country": country, "n": n} for lat, lon, name, country, n in rows]})

    @app.post("/api/code", response_model=CodeResult, tags=["coding"],
              responses={s: {"model": ErrorResponse} for s in (400, 401, 413, 415, 422, 429, 500)},
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": CodeRequest.model_json_schema()},
                  "text/plain": {"schema": {"type": "string"}}}}})
    async def code_article(request: Request) -> JSONResponse:
        """Code a pasted article now (JSON `CodeRequest`, or the bare text as text/plain) and show its events;
        the article and its events are stored when the server is writable and `store` is true."""
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                raise ApiError(401, "unauthorized", "POST /api/code needs Authorization: Bearer TOKEN")
        body = await _read_limited(request, max_body_bytes)
        req = _code_request(body, request.headers.get("content-type", "application/json"))
        article = _make_article(req)
        from starlette.concurrency import run_in_threadpool

        if not coding_slots.acquire(blocking=False):
            raise ApiError(429, "too_many_requests", f"{MAX_CONCURRENT_CODING} articles are being coded already; "
                           "retry shortly", {"retry_after_seconds": 2})
        try:
            return JSONResponse(await run_in_threadpool(_code_and_store, bench, article,
                                                        req.store and not read_only))
        finally:
            coding_slots.release()

    return app


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

    from .readers import MAX_TEXT_CHARS, read_text

    if not req.text.strip():
        raise InputError("the article text is empty", hint="paste the article text")
    if "\x00" in req.text:
        raise InputError("the article text contains NUL bytes: binary data?")
    if len(req.text) > MAX_TEXT_CHARS:
        raise InputError(f"article over {MAX_TEXT_CHARS} characters", hint="split the article")
    article = read_text(req.text, published=req.published)
    return replace(article, title=req.title or article.title, outlet=req.outlet, url=req.url,
                   source_path="api:/api/code")


def _code_and_store(bench: Workbench, article, store: bool) -> dict:
    events = bench.code(article)
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


def serve(db_path: str | Path, host: str = "127.0.0.1", port: int = 8000, *, read_only: bool = False,
          token: str | None = None, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Run the workbench until interrupted (what `wirecoder serve` calls)."""
    import uvicorn

    app = create_app(db_path, read_only=read_only, token=token, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, log_level="info")
    return None


__all__ = ["ApiError", "create_app", "evidence", "serve"]
