"""A news site on 127.0.0.1 for the fetch and watch tests and the fetch benchmark: feeds, article pages and
every way a host misbehaves. Routes can change while it runs (`site.routes[path] = Route(...)`)."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb


def guard() -> None:
    """From now on this process connects to loopback addresses only: anything else raises OSError."""
    if getattr(socket.socket.connect, "loopback_only", False):
        return
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address) -> None:
        if isinstance(address, tuple):
            host = str(address[0])
            try:
                loopback = host == "localhost" or ipaddress.ip_address(host.split("%")[0]).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                raise OSError(f"tests reach loopback only, not {host}")

    def guarded_connect(self, address):
        check(address)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        check(address)
        return connect_ex(self, address)

    guarded_connect.loopback_only = True
    socket.socket.connect, socket.socket.connect_ex = guarded_connect, guarded_connect_ex


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0             # seconds before answering
    location: str | None = None    # a redirect's target
    etag: str | None = None        # answered 304 when the request names it
    drip: float = 0.0              # seconds between 1 KiB pieces of the body


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                with site.lock:
                    site.hits[path] = site.hits.get(path, 0) + 1
                    route = site.routes.get(path)
                if route is None:
                    route = Route(b"not found", 404, "text/plain")
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                if route.location:
                    self.send_header("Location", route.location)
                if route.etag:
                    self.send_header("ETag", route.etag)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                try:
                    if route.drip:
                        for i in range(0, len(route.body), 1024):
                            self.wfile.write(route.body[i:i + 1024])
                            self.wfile.flush()
                            time.sleep(route.drip)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # a client killed mid-request: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


STORIES = [
    ("Russia and Turkey hold talks on Syria",
     "Russian Foreign Minister Sergei Lavrov met Turkish Foreign Minister Mevlut Cavusoglu in Alanya on Thursday. "
     "The two ministers discussed the fighting in Aleppo and a possible ceasefire."),
    ("Syrian troops retake districts of east Aleppo",
     "Syrian government troops captured three districts of eastern Aleppo from rebel fighters on Wednesday, "
     "a monitoring group said. Rebels shelled government-held areas of the city in response."),
    ("Protesters rally in Kiev against government",
     "Thousands of protesters marched in Kiev on Sunday to demand the resignation of the Ukrainian government. "
     "Police detained dozens of demonstrators near parliament."),
    ("China and Pakistan sign trade agreement",
     "China signed a trade agreement with Pakistan in Islamabad on Monday, officials said. "
     "The deal cuts tariffs on textiles and machinery."),
    ("Israel accuses Iran of arming militants",
     "Israeli Prime Minister Benjamin Netanyahu accused Iran on Tuesday of supplying rockets to militants in "
     "Gaza. Iran rejected the accusation."),
    ("UN sends food aid to Yemen",
     "The United Nations sent food aid to Yemen on Friday as fighting continued near the port of Hodeidah. "
     "The World Food Programme said the convoy reached Sanaa."),
    ("France condemns attack in Mali",
     "France condemned an attack on a military base in northern Mali on Saturday that killed four soldiers. "
     "The Malian army said gunmen stormed the base near Gao."),
    ("Kenya police clash with protesters in Nairobi",
     "Kenyan police fired tear gas at opposition supporters in Nairobi on Thursday. "
     "The protesters were demanding electoral reform ahead of the vote."),
]
SITE_NAME = "Harbour Wire"


def page(title: str, body: str, *, canonical: str | None = None, published: str = "2016-12-02",
         site_name: str | None = SITE_NAME, filler: int = 0) -> bytes:
    """An article page as a news site serves it: navigation, the story, a footer (`site_name` None: a page that
    names no site)."""
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    site = f'<meta property="og:site_name" content="{site_name}">' if site_name else ""
    extra = "".join(f"<p>{body}</p>" for _ in range(filler))
    return (f"<!DOCTYPE html><html><head><title>{title}</title>{link}"
            f"{site}"
            f'<meta property="article:published_time" content="{published}T10:00:00Z">'
            f'</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
            f"<article><h1>{title}</h1><p>{body}</p>{extra}<p>The talks are expected to continue next week, "
            f"officials from both sides told reporters.</p></article>"
            f"<footer>{'Copyright 2016 ' + site_name if site_name else 'Contact us'}</footer></body></html>").encode()


def rss(title: str, items: list[tuple[str, str, datetime]]) -> bytes:
    """An RSS 2.0 feed of (title, link, time) items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><pubDate>{format_datetime(when)}</pubDate>"
                      f"<guid>{link}</guid></item>" for t, link, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://127.0.0.1/</link><description>news</description>{entries}</channel></rss>").encode()


def day(n: int) -> datetime:
    return datetime(2016, 12, n, 9, 0, tzinfo=timezone.utc)


def store_content(db: str) -> dict:
    """Everything a store holds but the times things happened."""
    tables = {"articles": "SELECT * EXCLUDE (coded_at) FROM articles ORDER BY doc_id",
              "reports": "SELECT * FROM reports ORDER BY report_id",
              "events": "SELECT * FROM events ORDER BY event_id",
              "fetched": "SELECT * EXCLUDE (seen_at) FROM fetched ORDER BY url",
              "feeds": "SELECT * EXCLUDE (checked_at) FROM feeds ORDER BY url",
              "entities": "SELECT * FROM entities ORDER BY entity_id",
              "meta": "SELECT * FROM meta ORDER BY key"}
    with duckdb.connect(db, read_only=True) as con:
        return {name: json.loads(json.dumps(con.execute(sql).fetchall(), default=str)) for name, sql in tables.items()}
