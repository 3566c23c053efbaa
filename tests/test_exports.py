"""Exports: every format round-trips to the stored records (hypothesis), the TSV loads with codes and dates
intact in DuckDB and Python's csv module, PLOVER JSON has the manual's field names, writes are atomic."""

import csv
import hashlib
import itertools
import json
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirecoder import exports
from wirecoder.exports import FORMATS, TSV_COLUMNS, ExportError, export, from_plover, read_export, to_plover
from wirecoder.ontology import PLOVER_QUAD, cameo_codes, cameo_to_plover_table
from wirecoder.query import LEVELS, MAX_LIMIT, Filters, count, select
from wirecoder.schema import DATE_PRECISION, FACTUALITY, PLOVER_TYPES, Article, Attribution, Entity, Event, Place
from wirecoder.store import EventStore

DOCS = Path(__file__).resolve().parent.parent / "docs" / "exports.md"
_ids = itertools.count()

# Text that stresses TSV/CSV quoting and type sniffing: delimiters, quotes, line breaks, numeric look-alikes.
_TRICKY = st.sampled_from(['"', '""', "\t", "\n", "\r\n", "\r", ",", ";", "046", "0333", " lead", "trail ",
                           "NULL", "null", "\\N", "'", "\u2028", "é\u0301", "🙂", "a\tb\nc\"d"])
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
TEXT = st.one_of(_TRICKY, st.text(_CHARS, min_size=1, max_size=30),
                 st.lists(_TRICKY | st.text(_CHARS, min_size=1, max_size=5), min_size=2, max_size=5).map("".join))
MAYBE = st.none() | TEXT
COUNTRY = st.sampled_from([None, "RUS", "TUR", "SYR", "USA", "IGO"])
SECTOR = st.sampled_from([None, "GOV", "MIL", "REB", "CVL"])
MODES = sorted({m.mode for m in cameo_to_plover_table().values() if m.mode})
CONTEXTS = sorted({c for m in cameo_to_plover_table().values() for c in m.context})
FLOAT = st.floats(-10, 10, allow_nan=False)

entities = st.lists(st.builds(Entity, TEXT, TEXT, COUNTRY, SECTOR, MAYBE), max_size=3).map(tuple)
places = st.none() | st.builds(
    Place, TEXT, TEXT, COUNTRY, MAYBE, st.none() | st.floats(-90, 90), st.none() | st.floats(-180, 180),
    st.none() | st.integers(0, 2**40))
attributions = st.none() | st.builds(Attribution, TEXT, st.sampled_from(
    ["media", "official", "anonymous", "person", "organization", "other"]))


@st.composite
def events(draw, doc_id: str) -> Event:
    cameo = draw(st.none() | st.sampled_from(sorted(cameo_codes())))
    event_type = draw(st.sampled_from(PLOVER_TYPES))
    day = draw(st.none() | st.dates(date(1990, 1, 1), date(2030, 12, 31)))
    start = draw(st.integers(0, 10**6))
    return Event(
        doc_id=doc_id, event_id=hashlib.sha1(str(next(_ids)).encode()).hexdigest()[:20], event_type=event_type,
        mode=draw(st.none() | st.sampled_from(MODES)), context=tuple(draw(st.lists(st.sampled_from(CONTEXTS),
                                                                                    max_size=2))),
        cameo=cameo, quad_class=PLOVER_QUAD[event_type], goldstein=draw(FLOAT), actor=draw(entities),
        recipient=draw(entities), date=day.isoformat() if day else None,
        date_precision=draw(st.sampled_from(DATE_PRECISION)) if day else None, date_text=draw(MAYBE),
        location=draw(places), attribution=draw(attributions), factuality=draw(st.sampled_from(FACTUALITY)),
        sentence=draw(TEXT), span=(start, start + draw(st.integers(1, 50))), event_text=draw(TEXT),
        confidence=draw(st.floats(0, 1)), coder=draw(TEXT))


@st.composite
def articles(draw) -> list[tuple[Article, list[Event]]]:
    out = []
    for i in range(draw(st.integers(1, 3))):
        doc_id = f"doc{i}"
        out.append((Article(doc_id, f"text {i}", outlet=draw(st.none() | TEXT)),
                    draw(st.lists(events(doc_id), min_size=0, max_size=4))))
    return out


def _fill(path: Path, batch) -> EventStore:
    store = EventStore(path)
    for article, evs in batch:
        store.put(article, evs)
    return store


def _out(tmp: Path, fmt: str) -> Path:
    return tmp / {"plover-jsonl": "e.jsonl", "tsv": "e.tsv", "csv": "e.csv", "parquet": "e.parquet"}[fmt]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=articles())
def test_export_then_read_gives_the_stored_records(fmt, batch):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with _fill(tmp / "s.duckdb", batch) as store:
            for level in LEVELS:
                out = _out(tmp, fmt)
                n = export(store, out, fmt, level=level)
                expected = select(store, Filters(), level=level, limit=MAX_LIMIT)
                assert n == len(expected)
                assert read_export(out, fmt) == expected


# --- a fixed store for format checks --------------------------------------------------------------

def _event(doc_id, n, *, cameo="046", event_type="CONSULT", actor="RUS", recipient="TUR", day="2016-12-02",
           sentence='Lavrov said: "we met,\tthen\nparted".'):
    return Event(
        doc_id=doc_id, event_id=f"{n:020x}", event_type=event_type, mode="visit", context=("diplomatic",),
        cameo=cameo, quad_class=PLOVER_QUAD[event_type], goldstein=1.9,
        actor=(Entity("Sergey Lavrov", "Sergey Lavrov", actor, "GOV", "wc:person:sergey-lavrov"),),
        recipient=(Entity("Turkey", "Turkey", recipient, None, f"wc:country:{recipient.lower()}"),
                   Entity("Iran", "Iran", "IRN", None, None)),
        date=day, date_precision="day" if day else None, date_text=None,
        location=Place("Alanya", "Alanya", "TUR", "07", 36.54, 31.99, 323828) if day else None,
        attribution=Attribution("Financial Times", "media"), factuality="reported", sentence=sentence,
        span=(10, 13), event_text="met", confidence=0.8, coder="wirecoder-rules/0.1.0 triggers.tsv:42:meet/VERB")


@pytest.fixture
def store(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as s:
        s.put(Article("a", "A", outlet="WSWS"), [
            _event("a", 1), _event("a", 2, cameo="0333", event_type="AGREE"),
            _event("a", 3, cameo="190", event_type="ASSAULT", actor="TUR", recipient="RUS", day="2015-11-24"),
            _event("a", 4, cameo=None, event_type="PROTEST", day=None)])
        s.put(Article("b", "B", outlet="Reuters"), [_event("b", 5)])  # the same meeting as a/1
        yield s


def test_tsv_loads_in_duckdb_with_codes_and_dates_intact(store, tmp_path):
    export(store, tmp_path / "e.tsv", "tsv")
    con = duckdb.connect()
    sniffed = con.execute("SELECT * FROM read_csv(?, delim = '\t')", [str(tmp_path / "e.tsv")])
    types = {d[0]: d[1] for d in sniffed.description}
    rows = [dict(zip([d[0] for d in sniffed.description], r, strict=True)) for r in sniffed.fetchall()]
    assert [r["cameo"] for r in rows] == ["190", "046", "0333", None]
    assert rows[1]["date"] == date(2016, 12, 2) and str(types["date"]) == "DATE"
    assert rows[1]["sentence"] == 'Lavrov said: "we met,\tthen\nparted".'
    assert rows[1]["n_reports"] == 2 and json.loads(rows[1]["doc_ids"]) == ["a", "b"]
    # the documented explicit types keep codes VARCHAR even when no code has a leading zero
    typed = con.execute("SELECT cameo, root_code, date FROM read_csv(?, delim = '\t', header = true, types = ?) "
                        "WHERE cameo = '190'", [str(tmp_path / "e.tsv"), exports.duckdb_csv_types()]).fetchall()
    assert typed == [("190", "19", date(2015, 11, 24))]


@pytest.mark.parametrize("fmt,delimiter", [("tsv", "\t"), ("csv", ",")])
def test_delimited_exports_load_with_pythons_csv_module(store, tmp_path, fmt, delimiter):
    export(store, tmp_path / "e.txt", fmt)
    with open(tmp_path / "e.txt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter=delimiter))
    assert tuple(rows[0]) == TSV_COLUMNS
    assert [r["cameo"] for r in rows] == ["190", "046", "0333", ""]
    assert [r["date"] for r in rows] == ["2015-11-24", "2016-12-02", "2016-12-02", ""]
    assert [r["sqldate"] for r in rows][:1] == ["20151124"]
    assert rows[1]["source_country"] == "RUS" and rows[1]["target_country"] == "TUR"
    assert json.loads(rows[1]["recipient"])[1]["country"] == "IRN"


def test_parquet_is_partitioned_by_year_and_month(store, tmp_path):
    n = export(store, tmp_path / "pq", "parquet")
    assert n == 4
    parts = sorted(str(p.parent.relative_to(tmp_path / "pq")) for p in (tmp_path / "pq").rglob("*.parquet"))
    assert parts == ["year=2015/month=11", "year=2016/month=12",
                     "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__"]
    con = duckdb.connect()
    row = con.execute("SELECT cameo, date, actor[1].country, context FROM read_parquet(?, hive_partitioning = true) "
                      "WHERE cameo = '046'", [str(tmp_path / "pq" / "**" / "*.parquet")]).fetchone()
    assert row == ("046", date(2016, 12, 2), "RUS", ["diplomatic"])


# PLOVER manual (PLOVER_MANUAL.tex), table "PLOVER JSON" and "Information object for entities".
MANUAL_FIELDS = {"id", "has_event", "date", "time", "enddate", "endtime", "actor", "recipient", "event",
                 "event_loc", "event_text", "quad_code", "event_scale", "mode", "context", "link", "text",
                 "text_info", "cite_info", "coder", "coded_date", "coded_time", "comment"}
MANUAL_ENTITY = {"code", "sector", "entity_text", "identifier_id", "identifier_text", "religion", "ethnicity",
                 "office", "gender", "age"}
MANUAL_TEXT_INFO = {"sequence", "start", "end", "text_story"}
MANUAL_CITE_INFO = {"corpus", "citation", "url", "title", "language", "publication", "license", "copyright",
                    "coder", "codebook", "version"}
_entity = {"type": "object", "propertyNames": {"enum": sorted(MANUAL_ENTITY)},
           "required": ["code"], "properties": {"code": {"type": ["string", "null"]}}}
PLOVER_SCHEMA = {
    "type": "object",
    "required": ["id", "date", "actor", "event"],
    "propertyNames": {"enum": sorted(MANUAL_FIELDS | set(exports.EXTENSION_FIELDS))},
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "date": {"type": ["string", "null"], "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "actor": {"type": "array", "items": _entity},
        "recipient": {"type": "array", "items": _entity},
        "event": {"type": "array", "minItems": 1, "items": {"enum": list(PLOVER_TYPES)}},
        "mode": {"type": "array", "items": {"type": "string"}},
        "context": {"type": "array", "items": {"type": "string"}},
        "event_text": {"type": "array", "items": {"type": "string"}},
        "quad_code": {"enum": [1, 2, 3, 4]},
        "event_scale": {"type": "number"},
        "text_info": {"type": "object", "propertyNames": {"enum": sorted(MANUAL_TEXT_INFO)}},
        "cite_info": {"type": "object", "propertyNames": {"enum": sorted(MANUAL_CITE_INFO)}},
        "coded_date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
        "cameo": {"type": ["string", "null"], "pattern": "^[0-9]{2,4}$"},
    },
}


def test_plover_jsonl_has_the_manuals_fields(store, tmp_path):
    export(store, tmp_path / "e.jsonl", "plover-jsonl")
    lines = (tmp_path / "e.jsonl").read_text(encoding="utf-8").splitlines()
    objs = [json.loads(line) for line in lines]
    assert len(objs) == 4
    for obj in objs:
        jsonschema.validate(obj, PLOVER_SCHEMA)
    meeting = objs[1]
    assert meeting["event"] == ["CONSULT"] and meeting["cameo"] == "046" and meeting["mode"] == ["visit"]
    assert meeting["actor"][0] == {"code": "RUS", "sector": "GOV", "entity_text": "Sergey Lavrov",
                                   "identifier_id": "wc:person:sergey-lavrov", "identifier_text": "Sergey Lavrov"}
    assert meeting["event_loc"]["geonameid"] == 323828 and meeting["n_reports"] == 2
    assert meeting["coded_date"] == date.today().isoformat()


def test_plover_round_trip_of_one_record():
    record = _event("a", 1).to_dict()
    assert from_plover(to_plover(record)) == record
    with pytest.raises(ExportError):
        from_plover({**to_plover(record), "event": ["CONSULT", "AGREE"]})


def test_filters_and_levels(store, tmp_path):
    f = Filters(actor="RUS", start=date(2016, 1, 1))
    assert export(store, tmp_path / "e.csv", "csv", filters=f) == count(store, f) == 2
    assert export(store, tmp_path / "r.csv", "csv", level="reports") == 5
    assert all("n_reports" not in r for r in read_export(tmp_path / "r.csv", "csv"))


def test_an_empty_export_reads_back_empty(store, tmp_path):
    f = Filters(actor="CHN")
    for fmt in FORMATS:
        assert export(store, _out(tmp_path, fmt), fmt, filters=f) == 0
        assert read_export(_out(tmp_path, fmt), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_the_previous_one(store, tmp_path, monkeypatch, fmt):
    out = _out(tmp_path, fmt)
    export(store, out, fmt)
    before = sorted(p.read_bytes() for p in ([out] if out.is_file() else out.rglob("*")) if p.is_file())
    calls = itertools.count()

    def failing(record, doc_ids=None):
        if next(calls) == 2:
            raise OSError("disk full")
        return flat_row(record, doc_ids)

    flat_row = exports.flat_row
    monkeypatch.setattr(exports, "flat_row", failing)
    monkeypatch.setattr(exports, "to_plover", lambda r, coded_at=None: failing(r) and {})
    with pytest.raises(ExportError, match="disk full"):
        export(store, out, fmt)
    after = sorted(p.read_bytes() for p in ([out] if out.is_file() else out.rglob("*")) if p.is_file())
    assert after == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_errors(store, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        export(store, tmp_path / "x", "xlsx")
    (tmp_path / "bad.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="header"):
        read_export(tmp_path / "bad.tsv", "tsv")
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ExportError, match="bad.jsonl:1"):
        read_export(tmp_path / "bad.jsonl", "plover-jsonl")


def test_every_column_and_format_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for column in TSV_COLUMNS:
        assert f"| `{column}` |" in text, column
    for fmt in FORMATS:
        assert f"`{fmt}`" in text, fmt
    for field in exports.EXTENSION_FIELDS:
        assert f"`{field}`" in text, field
