"""Readers: every input form becomes an Article or a Rejected, never an exception."""

from __future__ import annotations

import io
import json
import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wirecoder.errors import InputError
from wirecoder.readers import (
    MAX_FILE_BYTES,
    MAX_JSONL_LINE_BYTES,
    MAX_TEXT_CHARS,
    Rejected,
    _read_jsonl,
    doc_id_for,
    iter_inputs,
    read_html,
    read_text,
)
from wirecoder.schema import Article

BAD = Path(__file__).parent / "fixtures" / "bad"

BODY_1 = ("Rebel groups backed by Ankara have opened talks with Moscow on a truce in the northern "
          "city, officials in both capitals said on Thursday.")
BODY_2 = ("The talks in Ankara were first reported by a London newspaper and were brokered by the "
          "Turkish government, according to three people familiar with them.")
SEED_LIKE = (
    "\n\nKremlin opens secret talks with northern militias\n\n"
    "Maria Delgado Ruiz\n4 March 2019\n\n"
    f"{BODY_1}\n\n{BODY_2}\n\n\n\n"
    "To contact the WSWS and the\nSocialist Equality Party visit:\n\nwsws.org/contact"
)
ARTICLE_HTML = """<html><head><title>Army shells border town - Daily Planet</title>
<meta property="og:site_name" content="Daily Planet"><meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2016-12-02T10:00:00Z">
<link rel="canonical" href="https://planet.example/army"></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Army shells border town</h1>
<p>The army shelled the border town of Kessab on Tuesday, killing at least twelve civilians,
local officials said in a statement issued late in the evening.</p>
<p>Government spokesman Omar Haddad denied that troops had targeted residential areas and accused
rebel fighters of using civilians as human shields during the fighting.</p></article>
<footer>Copyright 2016 Daily Planet. All rights reserved.</footer></body></html>"""


def _only(items: list) -> Article | Rejected:
    assert len(items) == 1, items
    return items[0]


def _body(article: Article) -> str:
    start, end = article.body_span
    return article.text[start:end]


# --- plain-text layout -----------------------------------------------------------------------

def test_seed_like_article_header_and_footer():
    art = read_text(SEED_LIKE, source="a.txt")
    assert art.title == "Kremlin opens secret talks with northern militias"
    assert art.author == "Maria Delgado Ruiz"
    assert art.published == date(2019, 3, 4)
    assert art.text == SEED_LIKE
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"
    assert art.text[art.body_end:].lstrip().startswith("To contact the WSWS")
    assert art.doc_id == doc_id_for(SEED_LIKE) and art.source_path == "a.txt"


@pytest.mark.parametrize(("text", "title", "author", "published", "body_starts"), [
    (f"{BODY_1}\n\n{BODY_2}", None, None, None, BODY_1),  # plain paragraphs
    (f"Talks resume\n\n{BODY_1}", "Talks resume", None, None, BODY_1),
    (f"Talks resume\n\nBy Jane Roe\n\n{BODY_1}", "Talks resume", "Jane Roe", None, BODY_1),
    (f"Talks resume\n\nJane Roe\nDecember 2, 2016\n\n{BODY_1}", "Talks resume", "Jane Roe",
     date(2016, 12, 2), BODY_1),
    (f"Talks resume\n\nFriday, 2 December 2016\n\n{BODY_1}", "Talks resume", None,
     date(2016, 12, 2), BODY_1),
    (f"Jane Roe\n2016-12-02\n\n{BODY_1}", None, "Jane Roe", date(2016, 12, 2), BODY_1),
    # a bare capitalised line with no dateline is a heading, not a byline
    (f"Talks resume\n\nMiddle East\n\n{BODY_1}", "Talks resume", None, None, "Middle East"),
    # a first line ending in a period is a sentence, not a title
    (f"Talks resumed.\n\n{BODY_1}", None, None, None, "Talks resumed."),
    # a title must be followed by a blank line
    (f"Talks resume\n{BODY_1}", None, None, None, "Talks resume"),
    # a title-only text has no header: nothing would be left to code
    ("Talks resume\n\n", None, None, None, "Talks resume"),
    ("x" * 250 + "\n\n" + BODY_1, None, None, None, "x" * 250),
])
def test_header_detection(text, title, author, published, body_starts):
    art = read_text(text)
    assert (art.title, art.author, art.published) == (title, author, published)
    assert text[art.body_start:].lstrip().startswith(body_starts)


@pytest.mark.parametrize("footer", [
    "Copyright 2019 Planet Media. All rights reserved.",
    "© 2019 Planet Media",
    "Follow us on Twitter @planet",
    "Read more: https://planet.example/more",
    "Subscribe to our newsletter",
    "https://planet.example/story/123",
    "All rights reserved",
])
def test_footer_detection(footer):
    text = f"Talks resume\n\n{BODY_1}\n\n{BODY_2}\n\n{footer}\n"
    art = read_text(text)
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"


def test_footer_glued_to_last_paragraph():
    art = read_text(f"{BODY_1}\n\n{BODY_2}\nCopyright 2019 Planet Media\n")
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"


def test_long_paragraph_starting_with_marker_is_kept():
    last = "Subscribe " + BODY_2 * 4
    art = read_text(f"{BODY_1}\n\n{last}")
    assert _body(art).endswith(last)


@pytest.mark.parametrize(("footer", "outlet"), [
    ("Copyright 2023 Lakeside Courier. All rights reserved.", "Lakeside Courier"),
    ("© 2021 Northern Signal Media Ltd.", "Northern Signal Media"),
    ("(c) 2020 Coastline Daily", "Coastline Daily"),
    ("Copyright © 2019-2024 The Valley Gazette\nThis material may not be redistributed.", "The Valley Gazette"),
    ("Copyright Orbit Broadcasting 2022. Click for restrictions.", "Orbit Broadcasting"),
    ("To contact the Valley Gazette, email tips@valley.example", "Valley Gazette"),
    ("To contact the WSWS and the\nSocialist Equality Party visit:\n\nwsws.org/contact", "WSWS"),
    ("To contact the wsws and the Socialist Equality Party visit: wsws.org", None),  # not written as a name
    ("(Reporting by Ana Ruiz in Quito; Editing by Mark Heinrich)", "Reuters"),
    ("(Additional reporting by Ola Berg; Writing by Ana Ruiz; Editing by Tim Hale)", "Reuters"),
    ("To contact the reporter on this story: Jane Roe in London at jroe@example.com", None),
    ("Copyright 2024", None),
    ("Follow us on X for breaking news.", None),
])
def test_outlet_from_the_footer(footer, outlet):
    art = read_text(f"Talks resume\n\n{BODY_1}\n\n{BODY_2}\n\n{footer}\n")
    assert art.outlet == outlet
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"  # the footer is not coded


@pytest.mark.parametrize(("header", "author", "outlet"), [
    ("By Jane Doe, Harbour Wire", "Jane Doe", "Harbour Wire"),
    ("By Tom Okoro and Ana Ruiz - Coastline Daily", "Tom Okoro and Ana Ruiz", "Coastline Daily"),
    ("Priya Nair | Lakeside Courier\n4 May 2021", "Priya Nair", "Lakeside Courier"),
    ("By Lena Berg, AFP", "Lena Berg", "AFP"),
    ("Lena Berg, Associated Press Writer", "Lena Berg", "Associated Press"),
    ("By Jane Doe, Nairobi", "Jane Doe, Nairobi", None),  # a place, not an outlet
    ("By Jane Doe, Staff Writer", "Jane Doe, Staff Writer", None),
    ("By Jane Doe and Tom Roe", "Jane Doe and Tom Roe", None),
])
def test_outlet_from_the_byline(header, author, outlet):
    art = read_text(f"Talks resume\n\n{header}\n\n{BODY_1}\n\n{BODY_2}\n")
    assert (art.author, art.outlet) == (author, outlet)
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"


@pytest.mark.parametrize(("dateline", "outlet"), [
    ("QUITO, Ecuador (AP) — ", "AP"),
    ("BEIRUT, Dec 2 (Reuters) - ", "Reuters"),
    ("KAMPALA (Lakeside Courier) -- ", "Lakeside Courier"),
    ("ANKARA (Turkey) - ", None),
    ("ANKARA — ", None),
])
def test_outlet_from_a_wire_dateline(dateline, outlet):
    assert read_text(f"{dateline}{BODY_1}\n\n{BODY_2}").outlet == outlet


def test_outlet_footer_wins_over_byline_and_body_mentions_are_not_outlets():
    republished = f"By Lena Berg, Reuters\n\n{BODY_1}\n\nCopyright 2024 Lakeside Courier\n"
    assert read_text(republished).outlet == "Lakeside Courier"  # the wire story as the outlet published it
    assert read_text(f"{BODY_1} The Harbour Wire reported it first.\n\n{BODY_2}").outlet is None


def test_crlf_normalised_and_offsets_valid():
    art = read_text(SEED_LIKE.replace("\n", "\r\n"))
    assert art.text == SEED_LIKE
    assert _body(art) == f"{BODY_1}\n\n{BODY_2}"


def test_published_is_a_fallback_for_text():
    assert read_text(BODY_1, published=date(2020, 1, 1)).published == date(2020, 1, 1)
    assert read_text(SEED_LIKE, published=date(2020, 1, 1)).published == date(2019, 3, 4)


def test_doc_id_for_is_stable():
    assert doc_id_for("abc") == "sha1:a9993e364706816a"
    assert doc_id_for("abc") != doc_id_for("abd")


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_read_text_never_raises(text):
    art = read_text(text)
    assert 0 <= art.body_start <= art.body_end <= len(art.text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", " ", "Talks resume", "Jane Roe", "By Jane Roe", "2 December 2016",
                                 BODY_1, "Copyright 2019", "wsws.org/contact", "Tuesday.", "\r"]),
                max_size=12))
def test_read_text_on_layout_like_text(lines):
    text = "\n".join(lines)
    art = read_text(text)
    assert 0 <= art.body_start <= art.body_end <= len(art.text)


# --- HTML ------------------------------------------------------------------------------------

def test_html_article_with_nav_boilerplate():
    art = read_html(ARTICLE_HTML, source="page.html")
    assert art.title == "Army shells border town"
    assert art.author == "Jane Roe"
    assert art.outlet == "Daily Planet"
    assert art.url == "https://planet.example/army"
    assert art.published == date(2016, 12, 2)
    body = _body(art)
    assert body.startswith("The army shelled the border town of Kessab")
    assert "Home" not in art.text and "Sport" not in art.text
    assert "All rights reserved" not in art.text


def test_html_without_article_raises_w107():
    with pytest.raises(InputError) as exc:
        read_html((BAD / "no_article.html").read_text(), source="no_article.html")
    assert exc.value.code == "W107" and "no_article.html" in str(exc.value)


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_read_html_raises_only_input_error(html):
    try:
        art = read_html(html)
    except InputError as err:
        assert err.code in ("W104", "W107")
    else:
        assert 0 <= art.body_start <= art.body_end <= len(art.text)


# --- hostile files ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "code", "needle"), [
    ("empty.txt", "W101", "empty"),
    ("whitespace.txt", "W101", "empty"),
    ("binary.txt", "W102", "binary"),
    ("control_chars.txt", "W102", "binary"),
    ("latin1.txt", "W103", "byte offset 15 (line 1)"),
    ("truncated_utf8.txt", "W103", "byte offset"),
    ("no_article.html", "W107", "no article"),
    ("not_html.html", "W102", "binary"),
    ("empty.jsonl", "W101", "empty"),
    ("gzip.jsonl", "W102", "binary"),
    ("unsupported.pdf", "W108", "unsupported"),
    ("missing.txt", "W108", "cannot read"),
])
def test_bad_file_is_rejected(name, code, needle):
    path = str(BAD / name)
    rej = _only(list(iter_inputs([path])))
    assert isinstance(rej, Rejected)
    assert (rej.code, rej.source, rej.line) == (code, path, None)
    assert needle in rej.message and not rej.message.startswith(path)  # the place is in source
    assert str(rej).startswith(f"[{code}] {path}: ")


def test_latin1_hint_names_iconv():
    rej = _only(list(iter_inputs([str(BAD / "latin1.txt")])))
    assert "iconv -f" in rej.message and "-t utf-8" in rej.message and "0xe9" in rej.message


def test_broken_jsonl_names_each_line():
    path = str(BAD / "broken.jsonl")
    got = [(r.line, r.code) for r in iter_inputs([path])]
    assert got == [(1, "W105"), (2, "W105"), (3, "W106"), (4, "W101"), (5, "W105"), (6, "W106"),
                   (7, "W103")]
    rejected = list(iter_inputs([path]))
    assert all(str(rej).startswith(f"[{rej.code}] {path}:{rej.line}: ") for rej in rejected)
    assert not any(rej.message.startswith(path) for rej in rejected)
    assert "a JSON array where an object was expected" in rejected[1].message


def test_deeply_nested_json_line_is_rejected():
    rej = _only(list(iter_inputs([str(BAD / "deep.jsonl")])))
    assert (rej.code, rej.line) == ("W105", 1)


def test_fifty_megabyte_file_is_rejected_without_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:  # sparse: no 50 MB written
        fh.truncate(50 * 1024 * 1024)
    real_open = open

    def guarded_open(file, *args, **kwargs):
        assert os.fspath(file) != str(big), "the oversized file must not be opened"
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", guarded_open)
    rej = _only(list(iter_inputs([str(big)])))
    assert rej.code == "W104"
    assert f"{MAX_FILE_BYTES:,}" in rej.message and rej.source == str(big)


def test_text_over_char_limit_is_rejected(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "x", "text": "a" * (MAX_TEXT_CHARS + 1)}) + "\n")
    rej = _only(list(iter_inputs([str(path)])))
    assert (rej.code, rej.line) == ("W104", 1) and f"{MAX_TEXT_CHARS:,}" in rej.message


def test_overlong_jsonl_line_skipped_and_reading_goes_on(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "w") as fh:
        fh.write(json.dumps({"id": "huge", "text": "b" * (MAX_JSONL_LINE_BYTES + 10)}) + "\n")
        fh.write(json.dumps({"id": "ok", "text": BODY_1}) + "\n")
    first, second = iter_inputs([str(path)])
    assert (first.code, first.line) == ("W104", 1)
    assert isinstance(second, Article) and second.doc_id == "ok"


# --- JSONL -----------------------------------------------------------------------------------

def test_jsonl_malformed_line_among_good_ones(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "a1", "text": BODY_1, "title": "T", "published": "2016-12-02",
                    "url": "https://x.example/a1", "outlet": "Planet", "author": "Jane Roe"}),
        "",
        '{"id": "broken", "text": "unterminated',
        json.dumps({"text": BODY_2, "published": "2016-12-03T08:00:00Z"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    out = list(iter_inputs([str(path)], published=date(2000, 1, 1)))
    assert [type(x).__name__ for x in out] == ["Article", "Rejected", "Article"]
    a1, rej, a2 = out
    assert (a1.doc_id, a1.title, a1.published, a1.url, a1.outlet, a1.author) == (
        "a1", "T", date(2016, 12, 2), "https://x.example/a1", "Planet", "Jane Roe")
    assert (rej.line, rej.code) == (3, "W105") and str(rej).startswith(f"[W105] {path}:3: ")
    assert a2.doc_id == doc_id_for(BODY_2) and a2.published == date(2016, 12, 3)
    assert a2.source_path == str(path)


@pytest.mark.parametrize(("record", "code", "field"), [
    ({"id": "x"}, "W106", "text"),
    ({"text": 42}, "W106", "text"),
    ({"text": "   "}, "W101", "text"),
    ({"text": BODY_1, "id": ""}, "W106", "id"),
    ({"text": BODY_1, "id": ["x"]}, "W106", "id"),
    ({"text": BODY_1, "title": 3}, "W106", "title"),
    ({"text": BODY_1, "published": "last week"}, "W106", "published"),
    ({"text": BODY_1, "published": "2016-13-45"}, "W106", "published"),
    ({"text": BODY_1, "published": 20161202}, "W106", "published"),
    ({"text": "\ud800 broken"}, "W103", "text"),
])
def test_jsonl_invalid_fields(record, code, field):
    line = json.dumps(record).encode()
    rej = _only(list(_read_jsonl([line], "in.jsonl", None)))
    assert (rej.code, rej.line) == (code, 1) and f"'{field}'" in rej.message


def test_jsonl_published_argument_is_a_fallback():
    lines = [json.dumps({"text": BODY_1}).encode() + b"\n",
             json.dumps({"text": BODY_2, "published": "2016-12-02"}).encode()]
    a, b = _read_jsonl(lines, "in.jsonl", date(2020, 5, 5))
    assert (a.published, b.published) == (date(2020, 5, 5), date(2016, 12, 2))


def test_jsonl_utf8_bom_and_utf16(tmp_path):
    rec = json.dumps({"id": "é", "text": "Le ministre a parlé à Genève."}, ensure_ascii=False)
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + rec.encode())
    (tmp_path / "u16.jsonl").write_bytes(rec.encode("utf-16"))
    out = list(iter_inputs([str(tmp_path)]))
    assert [a.doc_id for a in out] == ["é", "é"]


_FIELD_VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=20))
_RECORDS = st.dictionaries(st.sampled_from(["id", "text", "title", "published"]), _FIELD_VALUES)
_JSONL_LINES = st.one_of(st.binary(max_size=80), st.builds(lambda d: json.dumps(d).encode(), _RECORDS))


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSONL_LINES, max_size=8))
def test_jsonl_reader_never_raises(lines):
    data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]  # lines split across chunks
    for item in _read_jsonl(chunks, "fuzz.jsonl", None):
        assert isinstance(item, (Article, Rejected))
        if isinstance(item, Rejected):
            assert item.source == "fuzz.jsonl" and item.code.startswith("W10")


# --- encodings, directories, stdin -----------------------------------------------------------

@pytest.mark.parametrize(("encode", "name"), [
    (lambda s: s.encode("utf-8"), "utf8.txt"),
    (lambda s: b"\xef\xbb\xbf" + s.encode("utf-8"), "bom8.txt"),
    (lambda s: s.encode("utf-16"), "utf16.txt"),
    (lambda s: s.encode("utf-16-be").join([b"\xfe\xff", b""]), "utf16be.txt"),
])
def test_text_encodings_accepted(tmp_path, encode, name):
    path = tmp_path / name
    path.write_bytes(encode(SEED_LIKE))
    art = _only(list(iter_inputs([str(path)])))
    assert isinstance(art, Article) and art.text == SEED_LIKE and art.author == "Maria Delgado Ruiz"


def test_directory_recursion_sorted_and_filtered(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inner").mkdir()
    (tmp_path / "b" / "inner" / "z.txt").write_text(BODY_2)
    (tmp_path / "b" / "page.htm").write_text(ARTICLE_HTML)
    (tmp_path / "a.txt").write_text(BODY_1)
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": BODY_1}) + "\n")
    (tmp_path / "notes.md").write_text("ignored")
    (tmp_path / "empty.txt").write_text("")
    out = list(iter_inputs([str(tmp_path)]))
    names = [os.path.relpath(x.source_path if isinstance(x, Article) else x.source, tmp_path)
             for x in out]
    assert names == ["a.txt", "c.jsonl", "empty.txt", os.path.join("b", "page.htm"),
                     os.path.join("b", "inner", "z.txt")]
    assert isinstance(out[2], Rejected) and out[2].code == "W101"


@pytest.mark.parametrize(("data", "check"), [
    (json.dumps({"id": "s1", "text": BODY_1}) + "\n" + json.dumps({"id": "s2", "text": BODY_2}),
     lambda out: [a.doc_id for a in out] == ["s1", "s2"]),
    ("\n\n  " + json.dumps({"id": "s1", "text": BODY_1}),
     lambda out: [a.doc_id for a in out] == ["s1"]),
    (ARTICLE_HTML, lambda out: out[0].title == "Army shells border town"),
    (SEED_LIKE, lambda out: out[0].published == date(2019, 3, 4) and out[0].source_path == "<stdin>"),
    ("   \n", lambda out: out[0].code == "W101" and out[0].source == "<stdin>"),
    ("<html><body><nav>Home</nav></body></html>", lambda out: out[0].code == "W107"),
    ('{"id": "x"}', lambda out: (out[0].code, out[0].line) == ("W106", 1)),
])
@pytest.mark.parametrize("make_stream", [
    lambda d: io.BytesIO(d.encode()),
    lambda d: io.StringIO(d),
    lambda d: io.TextIOWrapper(io.BytesIO(d.encode()), encoding="utf-8"),  # like sys.stdin
], ids=["bytes", "str", "wrapper"])
def test_stdin_autodetect(data, check, make_stream):
    stream = make_stream(data)
    out = list(iter_inputs(["-"], stdin=stream))
    assert out and check(out), out


def test_stdin_binary_and_oversize():
    rej = _only(list(iter_inputs(["-"], stdin=io.BytesIO(b"abc\x00def"))))
    assert rej.code == "W102"
    rej = _only(list(iter_inputs(["-"], stdin=io.BytesIO(b"a" * (MAX_FILE_BYTES + 1)))))
    assert rej.code == "W104"


def test_batch_goes_on_after_bad_inputs(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(SEED_LIKE)
    out = list(iter_inputs([str(BAD / "binary.txt"), str(tmp_path / "nope.txt"), str(good)]))
    assert [getattr(x, "code", "ok") for x in out] == ["W102", "W108", "ok"]
