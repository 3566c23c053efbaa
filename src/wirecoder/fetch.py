"""Polite HTTP for `wirecoder fetch` and `watch`: the only code in wirecoder that requests URLs from the web.

It runs only for URLs a user names. `Fetcher.get` answers with a `Page` or raises `FetchError` with a stable code
(docs/errors.md): W701 an HTTP error status, W702 no answer (timeout, refused, reset) after the retries, W703 too
many redirects or a redirect loop, W704 larger than the size cap, W706 robots.txt forbids it, W708 a public feed's
link to a private address. Per host it keeps to a concurrency cap and a least interval between requests (raised
to the host's robots.txt Crawl-delay), reads robots.txt once per `ROBOTS_TTL_SECONDS` (RFC 9309: a 4xx answer
allows everything, a 5xx or no answer forbids everything for now), sends conditional requests when given an ETag
or Last-Modified, and retries what may pass (timeouts, 429, 5xx) with exponential backoff. Design: docs/feeds.md.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
import time
import urllib.robotparser
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from . import __version__
from .errors import WirecoderError
from .readers import MAX_FILE_BYTES

USER_AGENT = f"wirecoder/{__version__} (+https://github.com/wirecoder/wirecoder; event coding of news)"
ROBOTS_AGENT = "wirecoder"  # the token robots.txt rules name
MAX_REDIRECTS = 5
MAX_ROBOTS_BYTES = 512 * 1024  # RFC 9309 asks crawlers to read at least 500 KiB
ROBOTS_TTL_SECONDS = 24 * 3600  # RFC 9309: a robots.txt may be cached up to a day
MAX_BACKOFF_SECONDS = 60.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
# Query parameters that only track the reader; two URLs that differ in them are one article.
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ocid", "cmpid", "ito",
                             "ref", "ref_src", "smid", "sr_share", "taid", "at_medium", "at_campaign", "cid"})


class FetchError(WirecoderError):
    """A URL that could not be fetched; `code` says why (W701-W706)."""

    code = "W700"

    def __init__(self, code: str, message: str, *, source: str, hint: str | None = None,
                 retry: bool = False, status: int | None = None) -> None:
        super().__init__(message, source=source, hint=hint)
        self.code = code
        self.retry = retry  # may pass in a later round (no answer, a 5xx): tried again then
        self.status = status  # the HTTP status of a W701


@dataclass(frozen=True)
class Policy:
    """How politely and how patiently to fetch. `timeout` bounds one request from connecting to its last byte."""

    timeout: float = 30.0
    retries: int = 2
    backoff: float = 1.0
    host_delay: float = 1.0
    host_connections: int = 2
    max_bytes: int = MAX_FILE_BYTES


@dataclass(frozen=True)
class Page:
    url: str            # where the body came from, after redirects
    status: int         # 200, or 304 for a conditional request that found nothing new
    content_type: str   # media type, lower case, without parameters
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def normalise_url(url: str) -> str:
    """The form a URL is remembered by: scheme and host lower case, no default port, no fragment, no tracking
    parameters (utm_*, fbclid, ...), "/" for an empty path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.netloc.rpartition("@")[2].lower()  # no user:password
    default = {"http": ":80", "https": ":443"}.get(scheme)
    if default and host.endswith(default):
        host = host[: -len(default)]
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


@functools.lru_cache(maxsize=4096)
def _addresses(host: str) -> tuple[str, ...]:
    try:
        return tuple({info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (OSError, UnicodeError):
        return ()


def is_private(url: str) -> bool:
    """Whether the URL's host is (or resolves to) a loopback, private, link-local or otherwise non-public address.
    A host that does not resolve counts as public: its request fails on its own."""
    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        addresses = _addresses(host)
    return any(not ipaddress.ip_address(a.split("%")[0]).is_global for a in addresses)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


class _Host:
    """One host's share of the fetcher: a cap on requests at once and the time the next may start."""

    def __init__(self, connections: int, delay: float) -> None:
        self.slots = threading.BoundedSemaphore(connections)
        self.delay = delay
        self.next_start = 0.0
        self.lock = threading.Lock()
        self.robots: urllib.robotparser.RobotFileParser | bool | None = None  # True: all allowed, False: none
        self.robots_read = 0.0
        self.robots_lock = threading.Lock()  # one thread reads robots.txt; the others wait for it

    def turn(self) -> float:
        """Seconds to wait before this request may start (and book the slot after it)."""
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + self.delay
            return start - now


class Fetcher:
    """An HTTP client for many threads at once; `close` it when done (or use it as a context manager)."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        timeout = httpx.Timeout(self.policy.timeout)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False,
                                    headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                                    limits=httpx.Limits(max_connections=64, max_keepalive_connections=16))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            robots: bool = True, public_only: bool = False, max_bytes: int | None = None) -> Page:
        """GET `url`, following at most MAX_REDIRECTS redirects (each one allowed by its host's robots.txt, unless
        not `robots`), reading at most `max_bytes` (default the policy's).
        With `public_only`, a URL or redirect to a host with a private, loopback or link-local address is refused
        (W708): a link a public feed lists must not reach into the network wirecoder runs in."""
        seen = [url]
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if public_only and is_private(current):
                raise FetchError("W708", f"refused: {urlsplit(current).hostname} is a private or loopback address, "
                                 "linked from a public feed", source=url,
                                 hint="list the URL or its feed yourself to fetch it")
            if robots:
                self._check_robots(current)
            status, headers, body = self._request(current, etag, last_modified, max_bytes)
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                target = urljoin(current, headers["location"])
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise FetchError("W703", f"redirected to a non-http URL {target}", source=url)
                if target in seen:
                    chain = " -> ".join([*seen[seen.index(target):], target])
                    raise FetchError("W703", f"redirect loop: {chain}", source=url)
                seen.append(target)
                current = target
                continue
            if status == 304:
                return Page(current, 304, "", None, b"", etag, last_modified)
            if status >= 400:
                raise FetchError("W701", f"HTTP {status}", source=url, retry=status in RETRY_STATUSES,
                                 hint=_status_hint(status), status=status)
            if not 200 <= status < 300:
                raise FetchError("W701", f"unexpected HTTP {status}", source=url, status=status)
            media, charset = _content_type(headers.get("content-type", ""))
            return Page(current, status, media, charset, body, headers.get("etag"), headers.get("last-modified"))
        raise FetchError("W703", f"more than {MAX_REDIRECTS} redirects: {' -> '.join(seen)}", source=url)

    # --- one request, with retries -------------------------------------------------------------

    def _request(self, url: str, etag: str | None, last_modified: str | None,
                 max_bytes: int | None = None) -> tuple[int, httpx.Headers, bytes]:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                status, got, body = self._once(url, headers, max_bytes or self.policy.max_bytes)
            except FetchError as exc:
                if not exc.retry or attempt >= self.policy.retries:
                    raise
                wait = self.policy.backoff * 2 ** attempt
            else:
                if status not in RETRY_STATUSES or attempt >= self.policy.retries:
                    return status, got, body
                wait = _retry_after(got.get("retry-after"), self.policy.backoff * 2 ** attempt)
            time.sleep(min(wait, MAX_BACKOFF_SECONDS))
            attempt += 1

    def _once(self, url: str, headers: dict, max_bytes: int) -> tuple[int, httpx.Headers, bytes]:
        host = self._host(url)
        time.sleep(host.turn())
        with host.slots:
            deadline = time.monotonic() + self.policy.timeout
            try:
                with self._client.stream("GET", url, headers=headers) as response:
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise _too_large(url, int(declared), max_bytes)
                    if response.status_code >= 300:  # an error page or a redirect: its body is not needed
                        return response.status_code, response.headers, b""
                    return response.status_code, response.headers, b"".join(
                        _bounded(response.iter_bytes(), url, max_bytes, deadline, self.policy.timeout))
            except httpx.TimeoutException as exc:
                raise FetchError("W702", f"no answer within {self.policy.timeout:g} s", source=url,
                                 retry=True, hint="a slow or unreachable host; tried again next round") from exc
            except httpx.TransportError as exc:
                raise FetchError("W702", f"connection failed ({type(exc).__name__}: {exc})", source=url,
                                 retry=True, hint="tried again next round") from exc

    def _host(self, url: str) -> _Host:
        key = host_of(url)
        with self._lock:
            host = self._hosts.get(key)
            if host is None:
                host = self._hosts[key] = _Host(self.policy.host_connections, self.policy.host_delay)
            return host

    # --- robots.txt -----------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        host = self._host(url)
        with host.robots_lock:
            if host.robots is None or time.monotonic() - host.robots_read >= ROBOTS_TTL_SECONDS:
                rules = self._read_robots(url)
                with host.lock:
                    host.robots, host.robots_read = rules, time.monotonic()
                    if not isinstance(rules, bool):
                        delay = rules.crawl_delay(ROBOTS_AGENT)
                        if delay:
                            host.delay = max(self.policy.host_delay, min(float(delay), MAX_BACKOFF_SECONDS))
            rules = host.robots
        return rules if isinstance(rules, bool) else rules.can_fetch(ROBOTS_AGENT, url)

    def _check_robots(self, url: str) -> None:
        if not self.allowed(url):
            raise FetchError("W706", "robots.txt forbids fetching this URL", source=url,
                             hint=f"{urljoin(url, '/robots.txt')} disallows it for {ROBOTS_AGENT}")

    def _read_robots(self, url: str) -> urllib.robotparser.RobotFileParser | bool:
        where = urljoin(url, "/robots.txt")
        try:
            page = self.get(where, robots=False, max_bytes=MAX_ROBOTS_BYTES)
        except FetchError as exc:
            # a 4xx (none there) or an oversized one allows; a 5xx, no answer or a redirect loop forbids, for now
            return exc.code == "W704" or (exc.status is not None and 400 <= exc.status < 500)
        rules = urllib.robotparser.RobotFileParser(page.url)
        rules.parse(page.body.decode("utf-8", "replace").splitlines())
        return rules


def _bounded(chunks: Iterator[bytes], url: str, max_bytes: int, deadline: float, timeout: float) -> Iterator[bytes]:
    """The body's chunks, stopping past `max_bytes` (decoded, so a compressed bomb stops too) or the deadline
    (a host that sends a byte at a time never trips the read timeout)."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(url, total, max_bytes, partial=True)
        if time.monotonic() > deadline:
            raise FetchError("W702", f"the body took longer than {timeout:g} s", source=url, retry=True)
        yield chunk


def _too_large(url: str, size: int, limit: int, partial: bool = False) -> FetchError:
    what = f"more than {limit:,} bytes" if partial else f"{size:,} bytes, over the {limit:,}-byte limit"
    return FetchError("W704", f"the body is {what}", source=url,
                      hint="raise the cap with --max-page-mb if this is a real article")


def _content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _retry_after(value: str | None, default: float) -> float:
    if value and value.strip().isdigit():
        return float(value.strip())
    return default


def _status_hint(status: int) -> str | None:
    return {404: "the page is gone or the URL is wrong", 410: "the page was removed",
            403: "the site refuses this client", 401: "the page needs a login",
            429: "the site asks for fewer requests; raise --host-delay"}.get(
        status, "a server error; tried again next round" if status >= 500 else None)

