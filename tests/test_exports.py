"""Exports: every format round-trips to the stored records (hypothesis), the stream is the file, TSV and CSV
keep one record per line, PLOVER JSON has the manual's fields and codes, the Phoenix and GDELT column sets,
writes are atomic. Loading with DuckDB, pandas and R as documented: test_export_roundtrip.py."""

import csv
import hashlib
import itertools
import json
import tempfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirecoder import exports
from wirecoder.cli import build_parser, main
from wirecoder.exports import (
    COLUMN_SETS,
    COLUMNS,
    EXTENSIONS,
    FORMATS,
    MEDIA_TYPES,
    TSV_COLUMNS,
    ExportError,
    Origin,
    download_name,
    escape,
    export,
    export_chunks,
    from_plover,
    read_export,
    to_plover,
    unescape,
)
from wirecoder.ontology import PLOVER_QUAD, cameo_codes, cameo_to_plover_table
from wirecoder.query import LEVELS, MAX_LIMIT, Filters, count, select
from wirecoder.schema import DATE_PRECISION, FACTUALITY, PLOVER_TYPES, Article, Attribution, Entity, Event, Place
from wirecoder.store import EventStore

DOCS = Path(__file__).resolve().parent.parent / "docs" / "exports.md"
_ids = itertools.count()

# Text that stresses TSV/CSV quoting and type sniffing: delimiters, quotes, line breaks, numeric look-alikes.
_TRICKY = st.sampled_from(['"', '""', "\t", "\n", "\r\n", "\r", ",", ";", "046", "0333", " lead", "trail ",
                           "NULL", "null", "NA", "\\N", "\\", "\\n", "a\\", "\\\\t", "'", "\u2028", "é\u0301",
                           "🙂", "a\tb\nc\"d", "#"])
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
        out.append((Article(doc_id, f"text {i}", title=draw(MAYBE), url=draw(MAYBE), outlet=draw(MAYBE)),
                    draw(st.lists(events(doc_id), min_size=0, max_size=4))))
    return out


def _fill(path: Path, batch) -> EventStore:
    store = EventStore(path)
    for article, evs in batch:
        store.put(article, evs)
    return store


def _out(tmp: Path, fmt: str) -> Path:
    return tmp / f"e.{EXTENSIONS[fmt]}"


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
                streamed = b"".join(export_chunks(store, fmt, level=level))
                if fmt == "parquet":
                    (tmp / "one.parquet").write_bytes(streamed)
                    assert read_export(tmp / "one.parquet", fmt) == expected
                else:
                    assert streamed == out.read_bytes()
                    assert streamed.count(b"\n") == n + (fmt != "plover-jsonl") and b"\r" not in streamed


# --- a fixed store for format checks --------------------------------------------------------------

SENTENCE = 'Lavrov said: "we met,\tthen\nparted".'
ARTICLE = f"MOSCOW, Dec 2 (WSWS)\n{SENTENCE} Then they met again.\n"
SENTENCE_AT = ARTICLE.index(SENTENCE)
TRIGGER = (SENTENCE_AT + SENTENCE.index("met"), SENTENCE_AT + SENTENCE.index("met") + 3)
SOURCES = {"a": ("https://wsws.example/a", "Lavrov in Alanya", "WSWS"), "b": ("https://reuters.example/b", None,
                                                                          "Reuters")}
ALANYA = Place("Alanya", "Alanya", "TUR", "07", 36.54, 31.99, 323828, "city")  # "07": its province's GeoNames code


def _event(doc_id, n, *, cameo="046", event_type="CONSULT", actor="RUS", recipient="TUR", day="2016-12-02",
           sentence=SENTENCE):
    return Event(
        doc_id=doc_id, event_id=f"{n:020x}", event_type=event_type, mode="visit", context=("diplomatic",),
        cameo=cameo, quad_class=PLOVER_QUAD[event_type], goldstein=1.9,
        actor=(Entity("Sergey Lavrov", "Sergey Lavrov", actor, "GOV", "wc:person:sergey-lavrov"),),
        recipient=(Entity("Turkey", "Turkey", recipient, None, f"wc:country:{recipient.lower()}"),
                   Entity("Iran", "Iran", "IRN", None, None)),
        date=day, date_precision="day" if day else None, date_text=None,
        location=ALANYA if day else None,
        attribution=Attribution("Financial Times", "media"), factuality="reported", sentence=sentence,
        span=TRIGGER, event_text="met", confidence=0.8, coder="wirecoder-rules/0.1.0 triggers.tsv:42:meet/VERB")


@pytest.fixture
def store(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as s:
        s.put(Article("a", ARTICLE, title=SOURCES["a"][1], url=SOURCES["a"][0], outlet=SOURCES["a"][2]), [
            _event("a", 1), _event("a", 2, cameo="0333", event_type="AGREE"),
            _event("a", 3, cameo="190", event_type="ASSAULT", actor="TUR", recipient="RUS", day="2015-11-24"),
            _event("a", 4, cameo=None, event_type="PROTEST", day=None)])
        s.put(Article("b", ARTICLE, url="https://reuters.example/b", outlet="Reuters"),
              [_event("b", 5)])  # the same meeting as a/1
        yield s


@pytest.mark.parametrize("text", ["", "plain", "a\\b", "\\n", "x\ty\nz\r", "\\\\\t\\", "é🙂\u2028"])
def test_escaping_gives_one_line_and_undoes_exactly(text):
    escaped = escape(text)
    assert not set(escaped) & {"\t", "\n", "\r"}
    assert unescape(escaped) == text


@pytest.mark.parametrize("bad", ["a\\", "\\x", "\\N"])
def test_unescape_refuses_what_escape_never_writes(bad):
    with pytest.raises(ValueError, match="escape"):
        unescape(bad)


@pytest.mark.parametrize("fmt,delimiter,quoting", [("tsv", "\t", csv.QUOTE_NONE), ("csv", ",", csv.QUOTE_MINIMAL)])
def test_delimited_exports_load_with_pythons_csv_module(store, tmp_path, fmt, delimiter, quoting):
    n = export(store, tmp_path / "e.txt", fmt)
    raw = (tmp_path / "e.txt").read_bytes()
    assert raw.count(b"\n") == n + 1 and b"\r" not in raw
    with open(tmp_path / "e.txt", encoding="utf-8", newline="") as f:
        rows = [{k: unescape(v) for k, v in r.items()} for r in csv.DictReader(f, delimiter=delimiter,
                                                                             quoting=quoting)]
    assert tuple(rows[0]) == TSV_COLUMNS
    assert [r["cameo"] for r in rows] == ["190", "046", "0333", ""]
    assert [r["base_code"] for r in rows] == ["190", "046", "033", ""]
    assert [r["date"] for r in rows] == ["2015-11-24", "2016-12-02", "2016-12-02", ""]
    assert [r["sqldate"] for r in rows][:1] == ["20151124"]
    assert [r["date_source"] for r in rows] == ["published", "published", "published", ""]
    assert rows[1]["source_country"] == "RUS" and rows[1]["target_country"] == "TUR"
    assert rows[1]["sentence"] == SENTENCE
    url, _, outlet = SOURCES[rows[1]["doc_id"]]
    assert (rows[1]["url"], rows[1]["outlet"]) == (url, outlet)
    assert (rows[0]["url"], rows[0]["outlet"]) == SOURCES["a"][::2]
    assert json.loads(rows[1]["recipient"])[1]["country"] == "IRN"


def test_parquet_is_partitioned_by_year_and_month(store, tmp_path):
    n = export(store, tmp_path / "pq", "parquet")
    assert n == 4
    parts = sorted(str(p.parent.relative_to(tmp_path / "pq")) for p in (tmp_path / "pq").rglob("*.parquet"))
    assert parts == ["year=2015/month=11", "year=2016/month=12",
                     "year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__"]
    con = duckdb.connect()
    row = con.execute("SELECT cameo, date, actor[1].country, context, url FROM read_parquet(?, hive_partitioning "
                      "= true) WHERE cameo = '046'", [str(tmp_path / "pq" / "**" / "*.parquet")]).fetchone()
    assert row[:4] == ("046", date(2016, 12, 2), "RUS", ["diplomatic"])
    assert row[4] in [u for u, _, _ in SOURCES.values()]


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
    url, title, outlet = SOURCES[meeting["cite_info"]["citation"]]
    assert meeting["cite_info"] == {"citation": meeting["cite_info"]["citation"], "url": url, "title": title,
                                    "publication": outlet, "codebook": exports.CODEBOOK}
    for obj in objs:  # the sentence's offsets in the stored article, and the trigger inside it
        start, end = obj["text_info"]["start"], obj["text_info"]["end"]
        assert ARTICLE[start:end] == obj["text"] and start <= obj["span"][0] < obj["span"][1] <= end


def test_text_info_is_left_out_when_the_article_does_not_confirm_it(tmp_path):
    with EventStore(tmp_path / "s.duckdb") as s:
        s.put(Article("c", "Another text altogether."), [_event("c", 6)])
        export(s, tmp_path / "e.jsonl", "plover-jsonl")
    obj = json.loads((tmp_path / "e.jsonl").read_text(encoding="utf-8"))
    assert "text_info" not in obj and obj["span"] == list(TRIGGER)
    assert "text_info" not in to_plover(_event("a", 1).to_dict())


def test_a_sentence_the_article_repeats_is_found_where_the_trigger_is(tmp_path):
    text = f"{SENTENCE} {SENTENCE}"
    second = len(SENTENCE) + 1
    event = replace(_event("d", 7), span=(second + TRIGGER[0] - SENTENCE_AT, second + TRIGGER[1] - SENTENCE_AT))
    with EventStore(tmp_path / "s.duckdb") as s:
        s.put(Article("d", text), [event])
        export(s, tmp_path / "e.jsonl", "plover-jsonl")
    assert json.loads((tmp_path / "e.jsonl").read_text(encoding="utf-8"))["text_info"] == {
        "start": second, "end": len(text)}


# PLOVER manual, "Country names" and the IGO codes: what the coder or older stores may hold, as PLOVER writes it.
@pytest.mark.parametrize("country,code", [("XKX", "KOS"), ("KSV", "KOS"), ("KOS", "KOS"), ("UNO", "UNO"),
                                          ("EUR", "EUR"), ("IGO", "IGO"), ("GUM", "USA"), ("RUS", "RUS")])
def test_plover_writes_the_manuals_actor_codes(country, code):
    record = _event("a", 1, actor=country, recipient=country).to_dict()
    obj = to_plover(record)
    assert obj["actor"][0]["code"] == obj["recipient"][0]["code"] == code
    assert from_plover(obj)["actor"][0]["country"] == code


def test_plover_round_trip_of_one_record():
    record = _event("a", 1).to_dict()
    origin = Origin(url="u", title="t", outlet="o", coded_at=datetime(2016, 12, 3, 4, 5, 6), text_start=SENTENCE_AT)
    assert from_plover(to_plover(record, origin)) == from_plover(to_plover(record)) == record
    with pytest.raises(ExportError):
        from_plover({**to_plover(record), "event": ["CONSULT", "AGREE"]})


def test_phoenix_and_gdelt_columns(store, tmp_path):
    rows = {}
    for columns in ("phoenix", "gdelt"):
        export(store, tmp_path / f"{columns}.tsv", "tsv", columns=columns)
        with open(tmp_path / f"{columns}.tsv", encoding="utf-8", newline="") as f:
            rows[columns] = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
        assert tuple(rows[columns][0]) == tuple(COLUMNS[columns].types)
    phoenix, gdelt = rows["phoenix"][1], rows["gdelt"][1]
    assert (phoenix["SourceActorFull"], phoenix["SourceActorEntity"], phoenix["SourceActorRole"]) == (
        "RUSGOV", "RUS", "GOV")
    assert (phoenix["EventCode"], phoenix["EventRootCode"], phoenix["Date"]) == ("046", "04", "20161202")
    # the stored GeoNames code "07" of Alanya's province, as its name
    assert (phoenix["LocationName"], phoenix["GeoStateName"], phoenix["GeoCountryName"]) == (
        "Alanya", "Antalya", "Turkey")
    assert (phoenix["URLs"], phoenix["NewsSources"], phoenix["Issues"]) == (*SOURCES[phoenix["SentenceID"]][::2],
                                                                            "diplomatic")
    assert [r["EventBaseCode"] for r in rows["gdelt"]] == ["190", "046", "033", ""]
    assert (gdelt["Actor1Code"], gdelt["Actor2Code"], gdelt["NumArticles"], gdelt["NumMentions"]) == (
        "RUSGOV", "TUR", "2", "2")
    assert (gdelt["ActionGeo_FullName"], gdelt["ActionGeo_Type"], gdelt["MonthYear"]) == (
        "Alanya, Antalya, Turkey", "4", "201612")
    assert rows["phoenix"][3]["Date"] == rows["gdelt"][3]["ActionGeo_FullName"] == ""


def test_the_stream_is_the_file(store, tmp_path):
    for fmt in ("tsv", "csv", "plover-jsonl"):
        export(store, _out(tmp_path, fmt), fmt, filters=Filters(actor="RUS"), level="reports")
        assert b"".join(export_chunks(store, fmt, filters=Filters(actor="RUS"), level="reports")) == (
            _out(tmp_path, fmt).read_bytes())
    (tmp_path / "one.parquet").write_bytes(b"".join(export_chunks(store, "parquet", columns="gdelt")))
    assert duckdb.connect().execute("SELECT count(*), min(EventBaseCode) FROM read_parquet(?)",
                                    [str(tmp_path / "one.parquet")]).fetchone() == (4, "033")


def test_stopping_a_parquet_stream_early_removes_its_temporary_file(store, tmp_path, monkeypatch):
    monkeypatch.setattr(exports, "_CHUNK", 64)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    chunks = export_chunks(store, "parquet")
    assert next(chunks).startswith(b"PAR1")
    assert list(scratch.iterdir())  # the file is there while the stream is open
    chunks.close()
    assert not list(scratch.iterdir())


def test_media_types_and_download_names():
    assert set(MEDIA_TYPES) == set(FORMATS)
    assert [download_name(f) for f in FORMATS] == [f"wirecoder-events.{EXTENSIONS[f]}" for f in FORMATS]
    assert download_name("parquet") == "wirecoder-events.parquet"
    with pytest.raises(ExportError):
        download_name("xlsx")


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
    (tmp_path / "one.parquet").write_bytes(b"".join(export_chunks(store, "parquet", filters=f)))
    assert read_export(tmp_path / "one.parquet", "parquet") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failed_export_leaves_the_previous_one(store, tmp_path, monkeypatch, fmt):
    out = _out(tmp_path, fmt)
    export(store, out, fmt)
    before = sorted(p.read_bytes() for p in ([out] if out.is_file() else out.rglob("*")) if p.is_file())
    rows = exports._source_rows

    def failing(*args, **kwargs):
        for n, row in enumerate(rows(*args, **kwargs)):
            if n == 2:
                raise OSError("disk full")
            yield row

    monkeypatch.setattr(exports, "_source_rows", failing)
    with pytest.raises(ExportError, match="disk full"):
        export(store, out, fmt)
    after = sorted(p.read_bytes() for p in ([out] if out.is_file() else out.rglob("*")) if p.is_file())
    assert after == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind


def test_errors(store, tmp_path):
    with pytest.raises(ExportError, match="unknown export format"):
        export(store, tmp_path / "x", "xlsx")
    with pytest.raises(ExportError, match="unknown column set"):
        export(store, tmp_path / "x", "tsv", columns="icews")
    with pytest.raises(ExportError, match="not a column set"):
        next(export_chunks(store, "plover-jsonl", columns="phoenix"))
    (tmp_path / "bad.tsv").write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(ExportError, match="header"):
        read_export(tmp_path / "bad.tsv", "tsv")
    export(store, tmp_path / "phoenix.tsv", "tsv", columns="phoenix")
    with pytest.raises(ExportError, match="header"):
        read_export(tmp_path / "phoenix.tsv", "tsv")
    export(store, tmp_path / "e.tsv", "tsv")
    lines = (tmp_path / "e.tsv").read_text(encoding="utf-8").split("\n")
    (tmp_path / "e.tsv").write_text("\n".join([lines[0], lines[1].replace("\\n", "\\q")]), encoding="utf-8")
    with pytest.raises(ExportError, match="e.tsv:2: bad value"):
        read_export(tmp_path / "e.tsv", "tsv")
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n', encoding="utf-8")
    with pytest.raises(ExportError, match="bad.jsonl:1"):
        read_export(tmp_path / "bad.jsonl", "plover-jsonl")


def test_cli_export_takes_a_column_set(store, tmp_path):
    store.close()
    assert main(["export", "--db", str(tmp_path / "s.duckdb"), "--format", "csv", "--columns", "gdelt",
                 "--out", str(tmp_path / "g.csv")]) == 0
    assert (tmp_path / "g.csv").read_text(encoding="utf-8").startswith("GLOBALEVENTID,SQLDATE,")
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["export"]
    choices = {a.dest: tuple(a.choices) for a in sub._actions if a.choices}
    assert choices["format"] == FORMATS and choices["columns"] == COLUMN_SETS


def test_every_column_and_format_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for columns in COLUMN_SETS:
        assert f"### Column set `{columns}`" in text, columns
        for column in COLUMNS[columns].types:
            assert f"| `{column}` |" in text, column
    for fmt in FORMATS:
        assert f"`{fmt}`" in text and f"`{MEDIA_TYPES[fmt]}`" in text, fmt
    for field in exports.EXTENSION_FIELDS:
        assert f"`{field}`" in text, field
