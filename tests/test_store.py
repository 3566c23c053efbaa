"""The embedded store: atomic per-article writes, idempotent re-ingest, schema version and migration,
cross-article deduplication."""

import json
from collections import Counter
from dataclasses import replace

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirecoder.errors import StoreError
from wirecoder.ontology import goldstein, quad_class_of
from wirecoder.schema import Article, Entity, Event, Place
from wirecoder.store import SCHEMA_VERSION, EventStore

ALANYA = Place("Alanya", "Alanya", "TUR", "07", 36.54, 31.99, 323828)
ANKARA = Place("Ankara", "Ankara", "TUR", "68", 39.92, 32.85, 323786)


def _event(doc_id: str, n: int, *, event_type="CONSULT", cameo="040", actor="RUS", recipient="TUR",
           day="2016-12-01", place=ALANYA, factuality="asserted") -> Event:
    return Event(
        doc_id=doc_id, event_id=f"{doc_id}-{n}".ljust(20, "0")[:20], event_type=event_type, mode=None, context=(),
        cameo=cameo, quad_class=1, goldstein=1.0,
        actor=(Entity(actor, actor, actor, "GOV", f"wc:country:{actor.lower()}"),),
        recipient=(Entity(recipient, recipient, recipient, "GOV", f"wc:country:{recipient.lower()}"),),
        date=day, date_precision="day", date_text="Thursday", location=place, attribution=None,
        factuality=factuality, sentence="s", span=(0, 3), event_text="met", confidence=0.8, coder="test")


def test_put_is_idempotent(tmp_path):
    article = Article("d1", "Russia met Turkey.")
    with EventStore(tmp_path / "s.duckdb") as store:
        assert store.put(article, [_event("d1", 1), _event("d1", 2, event_type="ASSAULT", cameo="190")])
        assert not store.put(article, [_event("d1", 1)])  # same text: nothing changes
        assert store.counts() == {"articles": 1, "reports": 2, "events": 2, "rejected": 0}
        assert store.is_stored(article)


def test_changed_text_replaces_the_coding(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("d1", "v1"), [_event("d1", 1), _event("d1", 2, event_type="ASSAULT", cameo="190")])
        store.put(Article("d1", "v2"), [_event("d1", 3)])
        assert store.counts()["reports"] == 1 and store.counts()["events"] == 1


def test_failed_put_leaves_no_half_article(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError):
            store.put(Article("d1", "x"), [_event("d1", 1), _event("d1", 1)])  # duplicate report id
        assert store.counts() == {"articles": 0, "reports": 0, "events": 0, "rejected": 0}


def test_reports_of_one_event_in_two_articles_are_one_event(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("a", "A"), [_event("a", 1)])
        store.put(Article("b", "B"), [_event("b", 1, day="2016-12-02")])  # a day later: same meeting
        assert store.counts()["events"] == 1 and store.counts()["reports"] == 2
        (event,) = store.events()
        assert event["n_reports"] == 2 and event["n_sources"] == 2
        reason = store.con.execute("SELECT merge_reason FROM reports WHERE doc_id = 'b'").fetchone()[0]
        assert json.loads(reason)["merged"] is True and "same place" in reason


@pytest.mark.parametrize("change", [
    {"day": "2016-12-05"},                      # same dyad, different day
    {"place": Place("Mosul", "Mosul", "IRQ", None, 36.3, 43.1, 99072)},  # same day, other country
    {"actor": "USA", "recipient": "CHN"},       # other parties
    {"event_type": "ASSAULT", "cameo": "190"},  # other type
    {"factuality": "negated"},
])
def test_near_misses_stay_apart(tmp_path, change):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("a", "A"), [_event("a", 1)])
        store.put(Article("b", "B"), [_event("b", 1, **change)])
        assert store.counts()["events"] == 2


def test_removing_a_report_updates_its_event(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(Article("a", "A"), [_event("a", 1)])
        store.put(Article("b", "B"), [_event("b", 1)])
        store.put(Article("b", "B changed"), [])
        (event,) = store.events()
        assert event["n_reports"] == 1


def test_schema_version_recorded_and_newer_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    EventStore(path).close()
    con = duckdb.connect(str(path))
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        EventStore(path)


def test_version_1_store_is_migrated(tmp_path):
    import json

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    con.execute("CREATE TABLE articles (doc_id VARCHAR PRIMARY KEY, content_hash VARCHAR NOT NULL, title VARCHAR, "
                "author VARCHAR, published DATE, url VARCHAR, outlet VARCHAR, source_path VARCHAR, "
                "text VARCHAR NOT NULL, n_events INTEGER NOT NULL, coder VARCHAR NOT NULL, coded_at TIMESTAMP)")
    con.execute("CREATE TABLE events (event_id VARCHAR PRIMARY KEY, doc_id VARCHAR NOT NULL, record JSON NOT NULL)")
    con.execute("INSERT INTO articles VALUES ('a', 'h', NULL, NULL, NULL, NULL, NULL, NULL, 'A', 1, 'old', NULL)")
    old = _event("a", 1)
    con.execute("INSERT INTO events VALUES (?, 'a', ?)", [old.event_id, json.dumps(old.to_dict())])
    con.close()
    with EventStore(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.counts() == {"articles": 1, "reports": 1, "events": 1, "rejected": 0}


def test_doctor_finds_damage(tmp_path, capsys):
    from wirecoder import cli

    path = tmp_path / "d.duckdb"
    with EventStore(path) as store:
        store.put(Article("a", "A"), [_event("a", 1)])
        assert store.check() == []
    assert cli.main(["doctor", "--db", str(path)]) == 0
    con = duckdb.connect(str(path))
    con.execute("UPDATE articles SET text = 'tampered'")
    con.execute("DELETE FROM events")
    con.close()
    assert cli.main(["doctor", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert "content hash" in err and "event is missing" in err


def test_batched_writes_cluster_as_one_at_a_time(tmp_path):
    """put_many in batches (the CLI's path) gives the same reports, clusters and counts as put on each article in
    turn: new reports see the stored ones and those before them in the batch, in the same order."""
    import random

    rng = random.Random(3)
    places = (ALANYA, ANKARA, None)
    items = []
    for n in range(60):
        doc = f"d{n}"
        events = [_event(doc, k, event_type=t, cameo=c, actor=rng.choice(("RUS", "TUR", "SYR")),
                         recipient=rng.choice(("RUS", "TUR", "SYR")), day=f"2016-12-{rng.randint(1, 6):02d}",
                         place=rng.choice(places), factuality=rng.choice(("asserted", "asserted", "negated")))
                  for k, (t, c) in enumerate(rng.sample([("CONSULT", "040"), ("ASSAULT", "190"),
                                                         ("CONSULT", "043"), ("PROTEST", "140")], 2))]
        items.append((Article(doc, f"text {n}"), events))
    items.append((Article("d3", "text 3 changed"), [_event("d3", 9)]))  # a re-coded article inside a batch

    def tables(path):
        con = duckdb.connect(str(path))
        out = [con.execute(f"SELECT * EXCLUDE ({drop}) FROM {t} ORDER BY 1").fetchall()
               for t, drop in (("reports", "merge_reason, seq"), ("events", "record"), ("entities", "name"),
                               ("places", "name"))]
        con.close()
        return out

    with EventStore(tmp_path / "one.duckdb") as store:
        for article, events in items:
            store.put(article, events)
    with EventStore(tmp_path / "batch.duckdb") as store:
        for i in range(0, len(items), 16):
            store.put_many(items[i:i + 16])
        assert store.check() == []
    one, batch = tables(tmp_path / "one.duckdb"), tables(tmp_path / "batch.duckdb")
    assert one == batch
    assert len({r[2] for r in one[0]}) < len(one[0])  # some reports did merge


def _drop_v4_columns(con) -> None:
    for index in ("reports_doc", "reports_event", "events_date"):
        con.execute(f"DROP INDEX IF EXISTS {index}")
    for table in ("reports", "events"):
        for column in ("actor_codes", "recipient_codes"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_version_3_store_gains_party_codes_and_consistent_goldstein(tmp_path):
    path = tmp_path / "v3.duckdb"
    reports = [replace(_event(doc, 1, event_type="CONSULT", cameo=code), quad_class=1, goldstein=g,
                       actor=(Entity("Syrian troops", "Syria", "SYR", "MIL", None),))
               for doc, code, g in (("a", "046", 1.0), ("b", "046", 7.0), ("c", "040", 1.0))]
    with EventStore(path) as store:
        for r in reports:
            store.put(Article(r.doc_id, r.doc_id.upper()), [r])
        expected = store.con.execute("SELECT event_id, cameo, quad_class, goldstein, actor_codes FROM events "
                                     "ORDER BY 1").fetchall()
    con = duckdb.connect(str(path))
    _drop_v4_columns(con)
    # what v3 stored: the representative report's score, whatever the event's code
    con.execute("UPDATE events SET goldstein = 1.0, record = json_merge_patch(record, '{\"goldstein\": 1.0}')")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with EventStore(path) as store:
        rows = store.con.execute("SELECT event_id, cameo, quad_class, goldstein, actor_codes FROM events "
                                 "ORDER BY 1").fetchall()
        assert rows == expected and {r[4][0] for r in rows} == {"SYRMIL"}
        assert store.check() == []


def test_version_2_store_gains_seq_and_dated(tmp_path):
    path = tmp_path / "v2.duckdb"
    with EventStore(path) as store:
        store.put(Article("a", "A"), [_event("a", 1), replace(_event("a", 2, event_type="ASSAULT", cameo="190"),
                                                              date_text=None)])
    con = duckdb.connect(str(path))
    for index in ("reports_doc", "reports_event"):
        con.execute(f"DROP INDEX {index}")
    con.execute("ALTER TABLE reports DROP COLUMN seq")
    con.execute("ALTER TABLE reports DROP COLUMN dated")
    _drop_v4_columns(con)
    con.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    con.close()
    with EventStore(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        rows = store.con.execute("SELECT seq, dated FROM reports ORDER BY seq").fetchall()
        assert rows == [(1, True), (2, False)]
        store.put(Article("b", "B"), [_event("b", 1, day="2016-12-02")])
        assert store.counts()["events"] == 2 and store.check() == []


def test_version_4_store_gains_feeds_and_versions(tmp_path):
    path = tmp_path / "v4.duckdb"
    with EventStore(path) as store:
        store.put(Article("a", "A"), [_event("a", 1)])
    con = duckdb.connect(str(path))
    for column in ("feed", "version"):
        con.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    con.execute("DROP TABLE fetched")
    con.execute("DROP TABLE feeds")
    con.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    con.close()
    with EventStore(path) as store:
        assert store.con.execute("SELECT feed, version FROM articles").fetchall() == [(None, 1)]
        store.put(Article("a", "A, changed"), [_event("a", 1)])  # a changed text: the next version
        assert store.con.execute("SELECT version FROM articles").fetchall() == [(2,)]
        assert store.fetch_state(["http://127.0.0.1/x"]) == {} and store.check() == []


CONSULT_CODES = ("040", "041", "042", "043", "045", "046")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(CONSULT_CODES), st.integers(1, 4), st.floats(-10, 10)),
                min_size=1, max_size=8))
def test_merged_events_score_their_own_code(tmp_path_factory, coded):
    """Whatever the reports claim, an event's quad class and Goldstein score are those of its CAMEO code, and its
    code is one its reports use most."""
    path = tmp_path_factory.mktemp("prop") / "s.duckdb"
    with EventStore(path) as store:
        store.put_many([(Article(f"d{i}", f"text {i}"),
                         [replace(_event(f"d{i}", 1, cameo=code), quad_class=quad, goldstein=score)])
                        for i, (code, quad, score) in enumerate(coded)])
        events = store.con.execute("SELECT event_id, cameo, quad_class, goldstein, record FROM events").fetchall()
        told = store.con.execute("SELECT event_id, cameo FROM reports").fetchall()
    for event_id, cameo, quad, score, record in events:
        assert quad == quad_class_of(cameo) and score == goldstein(cameo)
        record = json.loads(record)
        assert (record["cameo"], record["quad_class"], record["goldstein"]) == (cameo, quad, score)
        counts = Counter(code for e, code in told if e == event_id)
        assert counts[cameo] == max(counts.values())
