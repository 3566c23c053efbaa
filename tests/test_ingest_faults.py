"""Killing ingestion mid-run loses nothing committed and never leaves half an article; re-running
completes with exactly the rows of an uninterrupted run; ingesting twice changes nothing."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.model
KILLS = 12
ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "articles": "SELECT doc_id, content_hash, n_reports FROM articles ORDER BY 1",
    "reports": "SELECT report_id, doc_id, event_id FROM reports ORDER BY 1",
    "events": "SELECT event_id, n_reports, n_sources FROM events ORDER BY 1",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--n", "40", "--seed", "7",
                    "--out", str(out)], check=True)
    return out


def _code(corpus: Path, db: Path, kill_after: float | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "wirecoder.cli", "code", str(corpus), "--db", str(db),
                             "--format", "jsonl"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if kill_after is None:
        return proc.wait(timeout=600)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60)


def _dump(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


def _consistent(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        # every article's report count matches its stored reports; no report without its article
        bad = con.execute("SELECT count(*) FROM articles a WHERE n_reports <> "
                          "(SELECT count(*) FROM reports r WHERE r.doc_id = a.doc_id)").fetchone()[0]
        orphans = con.execute("SELECT count(*) FROM reports WHERE doc_id NOT IN (SELECT doc_id FROM articles)"
                              ).fetchone()[0]
        lost = con.execute("SELECT count(*) FROM reports WHERE event_id NOT IN (SELECT event_id FROM events)"
                           ).fetchone()[0]
        assert (bad, orphans, lost) == (0, 0, 0)
    finally:
        con.close()


def test_ingesting_twice_changes_nothing(corpus, tmp_path):
    db = tmp_path / "twice.duckdb"
    assert _code(corpus, db) == 0
    first = _dump(db)
    assert _code(corpus, db) == 0
    assert _dump(db) == first and first["reports"]


def test_kill_and_rerun_gives_the_uninterrupted_result(corpus, tmp_path):
    clean = tmp_path / "clean.duckdb"
    assert _code(corpus, clean) == 0
    expected = _dump(clean)
    db = tmp_path / "killed.duckdb"
    rng = random.Random(11)
    for _ in range(KILLS):  # model load takes ~3 s; these land at random points of the batch
        _code(corpus, db, kill_after=rng.uniform(3.0, 7.0))
        if db.exists():
            _consistent(db)
    assert _code(corpus, db) == 0
    _consistent(db)
    assert _dump(db) == expected
