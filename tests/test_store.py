"""The embedded store: atomic per-article writes, idempotent re-ingest, schema version."""

import duckdb
import pytest

from wirecoder.errors import StoreError
from wirecoder.schema import Article, Entity, Event
from wirecoder.store import SCHEMA_VERSION, EventStore


def _event(doc_id: str, n: int) -> Event:
    return Event(
        doc_id=doc_id, event_id=f"{n:020x}", event_type="CONSULT", mode=None, context=(), cameo="040",
        quad_class=1, goldstein=1.0, actor=(Entity("Russia", "Russia", "RUS", None, "wc:country:russia"),),
        recipient=(), date="2016-12-01", date_precision="day", date_text="Thursday", location=None,
        attribution=None, factuality="asserted", sentence="Russia met.", span=(0, 6), event_text="Russia",
        confidence=0.5, coder="test",
    )


def test_put_is_idempotent(tmp_path):
    article = Article("d1", "Russia met Turkey.")
    with EventStore(tmp_path / "s.duckdb") as store:
        store.put(article, [_event("d1", 1), _event("d1", 2)])
        store.put(article, [_event("d1", 1), _event("d1", 2)])
        assert store.counts() == {"articles": 1, "events": 2, "rejected": 0}
        assert store.is_stored(article)
        assert [e["event_id"] for e in store.events("d1")] == [f"{1:020x}", f"{2:020x}"]


def test_failed_put_leaves_no_half_article(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as store:
        with pytest.raises(StoreError):
            store.put(Article("d1", "x"), [_event("d1", 1), _event("d1", 1)])  # duplicate event id
        assert store.counts() == {"articles": 0, "events": 0, "rejected": 0}


def test_schema_version_recorded_and_newer_refused(tmp_path):
    path = tmp_path / "s.duckdb"
    EventStore(path).close()
    con = duckdb.connect(str(path))
    assert con.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        EventStore(path)
