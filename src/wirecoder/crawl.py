"""Rounds of fetching and coding: what `wirecoder fetch` runs once and `watch` runs on a schedule.

A round reads each source (a feed or an article URL), fetches the pages of entries it has not met, codes the
new articles and stores them, in the order the sources list them, so a round gives the same store however its
fetches interleave. Fetching runs in threads, coding in the batch engine's workers, so one waits on the other
only when it is slower. Each page is remembered (store table `fetched`) in the transaction that stores its
article: a round killed at any point and run again stores nothing twice and loses nothing. A round that did not
finish is finished by the next run, which does not retry what failed in it (the next round does). A feed's
ETag and Last-Modified are kept only once every entry it listed is stored or given up, so an interrupted round
reads the whole feed again. Design and outcomes: docs/feeds.md.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from urllib.parse import urljoin, urlsplit

from .errors import InputError, WirecoderError
from .feeds import Entry, Feed, Source, is_feed, outlet_from_title, parse_feed
from .fetch import PAGE_TYPES, Fetcher, FetchError, Page, is_private, normalise_url
from .schema import Article
from .store import STORE_BATCH, STORE_SECONDS

MAX_TRIES = 3  # a page that got no answer is tried in this many rounds, then given up
ACCEPT_BATCH = 16  # fetched pages checked against the store at a time
WINDOW_PER_THREAD = 4  # fetches queued ahead of the one the round waits for, per thread
SKIPPED = ("seen", "copy", "unchanged", "given-up")
_WORD = re.compile(r"\w+")
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b",
                         re.IGNORECASE | re.DOTALL)


@dataclass
class Job:
    """One page to fetch: a feed's entry or a URL from a list."""

    url: str                       # as given
    key: str                       # `normalise_url(url)`: what it is remembered by
    feed: Feed | None = None
    entry: Entry | None = None
    state: dict | None = None      # its `fetched` row, when met before
    page: Page | None = None       # fetched already (a listed URL that turned out to be a page)
    error: Exception | None = None  # a listed URL that could not be fetched
    where: str = ""


@dataclass
class Outcome:
    job: Job
    kind: str                      # new | updated | unchanged | seen | copy | failed | retry | given-up
    code: str | None = None
    message: str | None = None
    doc_id: str | None = None


@dataclass
class _Tally:
    """A source's jobs not yet stored or given up; `feed` is None for a page URL."""

    feed: Feed | None
    page: Page | None
    pending: int
    not_modified: bool = False
    counts: Counter = field(default_factory=Counter)


@dataclass
class Summary:
    round: int
    counts: Counter = field(default_factory=Counter)
    events: int = 0
    feeds: int = 0
    pages: int = 0
    seconds: float = 0.0
    feeds_read: int = 0  # feeds that answered (a 304 included)

    @property
    def nothing_read(self) -> bool:
        """Every source failed: no feed answered and no page was coded, skipped or found unchanged."""
        c = self.counts
        return not self.feeds_read and not (c["new"] or c["updated"] or sum(c[k] for k in SKIPPED))

    def line(self) -> str:
        c = self.counts
        skipped = sum(c[k] for k in SKIPPED)
        failed = c["failed"] + c["retry"]
        return (f"round {self.round}: {self.feeds} feed(s), {self.pages} page URL(s): {c['new']} new article(s) coded "
                f"({self.events} event(s)), {c['updated']} updated, {skipped} skipped, {failed} failed "
                f"in {self.seconds:.1f} s")


def _ordered(fn: Callable, items: Iterable, pool: ThreadPoolExecutor, window: int) -> Iterator[tuple]:
    """(item, fn(item) or the exception it raised), in the order of `items`, with up to `window` running."""
    queue: list[tuple[object, Future]] = []
    it = iter(items)
    done = False
    while True:
        while not done and len(queue) < window:
            try:
                item = next(it)
            except StopIteration:
                done = True
                break
            queue.append((item, pool.submit(fn, item)))
        if not queue:
            return
        item, future = queue.pop(0)
        try:
            yield item, future.result()
        except Exception as exc:  # noqa: BLE001 - handed to the caller, which reports it
            yield item, exc


def _chunked(read: Callable[[list[str]], dict], keys: list[str], size: int = 1000) -> dict:
    """`read(keys)` a thousand keys at a time (a backfill list may have millions), merged."""
    found: dict = {}
    for start in range(0, len(keys), size):
        found.update(read(keys[start:start + size]))
    return found


def body_hash(article: Article) -> str:
    """The article's words, lower case, hashed: copies that differ only in spacing, case or punctuation match."""
    start, end = article.body_span
    words = " ".join(_WORD.findall(article.text[start:end].lower()))
    return hashlib.sha1(words.encode("utf-8")).hexdigest()


def doc_id_for_url(canonical: str) -> str:
    return "url:" + hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:16]


def _host_outlet(url: str) -> str:
    host = (urlsplit(url).hostname or url).lower()
    return host[4:] if host.startswith("www.") else host


class Round:
    """One round over `sources`. `code(articles)` is the coding engine (`batch.code_local` with its options);
    `say(line)` prints a log line; `progress(done)` is told the number of sources finished. A listed URL that
    failed before it was ever read as a feed is remembered as a page, and asked for again only when it is due,
    unless `retry_sources`."""

    def __init__(self, store, fetcher: Fetcher, code: Callable, *, threads: int = 8, retry_sources: bool = False,
                 say: Callable[[str], None] = print, progress: Callable[[int], None] | None = None) -> None:
        self.store, self.fetcher, self.code, self.say = store, fetcher, code, say
        self.retry_sources = retry_sources  # ask again for listed URLs that failed (`watch`: feeds come back)
        self.threads = max(1, threads)
        self.progress = progress or (lambda done: None)
        self.tallies: dict[str, _Tally] = {}
        self.coding: dict[str, tuple[Job, dict]] = {}  # doc_id -> its job and `fetched` row, while it is coded
        self.accepted_urls: dict[str, str] = {}     # canonical URL -> doc_id, coded in this round
        self.accepted_bodies: dict[str, str] = {}   # body hash -> doc_id, coded in this round
        self.met: set[str] = set()                  # keys met in this round
        self.feed_rows: dict[str, dict] = {}        # the `feeds` rows of this round's sources
        self.items: list = []                       # (article, events, row) waiting to be stored
        self.rows: list[dict] = []                  # rows of pages not stored, waiting likewise
        self.finished: list[Job] = []               # jobs in the batch being stored
        self.since = time.monotonic()
        self.sources_done = 0

    def run(self, sources: list[Source]) -> Summary:
        started = time.monotonic()
        number, done = self.store.fetch_round()
        if done:
            number += 1
            self.store.set_fetch_round(number, False)
        else:
            self.say(f"wirecoder: finishing round {number}, which was interrupted")
        self.number = number
        self.summary = Summary(number)
        with ThreadPoolExecutor(self.threads, thread_name_prefix="wirecoder-fetch") as pool:
            window = self.threads * WINDOW_PER_THREAD
            jobs = self._jobs(sources, pool, window)
            fetched = _ordered(self._fetch_page, jobs, pool, window)
            results = self.code(self._accept(fetched))
            try:
                for article, events in results:
                    self._coded(article, events)
            finally:
                results.close()  # stops the coding workers now
            self._flush()
        self.store.set_fetch_round(number, True)
        self.summary.seconds = time.monotonic() - started
        return self.summary

    # --- sources -> jobs ------------------------------------------------------------------------

    def _jobs(self, sources: list[Source], pool: ThreadPoolExecutor, window: int) -> Iterator[Job]:
        """The pages to fetch, source by source; a source that is a feed gives its entries."""
        keys = [normalise_url(s.url) for s in sources]
        states = _chunked(self.store.fetch_state, keys)
        feeds = self.feed_rows = _chunked(self.store.feed_states, keys)
        for source, opened in _ordered(lambda s: self._open(s, states, feeds), sources, pool, window):
            key = normalise_url(source.url)
            if isinstance(opened, Exception) and key not in feeds and getattr(opened, "code", "") != "W707":
                # not known as a feed, nor served as one: a page that failed
                opened = Job(source.url, key, error=opened, where=key)
            if isinstance(opened, Job):  # a page URL
                self.summary.pages += 1
                if key in self.met:  # a feed of this round listed it
                    self.summary.counts["seen"] += 1
                    self._source_done()
                    continue
                self.met.add(key)
                self.tallies[key] = _Tally(None, None, 1)
                yield opened
                continue
            self.summary.feeds += 1
            if isinstance(opened, Exception):
                self._feed_failed(source, opened)
                continue
            feed, page = opened
            self.summary.feeds_read += 1
            # rows name a feed as the list does, normalised; a public feed's links may reach public hosts only
            feed = replace(feed, url=key, public=not is_private(key))
            if page.not_modified:  # nothing new listed; what got no answer before is tried again
                old = feeds.get(key, {"url": key})
                feed = replace(feed, title=old.get("title"), site=old.get("site"))
                retries = [row for row in self.store.fetch_retries(key) if row["url"] not in self.met]
                self.tallies[key] = _Tally(feed, page, len(retries) + 1, not_modified=True)
                for row in retries:
                    self.met.add(row["url"])
                    yield Job(row["url"], row["url"], feed=feed, state=row, where=key)
                self._tally(key, None)
                continue
            entries = []
            for entry in feed.entries:  # each article once a round, however many feeds or URLs list it
                entry_key = normalise_url(entry.url)
                if entry_key not in self.met:
                    self.met.add(entry_key)
                    entries.append((entry_key, entry))
            known = _chunked(self.store.fetch_state, [entry_key for entry_key, _ in entries])
            tally = self.tallies[key] = _Tally(feed, page, len(entries) + 1)
            tally.counts["seen"] += len(feed.entries) - len(entries)
            self.summary.counts["seen"] += len(feed.entries) - len(entries)
            if feed.lenient:
                self.say(f"feed {source.url}: not well-formed; {len(feed.entries)} entries read leniently")
            for entry_key, entry in entries:
                yield Job(entry.url, entry_key, feed=feed, entry=entry, state=known.get(entry_key), where=key)
            self._tally(key, None)  # the feed itself

    def _open(self, source: Source, states: dict[str, dict], feeds: dict[str, dict]):
        """A source's page job (a URL met as a page before, or one that serves a page), or (feed, page).
        Runs in a fetching thread: it reads no store."""
        key = normalise_url(source.url)
        state = states.get(key)
        if state is not None and not (self.retry_sources and state["outcome"] in ("failed", "retry")):
            return Job(source.url, key, state=state, where=key)  # met before as a page: fetched if it is due
        known = feeds.get(key) or {}
        page = self.fetcher.get(source.url, etag=known.get("etag"), last_modified=known.get("last_modified"))
        if page.not_modified:
            return Feed(source.url, None, None, (), False), page
        if is_feed(page):
            return parse_feed(page, source.url), page
        return Job(source.url, key, page=page, where=key)

    def _feed_failed(self, source: Source, exc: Exception) -> None:
        err = exc if isinstance(exc, WirecoderError) else FetchError("W702", f"{type(exc).__name__}: {exc}",
                                                                      source=source.url)
        self.summary.counts["failed"] += 1
        self.say(f"feed {source.url}: failed: {_described(err)}")
        self._source_done()

    # --- jobs -> pages (in threads) -------------------------------------------------------------

    def _fetch_page(self, job: Job):
        """What became of a job: an Outcome (nothing to code) or (article, row) to check and code."""
        if job.error is not None:
            raise job.error
        due = self._due(job)
        if due is not None:
            return due
        state = job.state or {}
        page = job.page
        if page is None:
            page = self.fetcher.get(job.url, etag=state.get("etag"), last_modified=state.get("last_modified"),
                                    public_only=job.feed is not None and job.feed.public)
        if page.not_modified:
            return Outcome(job, "unchanged", doc_id=state.get("doc_id"))
        if not page.content_type and _HTML_START.match(page.body[:1024]):  # a server that names no type
            page = replace(page, content_type="text/html")
        if page.content_type not in PAGE_TYPES:
            what = "a feed inside a feed" if is_feed(page) else f"{page.content_type or 'an untyped body'}"
            raise FetchError("W705", f"not an article page: {what}", source=job.url,
                             hint="wirecoder codes HTML and plain-text articles")
        article = _read(page, job)
        return article, {"url": job.key, "canonical_url": article.url, "doc_id": article.doc_id,
                         "feed": job.feed.url if job.feed else None, "outcome": "stored",
                         "stamp": job.entry.stamp if job.entry else None, "etag": page.etag,
                         "last_modified": page.last_modified, "body_hash": body_hash(article),
                         "round": self.number, "tries": 1}

    def _due(self, job: Job) -> Outcome | None:
        """None when the page should be fetched; otherwise why not."""
        state = job.state
        if state is None:
            return None
        # the feed that listed it says it was updated (another feed may give the same article another time)
        same_feed = job.feed is not None and job.feed.url == state.get("feed")
        if same_feed and job.entry is not None and job.entry.stamp and job.entry.stamp != state.get("stamp"):
            return None
        if state["outcome"] in ("stored", "copy", "unchanged"):
            return Outcome(job, "seen", doc_id=state.get("doc_id"))
        if state["outcome"] == "retry" and state["tries"] < MAX_TRIES and (state.get("round") or 0) < self.number:
            return None
        return Outcome(job, "given-up", code=state.get("code"), message=state.get("message"))

    # --- pages -> articles to code (in order) ---------------------------------------------------

    def _accept(self, fetched: Iterator[tuple[Job, object]]) -> Iterator[Article]:
        group: list[tuple[Job, object]] = []
        for item in fetched:
            group.append(item)
            if len(group) >= ACCEPT_BATCH:
                yield from self._accept_group(group)
                group = []
        yield from self._accept_group(group)

    def _accept_group(self, group: list[tuple[Job, object]]) -> Iterator[Article]:
        """The articles of a group of fetched pages to code, in order; the store is asked once which of their
        texts it holds already."""
        digests = [result[1]["body_hash"] for _, result in group if isinstance(result, tuple)]
        stored = self.store.stored_bodies(digests) if digests else {}
        for job, result in group:
            if isinstance(result, Outcome):
                self._finish(result, self._row(result))
            elif isinstance(result, Exception):
                self._failed(job, result)
            else:
                article, row = result
                outcome = self._copy_of(job, article, row, stored)
                if outcome is not None:
                    self._finish(outcome, self._row(outcome, row))
                    continue
                self.accepted_urls[article.url] = article.doc_id
                self.accepted_bodies[row["body_hash"]] = article.doc_id
                self.coding[article.doc_id] = (job, row)
                yield article
            self._maybe_flush()

    def _copy_of(self, job: Job, article: Article, row: dict, stored: dict[str, str]) -> Outcome | None:
        """Why this article need not be coded: an article under its canonical URL or with its words is stored or
        coded already (a syndicated copy, another URL of it), or it is the stored version itself. `stored` maps
        body hashes to the stored articles that have them."""
        digest = row["body_hash"]
        # the same outcome whether the first copy is stored already or still being coded in this round
        if digest in self.accepted_bodies:
            original = self.accepted_bodies[digest]
            return Outcome(job, "copy", doc_id=original, message=f"the same text as {original}")
        if article.url in self.accepted_urls:  # another URL of an article this round codes (its text changed)
            return Outcome(job, "copy", doc_id=article.doc_id, message=f"another URL of {article.url}")
        same_text = stored.get(digest)
        refetched = (job.state or {}).get("outcome") == "stored"
        if same_text is not None and (same_text != article.doc_id or not refetched):
            return Outcome(job, "copy", doc_id=same_text, message=f"the same text as {same_text}")
        if same_text is not None:  # the stored article, fetched again: its words have not changed
            return Outcome(job, "unchanged", doc_id=same_text)
        return None  # new, or a new version of the article stored under its canonical URL

    def _failed(self, job: Job, exc: Exception) -> None:
        if not isinstance(exc, WirecoderError):
            exc = FetchError("W702", f"{type(exc).__name__}: {exc}", source=job.url)
        state = job.state or {}
        tries = state.get("tries", 0) + 1 if state.get("outcome") == "retry" else 1
        retry = getattr(exc, "retry", False)
        kind = "retry" if retry and tries < MAX_TRIES else "failed"
        outcome = Outcome(job, kind, code=exc.code, message=_described(exc))
        self.say(f"wirecoder: [{exc.code}] {job.url}: {_described(exc)}"
                 + (f" (from {job.feed.url})" if job.feed else "")
                 + (f"; try {tries} of {MAX_TRIES}" if retry else ""))
        # an article stored before stays remembered as stored when a later fetch of it fails
        self._finish(outcome, {} if state.get("outcome") == "stored" else {**self._row(outcome), "tries": tries})

    def _row(self, outcome: Outcome, row: dict | None = None) -> dict:
        job, state = outcome.job, outcome.job.state or {}
        if outcome.kind in ("seen", "given-up"):
            return {}  # nothing new to remember
        base = row or {"url": job.key, "canonical_url": state.get("canonical_url"), "feed": job.feed.url if job.feed
                       else state.get("feed"), "etag": state.get("etag"), "last_modified": state.get("last_modified"),
                       "body_hash": state.get("body_hash"), "tries": state.get("tries", 1)}
        stored = outcome.kind == "unchanged" and state.get("outcome") == "stored"
        return {**base, "doc_id": outcome.doc_id, "outcome": "stored" if stored else outcome.kind,
                "code": outcome.code, "message": outcome.message, "round": self.number,
                "stamp": job.entry.stamp if job.entry else state.get("stamp")}

    # --- coded articles -> the store (in order) -------------------------------------------------

    def _coded(self, article: Article, events) -> None:
        from .batch import Failure

        job, row = self.coding.pop(article.doc_id)
        if isinstance(events, Failure):
            self._failed(job, FetchError(events.code, events.message, source=job.url))
            return
        state = job.state or {}
        kind = "updated" if state.get("outcome") == "stored" and state.get("doc_id") == article.doc_id else "new"
        self.summary.events += len(events)
        self.items.append((article, events))
        self.rows.append(row)
        self.finished.append(job)
        self.summary.counts[kind] += 1
        self._count(job, kind)
        self._maybe_flush()

    def _finish(self, outcome: Outcome, row: dict) -> None:
        self.summary.counts[outcome.kind] += 1
        if row:
            self.rows.append(row)
        self.finished.append(outcome.job)
        self._count(outcome.job, outcome.kind)

    def _count(self, job: Job, kind: str) -> None:
        tally = self.tallies.get(job.where)
        if tally is not None:
            tally.counts[kind] += 1

    def _maybe_flush(self) -> None:
        if len(self.items) >= STORE_BATCH or len(self.rows) >= 8 * STORE_BATCH or \
                time.monotonic() - self.since >= STORE_SECONDS:
            self._flush()

    def _flush(self) -> None:
        items, rows, finished = self.items, self.rows, self.finished
        self.items, self.rows, self.finished, self.since = [], [], [], time.monotonic()
        if items or rows:
            self.store.put_many(items, fetched=rows)
        for job in finished:
            self._tally(job.where, job)

    def _tally(self, key: str, job: Job | None) -> None:
        """One more of a source's jobs is stored or given up; the last one closes the source."""
        tally = self.tallies.get(key)
        if tally is None:
            return
        tally.pending -= 1
        if tally.pending > 0:
            return
        del self.tallies[key]
        c = tally.counts
        if tally.not_modified:
            self.store.save_feed({**self.feed_rows.get(key, {"url": key}), "round": self.number})
            retried = f"; {sum(c.values())} page(s) tried again: {c['new']} new, {c['failed'] + c['retry']} failed" \
                if c else ""
            self.say(f"feed {tally.feed.url}: not modified since the last round{retried}")
        elif tally.feed is not None:  # keep the feed's validators now that every entry is stored or given up
            feed, page = tally.feed, tally.page
            self.store.save_feed({"url": key, "title": feed.title, "site": feed.site, "etag": page.etag,
                                  "last_modified": page.last_modified, "round": self.number,
                                  "outcome": "read leniently" if feed.lenient else "read",
                                  "n_entries": len(feed.entries)})
            self.say(f"feed {feed.url}: {len(feed.entries)} entries: {c['new']} new, {c['updated']} updated, "
                     f"{sum(c[k] for k in SKIPPED)} skipped, {c['failed'] + c['retry']} failed")
        self._source_done()

    def _source_done(self) -> None:
        self.sources_done += 1
        self.progress(self.sources_done)


def _read(page: Page, job: Job) -> Article:
    """The article a fetched page holds, named by its canonical URL."""
    from .readers import MAX_TEXT_CHARS, read_html, read_text

    text = _decode(page)
    if not text.strip():
        raise InputError("the page is empty", source=job.url)
    published = job.entry.published if job.entry else None
    if page.content_type == "text/plain":
        if len(text) > MAX_TEXT_CHARS:
            raise FetchError("W704", f"the text has more than {MAX_TEXT_CHARS:,} characters", source=job.url)
        article = read_text(text, source=page.url, published=published)
    else:
        article = read_html(text, source=page.url, published=published)
    canonical = _canonical(article.url, page.url)
    feed_outlet = outlet_from_title(job.feed.title) if job.feed else None
    return replace(article, doc_id=doc_id_for_url(canonical), url=canonical, source_path=page.url,
                   outlet=article.outlet or feed_outlet or _host_outlet(canonical),
                   feed=job.feed.url if job.feed else None)


def _canonical(declared: str | None, fetched: str) -> str:
    """The page's canonical URL when it declares a sensible one (http(s); not the site's home page for an
    article that is not), else the URL it was fetched from; normalised."""
    if declared:
        url = urljoin(fetched, declared.strip())
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.hostname and \
                (parts.path not in ("", "/") or urlsplit(fetched).path in ("", "/")):
            return normalise_url(url)
    return normalise_url(fetched)


def _decode(page: Page) -> str:
    if page.charset:
        try:
            return page.body.decode(page.charset)
        except (LookupError, UnicodeDecodeError):
            pass
    from trafilatura.utils import decode_file

    text = decode_file(page.body)
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


def _described(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc)
    hint = getattr(exc, "hint", None)
    return f"{message} ({hint})" if hint else message

