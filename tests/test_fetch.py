"""`wirecoder fetch` and `watch` against a news site on 127.0.0.1: every way a host misbehaves ends in a logged
outcome, the round goes on, and the store has each article once."""

import socket

import duckdb
import pytest
from loopback import STORIES, Route, Site, day, page, rss, store_content

from wirecoder.cli import main
from wirecoder.feeds import Source, is_feed, outlet_from_title, parse_feed, read_sources
from wirecoder.fetch import Fetcher, FetchError, Page, Policy, normalise_url

FAST = ["--host-delay", "0", "--fetch-timeout", "1", "--retries", "1", "--backoff", "0.05"]


def test_normalise_url_drops_what_does_not_name_the_article():
    assert normalise_url("HTTP://News.Example.COM:80/a/b?utm_source=rss&id=3&fbclid=x#top") == \
        "http://news.example.com/a/b?id=3"
    assert normalise_url("https://example.com") == "https://example.com/"
    assert normalise_url("https://example.com:8443/x?b=2&a=1") == "https://example.com:8443/x?b=2&a=1"


def test_source_lists_skip_comments_and_read_gdelt_style_lines(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_bytes(b"# my feeds\n\nhttp://127.0.0.1/a\n20161202\thttp://127.0.0.1/b\tx\nnot a url\n"
                        b"http://127.0.0.1/a\n\xff\xfe\n")
    items = list(read_sources([str(listing), "http://127.0.0.1/c", str(tmp_path / "missing.txt")]))
    assert [i.url for i in items if isinstance(i, Source)] == ["http://127.0.0.1/a", "http://127.0.0.1/b",
                                                                "http://127.0.0.1/c"]
    errors = [str(i) for i in items if not isinstance(i, Source)]
    assert any("urls.txt:5" in e and "no http(s) URL" in e for e in errors)
    assert any("urls.txt:7" in e and "not UTF-8" in e for e in errors)
    assert any("missing.txt" in e and "not a URL and not a file" in e for e in errors)


def test_feeds_are_told_from_pages_by_what_they_serve():
    feed = rss("Harbour Wire - World", [("t", "http://127.0.0.1/a", day(2))])
    assert is_feed(Page("u", 200, "application/rss+xml", None, feed))
    assert is_feed(Page("u", 200, "text/xml", None, feed))
    assert is_feed(Page("u", 200, "application/octet-stream", None, b"\xef\xbb\xbf<?xml version='1.0'?>\n<feed>"))
    assert not is_feed(Page("u", 200, "text/html", None, page(*STORIES[0])))
    parsed = parse_feed(Page("http://127.0.0.1/feed", 200, "application/rss+xml", None, feed), "feed")
    assert [e.url for e in parsed.entries] == ["http://127.0.0.1/a"]
    assert parsed.entries[0].published.isoformat() == "2016-12-02"
    assert outlet_from_title(parsed.title) == "Harbour Wire"
    with pytest.raises(FetchError) as err:
        parse_feed(Page("u", 200, "application/rss+xml", None, b"<rss><channel><item><title>x &"), "feed")
    assert err.value.code == "W707"


def test_fetcher_keeps_its_limits():
    with Site() as site:
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        site.routes["/drip"] = Route(b"x" * 3000, drip=0.6)  # its last piece comes after the time allowed
        site.routes["/big"] = Route(b"x" * 8192)
        site.routes["/r0"] = Route(status=301, location="/r1")
        for n in range(1, 8):
            site.routes[f"/r{n}"] = Route(status=302, location=f"/r{n + 1}")
        site.routes["/busy"] = Route(b"busy", status=503)
        with Fetcher(Policy(timeout=1, retries=2, backoff=0.01, host_delay=0, max_bytes=4096)) as fetcher:
            for path, code in (("/drip", "W702"), ("/big", "W704"), ("/r0", "W703"), ("/private/x", "W706"),
                               ("/busy", "W701")):
                with pytest.raises(FetchError) as err:
                    fetcher.get(site.url + path)
                assert err.value.code == code, path
        assert site.hits["/busy"] == 3  # tried, then retried twice
        assert site.hits["/robots.txt"] == 1  # read once for the host


def test_a_public_feeds_links_may_not_reach_private_addresses(monkeypatch):
    import wirecoder.fetch as fetch

    assert fetch.is_private("http://127.0.0.1:8000/x") and fetch.is_private("http://[::1]/x")
    assert fetch.is_private("http://10.1.2.3/") and fetch.is_private("http://169.254.169.254/latest/meta-data")
    assert not fetch.is_private("http://93.184.216.34/")
    monkeypatch.setattr(fetch, "_addresses", lambda host: ("192.168.1.20",) if host == "intranet.test" else ())
    assert fetch.is_private("http://intranet.test/wiki") and not fetch.is_private("http://unresolvable.test/")
    with Site() as site, Fetcher(Policy(host_delay=0)) as fetcher:
        site.routes["/x"] = Route(page(*STORIES[0]))
        with pytest.raises(FetchError) as err:
            fetcher.get(site.url + "/x", public_only=True)
        assert err.value.code == "W708" and site.hits.get("/x") is None
        assert fetcher.get(site.url + "/x").status == 200  # a URL the user lists is fetched wherever it is


@pytest.fixture()
def newsroom(tmp_path):
    """A site with two feeds listing good articles and every kind of trouble, and a list file naming them."""
    with Site() as site:
        u = site.url
        routes = site.routes
        routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        for i in range(3):
            routes[f"/story/{i}"] = Route(page(*STORIES[i], canonical=f"{u}/story/{i}"))
        routes["/amp/story/1"] = Route(page(*STORIES[1], canonical=f"{u}/story/1"))   # the same article, other URL
        routes["/syndicated/2"] = Route(page(*STORIES[2], site_name="Other Daily"))    # a copy on another site
        routes["/loop1"] = Route(status=302, location="/loop2")
        routes["/loop2"] = Route(status=302, location="/loop1")
        routes["/huge"] = Route(page(*STORIES[3], filler=170_000))                     # about 20 MB
        routes["/report.pdf"] = Route(b"%PDF-1.4\n" + bytes(range(256)) * 40, content_type="application/pdf")
        routes["/empty"] = Route(b"<html><body><nav><a href='/'>Home</a> About</nav></body></html>")
        routes["/private/leak"] = Route(page(*STORIES[4]))
        routes["/slow"] = Route(page(*STORIES[5], canonical=f"{u}/slow"), delay=0.4, content_type="")  # and untyped
        routes["/stuck"] = Route(page(*STORIES[6]), delay=2.5)
        paths = ["/story/0", "/story/1", "/amp/story/1", "/story/0?utm_source=rss", "/missing", "/loop1", "/huge",
                 "/report.pdf", "/empty", "/private/leak", "/slow", "/stuck"]
        routes["/world.xml"] = Route(rss("Harbour Wire - World", [(p, u + p, day(2)) for p in paths]),
                                     content_type="application/rss+xml", etag='"w1"')
        routes["/asia.xml"] = Route(rss("Harbour Wire - Asia", [("s2", f"{u}/story/2", day(2)),
                                                                ("copy", f"{u}/syndicated/2", day(2)),
                                                                ("s0", f"{u}/story/0", day(2))]),
                                    content_type="application/rss+xml")
        routes["/broken.xml"] = Route(b"<?xml version='1.0'?><rss><channel><title>Broken</title><item><tit",
                                      content_type="application/rss+xml")
        listing = tmp_path / "feeds.txt"
        listing.write_text(f"# test feeds\n{u}/world.xml\n{u}/broken.xml\n{u}/asia.xml\n")
        yield site, listing, str(tmp_path / "events.duckdb")


def _rows(db: str, sql: str) -> list:
    with duckdb.connect(db, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_misbehaving_host_ends_in_a_logged_outcome(newsroom, capsys):
    site, listing, db = newsroom
    assert main(["fetch", str(listing), "--db", db, *FAST]) == 0
    err = capsys.readouterr().err
    u = site.url
    for path, code in (("/missing", "W701"), ("/loop1", "W703"), ("/huge", "W704"), ("/report.pdf", "W705"),
                       ("/empty", "W107"), ("/private/leak", "W706"), ("/stuck", "W702")):
        assert f"[{code}] {u}{path}:" in err, path
    assert "broken.xml: failed: not a readable feed" in err
    assert "feed " + u + "/world.xml: 12 entries: 3 new" in err
    assert "round 1: 3 feed(s)" in err
    outcomes = dict(_rows(db, "SELECT url, outcome FROM fetched"))
    assert outcomes[f"{u}/amp/story/1"] == "copy" and outcomes[f"{u}/syndicated/2"] == "copy"
    assert outcomes[f"{u}/stuck"] == "retry" and outcomes[f"{u}/missing"] == "failed"
    articles = _rows(db, "SELECT url, outlet, feed, published, version FROM articles ORDER BY url")
    assert [a[0] for a in articles] == [f"{u}/slow", f"{u}/story/0", f"{u}/story/1", f"{u}/story/2"]
    assert {a[1] for a in articles} == {"Harbour Wire"}
    assert {a[2] for a in articles} == {f"{u}/world.xml", f"{u}/asia.xml"}
    assert {str(a[3]) for a in articles} == {"2016-12-02"} and {a[4] for a in articles} == {1}
    assert site.hits["/story/0"] == 1  # listed three times, fetched once
    # an event told by articles of one outlet counts one source
    assert not _rows(db, "SELECT event_id FROM events WHERE n_sources > 1")


def test_a_second_round_fetches_only_what_is_due(newsroom, capsys):
    site, listing, db = newsroom
    main(["fetch", str(listing), "--db", db, *FAST])
    before = dict(site.hits)
    capsys.readouterr()
    assert main(["fetch", str(listing), "--db", db, *FAST]) == 0
    err = capsys.readouterr().err
    assert "world.xml: not modified since the last round; 1 page(s) tried again: 0 new, 1 failed" in err
    fetched_again = {p for p, n in site.hits.items() if n > before.get(p, 0)}
    assert fetched_again == {"/world.xml", "/asia.xml", "/broken.xml", "/robots.txt", "/stuck"}
    assert _rows(db, "SELECT tries, round FROM fetched WHERE url LIKE '%/stuck'") == [(2, 2)]
    assert len(_rows(db, "SELECT * FROM articles")) == 4


def test_a_changed_feed_brings_new_articles_and_new_versions(newsroom, capsys):
    site, listing, db = newsroom
    u = site.url
    main(["fetch", str(listing), "--db", db, *FAST])
    events_before = _rows(db, "SELECT count(*) FROM events")[0][0]
    # the site updates story 0 (the feed gives it a new date) and adds story 3
    site.routes["/story/0"] = Route(page(STORIES[0][0], STORIES[0][1] + " Lavrov also met Iranian officials.",
                                         canonical=f"{u}/story/0"))
    site.routes["/story/3"] = Route(page(*STORIES[7], canonical=f"{u}/story/3"))
    site.routes["/world.xml"] = Route(rss("Harbour Wire - World", [("s0", f"{u}/story/0", day(3)),
                                                                   ("s3", f"{u}/story/3", day(3)),
                                                                   ("s1", f"{u}/story/1", day(2))]),
                                      content_type="application/rss+xml", etag='"w2"')
    capsys.readouterr()
    assert main(["fetch", str(listing), "--db", db, *FAST]) == 0
    err = capsys.readouterr().err
    assert "world.xml: 3 entries: 1 new, 1 updated, 1 skipped, 0 failed" in err
    versions = dict(_rows(db, "SELECT url, version FROM articles"))
    assert versions[f"{u}/story/0"] == 2 and versions[f"{u}/story/3"] == 1 and len(versions) == 5
    story0 = _rows(db, f"SELECT doc_id FROM articles WHERE url = '{u}/story/0'")[0][0]
    text = _rows(db, f"SELECT text FROM articles WHERE doc_id = '{story0}'")[0][0]
    reports = _rows(db, f"SELECT record->>'$.sentence', record->>'$.span' FROM reports WHERE doc_id = '{story0}'")
    assert "Iranian officials" in text
    assert len(reports) == len(set(reports))  # the new version's reports only, none left from the first
    assert all(sentence in text for sentence, _ in reports)
    from wirecoder.store import EventStore

    with EventStore(db, read_only=True) as store:
        assert store.check() == []
    assert _rows(db, "SELECT count(*) FROM events")[0][0] >= events_before


def test_page_urls_and_a_backfill_list(newsroom, tmp_path, capsys):
    site, _, db = newsroom
    u = site.url
    urls = tmp_path / "gdelt.txt"
    urls.write_text(f"20161202\t{u}/story/0\n20161202\t{u}/story/1\n{u}/missing\n")
    assert main(["fetch", str(urls), f"{u}/slow", "--db", db, *FAST]) == 0
    err = capsys.readouterr().err
    assert "0 feed(s), 4 page URL(s): 3 new article(s)" in err and f"[W701] {u}/missing" in err
    assert main(["fetch", str(urls), "--db", db, *FAST]) == 0
    assert "0 new article(s)" in capsys.readouterr().err
    assert main(["fetch", f"{u}/gone", f"{u}/also-gone", "--db", db, *FAST]) == 1  # nothing could be read
    assert site.hits["/story/0"] == 1 and site.hits["/missing"] == 1  # neither asked for again


def test_n_sources_counts_outlets_of_fetched_news(tmp_path, capsys):
    """The same meeting told by two outlets is one event from two sources; an outlet's second feed adds none."""
    with Site() as site:
        u = site.url
        site.routes["/hw/talks"] = Route(page(*STORIES[0], canonical=f"{u}/hw/talks"))
        site.routes["/hw/again"] = Route(page("Lavrov and Cavusoglu meet", "Lavrov met Cavusoglu in Alanya on "
                                              "Thursday to discuss Aleppo, Russian officials said.",
                                              canonical=f"{u}/hw/again"))
        site.routes["/dp/story"] = Route(page("Ministers meet in Alanya", "Sergei Lavrov, Russia's foreign "
                                              "minister, met his Turkish counterpart Mevlut Cavusoglu in Alanya on "
                                              "Thursday.", site_name=None))
        site.routes["/hw.xml"] = Route(rss("Harbour Wire - World", [("a", f"{u}/hw/talks", day(2))]),
                                       content_type="application/rss+xml")
        site.routes["/hw2.xml"] = Route(rss("Harbour Wire - Europe", [("b", f"{u}/hw/again", day(2))]),
                                        content_type="application/rss+xml")
        site.routes["/dp.xml"] = Route(rss("Daily Planet - World", [("c", f"{u}/dp/story", day(2))]),
                                       content_type="application/rss+xml")
        db = str(tmp_path / "events.duckdb")
        assert main(["fetch", f"{u}/hw.xml", f"{u}/hw2.xml", f"{u}/dp.xml", "--db", db, *FAST]) == 0
    outlets = dict(_rows(db, "SELECT url, outlet FROM articles"))
    assert outlets[f"{u}/dp/story"] == "Daily Planet"  # the page names no site: the feed's title does
    meeting = _rows(db, "SELECT n_reports, n_sources, sources FROM events WHERE event_type = 'CONSULT' "
                        "AND actor_country = 'RUS' ORDER BY n_reports DESC LIMIT 1")
    assert meeting and meeting[0][0] == 3 and meeting[0][1] == 2, meeting


def test_watch_runs_rounds_on_a_schedule(newsroom, capsys):
    site, listing, db = newsroom
    assert main(["watch", str(listing), "--db", db, "--every", "0.2s", "--rounds", "2", *FAST]) == 0
    err = capsys.readouterr().err
    assert "round 1:" in err and "next round at" in err and "round 2:" in err
    assert site.hits["/world.xml"] == 2


def test_watch_goes_on_after_a_round_that_fails(newsroom, monkeypatch, capsys):
    from wirecoder.crawl import Round
    from wirecoder.errors import StoreBusyError

    site, listing, db = newsroom
    calls = {"n": 0}
    real = Round.run

    def busy_once(self, sources):
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreBusyError("another process holds the store", source=db)
        return real(self, sources)

    monkeypatch.setattr(Round, "run", busy_once)
    assert main(["watch", str(listing), "--db", db, "--every", "0.1s", "--rounds", "3", *FAST]) == 0
    err = capsys.readouterr().err
    assert "this round stopped: [W401]" in err and "round 2:" in err and calls["n"] == 3


def test_an_interrupted_round_is_finished_by_the_next_run(newsroom, monkeypatch, capsys):
    """A crash while storing loses nothing and stores nothing twice: the store ends as an uninterrupted run's."""
    from wirecoder.store import EventStore

    site, listing, db = newsroom
    reference = db.replace("events", "reference")
    main(["fetch", str(listing), "--db", reference, *FAST])
    calls = {"n": 0}
    real = EventStore.put_many

    def crash_on_second(self, items, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the process stops here, mid-round
        return real(self, items, **kwargs)

    monkeypatch.setattr("wirecoder.crawl.STORE_BATCH", 1)
    monkeypatch.setattr(EventStore, "put_many", crash_on_second)
    assert main(["fetch", str(listing), "--db", db, *FAST]) == 130
    monkeypatch.setattr(EventStore, "put_many", real)
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["fetch", str(listing), "--db", db, *FAST]) == 0
    assert "finishing round 1, which was interrupted" in capsys.readouterr().err
    assert store_content(db) == store_content(reference)


def test_tests_reach_loopback_only():
    with pytest.raises(OSError, match="loopback only"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.5)  # TEST-NET-1: never routed
