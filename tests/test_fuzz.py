"""Hostile input for every reader and data-file parser: it is read or refused with a wirecoder error
naming the place, never a crash. Bounded, derandomised budgets so CI stays fast and repeatable; the
number of cases per path is reported in README.md ("Reliability")."""

import contextlib
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirecoder.dates import find_dates, parse_absolute_date
from wirecoder.errors import WirecoderError
from wirecoder.gold import read_gold
from wirecoder.kb import KnowledgeBase, _agent, _entry, _records
from wirecoder.lexicon import parse_lexicon
from wirecoder.petrarch import check_dictionaries, load_dictionaries
from wirecoder.query import Filters, QueryError, parse_bbox
from wirecoder.readers import Rejected, iter_inputs, read_text

EXAMPLES = 120
BUDGET = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])
# Fragments that appear in real files, so generated inputs get past the first check.
TEXTISH = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400)
LINES = st.lists(st.one_of(TEXTISH, st.sampled_from([
    "--- MEET [040] ---", "MEET", "- * TALKS [046]", "- $ * + [190]", "&SYN", "+WORD", "ARNOR_ [ARN]",
    "\t[ARNGOV 950101-991231]", "+GONDOR", "SOLDIER [~MIL]", "~~FINISH", "# comment", "[code]", "{", "}",
    "<!-- x -->", "%", "|", "!PERSON!", "[ARN >20040309]", "[ARN <19900101]"])), max_size=30)


def _write(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


@BUDGET
@given(st.binary(max_size=3000), st.sampled_from(["a.txt", "a.html", "a.jsonl"]))
def test_any_bytes_as_input_file(data, name):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), name, data)
        for item in iter_inputs([str(path)]):
            if isinstance(item, Rejected):
                assert str(path) in item.message or item.source == str(path)
            else:
                assert 0 <= item.body_start <= item.body_span[1] <= len(item.text)


JSON_ARTICLE = st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(
    st.sampled_from(["id", "text", "published", "title", "url"]),
    st.one_of(st.none(), st.integers(), TEXTISH, st.lists(st.integers()))))


@BUDGET
@given(st.lists(st.one_of(st.binary(max_size=200), JSON_ARTICLE), max_size=12))
def test_any_jsonl_lines(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "b.jsonl", b"\n".join(lines))
        for item in iter_inputs([str(path)]):
            if isinstance(item, Rejected):
                assert item.line is None or item.line >= 1


@BUDGET
@given(TEXTISH)
def test_any_text_article(text):
    article = read_text(text)
    assert 0 <= article.body_start <= article.body_span[1] <= len(article.text)


@BUDGET
@given(TEXTISH)
def test_any_date_phrase(text):
    for mention in find_dates(text, None):
        assert text[mention.start:mention.end] == mention.text
    parse_absolute_date(text)


@BUDGET
@given(LINES, st.sampled_from(["x.verbs.txt", "x.actors.txt", "x.agents.txt", "x.discards.txt", "x.issues.txt"]))
def test_any_petrarch_dictionary(lines, name):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, name, "\n".join(lines).encode("utf-8", "surrogatepass"))
        if name != "x.verbs.txt":
            _write(folder, "y.verbs.txt", b"--- MEET [040] ---\nMEET\n- * TALKS [046]\n")
        try:
            load_dictionaries(folder)
        except WirecoderError as exc:
            assert name in str(exc) or "verbs" in str(exc)
        for problem in check_dictionaries(folder):
            assert problem.code.startswith("P")


@BUDGET
@given(LINES)
def test_any_trigger_lexicon(lines):
    try:
        parse_lexicon("\n".join(lines), source="mine.tsv")
    except WirecoderError as exc:
        assert "mine.tsv" in str(exc)


@BUDGET
@given(st.lists(st.one_of(TEXTISH, st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "name", "kind", "aliases", "roles", "sector"]),
    st.one_of(st.none(), TEXTISH, st.lists(TEXTISH, max_size=3), st.lists(st.dictionaries(
        st.sampled_from(["code", "country", "start", "end"]), st.one_of(st.none(), TEXTISH)), max_size=2))))),
    max_size=6))
def test_any_knowledge_base_file(lines):
    # the same record validation KnowledgeBase.load applies to user files, without the packaged KB
    try:
        for lineno, obj in _records("\n".join(lines), "mine.jsonl"):
            (_entry if "kind" in obj else _agent)(obj, "mine.jsonl", lineno)
    except WirecoderError as exc:
        assert "mine.jsonl" in str(exc)


@BUDGET
@given(st.lists(st.one_of(TEXTISH, st.builds(json.dumps, st.dictionaries(
    st.sampled_from(["id", "text", "date", "events", "meta"]),
    st.one_of(st.none(), TEXTISH, st.integers(), st.lists(st.dictionaries(
        st.sampled_from(["code", "scheme", "source_actor", "target_actor"]), st.one_of(st.none(), TEXTISH)),
        max_size=2))))), max_size=6))
def test_any_gold_file(lines):
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), "gold.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))
        try:
            list(read_gold(path))
        except WirecoderError as exc:
            assert "gold.jsonl" in str(exc)


@BUDGET
@given(TEXTISH, st.one_of(st.none(), TEXTISH), st.one_of(st.none(), TEXTISH))
def test_any_query_parameters(bbox, event_type, factuality):
    with contextlib.suppress(QueryError):
        Filters(bbox=parse_bbox(bbox), event_type=event_type, factuality=factuality)


def test_regression_non_string_id_in_user_knowledge_file(tmp_path):
    """Found by test_any_knowledge_base_file: an id that is a list crashed the loader."""
    import pytest

    path = _write(tmp_path, "mine.jsonl", b'{"id": []}')
    with pytest.raises(WirecoderError, match="mine.jsonl:1"):
        KnowledgeBase.load([path])
