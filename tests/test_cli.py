"""The command line: formats, stdin, bad input in a batch, exit codes. Runs in-process."""

import io
import json

import pytest

from wirecoder import cli

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
