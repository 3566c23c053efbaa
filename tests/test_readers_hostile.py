"""Hostile input found by review: each is read or refused with a coded rejection, quickly, and
every rejection names its place once. The timing bounds are loose (the fixed readers take ~0.2 s
where the old ones took 20-40 s), so they catch a stall, not a slowdown."""

from __future__ import annotations

import io
import json
import os
import random
import time
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecoder import cli
from wirecoder.readers import (
    MAX_HTML_ATTRIBUTES,
    MAX_HTML_TAGS,
    MAX_TEXT_CHARS,
    Rejected,
    _bound_html,
    iter_inputs,
    read_html,
)
from wirecoder.schema import Article

STALL_S = 5.0
"""A hostile page must be read or refused within this many seconds (fixed: ~0.2 s)."""

PARAGRAPHS = [f"<p>Paragraph {i}: the army shelled the border town of Kessab on Tuesday, killing at "
              f"least {i + 2} civilians, local officials said in a statement late that evening.</p>"
              for i in range(4)]
ARTICLE = ("Army shells border town\n\nJane Roe\n2 December 2016\n\n"
           "The army shelled the border town of Kessab on Tuesday, killing at least twelve civilians, "
           "local officials said.\n")


def _page(body: str) -> str:
    return f"<html><head><title>Army shells town</title></head><body><article>{body}</article></body></html>"


def _timed_read(html: str, source: str = "page.html"):
    start = time.perf_counter()
    try:
        result = read_html(html, source=source)
    except Exception as exc:  # noqa: BLE001 -- returned so the test can check the code
        result = exc
    elapsed = time.perf_counter() - start
    assert elapsed < STALL_S, f"reading took {elapsed:.1f} s"
    return result


# --- 1. attributes and tags ---------------------------------------------------------------------

@pytest.mark.parametrize("attributes", [
    " ".join(f"a{i}=1" for i in range(40_000)),          # the review's 40k attributes
    "".join(f'a{i}="1"' for i in range(40_000)),          # quoted values need no space between
    "/".join(f"a{i}" for i in range(40_000)),             # "/" separates attributes too
    " ".join(f"<a{i}" for i in range(40_000)),            # "<" inside a tag starts a name
], ids=["spaced", "glued", "slashes", "lt-names"])
def test_html_with_40k_attributes_on_one_element_is_read_quickly(attributes, monkeypatch):
    import trafilatura.core

    widest = []
    parse = trafilatura.core.load_html

    def spy(page, *args):  # what libxml2 is given, parsed: the most attributes on one element
        tree = parse(page, *args)
        widest.append(max(len(element.attrib) for element in tree.iter()))
        return tree

    monkeypatch.setattr(trafilatura.core, "load_html", spy)
    art = _timed_read(_page(PARAGRAPHS[0] + f"<div {attributes}>x</div>" + PARAGRAPHS[1]))
    assert isinstance(art, Article) and "Paragraph 0" in art.text and "Paragraph 1" in art.text
    assert widest == [MAX_HTML_ATTRIBUTES]


def test_html_with_more_than_max_tags_is_rejected_quickly():
    err = _timed_read(_page(PARAGRAPHS[0] + "<br>" * 1_000_000))
    assert getattr(err, "code", None) == "W104"
    assert f"{MAX_HTML_TAGS:,}" in err.message and "MAX_HTML_TAGS" in err.message
    assert err.source == "page.html"


_TAG_PARTS = st.sampled_from([" ", "/", "=", '"', "'", "<", ">", "a", "b=1", 'c="x y"', "d='>'", "\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2 * MAX_HTML_ATTRIBUTES), st.lists(_TAG_PARTS, max_size=6),
                          st.sampled_from(["", ">", "/>", ">text "])), max_size=4))
def test_bounded_html_never_gives_an_element_more_than_the_cap(tags):
    from lxml.html import fromstring

    html = "<html><body>" + "".join(
        f"<div {' '.join(f'k{i}=v' for i in range(n))}{''.join(junk)}{end}" for n, junk, end in tags)
    html += "</body></html>"
    bounded = _bound_html(html, None)
    tree = fromstring(bounded)
    assert max(len(element.attrib) for element in tree.iter()) <= MAX_HTML_ATTRIBUTES
    if sum(n + len(junk) + 1 for n, junk, _ in tags) <= MAX_HTML_ATTRIBUTES:
        assert bounded == html  # too few attributes in all (unclosed tags merge): unchanged


# --- 2. deep nesting ----------------------------------------------------------------------------

@pytest.mark.parametrize("nest", [
    lambda body: "<div>" * 300 + body + "</div>" * 300,                              # closed
    lambda body: "".join("<font>" for _ in range(300)) + body,                       # never closed
], ids=["closed-divs", "unclosed-fonts"])
def test_text_nested_300_deep_is_read(nest):
    art = _timed_read(_page(nest(PARAGRAPHS[0] + PARAGRAPHS[1])))
    assert isinstance(art, Article), art
    assert art.text.split("\n\n")[-2:] == [PARAGRAPHS[0][3:-4], PARAGRAPHS[1][3:-4]]


def test_text_after_deep_nesting_is_read():
    deep = "<div>" * 300 + PARAGRAPHS[1] + "<script>var hidden = 1;</script>" + "</div>" * 300
    art = _timed_read(_page(PARAGRAPHS[0] + deep + PARAGRAPHS[2]))
    assert isinstance(art, Article), art
    assert [p[:11] for p in art.text.split("\n\n")[-3:]] == ["Paragraph 0", "Paragraph 1", "Paragraph 2"]
    assert "hidden" not in art.text


def test_html_nested_deeper_than_libxml2_reads_is_rejected_with_the_depth():
    err = _timed_read(_page("<div>" * 5000 + PARAGRAPHS[0] + "</div>" * 5000))
    assert getattr(err, "code", None) == "W107", err
    assert "nested more than 2,048 elements deep" in err.message
    assert "index" not in err.message and "navigation" not in (err.hint or "")


# --- 3. the text limit is the model's ------------------------------------------------------------

def test_jsonl_text_of_1_5_million_characters_is_rejected_at_read_time(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "word " * 300_000}) + "\n")
    (rej,) = iter_inputs([str(path)])
    assert isinstance(rej, Rejected) and (rej.code, rej.line) == ("W104", 1)
    assert "1,500,000 characters" in rej.message and f"{MAX_TEXT_CHARS:,}" in rej.message


@pytest.mark.model
def test_model_accepts_every_text_the_readers_accept(pipeline):
    assert pipeline.nlp.max_length >= MAX_TEXT_CHARS


# --- 4. symbolic links in a folder ---------------------------------------------------------------

def test_symlink_in_folder_to_file_outside_is_rejected_not_read(tmp_path):
    (tmp_path / "outside").mkdir()
    secret = tmp_path / "outside" / "secret.txt"
    secret.write_text(ARTICLE)
    (tmp_path / "outside" / "more.txt").write_text(ARTICLE)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.symlink(secret, folder / "x.txt")
    os.symlink(tmp_path / "outside", folder / "linked")
    got = list(iter_inputs([str(folder)]))
    assert [(r.code, r.source) for r in got] == [("W108", str(folder / "x.txt")),
                                                 ("W108", str(folder / "linked"))]
    assert "symbolic link to a file outside the folder" in got[0].message
    assert "symbolic link to a folder outside the folder" in got[1].message
    assert all("name it explicitly" in r.message for r in got)
    (named,) = iter_inputs([str(folder / "x.txt")])  # as the hint says: named, it is read
    assert isinstance(named, Article) and named.title == "Army shells border town"


def test_symlinks_inside_folder_are_read_once(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "notes.dat").write_text(ARTICLE)  # not read by the walk itself
    os.symlink(tmp_path / "a.txt", tmp_path / "latest.txt")
    os.symlink(tmp_path / "notes.dat", tmp_path / "notes.txt")
    os.symlink(tmp_path, tmp_path / "again")  # a folder inside: already walked
    got = list(iter_inputs([str(tmp_path)]))
    assert [os.path.basename(a.source_path) for a in got] == ["a.txt", "notes.txt"]


# --- 5. NUL in JSONL fields ------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["text", "title", "outlet", "author", "url", "published", "id"])
def test_nul_in_a_jsonl_field_is_rejected(tmp_path, field):
    record = {"id": "a", "text": ARTICLE, "published": "2016-12-02", field: "ab\u0000cd"}
    if field == "text":
        record["text"] = ARTICLE + "\u0000"
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"text": ARTICLE}) + "\n" + json.dumps(record) + "\n")
    first, rej = iter_inputs([str(path)])
    assert isinstance(first, Article)
    assert (rej.code, rej.source, rej.line) == ("W102", str(path), 2)
    assert f"field {field!r} contains a NUL character" in rej.message


# --- 6. UTF-16 without a byte-order mark -----------------------------------------------------------

_UTF16_CASES = [
    ("a.txt", ARTICLE),
    ("a.html", _page(PARAGRAPHS[0])),
    ("a.jsonl", json.dumps({"id": "a", "text": ARTICLE}) + "\n"),
]


@pytest.mark.parametrize("encoding", ["utf-16le", "utf-16be"])
@pytest.mark.parametrize(("name", "content"), _UTF16_CASES, ids=[c[0] for c in _UTF16_CASES])
def test_utf16_without_bom_is_rejected_with_an_iconv_hint(tmp_path, name, content, encoding):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    (rej,) = iter_inputs([str(path)])
    assert (rej.code, rej.source) == ("W103", str(path))
    assert (f"this looks like UTF-16 without a byte-order mark: iconv -f {encoding} -t utf-8 {path} "
            "> out.txt") in rej.message
    (stdin,) = iter_inputs(["-"], stdin=io.BytesIO(content.encode(encoding)))
    assert stdin.code == "W103" and f"iconv -f {encoding} -t utf-8 FILE > out.txt" in stdin.message
    binary = tmp_path / ("binary" + os.path.splitext(name)[1])  # data with NULs is still binary
    binary.write_bytes(random.Random(1).randbytes(8192))
    assert [r.code for r in iter_inputs([str(binary)])] == ["W102"]


# --- 7. one rejection line, the place named once ---------------------------------------------------

def test_rejection_lines_name_the_place_once(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x"}) + "\n" + json.dumps({"text": "  "}) + "\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    stored = []

    class Store:  # what the store's rejected table receives
        def reject(self, source, line, code, message):
            stored.append((source, line, code, message))

    inputs = iter_inputs([str(bad), str(empty)])
    assert list(cli._accept(inputs, Rejected, Store(), Counter())) == []
    expected = [(str(bad), 1, "W106", "field 'text' is missing"),
                (str(bad), 2, "W101", "field 'text' is empty"),
                (str(empty), None, "W101", "input is empty or whitespace only")]
    assert stored == expected
    lines = [f"wirecoder: [{code}] {source}{'' if line is None else f':{line}'}: {message}"
             for source, line, code, message in expected]
    assert capsys.readouterr().err.splitlines() == lines

    import wirecoder.pipeline

    monkeypatch.setattr(wirecoder.pipeline.Pipeline, "default", classmethod(lambda cls, **kw: None))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert cli.main(["geoparse", str(empty), "--format", "jsonl"]) != 0
    assert capsys.readouterr().err.splitlines()[0] == lines[2]


def test_a_folder_that_cannot_be_listed_is_a_rejection_not_a_silent_skip(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path):  # as for a folder without read permission (root may read any, so simulate it)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    got = list(iter_inputs([str(tmp_path)]))
    assert isinstance(got[0], Article)
    (rejected,) = [r for r in got if not isinstance(r, Article)]
    assert rejected.code == "W108" and rejected.source == str(tmp_path / "locked")
    assert "cannot read the folder: Permission denied" in rejected.message
