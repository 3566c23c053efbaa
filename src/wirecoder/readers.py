"""Read every input form into `Article` records; bad input becomes a `Rejected`, never a crash.

Inputs: a ``.txt`` article, an ``.html``/``.htm`` page, a ``.jsonl`` file of articles, a
directory (recursive, sorted, those extensions only) or ``-`` for stdin (auto-detected).
`iter_inputs` yields one `Article` per readable document and one `Rejected` per input that
could not be read, so a batch goes on past a bad file or a bad JSONL line.

Rejection codes (stable, documented in docs/errors.md):

====  ==========================================================
W101  empty or whitespace-only input (file, stdin, JSONL ``text``)
W102  binary data (NUL bytes or mostly control characters; a NUL in a JSONL field)
W103  not UTF-8 (message gives the byte offset, hint gives iconv; UTF-16 without a BOM)
W104  too large (file, JSONL line, article text, tags in a page; names the limit)
W105  malformed JSONL line (not JSON, or not a JSON object)
W106  missing or invalid JSONL field (names the field)
W107  no article text found in an HTML page, or a page nested too deeply to read
W108  path not found, not a regular file, unsupported extension, or a symbolic link
      found in a folder that points outside it
====  ==========================================================

HTML is bounded before it is parsed, because a parse is one C call that nothing can interrupt:
`_bound_html` counts the start tags (W104 past `MAX_HTML_TAGS`) and drops the attributes past
`MAX_HTML_ATTRIBUTES` on one element; `_parse_deep` reads pages nested deeper than libxml2's
default limit, flattening them at `MAX_HTML_DEPTH`.

Plain-text layout (`read_text`): optional blank lines, a title line, a byline ("By ..." or a
short name), a dateline ("2 December 2016"), paragraphs, then footer boilerplate. `text` is
kept exactly as read except that ``\\r\\n`` becomes ``\\n``; `body_start`/`body_end` bound the
paragraphs between header and footer. The outlet is read from the footer's copyright or contact line, the
byline's affiliation, a wire dateline's agency or a Reuters credit line (`_outlet`).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import BinaryIO, TextIO

from .dates import find_dates, parse_absolute_date
from .errors import InputError
from .schema import Article

# --- Limits -----------------------------------------------------------------------------------
# Chosen so one oversized or hostile input cannot exhaust memory or stall a batch run. A
# long-form feature is ~10-60k characters (the longest news article in our samples is ~60k);
# 1M characters is ~16x that, so anything bigger is a book, a dump or a mistake. File limits are
# checked with stat() before a byte is read; JSONL is streamed in fixed-size chunks, so memory
# stays bounded by one line.
MAX_TEXT_CHARS = 1_000_000
"""Largest article text accepted (characters, after decoding / extraction). It is also the spaCy
model's `max_length` (`nlp.load_nlp` sets it from here): the pipeline parses a whole body as one
doc, and spaCy's own default is this same 1,000,000 because its parser's memory grows with it."""
MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest .txt/.html file (or non-JSONL stdin) accepted; checked via stat() before reading."""
MAX_JSONL_LINE_BYTES = 5 * 1024 * 1024
"""Largest single JSONL line; longer lines are skipped (W104) without being held in memory."""
READ_CHUNK_BYTES = 64 * 1024
"""Chunk size for streaming JSONL and stdin."""
MAX_HTML_TAGS = 100_000
"""Most start tags in one HTML page (W104 past it). trafilatura takes 25-200 µs per element
(measured: 100k ``<br>`` in 2.3 s, 20k ``<span>`` nested 250 deep in 4.3 s), so this keeps one
page to seconds. A news page has a few thousand; 10 MiB of plain prose markup has ~45k."""
MAX_HTML_ATTRIBUTES = 256
"""Attributes kept on one HTML element; the rest are dropped before parsing (attributes are never
article text). Reading time grows with the square of one element's attributes (measured: 10k in
0.6 s, 20k in 2.9 s, 40k in 31 s); real elements carry a few dozen at most."""
MAX_HTML_DEPTH = 255
"""Elements nested deeper than this are merged into their ancestor at this depth (text kept, a
line break where a block element was). libxml2 stops reading at 256 levels by default and drops
the rest of the page, so every page within that limit is read exactly as before."""

# --- Heuristics -------------------------------------------------------------------------------
BINARY_SAMPLE_BYTES = 8192
"""How much of a file the binary sniffer looks at (the same window as git and grep use)."""
BINARY_CONTROL_RATIO = 0.10
"""Share of C0 control bytes (not tab/newline/CR/FF/VT/ESC) above which data counts as binary.
Real text in our samples has none; ASCII-art or ANSI-coloured logs stay under 2%."""
UTF16_NUL_SHARE = 0.9
"""Share of the high bytes (every other byte) of a sample that must be NUL for it to count as
UTF-16 without a byte-order mark. English and Western European text has a NUL high byte in every
character but curly quotes and dashes (a few per cent); binary data is told apart by decoding."""
MAX_TITLE_CHARS = 200
"""A one-line title must be shorter than this (longest headline in our samples: ~150)."""
MAX_BYLINE_CHARS = 80
MAX_FOOTER_PARAGRAPH_CHARS = 400
"""A trailing paragraph longer than this is never treated as boilerplate, even if it starts
with a footer marker: losing article text is worse than coding a footer."""
MIN_HTML_ARTICLE_WORDS = 8
"""trafilatura falls back to whatever text a page has (e.g. "Home About Contact" from a nav bar)
when it finds no article; fewer words than this, title excluded, means "no article" (W107).
The shortest real wire brief in our samples has ~25 words."""

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
STDIN_NAME = "<stdin>"

_BOM_UTF8 = codecs.BOM_UTF8
_BOMS_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1b") + b"\x7f"
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Rejected:
    """An input that could not be read: where it is (`source`, and `line` for JSONL), a code and
    a message with its hint. The message does not repeat the place; ``str()`` gives the one-line
    report ``[W103] path:line: message (hint)``."""

    source: str
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"[{self.code}] {where}: {self.message}"

    @classmethod
    def from_error(cls, err: InputError) -> Rejected:
        tail = f" ({err.hint})" if err.hint else ""
        return cls(source=err.source or "<input>", line=err.line, code=err.code,
                   message=f"{err.message}{tail}")


def _error(code: str, message: str, *, source: str | None, line: int | None = None,
           hint: str | None = None) -> InputError:
    err = InputError(message, source=source, line=line, hint=hint)
    err.code = code  # InputError's class code is the family (W100); readers use W101-W108
    return err


def doc_id_for(text: str) -> str:
    """Stable id for an article without one: ``sha1:`` + first 16 hex digits of sha1(UTF-8)."""
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha1:{digest[:16]}"


# --- Plain-text layout ------------------------------------------------------------------------

_NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "dos", "del", "la", "le",
                   "al", "el", "bin", "ibn", "ter", "y"}
_NAME_WORD = re.compile(r"[A-Z][\w'’.-]*$")
_BY_LINE = re.compile(r"^by\s+(\S.*)$", re.IGNORECASE)
_WEEKDAY_OR_LABEL = re.compile(
    r"^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|published|updated|posted|on|dated|[\W_])*$",
    re.IGNORECASE)
_URL_ONLY = re.compile(r"^(?:<?(?:https?://|www\.)\S+>?|[\w-]+(?:\.[\w-]+)+/\S*)$", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_FOOTER_MARKER = re.compile(
    r"^(?:to contact\b|copyright\b|©|\(c\)\s*\d{4}|all rights reserved|\((?:additional )?(?:reporting|writing) by\b|"
    r"follow us\b|read more\b|subscribe\b|sign up\b|share this\b|related( articles| stories)?:|"
    r"click here\b)",
    re.IGNORECASE)

# Where a plain-text article names its outlet. Footers: "Copyright 2025 Harbour Wire. All rights reserved.",
# "© 2025 ...", "To contact the WSWS ..."; a byline's affiliation ("By Jane Roe, Harbour Wire", "Jane Roe |
# Reuters"); an agency in a wire dateline ("BEIRUT, Dec 2 (Reuters) -").
_COPYRIGHT = re.compile(r"^(?:(?:copyright|©|\(c\))[\s:]*)+(?:\d{4}(?:\s*[-–/]\s*\d{4})?[\s,]*)?(?P<name>[^.;|]+)",
                        re.IGNORECASE)
_CONTACT = re.compile(r"^to contact (?:the )?(?P<name>.+?)(?:[,:;.]|\s+(?:and|at|on|via|visit|write|e-?mail|call)\b|$)",
                      re.IGNORECASE)
_CREDIT_LINE = re.compile(r"^\((?:additional )?(?:reporting|writing|editing) by\b", re.IGNORECASE)
# Reuters closes each story with a credit line in brackets, "(Reporting by ...; Editing by ...)"
CREDIT_LINE_OUTLET = "Reuters"
_WIRE_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]{2,40}(?:,[^\n(]{1,40}?)?\s*\((?P<name>[^)\n]{1,30})\)\s*(?:—|–|--|-|:)")
_AFFILIATION = re.compile(r"^(?P<who>.+?)(?:\s*[,|]\s*|\s+[-–—]+\s+)(?P<org>[^,|]+)$")
MAX_OUTLET_WORDS = 6
# Words outlets are named with ("Harbour Wire", "Daily Planet"): a byline's affiliation counts as an outlet when
# the outlet list knows it or its last word is one of these, since bylines also name places and job titles.
_NEWS_NOUNS = frozenset({
    "agency", "broadcasting", "bulletin", "chronicle", "courier", "daily", "dispatch", "examiner", "express",
    "gazette", "guardian", "herald", "inquirer", "journal", "magazine", "mail", "media", "mirror", "monitor",
    "network", "news", "observer", "online", "planet", "post", "press", "radio", "record", "reporter", "review",
    "service", "standard", "star", "telegraph", "television", "times", "today", "tribune", "tv", "weekly", "wire",
})
# Job titles after a byline's outlet, dropped: "Associated Press Writer", "Harbour Wire correspondent".
_BYLINE_ROLES = frozenset({"correspondent", "correspondents", "editor", "reporter", "staff", "writer", "writers"})
_CORPORATE = frozenset({"co", "corp", "gmbh", "inc", "limited", "llc", "ltd", "plc"})


@dataclass(frozen=True)
class _Line:
    start: int
    end: int  # end of content, excluding "\n"
    content: str

    @property
    def stripped(self) -> str:
        return self.content.strip()

    @property
    def blank(self) -> bool:
        return not self.content.strip()


def _lines_of(text: str) -> list[_Line]:
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def _dateline(s: str) -> date | None:
    """The date if the whole line is one day-precision date (optionally with a weekday or a
    label such as "Published"): "2 December 2016", "Friday, December 2, 2016", "2016-12-02"."""
    if not s or len(s) > 60:
        return None
    found = parse_absolute_date(s)
    if found is None or found[1] != "day":
        return None
    if _ISO_DATE.match(s):
        return found[0]
    mentions = find_dates(s, None)
    if len(mentions) != 1 or mentions[0].precision != "day":
        return None
    rest = s[:mentions[0].start] + " " + s[mentions[0].end:]
    return mentions[0].date if _WEEKDAY_OR_LABEL.match(rest.strip()) else None


def _byline(s: str) -> tuple[str, bool, str | None] | None:
    """(author, explicit, outlet) if the line is a byline; explicit means it said "By ..." or named an outlet
    after the names ("By Jane Roe, Harbour Wire", "Jane Roe | Reuters")."""
    if not s or len(s) > MAX_BYLINE_CHARS or s.endswith(".") or any(c.isdigit() for c in s):
        return None
    outlet = None
    if (m := _AFFILIATION.match(s)) and (outlet := _outlet_name(m["org"], strict=True)):
        s = m["who"]
    m = _BY_LINE.match(s)
    if m:
        author = m.group(1).strip(" ,;:-–—")
        return (author, True, outlet) if author and author[0].isalpha() else None
    # several authors: "Leila Haddad and Tom Whitcombe", "A, B and C"
    names = [n for n in re.split(r",\s*|\s+and\s+|\s*&\s*", s) if n]
    if not names or len(names) > 4:
        return None
    return (s, outlet is not None, outlet) if all(_is_name(n) for n in names) else None


def _is_name(s: str) -> bool:
    words = s.split()
    if not 2 <= len(words) <= 4:
        return False
    if not (_NAME_WORD.match(words[0]) and _NAME_WORD.match(words[-1])):
        return False
    return all(_NAME_WORD.match(w) or w.lower() in _NAME_PARTICLES for w in words)


def _title_candidate(s: str) -> bool:
    return (0 < len(s) < MAX_TITLE_CHARS and not s.endswith(".") and any(c.isalpha() for c in s)
            and not _URL_ONLY.match(s))


def _next_nonblank(lines: list[_Line], i: int) -> int:
    while i < len(lines) and lines[i].blank:
        i += 1
    return i


def _parse_header(lines: list[_Line]) -> tuple[str | None, str | None, str | None, date | None, int]:
    """(title, author, the byline's outlet, dateline date, index of the first body line); index 0 means no
    header."""
    first = _next_nonblank(lines, 0)
    if first >= len(lines):
        return None, None, None, None, 0
    title = None
    i = first
    head = lines[first].stripped
    is_header_line = _dateline(head) is not None or _byline(head) is not None
    if (not is_header_line and _title_candidate(head)
            and first + 1 < len(lines) and lines[first + 1].blank):
        title = head
        i = _next_nonblank(lines, first + 1)

    author: str | None = None
    author_explicit = False
    author_at: int | None = None
    outlet: str | None = None
    when: date | None = None
    while i < len(lines):
        s = lines[i].stripped
        found_date = _dateline(s) if when is None else None
        if found_date is not None:
            when = found_date
        elif author is None and (by := _byline(s)) is not None:
            author, author_explicit, outlet = by
            author_at = i
        else:
            break
        i = _next_nonblank(lines, i + 1)
    if author is not None and not author_explicit and when is None:
        # A bare name with no dateline is too likely a section heading; stop the header there.
        author, i = None, author_at if author_at is not None else i
    if i >= len(lines):  # nothing but header: not a layout we recognise
        return None, None, None, None, 0
    if title is None and author is None and when is None:
        return None, None, None, None, 0
    return title, author, outlet, when, i


def _footer_start(lines: list[_Line], body_line: int) -> int | None:
    """Index of the first footer line, or None when the text has no footer boilerplate."""
    paragraphs: list[tuple[int, int]] = []  # [first, last] line indexes, blank-line separated
    i = body_line
    while i < len(lines):
        if lines[i].blank:
            i += 1
            continue
        j = i
        while j + 1 < len(lines) and not lines[j + 1].blank:
            j += 1
        paragraphs.append((i, j))
        i = j + 1
    cut: int | None = None
    for first, last in reversed(paragraphs):
        block = [ln.stripped for ln in lines[first:last + 1]]
        size = sum(len(b) for b in block)
        if size <= MAX_FOOTER_PARAGRAPH_CHARS and (
                _FOOTER_MARKER.match(block[0]) or all(_URL_ONLY.match(b) for b in block)):
            cut = first
            continue
        # Footer lines glued to the last paragraph ("...end of story.\nCopyright 2016 ...").
        for k in range(first + 1, last + 1):
            tail = [ln.stripped for ln in lines[k:last + 1]]
            if _FOOTER_MARKER.match(tail[0]) and sum(len(t) for t in tail) <= MAX_FOOTER_PARAGRAPH_CHARS:
                cut = k
                break
        break
    if cut is not None and paragraphs and cut <= paragraphs[0][0]:
        return None  # everything is "boilerplate": keep it rather than code nothing
    return cut


def read_text(text: str, *, doc_id: str | None = None, source: str | None = None,
              published: date | None = None) -> Article:
    """Build an `Article` from plain text, detecting title, byline, dateline and footer.

    Never raises: validation (empty, too large) happens where input is read. A detected
    dateline wins over `published`, which fills in when the text has none.
    """
    text = text.replace("\r\n", "\n")
    lines = _lines_of(text)
    title, author, byline_outlet, when, body_line = _parse_header(lines)
    body_start = lines[body_line].start if body_line else 0
    footer = _footer_start(lines, body_line)
    end = lines[footer].start if footer is not None else len(text)
    body_end = max(body_start, len(text[:end].rstrip()))
    return Article(doc_id=doc_id or doc_id_for(text), text=text, title=title, author=author,
                   published=when or published, url=None,
                   outlet=_outlet(lines, body_line, footer, byline_outlet), source_path=source,
                   body_start=body_start, body_end=body_end)


# --- Outlet of a plain-text article -------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _outlet_name(phrase: str, *, strict: bool = False) -> str | None:
    """The outlet `phrase` names, as written, or None. A capitalised name of a few words; `strict` (a byline's
    affiliation) also wants one the outlet list knows or one ending in a news noun. Job titles and company
    suffixes are dropped ("Associated Press Writer", "Planet Media Ltd"); an acronym the list knows is written in
    capitals ("WSWs": WSWS)."""
    from .context import media_outlets  # data/media_outlets.txt; context is imported only when needed

    words = phrase.replace("\n", " ").strip(" ,;:-–—").split()
    while words and (words[-1].lower().strip(".") in _BYLINE_ROLES | _CORPORATE or words[-1].isdigit()):
        words.pop()
    if not words or len(words) > MAX_OUTLET_WORDS or not words[0][:1].isupper():
        return None
    if not all(w[:1].isupper() or w.lower() in _NAME_PARTICLES or w in ("of", "the", "&", "and") for w in words):
        return None
    name = " ".join(words)
    low = name.lower()
    known = media_outlets()
    if low in known or low.removeprefix("the ") in known:
        acronym = len(words) == 1 and sum(c.isupper() for c in name) > 1
        return name.upper() if acronym else name
    return None if strict and low.rsplit(" ", 1)[-1] not in _NEWS_NOUNS else name


def _paragraphs(lines: list[_Line]) -> list[list[str]]:
    """The blank-line separated paragraphs of `lines`, as their stripped lines."""
    out, current = [], []
    for line in [*lines, _Line(0, 0, "")]:
        if not line.blank:
            current.append(line.stripped)
        elif current:
            out.append(current)
            current = []
    return out


def _outlet(lines: list[_Line], body_line: int, footer: int | None, byline: str | None) -> str | None:
    """The outlet a plain-text article names, from the strongest sign down: its footer's copyright holder or
    contact, its byline's affiliation, the agency in its dateline, a Reuters credit line."""
    tail = lines[footer:] if footer is not None else []
    first = _next_nonblank(lines, body_line)
    return (_footer_outlet(tail) or byline or (_dateline_outlet(lines[first].stripped) if first < len(lines) else None)
            or _credit_outlet(tail))


def _footer_outlet(footer: list[_Line]) -> str | None:
    """The outlet a footer names: the holder of its copyright (a line), or whom to contact (a paragraph, which
    may be broken over lines)."""
    for paragraph in _paragraphs(footer):
        for m in (_COPYRIGHT.match(paragraph[0]), _CONTACT.match(" ".join(paragraph))):
            name = m and _outlet_name(re.split(r"all rights reserved", m["name"], flags=re.IGNORECASE)[0])
            if name:
                return name
    return None


def _credit_outlet(footer: list[_Line]) -> str | None:
    return CREDIT_LINE_OUTLET if any(_CREDIT_LINE.match(p[0]) for p in _paragraphs(footer)) else None


def _dateline_outlet(first_line: str) -> str | None:
    """The agency in a wire dateline: "BEIRUT, Dec 2 (Reuters) -", "NAIROBI (Harbour Wire) —"."""
    m = _WIRE_DATELINE.match(first_line)
    return _outlet_name(m["name"], strict=True) if m else None


# --- HTML -------------------------------------------------------------------------------------

def _meta_date(value: str | None) -> date | None:
    found = parse_absolute_date(value) if value else None
    return found[0] if found and found[1] == "day" else None


# An HTML5 start tag and its attributes, read the way a browser (and libxml2 >= 2.14) splits
# them: a name runs to whitespace, "/", ">" or "="; a value is quoted or runs to whitespace or ">".
# Every part is a run of one character class, so a scan is linear in the length of the page.
_HTML_SPACE = "\t\n\f\r "
_HTML_ATTRIBUTE = (f"(?:[{_HTML_SPACE}/]*[^{_HTML_SPACE}/>][^{_HTML_SPACE}/>=]*"
                   f"(?:[{_HTML_SPACE}]*=[{_HTML_SPACE}]*(?:\"[^\"]*\"|'[^']*'|[^{_HTML_SPACE}>]*))?)")
_HTML_START_TAG = re.compile(
    f"<[A-Za-z][^{_HTML_SPACE}/>]*{_HTML_ATTRIBUTE}{{0,{MAX_HTML_ATTRIBUTES}}}")
# Bounded repeats: the regex engine keeps state for each repetition, so one unbounded match over a
# tag of a million attributes would take gigabytes.
_HTML_MORE_ATTRIBUTES = re.compile(f"{_HTML_ATTRIBUTE}{{1,{MAX_HTML_ATTRIBUTES}}}")
_NO_TEXT_TAGS = frozenset({"script", "style", "template"})


def _bound_html(html: str, source: str | None) -> str:
    """`html` with at most `MAX_HTML_ATTRIBUTES` attributes on each element. Raises W104 when the
    page has more than `MAX_HTML_TAGS` start tags."""
    pieces: list[str] = []
    pos = kept = tags = 0
    while (tag := _HTML_START_TAG.search(html, pos)) is not None:
        tags += 1
        if tags > MAX_HTML_TAGS:
            raise _error("W104", f"HTML page has more than {MAX_HTML_TAGS:,} tags (MAX_HTML_TAGS)",
                         source=source, hint="save the article's text as .txt and code that")
        pos = end = tag.end()
        while (more := _HTML_MORE_ATTRIBUTES.match(html, end)) is not None and more.end() > end:
            end = more.end()
        if end > pos:  # attributes past the cap: drop them
            pieces.append(html[kept:pos])
            kept = pos = end
    if not pieces:
        return html
    pieces.append(html[kept:])
    return "".join(pieces)


def _at_depth(depth: int) -> str:
    """XPath, from the root element (depth 1), to the elements at `depth`."""
    return "/".join(["*"] * (depth - 1))


def _flatten(root, depth: int) -> None:
    """Merge every element nested deeper than `depth` into its ancestor at `depth`: the text stays
    (not that of scripts or styles), with a ``<br>`` where a block element began or ended."""
    from lxml.etree import SubElement, iterwalk
    from lxml.html.defs import block_tags

    for top in root.xpath(_at_depth(depth)):
        if not len(top):
            continue
        lines: list[str] = []
        line = [top.text or ""]
        for event, element in iterwalk(top, events=("start", "end")):
            if element is top:
                continue
            tag = element.tag if isinstance(element.tag, str) else ""  # comments have no tag
            breaks = tag in block_tags or (tag == "br" and event == "start")
            if breaks:
                lines.append("".join(line))
                line = []
            if event == "end":
                line.append(element.tail or "")
            elif tag and tag not in _NO_TEXT_TAGS:
                line.append(element.text or "")
        lines.append("".join(line))
        del top[:]
        top.text = lines[0]
        for text in lines[1:]:
            if text.strip():
                SubElement(top, "br").tail = text


def _parse_deep(html: str, source: str | None):
    """Parse a page nested deeper than libxml2's default limit: trafilatura's repairs and parser
    settings with deep trees allowed, then flattened at `MAX_HTML_DEPTH`. Raises W107 past the
    deeper limit of that mode (2048 in libxml2 2.14), where libxml2 drops the rest of the page."""
    from lxml.html import HTMLParser, fromstring
    from trafilatura.utils import repair_faulty_html

    parser = HTMLParser(huge_tree=True, collect_ids=False, default_doctype=False, encoding="utf-8",
                        remove_comments=True, remove_pis=True)
    repaired = repair_faulty_html(html, html[:50].lower())
    tree = fromstring(repaired.encode("utf-8", "surrogatepass"), parser=parser)
    for err in parser.error_log:
        if err.type_name == "ERR_RESOURCE_LIMIT":
            limit = re.search(r"\d+", err.message)
            deep = f"more than {int(limit.group()):,} elements deep" if limit else "too deeply"
            raise _error("W107", f"HTML elements are nested {deep}; the rest of the page cannot "
                         "be read", source=source,
                         hint="the page's markup is broken (unclosed tags?); save its text as .txt")
    root = tree.getroottree().getroot()
    _flatten(root, MAX_HTML_DEPTH)
    return root


def read_html(html: str, *, doc_id: str | None = None, source: str | None = None,
              published: date | None = None) -> Article:
    """Extract the main article from an HTML page with trafilatura.

    `text` is the title line (when trafilatura's text starts with it) and the paragraphs,
    separated by blank lines; `body_start` skips the title. Raises `InputError`: W107 when the
    page has no article text or is nested too deeply to read, W104 when it has too many tags
    or the extracted text is too large.
    """
    import trafilatura  # heavy import, only needed for HTML input
    from lxml.etree import LxmlError

    html = _bound_html(html, source)
    try:
        tree = trafilatura.load_html(html)
        deep = None
        if tree is not None and tree.getroottree().getroot().xpath(
                f"boolean({_at_depth(MAX_HTML_DEPTH + 1)})"):
            deep = _parse_deep(html, source)  # libxml2 may have stopped at its depth limit
        # the page parsed once: trafilatura takes the tree as it would have parsed it from the text
        doc = trafilatura.bare_extraction(
            deep if deep is not None else tree if tree is not None else html, with_metadata=True,
            include_comments=False, include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except (LxmlError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise _error("W107", f"HTML could not be parsed ({type(exc).__name__}: {exc})",
                     source=source, hint="check that the file is an HTML page") from exc
    body = (doc.text or "") if doc is not None else ""
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    title = (doc.title or "").strip() or None if doc is not None else None
    body_first = 1 if paragraphs and title and paragraphs[0] == title else 0
    words = sum(len(p.split()) for p in paragraphs[body_first:])
    if words < MIN_HTML_ARTICLE_WORDS:
        raise _error("W107", "no article text found in the HTML page", source=source,
                     hint="is this an index or navigation page? pass article pages only")
    text = "\n\n".join(paragraphs)
    if len(text) > MAX_TEXT_CHARS:
        raise _too_large_text(len(text), source)
    body_start = len(paragraphs[0]) + 2 if body_first else 0
    return Article(
        doc_id=doc_id or doc_id_for(text), text=text, title=title,
        author=(doc.author or "").strip() or None,
        published=_meta_date(doc.date) or published,
        url=(doc.url or "").strip() or None, outlet=(doc.sitename or "").strip() or None,
        source_path=source, body_start=body_start, body_end=len(text))


# --- Bytes -> str -----------------------------------------------------------------------------

def _too_large_text(n: int, source: str | None, line: int | None = None) -> InputError:
    return _error("W104", f"article text is {n:,} characters; the limit is {MAX_TEXT_CHARS:,} "
                  "(MAX_TEXT_CHARS)", source=source, line=line, hint="split the document")


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    if not sample:
        return False
    controls = sum(sample.count(bytes([b])) for b in _CONTROL_BYTES)
    return controls / len(sample) > BINARY_CONTROL_RATIO


def _utf16_without_bom(sample: bytes) -> str | None:
    """"utf-16le" or "utf-16be" when `sample` reads as UTF-16 text without a byte-order mark (a
    NUL in nearly every other byte, and text, not binary, once decoded so); else None."""
    sample = sample[:len(sample) // 2 * 2]
    for encoding, high in (("utf-16le", sample[1::2]), ("utf-16be", sample[0::2])):
        if high and high.count(0) >= UTF16_NUL_SHARE * len(high):
            text = sample.decode(encoding, "replace")
            if not _looks_binary(text.encode("utf-8", "surrogatepass")):
                return encoding
    return None


def _not_text(data: bytes, source: str, kind: str, hint: str) -> InputError:
    """The error for data with NUL bytes: W103 when it looks like UTF-16 without a byte-order
    mark, else W102 (binary)."""
    encoding = _utf16_without_bom(data[:BINARY_SAMPLE_BYTES])
    if encoding is None:
        return _error("W102", f"looks like binary data, not {kind}", source=source, hint=hint)
    name = source if source != STDIN_NAME else "FILE"
    return _error("W103", f"not UTF-8: a NUL in every other byte, as in {encoding.upper()}",
                  source=source, hint=f"this looks like UTF-16 without a byte-order mark: "
                                      f"iconv -f {encoding} -t utf-8 {name} > out.txt")


def _encoding_error(exc: UnicodeDecodeError, data: bytes, base: int, encoding: str, *,
                    source: str, line: int | None = None, line_offset: int = 0) -> InputError:
    offset = line_offset + base + exc.start
    bad = data[base + exc.start:base + exc.start + 1].hex()
    where = f"byte 0x{bad} at byte offset {offset}" if bad else f"byte offset {offset}"
    if line is None:
        text_line = data.count(b"\n", 0, base + exc.start) + 1
        where += f" (line {text_line})"
    guess = "windows-1252" if encoding == "utf-8" else encoding
    name = source if source != STDIN_NAME else "FILE"
    return _error("W103", f"not valid {encoding.upper()}: {where}", source=source, line=line,
                  hint=f"convert it first, e.g. iconv -f {guess} -t utf-8 {name} > out.txt; "
                       "put the file's real encoding after -f")


def _decode(data: bytes, source: str) -> str:
    """Decode a whole document: UTF-8 (BOM optional) or UTF-16 with a BOM."""
    if data.startswith(_BOMS_UTF16):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _encoding_error(exc, data, 0, "utf-16", source=source) from exc
    base = 3 if data.startswith(_BOM_UTF8) else 0
    if b"\x00" in data or _looks_binary(data[base:base + BINARY_SAMPLE_BYTES]):
        raise _not_text(data, source, "text", "pass .txt, .html or .jsonl files in UTF-8")
    try:
        return data[base:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(exc, data, base, "utf-8", source=source) from exc


def _document(data: bytes, source: str, kind: str, published: date | None) -> Article:
    text = _decode(data, source)
    if not text.strip():
        raise _error("W101", "input is empty or whitespace only", source=source)
    if kind == "html":
        return read_html(text, source=source, published=published)
    if len(text) > MAX_TEXT_CHARS:
        raise _too_large_text(len(text), source)
    return read_text(text, source=source, published=published)


def _file_too_large(size: int, source: str) -> InputError:
    return _error("W104", f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes "
                  "(MAX_FILE_BYTES)", source=source,
                  hint="split it, or convert it to JSONL (one article per line)")


# --- JSONL ------------------------------------------------------------------------------------

def _split_lines(chunks: Iterable[bytes], limit: int) -> Iterator[tuple[int, int, bytes | None]]:
    """(line number, byte offset, line bytes or None if longer than `limit`); bounded memory."""
    buf = bytearray()
    lineno, offset, length, overlong = 1, 0, 0, False
    for chunk in chunks:
        pos = 0
        while pos <= len(chunk):
            nl = chunk.find(b"\n", pos)
            piece = chunk[pos:] if nl < 0 else chunk[pos:nl]
            length += len(piece)
            if not overlong:
                buf += piece
                if len(buf) > limit:
                    overlong = True
                    buf.clear()
            if nl < 0:
                break
            yield lineno, offset, None if overlong else bytes(buf)
            lineno, offset = lineno + 1, offset + length + 1
            length, overlong = 0, False
            buf.clear()
            pos = nl + 1
    if length or overlong:
        yield lineno, offset, None if overlong else bytes(buf)


def _check_chars(value: str, key: str, source: str, line: int) -> str:
    """`value` if it holds only characters of text: no NUL (W102), no lone surrogate (W103)."""
    if "\x00" in value:
        raise _error("W102", f"field {key!r} contains a NUL character (\\u0000)", source=source,
                     line=line, hint="NUL is never text; remove it from the field")
    if _SURROGATE.search(value):
        raise _error("W103", f"field {key!r} contains an unpaired UTF-16 surrogate escape",
                     source=source, line=line)
    return value


def _optional_str(record: dict, key: str, source: str, line: int) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _error("W106", f"field {key!r} must be a string, not {type(value).__name__}",
                     source=source, line=line)
    return _check_chars(value, key, source, line).strip() or None


def _record_date(value: str, source: str, line: int) -> date:
    when = _dateline(value.strip())
    if when is None:
        raise _error("W106", f"field 'published' is not a date: {value[:40]!r}", source=source,
                     line=line, hint="use YYYY-MM-DD or an ISO 8601 timestamp")
    return when


_JSON_TYPES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _record(raw: bytes, line: int, offset: int, source: str, published: date | None) -> Article:
    base = 3 if line == 1 and raw.startswith(_BOM_UTF8) else 0
    try:
        decoded = raw[base:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _encoding_error(exc, raw, base, "utf-8", source=source, line=line,
                              line_offset=offset) from exc
    try:
        record = json.loads(decoded)
    except (ValueError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise _error("W105", f"not valid JSON ({detail})", source=source, line=line,
                     hint="each line must be one JSON object") from exc
    if not isinstance(record, dict):
        raise _error("W105", f"a JSON {_JSON_TYPES.get(type(record), 'value')} where an object "
                     "was expected",
                     source=source, line=line, hint='each line must look like {"id": ..., "text": ...}')
    text = record.get("text")
    if text is None:
        raise _error("W106", "field 'text' is missing", source=source, line=line)
    if not isinstance(text, str):
        raise _error("W106", f"field 'text' must be a string, not {type(text).__name__}",
                     source=source, line=line)
    if not text.strip():
        raise _error("W101", "field 'text' is empty", source=source, line=line)
    if len(text) > MAX_TEXT_CHARS:
        raise _too_large_text(len(text), source, line)
    _check_chars(text, "text", source, line)
    doc_id = record.get("id")
    if doc_id is not None and (not isinstance(doc_id, str) or not doc_id.strip()):
        raise _error("W106", "field 'id' must be a non-empty string", source=source, line=line)
    if doc_id is not None:
        _check_chars(doc_id, "id", source, line)
    fields = {key: _optional_str(record, key, source, line)
              for key in ("title", "url", "outlet", "author", "published")}
    when = _record_date(fields["published"], source, line) if fields["published"] else None
    article = read_text(text, doc_id=doc_id, source=source, published=published)
    return replace(article, title=fields["title"] or article.title,
                   author=fields["author"] or article.author, published=when or article.published,
                   url=fields["url"], outlet=fields["outlet"])


def _utf16_to_utf8(chunks: Iterable[bytes], failed: list[UnicodeDecodeError]) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder("utf-16")()
    try:
        for chunk in chunks:
            yield decoder.decode(chunk).encode("utf-8", "surrogatepass")
        yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        failed.append(exc)


def _read_jsonl(chunks: Iterable[bytes], source: str,
                published: date | None) -> Iterator[Article | Rejected]:
    chunks = iter(chunks)
    head = next(chunks, b"")
    failed: list[UnicodeDecodeError] = []
    stream: Iterable[bytes] = _chain(head, chunks)
    if head.startswith(_BOMS_UTF16):
        stream = _utf16_to_utf8(stream, failed)
    elif b"\x00" in head[:BINARY_SAMPLE_BYTES]:
        yield Rejected.from_error(_not_text(head, source, "JSONL", "pass JSONL in UTF-8"))
        return
    seen = False
    for line, offset, raw in _split_lines(stream, MAX_JSONL_LINE_BYTES):
        if raw is None:
            seen = True
            yield Rejected.from_error(_error(
                "W104", f"line is longer than {MAX_JSONL_LINE_BYTES:,} bytes "
                "(MAX_JSONL_LINE_BYTES)", source=source, line=line))
            continue
        if not raw.strip(b" \t\r\n\x0b\x0c") or (line == 1 and raw.strip() == _BOM_UTF8):
            continue
        seen = True
        try:
            yield _record(raw, line, offset, source, published)
        except InputError as err:
            yield Rejected.from_error(err)
    if failed:
        yield Rejected.from_error(_error("W103", f"not valid UTF-16 ({failed[0].reason}); "
                                         "the rest of the file was skipped", source=source,
                                         hint="convert it: iconv -f utf-16 -t utf-8"))
    elif not seen:
        yield Rejected.from_error(_error("W101", "input is empty or whitespace only",
                                         source=source))


# --- Files, directories, stdin ----------------------------------------------------------------

def _chain(head: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    if head:
        yield head
    yield from rest


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while chunk := fh.read(READ_CHUNK_BYTES):
            yield chunk


def _read_path(path: str, published: date | None) -> Iterator[Article | Rejected]:
    suffix = os.path.splitext(path)[1].lower()
    try:
        st = os.stat(path)
    except OSError as exc:
        yield Rejected.from_error(_error("W108", f"cannot read: {exc.strerror or exc}",
                                         source=path, hint="check the path"))
        return
    if not os.path.isfile(path):
        yield Rejected.from_error(_error("W108", "not a regular file", source=path))
        return
    if suffix not in SUPPORTED_SUFFIXES:
        yield Rejected.from_error(_error(
            "W108", f"unsupported file type {suffix or '(no extension)'!r}", source=path,
            hint=f"use one of {', '.join(SUPPORTED_SUFFIXES)}, a directory, or '-' for stdin"))
        return
    try:
        if suffix == ".jsonl":
            yield from _read_jsonl(_file_chunks(path), path, published)
            return
        if st.st_size > MAX_FILE_BYTES:
            yield Rejected.from_error(_file_too_large(st.st_size, path))
            return
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat()
    except OSError as exc:
        yield Rejected.from_error(_error("W108", f"cannot read: {exc.strerror or exc}",
                                         source=path))
        return
    if len(data) > MAX_FILE_BYTES:
        yield Rejected.from_error(_file_too_large(len(data), path))
        return
    kind = "html" if suffix in (".html", ".htm") else "text"
    try:
        yield _document(data, path, kind, published)
    except InputError as err:
        yield Rejected.from_error(err)


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _outside_link(path: str, kind: str) -> Rejected:
    return Rejected.from_error(_error(
        "W108", f"symbolic link to a {kind} outside the folder ({os.path.realpath(path)})",
        source=path, hint="name it explicitly to code it"))


def _unreadable_folder(err: OSError, directory: str) -> Rejected:
    return Rejected.from_error(_error("W108", f"cannot read the folder: {err.strerror or err}",
                                      source=err.filename or directory, hint="check its permissions"))


def _walk(directory: str) -> Iterator[str | Rejected]:
    """Supported files under `directory`, recursively, in sorted order.

    Symbolic links are not followed out of the folder: one that points outside is a W108
    rejection (a path named on the command line may be a link). One that points inside is read
    only if its target would not be read under its own name anyway.
    """
    folder = os.path.realpath(directory)
    unreadable: list[OSError] = []
    for root, dirs, files in os.walk(directory, onerror=unreadable.append):
        while unreadable:  # a folder os.walk could not list: say so rather than skip it
            err = unreadable.pop(0)
            yield _unreadable_folder(err, directory)
        dirs.sort()
        for name in sorted(files):
            if os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
                continue
            path = os.path.join(root, name)
            if not os.path.islink(path):
                yield path
                continue
            target = os.path.realpath(path)
            if not _inside(target, folder):
                yield _outside_link(path, "file")
            elif not (os.path.isfile(target)
                      and os.path.splitext(target)[1].lower() in SUPPORTED_SUFFIXES):
                yield path  # the walk does not read the target itself
        for name in dirs:  # os.walk lists linked folders but does not go into them
            path = os.path.join(root, name)
            if os.path.islink(path) and not _inside(os.path.realpath(path), folder):
                yield _outside_link(path, "folder")
    for err in unreadable:
        yield _unreadable_folder(err, directory)


def _stream_chunks(stream: TextIO | BinaryIO) -> Iterator[bytes]:
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        stream = binary
    read: Callable[[int], str | bytes] = stream.read
    while chunk := read(READ_CHUNK_BYTES):
        yield chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "surrogatepass")


def _first_char(head: bytes) -> str | None:
    """The first non-blank character of the data so far, or None if there is none yet."""
    if head.startswith(_BOMS_UTF16):
        text = head[:4096].decode("utf-16", "ignore")
    else:
        text = head.removeprefix(_BOM_UTF8)[:4096].decode("utf-8", "ignore")
    stripped = text.lstrip()
    return stripped[0] if stripped else None


def _read_stdin(stream: TextIO | BinaryIO, published: date | None) -> Iterator[Article | Rejected]:
    chunks = _stream_chunks(stream)
    head = b""
    while _first_char(head) is None and len(head) <= MAX_FILE_BYTES:
        chunk = next(chunks, None)
        if chunk is None:
            break
        head += chunk
    first = _first_char(head)
    if first == "{":
        yield from _read_jsonl(_chain(head, chunks), STDIN_NAME, published)
        return
    data = bytearray(head)
    for chunk in chunks:
        data += chunk
        if len(data) > MAX_FILE_BYTES:
            yield Rejected.from_error(_error(
                "W104", f"stdin is over {MAX_FILE_BYTES:,} bytes (MAX_FILE_BYTES)",
                source=STDIN_NAME, hint="pipe JSONL (one article per line) for big inputs"))
            return
    kind = "html" if first == "<" else "text"
    try:
        yield _document(bytes(data), STDIN_NAME, kind, published)
    except InputError as err:
        yield Rejected.from_error(err)


def iter_inputs(paths: Sequence[str], *, published: date | None = None,
                stdin: TextIO | BinaryIO | None = None) -> Iterator[Article | Rejected]:
    """Yield an `Article` or a `Rejected` for every document named by `paths`.

    Each PATH is a .txt, .html/.htm or .jsonl file, a directory (recursive, sorted, those
    extensions only) or "-" for stdin (JSONL if the first non-blank character is "{", HTML if
    "<", else plain text). `published` is the publication date for documents that carry
    none; a date in the input (JSONL field, dateline, HTML metadata) wins. Never raises on
    bad input.
    """
    for path in paths:
        if path == "-":
            yield from _read_stdin(stdin if stdin is not None else sys.stdin, published)
        elif os.path.isdir(path):
            for found in _walk(path):
                if isinstance(found, Rejected):
                    yield found
                else:
                    yield from _read_path(found, published)
        else:
            yield from _read_path(path, published)
