"""Feeds and URL lists: what `wirecoder fetch` and `watch` read before they fetch articles.

A source list is a text file with one URL per line (blank lines and ``#`` comments skipped; a line may carry more
tab-separated fields, as GDELT's URL exports do: the first http(s) field is the URL). Whether a URL is a feed or
an article page is decided by what it serves (`is_feed`), so one list may mix both. Feeds are read with feedparser,
which reads RSS 0.9x/1.0/2.0 and Atom and recovers entries from feeds that are not well-formed XML.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from .errors import InputError
from .fetch import FEED_TYPES, FetchError, Page

MAX_LIST_LINES = 10_000_000
_FEED_ROOT = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*|<\?[^>]*>\s*)*"
                        rb"<(?:[\w-]+:)?(?:rss|feed|RDF)\b", re.DOTALL | re.IGNORECASE)
# A feed's title often names a section after the outlet: "Harbour Wire - World", "Reuters: Top News".
_SECTION = re.compile(r"\s+(?:[-–—|:»>]|::)\s+.*$")


@dataclass(frozen=True)
class Source:
    url: str
    where: str  # "urls.txt:12", or the URL itself when given on the command line


@dataclass(frozen=True)
class Entry:
    url: str
    title: str | None
    published: date | None
    stamp: str | None  # the entry's updated (else published) time as the feed gives it: a change means an update


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    site: str | None  # the feed's own link, the outlet's home page
    entries: tuple[Entry, ...]
    lenient: bool  # not well-formed: the entries were recovered
    public: bool = True  # served from a public address: its links may not reach private ones (fetch.is_private)


def read_sources(arguments: list[str]) -> Iterator[Source | InputError]:
    """Each URL named on the command line or in a list file, in order, once; a bad line is an `InputError`."""
    seen: set[str] = set()
    for arg in arguments:
        if urlsplit(arg).scheme.lower() in ("http", "https"):
            items: Iterator[Source | InputError] = iter([Source(arg.strip(), arg.strip())])
        else:
            items = _read_list(arg)
        for item in items:
            if isinstance(item, Source):
                if item.url in seen:
                    continue
                seen.add(item.url)
            yield item


def _read_list(path: str) -> Iterator[Source | InputError]:
    file = Path(path)
    if not file.is_file():
        yield InputError("not a URL and not a file", source=path,
                         hint="give http(s) URLs or text files with one URL per line")
        return
    try:
        with file.open("rb") as handle:
            for n, raw in enumerate(handle, 1):
                if n > MAX_LIST_LINES:
                    yield InputError(f"more than {MAX_LIST_LINES:,} lines; the rest is not read", source=path, line=n)
                    return
                try:
                    line = raw.decode("utf-8-sig" if n == 1 else "utf-8").strip()
                except UnicodeDecodeError:
                    yield InputError("not UTF-8 text", source=path, line=n)
                    continue
                if not line or line.startswith("#"):
                    continue
                url = next((f.strip() for f in line.split("\t") if urlsplit(f.strip()).scheme.lower()
                            in ("http", "https") and urlsplit(f.strip()).hostname), None)
                if url is None:
                    yield InputError("no http(s) URL on this line", source=path, line=n,
                                     hint="one URL per line; lines starting with # are comments")
                    continue
                yield Source(url, f"{path}:{n}")
    except OSError as exc:
        yield InputError(f"cannot read the list ({exc.strerror or exc})", source=path)


def is_feed(page: Page) -> bool:
    """Whether a fetched body is a feed: by its media type, or by its root element when the type is generic."""
    if page.content_type in ("application/rss+xml", "application/atom+xml", "application/rdf+xml"):
        return True
    if page.content_type in FEED_TYPES or page.content_type in ("", "application/octet-stream", "text/plain"):
        return bool(_FEED_ROOT.match(page.body[:4096]))
    return False


def parse_feed(page: Page, source: str) -> Feed:
    """The feed's entries with http(s) links, in the feed's order. Raises W707 when nothing can be read from it."""
    import feedparser

    # bytes, never a string: feedparser fetches a string that looks like a URL
    parsed = feedparser.parse(page.body, response_headers={
        "content-location": page.url, "content-type": page.content_type or "application/xml"})
    entries = []
    seen: set[str] = set()
    for item in parsed.entries:
        link = _entry_link(item, page.url)
        if link is None or link in seen:
            continue
        seen.add(link)
        with warnings.catch_warnings():  # feedparser warns when "updated" falls back to "published"
            warnings.simplefilter("ignore", DeprecationWarning)
            when = item.get("published_parsed") or item.get("updated_parsed")
            stamp = item.get("updated") or item.get("published")
        entries.append(Entry(link, (item.get("title") or "").strip() or None,
                             _day(when), stamp.strip() if isinstance(stamp, str) else None))
    lenient = bool(parsed.get("bozo"))
    if not entries and (lenient or not parsed.get("feed")):
        reason = parsed.get("bozo_exception")
        raise FetchError("W707", "not a readable feed" + (f" ({reason})" if reason else ""), source=source,
                         hint="check the feed URL; the site may have moved its feed")
    meta = parsed.get("feed", {})
    site = meta.get("link")
    return Feed(page.url, (meta.get("title") or "").strip() or None,
                site if isinstance(site, str) and site.startswith(("http://", "https://")) else None,
                tuple(entries), lenient)


def _entry_link(item, base: str) -> str | None:
    candidates = [item.get("link")] + [link.get("href") for link in item.get("links", [])
                                       if link.get("rel", "alternate") == "alternate"]
    if isinstance(item.get("id"), str) and item.get("guidislink", False):
        candidates.append(item["id"])
    for link in candidates:
        if isinstance(link, str) and link.strip():
            url = urljoin(base, link.strip())
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
                return url
    return None


def _day(parsed) -> date | None:
    if not parsed:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=timezone.utc).date()
    except (TypeError, ValueError):
        return None


def outlet_from_title(title: str | None) -> str | None:
    """The outlet a feed title names: "Harbour Wire - World News" -> "Harbour Wire"."""
    if not title:
        return None
    name = _SECTION.sub("", title.strip()).strip()
    return name or title.strip()
