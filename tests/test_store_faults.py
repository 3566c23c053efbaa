"""The store under faults: damaged files, a full disk, a held lock, re-coded articles, repeated rejections.
Every failure is a coded error (W401-W404) with the way out, never a traceback; `doctor` finds what is wrong."""

import contextlib
import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from test_store import ALANYA, ANKARA, _event

from wirecoder import cli
from wirecoder.errors import StoreBusyError, StoreDamagedError, StoreFullError
from wirecoder.schema import Article, Place
from wirecoder.store import EventStore

DAMASCUS = Place("Damascus", "Damascus", "SYR", "13", 33.51, 36.29, 170654)


def _store(path: Path, n: int = 40) -> None:
    with EventStore(path) as store:
        store.put_many([(Article(f"d{i}", f"text {i} " * 50), [
            _event(f"d{i}", k, day=f"2016-{1 + i % 12:02d}-{1 + k:02d}", place=(ALANYA, ANKARA, None)[k % 3])
            for k in range(6)]) for i in range(n)])


def test_recoding_changed_text_keeps_entity_and_place_counts_true(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("d1", "v1"), [_event("d1", 1, place=ALANYA), _event("d1", 2, recipient="SYR")])
        store.put(Article("d2", "other"), [_event("d2", 1, place=ALANYA)])
        store.put(Article("d1", "v2"), [_event("d1", 3, place=DAMASCUS)])  # same id, new text
        entities = dict(store.con.execute("SELECT entity_id, n_reports FROM entities").fetchall())
        places = dict(store.con.execute("SELECT name, n_reports FROM places").fetchall())
        assert entities == {"wc:country:rus": 2, "wc:country:tur": 2}  # the SYR report left with v1
        assert places == {"Alanya": 1, "Damascus": 1}
        assert store.check() == []


def test_an_entity_on_both_sides_of_a_report_counts_once(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("d1", "v1"), [_event("d1", 1, actor="RUS", recipient="RUS")])
        assert store.con.execute("SELECT n_reports FROM entities").fetchall() == [(1,)]
        assert store.check() == []


@pytest.mark.parametrize("tamper, found", [
    ("UPDATE entities SET n_reports = n_reports + 1 WHERE entity_id = 'wc:country:rus'", "entities whose report"),
    ("DELETE FROM places WHERE name = 'Alanya'", "places whose report count"),
    ("UPDATE events SET goldstein = 9.9", "events that do not match their reports"),
    ("UPDATE reports SET record = '{\"doc_id\": 1}' WHERE report_id IN (SELECT min(report_id) FROM reports)",
     "reports whose record cannot be read"),
])
def test_doctor_finds_counts_and_events_that_disagree_with_the_reports(tmp_path, capsys, tamper, found):
    path = tmp_path / "s.duckdb"
    _store(path, 5)
    assert cli.main(["doctor", "--db", str(path)]) == 0
    con = duckdb.connect(str(path))
    con.execute(tamper)
    con.close()
    assert cli.main(["doctor", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert found in err and "[W402]" in err


def _readable(path: Path) -> bool:
    """Independent of `check`: can every row of every table be read?"""
    try:
        con = duckdb.connect(str(path), read_only=True)
        try:
            for (table,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall():
                con.execute(f"SELECT * FROM {table}").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        return False
    return True


def test_doctor_never_calls_a_damaged_copy_ok_and_never_prints_a_traceback(tmp_path):
    """Copies of a store with one 4 KiB stretch overwritten, one in every 256 KiB block of the file, and one cut
    short: doctor exits 1 with a coded message whenever a table cannot be read, in a fresh process each time."""
    path = tmp_path / "s.duckdb"
    _store(path, 300)
    data = path.read_bytes()
    copies = []
    for n, offset in enumerate(range(4096, len(data) - 4096, 256 * 1024)):
        damaged = bytearray(data)
        damaged[offset:offset + 4096] = bytes(b ^ 0x5A for b in damaged[offset:offset + 4096])
        copies.append((tmp_path / f"flip{n}.duckdb", bytes(damaged)))
    copies.append((tmp_path / "cut.duckdb", data[:len(data) // 2]))
    damaged_found = 0
    for copy, content in copies:
        copy.write_bytes(content)
        readable = _readable(copy)
        run = subprocess.run([sys.executable, "-m", "wirecoder.cli", "doctor", "--db", str(copy)],
                             capture_output=True, text=True, timeout=120)
        assert "Traceback" not in run.stderr, run.stderr
        if not readable:
            damaged_found += 1
            assert run.returncode == 1 and "[W402]" in run.stderr, (copy.name, run.stdout, run.stderr)
        assert run.returncode in (0, 1)
    assert damaged_found >= 2  # the cut copy and at least one overwritten data block


@pytest.mark.parametrize("command", [["query"], ["stats"], ["export", "--format", "csv", "--out", "x.csv"],
                                     ["doctor"]])
def test_commands_on_a_truncated_store_answer_or_give_a_coded_error(tmp_path, capsys, command):
    """Cut short at several lengths, a store either still answers the command (the part it reads survived) or
    the command fails with W402 and the way out; an uncaught error would fail the test."""
    path = tmp_path / "s.duckdb"
    _store(path, 300)
    data = path.read_bytes()
    args = [a if a != "x.csv" else str(tmp_path / "x.csv") for a in command]
    failed = 0
    for fraction in (0.1, 0.5, 0.9):
        path.write_bytes(data[:int(len(data) * fraction)])
        if cli.main([*args, "--db", str(path)]) == 1:
            failed += 1
            err = capsys.readouterr().err
            assert "[W402]" in err and "damaged" in err and "backup" in err
    assert failed >= 1


def test_a_held_lock_names_the_holder_not_damage(tmp_path):
    path = tmp_path / "s.duckdb"
    _store(path, 2)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('ready', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusyError) as caught:
            EventStore(path, wait=0.3)
        message = str(caught.value)
        assert f"process {holder.pid} (-c import duckdb" in message and "[W401]" in message
        assert "after waiting" in message and "close that program's connection" in message
    finally:
        holder.kill()
        holder.wait()


def test_a_store_in_use_is_waited_for(tmp_path):
    """A writer holding the store for a moment (a batch) delays the next command; it does not fail it."""
    path = tmp_path / "s.duckdb"
    _store(path, 2)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('ready', flush=True); time.sleep(1.5); c.close(); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    told = []
    try:
        assert holder.stdout.readline().strip() == "ready"
        with EventStore(path, read_only=True, wait=30, on_wait=told.append) as store:
            assert store.counts()["articles"] == 2
        assert len(told) == 1 and f"process {holder.pid}" in told[0]
    finally:
        holder.kill()
        holder.wait()


def test_a_store_not_held_lets_other_processes_in_between(tmp_path):
    path = tmp_path / "s.duckdb"
    _store(path, 2)
    store = EventStore(path, hold=False)
    reader = [sys.executable, "-c", f"import duckdb; print(duckdb.connect({str(path)!r}, read_only=True)"
                                    ".execute('SELECT count(*) FROM articles').fetchone()[0])"]
    assert subprocess.run(reader, capture_output=True, text=True, check=True).stdout.strip() == "2"
    assert store.counts()["articles"] == 2 and store.con is None
    with store.session():
        assert store.con is not None
        blocked = subprocess.run(reader, capture_output=True, text=True)
        assert blocked.returncode != 0 and "lock" in blocked.stderr
    store.close()


def test_a_file_that_is_not_a_store_is_called_damaged_not_busy(tmp_path):
    path = tmp_path / "s.duckdb"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreDamagedError) as caught:
        EventStore(path, read_only=True)
    assert "another process" not in str(caught.value)


def test_a_full_disk_while_storing_is_a_coded_error_and_loses_nothing_stored(tmp_path, monkeypatch):
    from wirecoder import store as store_module

    path = tmp_path / "s.duckdb"
    with EventStore(path) as store:
        store.put(Article("a", "first"), [_event("a", 1)])

        class FullFile:
            name = str(tmp_path / "rows.jsonl")

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def write(self, data):
                raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(store_module.tempfile, "NamedTemporaryFile", lambda *a, **k: FullFile())
        with pytest.raises(StoreFullError) as caught:
            store.put(Article("b", "second"), [_event("b", 1)])
        assert "[W404]" in str(caught.value) and "free some space" in str(caught.value)
        monkeypatch.undo()
        assert store.counts()["articles"] == 1 and store.check() == []
        store.put(Article("b", "second"), [_event("b", 1)])  # once there is space, the next run stores it
        assert store.counts()["articles"] == 2


@contextlib.contextmanager
def _small_disk(path: Path, size: str):
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0 if shutil.which("mount") else False
    if not mounted:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_real_full_disk_stops_storing_with_a_coded_error(tmp_path, monkeypatch):
    with _small_disk(tmp_path / "disk", "3m") as disk:
        monkeypatch.setattr("tempfile.tempdir", str(disk))
        store = EventStore(disk / "s.duckdb")
        stored = 0
        with pytest.raises(StoreFullError):
            for n in range(200):  # ~3 MB would need far fewer than 200 batches
                store.put_many([(Article(f"d{n}-{k}", f"{n} {k} " + "x" * 5000),
                                 [_event(f"d{n}-{k}", j) for j in range(5)]) for k in range(20)])
                stored += 20
        assert store.counts()["articles"] == stored
        store.close()
        with EventStore(disk / "s.duckdb", read_only=True) as again:
            assert again.counts()["articles"] == stored and again.check() == []


def test_a_rejection_seen_again_is_recorded_once(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        for _ in range(3):
            store.reject("bad.txt", None, "W101", "input is empty or whitespace only")
            store.reject("a.jsonl", 4, "W105", "not valid JSON")
        store.reject("a.jsonl", 5, "W105", "not valid JSON")
        assert store.counts()["rejected"] == 3


def test_store_entities_keep_names_after_recoding(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("d1", "v1"), [_event("d1", 1)])
        store.put(Article("d1", "v2"), [_event("d1", 1)])
        rows = store.con.execute("SELECT entity_id, name, n_reports FROM entities ORDER BY 1").fetchall()
        assert rows == [("wc:country:rus", "RUS", 1), ("wc:country:tur", "TUR", 1)]


def test_records_written_before_fields_were_added_are_not_damage(tmp_path, capsys):
    """A store from an earlier wirecoder has records without fields added since (an entity's `why`, a place's
    `feature`): doctor compares what they mean, not their keys."""
    path = tmp_path / "s.duckdb"
    _store(path, 3)
    con = duckdb.connect(str(path))
    for table, key in (("events", "event_id"), ("reports", "report_id")):
        for row_id, record in con.execute(f"SELECT {key}, record FROM {table}").fetchall():
            old = json.loads(record)
            for side in ("actor", "recipient"):
                for entity in old[side]:
                    entity.pop("why", None)
            if old.get("location"):
                old["location"].pop("feature", None)
            con.execute(f"UPDATE {table} SET record = ? WHERE {key} = ?", [json.dumps(old), row_id])
    con.close()
    assert cli.main(["doctor", "--db", str(path)]) == 0, capsys.readouterr().err


def test_a_batch_that_cannot_be_written_leaves_no_temporary_file(tmp_path, monkeypatch):
    from wirecoder import store as store_module

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(TypeError), store_module._json_rows((("x", "VARCHAR"),), [[object()]]):
        pass
    assert list(tmp_path.iterdir()) == []
