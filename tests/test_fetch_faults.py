"""`wirecoder watch` killed (SIGKILL) at random points and started again ends with the store an uninterrupted
run makes: nothing lost, nothing coded or stored twice."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from loopback import STORIES, Route, Site, day, page, rss, store_content

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
# the CLI in a child process that, like the tests, may reach loopback only
RUN = ("import sys; sys.path.insert(0, {tests!r}); from loopback import guard; guard(); "
       "from wirecoder.cli import main; sys.exit(main(sys.argv[1:]))")


def _watch(listing: Path, db: str) -> subprocess.Popen:
    code = RUN.format(tests=str(ROOT / "tests"))
    args = [sys.executable, "-c", code, "watch", str(listing), "--once", "--db", db, "--host-delay", "0",
            "--host-connections", "1", "--fetch-timeout", "1", "--retries", "0"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "WIRECODER_WAIT": "30"}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _lines(run: subprocess.Popen) -> list[str]:
    """The lines the run writes on stderr, as they come."""
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(run.stderr.readline, "")), daemon=True).start()
    return lines


def _round_done(db: str) -> bool:
    if not Path(db).exists():
        return False
    with duckdb.connect(db, read_only=True) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'fetch_round_done'").fetchone()
    return row is not None and row[0] == "1"


def test_watch_killed_at_random_points_ends_as_an_uninterrupted_run(tmp_path):
    with Site() as site:
        u = site.url
        paths = []
        for n in range(24):  # 24 articles, 8 stories each told three times: deduplication has work to do
            title, body = STORIES[n % len(STORIES)]
            paths.append(f"/story/{n}")
            # one host, one request at a time, a little slow: fetching, coding and storing overlap for seconds
            site.routes[paths[-1]] = Route(page(f"{title} ({n})", f"{body} This is report {n}.",
                                                canonical=u + paths[-1]), delay=0.2)
        site.routes["/copy/3"] = Route(page("Copy", f"{STORIES[3][1]} This is report 3.", site_name="Other"))
        site.routes["/stuck"] = Route(page(*STORIES[0]), delay=1.5)
        paths += ["/copy/3", "/missing", "/stuck"]
        site.routes["/world.xml"] = Route(rss("Harbour Wire - World", [(p, u + p, day(2)) for p in paths[:16]]),
                                          content_type="application/rss+xml", etag='"w1"')
        site.routes["/more.xml"] = Route(rss("Harbour Wire - More", [(p, u + p, day(3)) for p in paths[12:]]),
                                         content_type="application/rss+xml")
        listing = tmp_path / "feeds.txt"
        listing.write_text(f"{u}/world.xml\n{u}/more.xml\n")

        reference = str(tmp_path / "reference.duckdb")
        started = time.monotonic()
        run = _watch(listing, reference)
        assert run.wait(timeout=300) == 0, run.stderr.read()
        took = time.monotonic() - started

        db = str(tmp_path / "killed.duckdb")
        rng = random.Random(17)
        kills, finished = 0, False
        for _ in range(4):
            run = _watch(listing, db)
            lines = _lines(run)
            time.sleep(rng.uniform(0.15, 0.8) * took)  # loading, fetching, coding or storing
            if run.poll() is not None:  # it finished before the kill
                run.wait()
                assert run.returncode == 0, "".join(lines)
                finished = True
                break
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=60)
            kills += 1
            if _round_done(db):  # killed after its round ended: a new run would start another round
                finished = True
                break
        if not finished:
            run = _watch(listing, db)
            assert run.wait(timeout=300) == 0, run.stderr.read()
        assert kills >= 1
    assert store_content(db) == store_content(reference)
