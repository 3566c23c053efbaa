"""The dashboard and the CLI on one store at once: `serve` holds the file only while requests use it, `code`
only while it stores a batch, so each waits for the other briefly instead of failing (docs/store.md, "Sharing a
store"). Real processes on loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.model

ARTICLE = ("Police clash with protesters in Nairobi\n\nNAIROBI, Dec 2 - Kenyan police fired tear gas at protesters "
           "in Nairobi on Friday, witnesses said.\n")
LATER = ("Ministers meet in Ankara\n\nANKARA, Dec 2 - Turkish Foreign Minister Mevlut Cavusoglu met Russian Foreign "
         "Minister Sergei Lavrov in Ankara on Friday, the ministry said.\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wirecoder(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wirecoder.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store with one coded article, and `wirecoder serve` running over it."""
    tmp = tmp_path_factory.mktemp("sharing")
    db = tmp / "events.duckdb"
    (tmp / "first.txt").write_text(ARTICLE, encoding="utf-8")
    first = _wirecoder("code", str(tmp / "first.txt"), "--db", str(db), "--published", "2016-12-02",
                       "--format", "jsonl")
    assert first.returncode == 0, first.stderr
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "wirecoder.cli", "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/meta")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield tmp, db, base
    finally:
        server.terminate()
        server.wait(timeout=30)


class _Dashboard(threading.Thread):
    """A dashboard polling the server while the CLI works; records every failed request."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base, self.failures, self.requests = base, [], 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for path in ("/api/meta", "/api/events?limit=5", "/api/stats", "/api/map"):
                try:
                    _get(self.base + path)
                    self.requests += 1
                except (OSError, urllib.error.HTTPError) as exc:
                    self.failures.append(f"{path}: {exc}")
            time.sleep(0.1)


def test_query_stats_and_export_run_while_the_dashboard_reads(served, tmp_path):
    _, db, base = served
    dashboard = _Dashboard(base)
    dashboard.start()
    try:
        query = _wirecoder("query", "--db", str(db), "--format", "jsonl")
        stats = _wirecoder("stats", "--db", str(db), "--json")
        export = _wirecoder("export", "--db", str(db), "--format", "tsv", "--out", str(tmp_path / "e.tsv"))
    finally:
        dashboard.done.set()
        dashboard.join()
    for result in (query, stats, export):
        assert result.returncode == 0, result.stderr
    assert query.stdout.count("\n") == _get(f"{base}/api/meta")["counts"]["events"] > 0
    assert json.loads(stats.stdout)["by_type"]
    assert (tmp_path / "e.tsv").read_bytes().count(b"\n") == _get(f"{base}/api/meta")["counts"]["events"] + 1
    assert dashboard.requests and not dashboard.failures


def test_code_into_the_served_store_and_see_the_new_events(served):
    tmp, db, base = served
    before = _get(f"{base}/api/meta")["counts"]
    (tmp / "later.txt").write_text(LATER, encoding="utf-8")
    dashboard = _Dashboard(base)
    dashboard.start()
    try:
        coded = _wirecoder("code", str(tmp / "later.txt"), "--db", str(db), "--published", "2016-12-02",
                           "--format", "jsonl")
    finally:
        dashboard.done.set()
        dashboard.join()
    assert coded.returncode == 0, coded.stderr
    assert "1 article(s) coded" in coded.stderr
    after = _get(f"{base}/api/meta")["counts"]
    assert after["articles"] == before["articles"] + 1 and after["events"] > before["events"]
    assert dashboard.requests and not dashboard.failures
    again = _wirecoder("code", str(tmp / "later.txt"), "--db", str(db), "--format", "jsonl")
    assert again.returncode == 0 and "already stored" in again.stderr


def test_a_foreign_holder_is_named_with_the_way_out(served):
    """Another program holding the file to write (a notebook's DuckDB connection): every command waits
    $WIRECODER_WAIT seconds, then says who holds it and what to do."""
    _, db, base = served
    hold = textwrap.dedent(f"""
        import duckdb, time
        while True:  # the server may still be reading: wait for the file as a user's program would
            try:
                c = duckdb.connect({str(db)!r})
                break
            except duckdb.Error:
                time.sleep(0.1)
        print("ready", flush=True)
        time.sleep(120)""")
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"  # once the server has let go of the file
        started = time.monotonic()
        result = _wirecoder("query", "--db", str(db), env={"WIRECODER_WAIT": "1"})
        assert result.returncode == 1 and time.monotonic() - started < 60
        assert "[W401]" in result.stderr and f"process {holder.pid} (-c" in result.stderr
        assert "close that program's connection" in result.stderr and "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert _get(f"{base}/api/meta")["counts"]["articles"] >= 1  # the server reads again once it is gone
