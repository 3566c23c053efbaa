"""The bundled examples (examples/) are well-formed inputs that `make demo` can code.

Cheap checks only: encoding, layout, JSONL fields, the pinned seed hash, and that
examples/NOTICE.md accounts for every file. No spaCy model needed.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

SEED_NAME = "000_5803871372006973.txt"
SEED_SHA256 = "081d2405f8ad96cd89657ee467140c4b03dd418ec941e353d8f6307523b5fa15"
JSONL_FIELDS = ("id", "text", "title", "published", "url", "outlet")
# Written-for-wirecoder articles are 300-700 words (title and footer included).
MIN_WORDS, MAX_WORDS = 300, 700
DATE_LINE = re.compile(
    r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{4}$"
)
FOOTER = re.compile(r"All rights reserved\.|Follow us on|To contact", re.IGNORECASE)

ALL_FILES = sorted(p for p in EXAMPLES.iterdir() if p.is_file() and not p.name.startswith("."))
TXT_FILES = [p for p in ALL_FILES if p.suffix == ".txt"]
WRITTEN_TXT = [p for p in TXT_FILES if p.name != SEED_NAME]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_examples_present() -> None:
    assert (EXAMPLES / SEED_NAME).is_file()
    assert len(WRITTEN_TXT) >= 5, "expected at least five written example articles"
    for name in ("articles.jsonl", "page.html", "NOTICE.md"):
        assert (EXAMPLES / name).is_file(), f"examples/{name} is missing"


@pytest.mark.parametrize("path", ALL_FILES, ids=_ids(ALL_FILES))
def test_utf8_and_non_empty(path: Path) -> None:
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # raises UnicodeDecodeError if not UTF-8
    assert text.strip(), f"{path.name} is empty"
    assert "\x00" not in text
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a UTF-8 BOM"


def test_seed_sha256_is_pinned() -> None:
    digest = hashlib.sha256((EXAMPLES / SEED_NAME).read_bytes()).hexdigest()
    assert digest == SEED_SHA256, "examples/ seed differs from the pinned copy of shared/seeds"


@pytest.mark.parametrize("path", WRITTEN_TXT, ids=_ids(WRITTEN_TXT))
def test_written_article_layout(path: Path) -> None:
    """Same layout as the seed: title, byline, date line, paragraphs, footer boilerplate."""
    raw = path.read_bytes()
    assert b"\r" not in raw, f"{path.name} has CR line endings"
    text = raw.decode("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    title, byline, dateline = lines[0], lines[1], lines[2]
    assert 20 <= len(title) <= 140, f"title line looks wrong: {title!r}"
    assert byline and not DATE_LINE.match(byline), f"byline looks wrong: {byline!r}"
    assert DATE_LINE.match(dateline), f"third non-blank line is not a date like '14 March 2019': {dateline!r}"
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert len(paragraphs) >= 8, f"{path.name} has only {len(paragraphs)} blocks"
    assert FOOTER.search("\n".join(lines[-3:])), f"{path.name} has no footer boilerplate"
    words = len(text.split())
    assert MIN_WORDS <= words <= MAX_WORDS, f"{path.name} has {words} words"


def _jsonl_records() -> list[tuple[int, dict]]:
    out = []
    with (EXAMPLES / "articles.jsonl").open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            assert line.strip(), f"articles.jsonl:{lineno}: blank line"
            out.append((lineno, json.loads(line)))
    return out


def test_jsonl_lines_parse_with_required_fields() -> None:
    records = _jsonl_records()
    assert len(records) >= 3
    for lineno, rec in records:
        assert isinstance(rec, dict), f"articles.jsonl:{lineno}: not an object"
        for name in JSONL_FIELDS:
            value = rec.get(name)
            assert isinstance(value, str) and value.strip(), f"articles.jsonl:{lineno}: field {name!r}"
        date.fromisoformat(rec["published"])
        assert rec["url"].startswith(("http://", "https://")), f"articles.jsonl:{lineno}: url"
    ids = [rec["id"] for _, rec in records]
    assert len(ids) == len(set(ids)), "articles.jsonl: duplicate ids"


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.time_datetime: list[str] = []
        self.in_h1 = False
        self.h1 = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "time":
            self.time_datetime += [v for k, v in attrs if k == "datetime" and v]
        if tag == "h1":
            self.in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self.in_h1 = False

    def handle_data(self, data: str) -> None:
        if self.in_h1:
            self.h1 += data


def test_html_page_structure() -> None:
    parser = _PageParser()
    parser.feed((EXAMPLES / "page.html").read_text(encoding="utf-8"))
    for tag in ("nav", "header", "article", "h1", "time", "aside", "footer"):
        assert tag in parser.tags, f"page.html has no <{tag}>"
    assert parser.tags.count("p") >= 6
    assert parser.h1.strip()
    assert parser.time_datetime, "page.html: <time> without a datetime attribute"
    date.fromisoformat(parser.time_datetime[0][:10])


def test_notice_accounts_for_every_file() -> None:
    notice = (EXAMPLES / "NOTICE.md").read_text(encoding="utf-8")
    missing = [p.name for p in ALL_FILES if p.name != "NOTICE.md" and f"`{p.name}`" not in notice]
    assert not missing, f"examples/NOTICE.md does not mention: {missing}"
    assert "CC0" in notice and "wsws.org" in notice
