"""The command line: formats, stdin, bad input in a batch, exit codes, pipes, tables, progress. Runs in-process,
except the pipe tests, which need a real pipe."""

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wirecoder import cli
from wirecoder.readers import iter_inputs

pytestmark = pytest.mark.model

ARTICLE = ("Russia and Turkey hold talks\n\nStaff Reporter\n2 December 2016\n\n"
           "Russian Foreign Minister Sergei Lavrov met his Turkish counterpart Mevlut Cavusoglu in Alanya "
           "on Thursday.\n")


def _run(capsys, monkeypatch, argv, stdin: bytes = b""):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_jsonl_to_stdout_diagnostics_to_stderr(tmp_path, capsys, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    code, out, err = _run(capsys, monkeypatch, ["code", str(path), "--format", "jsonl", "--no-store"])
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["event_type"] for r in records] == ["CONSULT"]
    assert records[0]["date"] == "2016-12-01"
    assert "1 article(s) coded" in err


def test_stdin_with_published_date(capsys, monkeypatch):
    text = b"Lavrov met Cavusoglu in Alanya on Thursday."
    code, out, _ = _run(capsys, monkeypatch, ["code", "-", "--published", "2016-12-02", "--format", "jsonl",
                                              "--no-store"], stdin=text)
    assert code == 0
    assert json.loads(out.splitlines()[0])["date"] == "2016-12-01"


def test_table_format(tmp_path, capsys, monkeypatch):
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    code, out, _ = _run(capsys, monkeypatch, ["code", str(path), "--format", "table", "--no-store"])
    assert code == 0 and "CONSULT" in out and "(1 events)" in out


def test_bad_inputs_are_named_and_the_rest_is_coded(tmp_path, capsys, monkeypatch):
    (tmp_path / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 talks in Ankara".encode("latin-1"))
    (tmp_path / "nohtml.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    (tmp_path / "batch.jsonl").write_text(
        json.dumps({"id": "ok", "text": ARTICLE}) + "\n{not json\n" + json.dumps({"id": "x"}) + "\n",
        encoding="utf-8")
    big = tmp_path / "huge.txt"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    code, out, err = _run(capsys, monkeypatch, ["code", str(tmp_path), "--format", "jsonl", "--no-store"])
    assert "Traceback" not in err
    for name in ("empty.txt", "binary.txt", "latin1.txt", "nohtml.html", "huge.txt"):
        assert name in err, name
    assert "batch.jsonl:2" in err and "batch.jsonl:3" in err
    assert len([line for line in out.splitlines() if line.startswith("{")]) == 2  # good.txt and batch line 1
    assert code == 2  # more than half the inputs were rejected


def test_missing_path_exits_non_zero(capsys, monkeypatch):
    code, _, err = _run(capsys, monkeypatch, ["code", "/no/such/file.txt", "--no-store"])
    assert code != 0 and "/no/such/file.txt" in err


def test_writes_the_store(tmp_path, capsys, monkeypatch):
    from wirecoder.store import EventStore

    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    db = tmp_path / "events.duckdb"
    for _ in range(2):  # re-coding the same article is idempotent
        code, _, _ = _run(capsys, monkeypatch, ["code", str(path), "--db", str(db), "--format", "jsonl"])
        assert code == 0
    with EventStore(db) as store:
        assert store.counts() == {"articles": 1, "reports": 1, "events": 1, "rejected": 0}


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        cli.main(["code", "--help"])
    assert "examples:" in capsys.readouterr().out


# --- pipes, tables, progress, re-runs ---------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TWO_EVENTS = ARTICLE + "\nRussia accused Turkey of shelling Syrian villages, the Kremlin said.\n"


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A store holding one coded article with a RUS -> TUR dyad, and that article's path."""
    folder = tmp_path_factory.mktemp("stored")
    (folder / "a.txt").write_text(TWO_EVENTS, encoding="utf-8")
    db = folder / "events.duckdb"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert cli.main(["code", str(folder / "a.txt"), "--db", str(db), "--format", "jsonl"]) == 0
    return db, folder / "a.txt", [json.loads(line) for line in out.getvalue().splitlines()]


def _closed_early(argv, lines_read: int):
    """Run wirecoder with stdout into a pipe whose reader takes `lines_read` lines (0: none) and closes it, as
    `| head -1` does. Returns (exit status, stderr lines)."""
    proc = subprocess.Popen([sys.executable, "-m", "wirecoder.cli", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": ""})
    for _ in range(lines_read):
        assert proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=300), err.splitlines()


def test_query_into_a_closed_pipe_ends_quietly(stored):
    """`wirecoder query | head`: status 0 and nothing on stderr (no count of rows that were not all read)."""
    db, _, _ = stored
    for fmt in ("jsonl", "table"):
        status, err = _closed_early(["query", "--db", str(db), "--format", fmt], lines_read=0)
        assert (status, err) == (0, []), fmt


@pytest.mark.parametrize("store", [False, True])
def test_code_into_a_closed_pipe_stops_and_stores_what_it_coded(tmp_path, store):
    """`wirecoder code examples/ --format jsonl | head -1`: status 0, coding stops at the next article, and the only
    stderr line is the summary, which says so; with a store, every article the summary counts is stored."""
    db = tmp_path / "events.duckdb"
    where = ["--db", str(db)] if store else ["--no-store"]
    status, err = _closed_early(["code", str(EXAMPLES), "--format", "jsonl", *where], lines_read=1)
    assert status == 0
    assert len(err) == 1 and err[0].startswith("wirecoder: ") and "stopped early: the output was closed" in err[0]
    coded = int(err[0].split()[1])
    assert 1 <= coded < len(list(iter_inputs([str(EXAMPLES)])))
    if store:
        from wirecoder.store import EventStore

        with EventStore(db) as s:
            assert s.counts()["articles"] == coded


def _events(stored):
    from wirecoder.store import event_from_record

    _, _, records = stored
    long = dict(records[0], event_text="met for talks on a ceasefire and prisoner exchanges along the border")
    long["actor"] = [dict(long["actor"][0], name="Minister of Foreign Affairs Sergey Viktorovich Lavrov")]
    return [event_from_record(r) for r in [*records, long]]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 160])
def test_table_fits_the_width_and_wraps_long_cells(stored, width):
    from wirecoder.table import format_table

    text = format_table(_events(stored), width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert "\x1b" not in text and "…" not in text
    if width >= 80:  # from a usual terminal's width up, words wrap whole; narrower, a long word is folded
        words = set(text.split())
        for word in ("ceasefire", "prisoner", "exchanges", "Viktorovich", "Lavrov", "CONSULT", "2016-12-01"):
            assert word in words, (width, word)


def test_table_on_a_terminal_is_coloured():
    from wirecoder.table import format_table

    assert "\x1b[" in format_table([], color=True) and "\x1b[" not in format_table([])


@pytest.mark.parametrize(("columns", "width"), [("70", 70), ("", 120)])  # $COLUMNS, else a fixed width piped
def test_query_table_width(stored, capsys, monkeypatch, columns, width):
    db, _, records = stored
    monkeypatch.setenv("COLUMNS", columns)
    code, out, err = _run(capsys, monkeypatch, ["query", "--db", str(db), "--format", "table"])
    assert code == 0 and f"({len(records)} events" in out
    assert max(len(line) for line in out.splitlines()) <= width
    assert "\x1b" not in out and err == f"wirecoder: {len(records)} of {len(records)} events shown\n"


def test_stats_names_the_countries(stored, capsys, monkeypatch):
    db, _, _ = stored
    code, out, _ = _run(capsys, monkeypatch, ["stats", "--db", str(db)])
    assert code == 0 and "RUS Russia -> TUR Turkey" in out


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only(stored, capsys, monkeypatch):
    _, path, _ = stored
    code, _, err = _run(capsys, monkeypatch, ["code", str(path), "--format", "table", "--no-store"])
    assert code == 0 and err.splitlines() == ["wirecoder: 1 article(s) coded, 3 event(s); 0 input(s) rejected"]
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert cli.main(["code", str(path), "--format", "table", "--no-store"]) == 0
    shown = terminal.getvalue()
    assert "wirecoder: loading the model" in shown and "wirecoder: coding: 1 inputs" in shown
    assert shown.rstrip().endswith("wirecoder: 1 article(s) coded, 3 event(s); 0 input(s) rejected")


def test_a_rerun_with_nothing_new_says_so(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(TWO_EVENTS, encoding="utf-8")
    db = tmp_path / "events.duckdb"
    argv = ["code", str(tmp_path), "--db", str(db), "--format", "table"]
    code, out, _ = _run(capsys, monkeypatch, argv)
    assert code == 0 and "(4 events" in out
    code, out, err = _run(capsys, monkeypatch, argv)
    assert (code, out) == (0, "")  # no empty table
    assert err == (f"wirecoder: all 2 articles are already stored in {db}; nothing to code "
                   f"(see them: wirecoder query --db {db} --format table)\n")
