"""PETRARCH-2 dictionaries: typed records and line-numbered parsers.

Reads the five dictionary kinds described in docs/petrarch.md (format reference: PETRARCH-2's
``dictionaries.rst``): verb patterns with synsets, actors with date-ranged codes, agents with
substitution markers and plurals, discards, and issues. Both the TABARI-style patterns of the
``PETR.Validate.verbs.txt`` test dictionary (``- SAID $ * [113]``) and the phrase-marked patterns of
``CAMEO.2.0.txt`` (``- * {FINANCIAL AID} (TO +) [071]``) are read into one `VerbPattern` form: a
sequence of items before the verb and one after it.

Every parse error is a `DataFileError` naming the file and line.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import DataFileError

VOWELS = frozenset("AEIOU")
NULL_CODE = "---"

# -- typed records ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternItem:
    """One element of a verb pattern.

    kind: ``word`` (value is an upper-case word), ``synset`` (value is ``&NAME``), ``source`` (``$``),
    ``target`` (``+``), ``compound`` (``%``) or ``skip`` (``^``). ``joined`` is True when the item is
    tied to the next one (or to the verb) by ``_``: the words must then be consecutive.
    """

    kind: str
    value: str = ""
    joined: bool = False


@dataclass(frozen=True)
class VerbPattern:
    pre: tuple[PatternItem, ...]
    post: tuple[PatternItem, ...]
    code: str
    text: str
    source: str
    line: int
    order: int  # position in the file: earlier wins among equally specific patterns
    verb_joined: bool = False  # ``*_OUT``: the first item after the verb must follow it directly

    @property
    def weight(self) -> int:
        return sum(1 for item in (*self.pre, *self.post) if item.kind != "skip")


@dataclass(frozen=True)
class VerbForm:
    """A surface form of a verb: the verb word plus words that must stand right before/after it."""

    before: tuple[str, ...]
    word: str
    after: tuple[str, ...]


@dataclass(frozen=True)
class VerbEntry:
    lemma: str
    forms: tuple[VerbForm, ...]
    code: str | None  # the verb's own code; None means the block's code
    source: str
    line: int


@dataclass(frozen=True)
class VerbBlock:
    name: str
    code: str
    verbs: tuple[VerbEntry, ...]
    patterns: tuple[VerbPattern, ...]
    source: str
    line: int


@dataclass(frozen=True)
class Transformation:
    """A ``~`` verb-verb transformation line, kept verbatim (not applied by the spaCy coder)."""

    text: str
    source: str
    line: int


@dataclass(frozen=True)
class DateRestriction:
    code: str
    start: date | None  # inclusive
    end: date | None  # inclusive
    line: int

    def applies(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class ActorEntry:
    phrases: tuple[tuple[str, ...], ...]
    default: str | None
    restrictions: tuple[DateRestriction, ...]
    source: str
    line: int

    def code_on(self, day: date | None) -> str | None:
        """The first date restriction that covers `day` wins; otherwise the default code."""
        if day is not None:
            for r in self.restrictions:
                if r.applies(day):
                    return r.code
        if self.default is not None:
            return self.default
        undated = [r for r in self.restrictions if r.start is None and r.end is None]
        return undated[0].code if undated else None


@dataclass(frozen=True)
class AgentEntry:
    phrase: tuple[str, ...]
    code: str
    prefix: bool  # ``NGO~``: the code goes before the actor code
    source: str
    line: int


@dataclass(frozen=True)
class DiscardEntry:
    phrase: str
    story: bool
    exact: bool  # ends with ``_``: the match must end at a word boundary
    source: str
    line: int


@dataclass(frozen=True)
class IssueEntry:
    phrases: tuple[str, ...]
    code: str | None  # None for an ignore (``~``) line
    source: str
    line: int


@dataclass(frozen=True)
class Dictionaries:
    blocks: tuple[VerbBlock, ...]
    synsets: dict[str, tuple[tuple[str, ...], ...]]
    transformations: tuple[Transformation, ...]
    actors: tuple[ActorEntry, ...]
    agents: tuple[AgentEntry, ...]
    discards: tuple[DiscardEntry, ...]
    issues: tuple[IssueEntry, ...]
    files: tuple[str, ...] = field(default=())
    skipped: tuple[DataFileError, ...] = field(default=())  # bad lines passed over when loaded with strict=False

    @property
    def verb_file(self) -> str:
        return self.blocks[0].source if self.blocks else ""


# -- shared helpers ----------------------------------------------------------------------------

_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


def split_words(phrase: str) -> tuple[str, ...]:
    """Phrase -> upper-case words as spaCy tokenizes them (``_`` and blanks split, inner hyphens too)."""
    out: list[str] = []
    for word in re.split(r"[_\s]+", phrase.strip().upper()):
        if not word:
            continue
        parts = _HYPHEN.split(word)
        for k, part in enumerate(parts):
            if k:
                out.append("-")
            if part:
                out.append(part)
    return tuple(out)


def noun_plural(word: str) -> str:
    if word.endswith("Y") and len(word) > 1 and word[-2] not in VOWELS:
        return word[:-1] + "IES"
    if word.endswith(("S", "X", "Z", "CH", "SH")):
        return word + "ES"
    return word + "S"


def verb_forms(word: str) -> tuple[str, ...]:
    """Regular English forms of an upper-case verb: base, -S, -ED, -ING."""
    if word.endswith("Y") and len(word) > 1 and word[-2] not in VOWELS:
        s, ed = word[:-1] + "IES", word[:-1] + "IED"
    elif word.endswith(("S", "X", "Z", "CH", "SH")):
        s, ed = word + "ES", word + "ED"
    else:
        s, ed = word + "S", word + ("D" if word.endswith("E") else "ED")
    ing = word[:-1] + "ING" if word.endswith("E") and not word.endswith("EE") else word + "ING"
    return (word, s, ed, ing)


def _strip_comment(line: str) -> str:
    """Drop a ``#`` comment; a ``#`` inside ``[...]`` (the ``[###]`` code) is not a comment."""
    depth = 0
    for k, ch in enumerate(line):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(0, depth - 1)
        elif ch == "#" and depth == 0:
            return line[:k].rstrip()
    return line.rstrip()


def _is_markup(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("<") and (stripped.endswith(">") or stripped.startswith(("<!", "</")))


def read_lines(path: Path, skip: frozenset[int] = frozenset()) -> Iterator[tuple[int, str]]:
    """(line number, text) for every line of a dictionary file (``.gz`` files are read decompressed);
    lines numbered in `skip` read as blank (``dictionaries check`` uses it to go past a bad line)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except OSError as exc:
        raise DataFileError(f"cannot read dictionary: {exc}", source=str(path)) from exc
    text = raw.decode("utf-8", errors="replace")
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        if number in skip:
            continue
        # multi-line <!-- ... --> comments (the test dictionaries use them for banners)
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if line.strip().startswith("<!") and "-->" not in line and ">" not in line.strip()[2:]:
            in_comment = True
            continue
        yield number, line


def _fail(message: str, path: Path, line: int, hint: str | None = None) -> DataFileError:
    return DataFileError(message, source=str(path), line=line, hint=hint)


_DATE = re.compile(r"^\d{6}(\d{2})?$")


def parse_date(text: str, path: Path, line: int) -> date:
    """YYMMDD or YYYYMMDD; two-digit years below 30 are 20xx (as PETRARCH reads them)."""
    text = text.strip()
    if not _DATE.match(text):
        raise _fail(f"bad date {text!r} (expected YYMMDD or YYYYMMDD)", path, line)
    if len(text) == 6:
        yy = int(text[:2])
        year = 2000 + yy if yy < 30 else 1900 + yy
        month, day = int(text[2:4]), int(text[4:6])
    else:
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise _fail(f"bad date {text!r}: {exc}", path, line) from exc


_CODE = re.compile(r"^[A-Za-z0-9\-+#/?.]+$")


def parse_restriction(body: str, path: Path, line: int) -> DateRestriction:
    """``CODE``, ``CODE <date``, ``CODE >date`` or ``CODE date-date`` (blanks allowed around signs)."""
    body = body.strip()
    m = re.match(r"^([^\s<>]+)\s*(.*)$", body)
    if not m or not _CODE.match(m.group(1)):
        raise _fail(f"cannot read actor code {body!r}", path, line,
                    hint="expected [CODE], [CODE <YYMMDD], [CODE >YYMMDD] or [CODE YYMMDD-YYMMDD]")
    code, rest = m.group(1), (m.group(2) or "").strip()
    if code[0].isdigit():
        raise _fail(f"date restriction without a code: [{body}]", path, line)
    if not rest:
        return DateRestriction(code, None, None, line)
    if rest[0] == "<":
        return DateRestriction(code, None, parse_date(rest[1:], path, line), line)
    if rest[0] == ">":
        return DateRestriction(code, parse_date(rest[1:], path, line), None, line)
    parts = rest.split("-")
    if len(parts) != 2:
        raise _fail(f"cannot read date range {rest!r}", path, line)
    start, end = parse_date(parts[0], path, line), parse_date(parts[1], path, line)
    if end < start:
        raise _fail(f"date range ends before it starts: {rest!r}", path, line)
    return DateRestriction(code, start, end, line)


# -- verbs -------------------------------------------------------------------------------------

_BLOCK = re.compile(r"^(?P<name>[^\[]*?)\s*(?:\[(?P<code>[^\]]*)\].*)?$")
_PATTERN_CODE = re.compile(r"\[\s*(?P<code>[^\]\s]*)\s*\]")


def _parse_verb_form(text: str, path: Path, line: int) -> VerbForm:
    words = [w for w in re.split(r"[_\s]+", text.strip().upper()) if w]
    if not words:
        raise _fail("empty verb", path, line)
    marked = [k for k, w in enumerate(words) if w.startswith("+")]
    if len(marked) > 1:
        raise _fail(f"more than one '+' in verb {text!r}", path, line)
    k = marked[0] if marked else 0
    words[k] = words[k].lstrip("+")
    if not words[k]:
        raise _fail(f"'+' marks no word in verb {text!r}", path, line)
    return VerbForm(tuple(words[:k]), words[k], tuple(words[k + 1:]))


def _parse_verb(text: str, path: Path, line: int) -> VerbEntry:
    body = text
    code = None
    m = _PATTERN_CODE.search(body)
    if m:
        code = m.group("code")
        body = body[: m.start()] + body[m.end():]
    irregular: list[str] = []
    if "{" in body:
        if "}" not in body:
            raise _fail(f"unclosed '{{' in verb line {text!r}", path, line)
        head, _, rest = body.partition("{")
        inner, _, tail = rest.partition("}")
        if tail.strip():
            raise _fail(f"unexpected text after '}}': {tail.strip()!r}", path, line)
        irregular = inner.split()
        body = head
    primary = _parse_verb_form(body, path, line)
    forms = []
    if irregular:
        forms.append(primary)
        forms.extend(_parse_verb_form(f, path, line) for f in irregular)
    else:
        forms.extend(VerbForm(primary.before, w, primary.after) for w in verb_forms(primary.word))
    return VerbEntry(" ".join((*primary.before, primary.word, *primary.after)), tuple(dict.fromkeys(forms)),
                     code or None, str(path), line)


def _pattern_items(text: str, path: Path, line: int) -> list[PatternItem]:
    cleaned = re.sub(r"[{}()]", " ", text)
    cleaned = re.sub(r"(?<=\s)\*(?=\w)|^\*(?=\w)", "* ", cleaned)  # "*SCEPTICAL": a missing blank
    items: list[PatternItem] = []
    for token in cleaned.split():
        pieces = token.split("_")
        for k, piece in enumerate(pieces):
            joined = k < len(pieces) - 1
            if piece == "":
                # a leading/trailing '_' (``IN_`` or ``_OUT``) ties this token to its neighbour
                if k == len(pieces) - 1 and items:
                    items[-1] = PatternItem(items[-1].kind, items[-1].value, True)
                continue
            piece = piece.upper()
            kind = {"*": "verb", "$": "source", "+": "target", "%": "compound", "^": "skip"}.get(piece)
            if kind is not None:
                items.append(PatternItem(kind, "", joined))
            elif piece.startswith("&"):
                items.append(PatternItem("synset", piece, joined))
            elif re.search(r"[*$%^]", piece):
                raise _fail(f"cannot read pattern element {piece!r}", path, line)
            else:
                for w_i, word in enumerate(split_words(piece)):
                    last = w_i == len(split_words(piece)) - 1
                    items.append(PatternItem("word", word, joined or not last))
    return items


def _parse_pattern(text: str, path: Path, line: int, order: int) -> VerbPattern:
    m = _PATTERN_CODE.search(text)
    if not m:
        raise _fail(f"pattern has no [code]: {text!r}", path, line, hint="patterns end with a code, e.g. [042]")
    code = m.group("code")
    if not code:
        raise _fail("pattern has an empty [code]", path, line)
    body = text[1: m.start()].strip()
    items = _pattern_items(body, path, line)
    verbs = [k for k, it in enumerate(items) if it.kind == "verb"]
    if len(verbs) != 1:
        raise _fail(f"pattern needs exactly one '*' (the verb), found {len(verbs)}: {text!r}", path, line)
    k = verbs[0]
    pre, post = tuple(items[:k]), tuple(items[k + 1:])
    return VerbPattern(pre, post, code, body, str(path), line, order, items[k].joined and bool(post))


def _expand_synsets(raw: dict[str, list[tuple[str, bool, int]]], nouns: dict[str, bool],
                    path: Path) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Resolve ``+&OTHER`` members and add regular plurals (unless the label or phrase ends with ``_``)."""
    done: dict[str, tuple[tuple[str, ...], ...]] = {}

    def expand(name: str, stack: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        if name in done:
            return done[name]
        if name in stack:
            raise _fail(f"synset {name} includes itself", path, raw[name][0][2] if raw[name] else 0)
        phrases: list[tuple[str, ...]] = []
        for member, no_plural, line in raw[name]:
            if member.startswith("&"):
                if member not in raw:
                    raise _fail(f"synset {name} uses undefined synset {member}", path, line)
                phrases.extend(expand(member, (*stack, name)))
                continue
            words = split_words(member)
            if not words:
                continue
            phrases.append(words)
            if nouns[name] and not no_plural:
                phrases.append((*words[:-1], noun_plural(words[-1])))
        done[name] = tuple(dict.fromkeys(phrases))
        return done[name]

    for name in raw:
        expand(name, ())
    return done


Synsets = dict[str, tuple[tuple[str, ...], ...]]


def parse_verbs(path: Path, skip: frozenset[int] = frozenset()) -> tuple[tuple[VerbBlock, ...], Synsets,
                                                                         tuple[Transformation, ...]]:
    blocks: list[VerbBlock] = []
    raw_synsets: dict[str, list[tuple[str, bool, int]]] = {}
    synset_nouns: dict[str, bool] = {}
    transformations: list[Transformation] = []
    current_synset: str | None = None
    block: dict | None = None
    order = 0

    def close() -> None:
        if block is not None:
            blocks.append(VerbBlock(block["name"], block["code"], tuple(block["verbs"]),
                                    tuple(block["patterns"]), str(path), block["line"]))

    for number, raw in read_lines(path, skip):
        if _is_markup(raw):
            continue
        line = _strip_comment(raw)
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("&"):
            name = stripped.split()[0].upper()
            no_plural = name.endswith("_")
            name = name.rstrip("_")
            if name in raw_synsets:
                raise _fail(f"synset {name} defined twice", path, number)
            raw_synsets[name] = []
            synset_nouns[name] = not no_plural
            current_synset = name
            continue
        if stripped.startswith("---"):
            m = _BLOCK.match(stripped.strip("-").strip())
            if not m:
                raise _fail(f"cannot read verb block header {stripped!r}", path, number,
                            hint="expected --- NAME [CODE] ---")
            close()
            current_synset = None
            block = {"name": m.group("name").strip(), "code": (m.group("code") or NULL_CODE).strip() or NULL_CODE,
                     "verbs": [], "patterns": [], "line": number}
            continue
        if stripped.startswith("+") and current_synset is not None:
            member = stripped[1:].strip()
            raw_synsets[current_synset].append((member.rstrip("_"), member.endswith("_"), number))
            continue
        if stripped.startswith("~"):
            transformations.append(Transformation(stripped, str(path), number))
            continue
        if block is None:
            raise _fail(f"verb or pattern outside a '--- NAME [CODE] ---' block: {stripped!r}", path, number)
        current_synset = None
        if stripped.startswith("-"):
            order += 1
            block["patterns"].append(_parse_pattern(stripped, path, number, order))
        else:
            block["verbs"].append(_parse_verb(stripped, path, number))
    close()
    synsets = _expand_synsets(raw_synsets, synset_nouns, path)
    for b in blocks:
        for p in b.patterns:
            for item in (*p.pre, *p.post):
                if item.kind == "synset" and item.value not in synsets:
                    raise _fail(f"pattern uses undefined synset {item.value}", path, p.line,
                                hint="define a synset (&NAME followed by +phrase lines) before using it")
    return tuple(blocks), synsets, tuple(transformations)


# -- actors ------------------------------------------------------------------------------------


def parse_actors(path: Path, skip: frozenset[int] = frozenset()) -> tuple[ActorEntry, ...]:
    entries: list[ActorEntry] = []
    cur: dict | None = None

    def close() -> None:
        if cur is not None:
            entries.append(ActorEntry(tuple(cur["phrases"]), cur["default"], tuple(cur["restrictions"]),
                                      str(path), cur["line"]))

    def split_code(text: str, number: int) -> tuple[str, list[DateRestriction]]:
        restrictions = []
        for m in re.finditer(r"\[([^\]]*)\]", text):
            restrictions.append(parse_restriction(m.group(1), path, number))
        phrase = re.sub(r"\[[^\]]*\]", " ", text)
        if "[" in phrase or "]" in phrase:
            raise _fail(f"unbalanced brackets in {text.strip()!r}", path, number)
        return phrase.split(";", 1)[0].strip(), restrictions

    for number, raw in read_lines(path, skip):
        if _is_markup(raw):
            continue
        line = _strip_comment(raw)
        if not line.strip():
            continue
        if line[0] in " \t":
            if cur is None:
                raise _fail("date restriction before any actor", path, number)
            phrase, restrictions = split_code(line, number)
            if phrase.startswith("+"):
                cur["phrases"].append(split_words(phrase[1:].rstrip("_")))
            elif phrase:
                raise _fail(f"indented line is not a [code]: {line.strip()!r}", path, number)
            cur["restrictions"].extend(restrictions)
            continue
        phrase, restrictions = split_code(line, number)
        if line.startswith("+"):
            if cur is None:
                raise _fail("synonym '+' line before any actor", path, number)
            words = split_words(phrase[1:].rstrip("_"))
            if not words:
                raise _fail("empty synonym", path, number)
            cur["phrases"].append(words)
            cur["restrictions"].extend(restrictions)
            continue
        close()
        words = split_words(phrase.rstrip("_"))
        if not words:
            raise _fail(f"actor line has no phrase: {line.strip()!r}", path, number)
        default = None
        dated = []
        for r in restrictions:
            if r.start is None and r.end is None and default is None:
                default = r.code
            else:
                dated.append(r)
        cur = {"phrases": [words], "default": default, "restrictions": dated, "line": number}
    close()
    return tuple(entries)


# -- agents ------------------------------------------------------------------------------------

_SUBST = re.compile(r"^!(?P<name>\w+)!\s*=\s*(?P<items>.+)$")


def _content_lines(path: Path, skip: frozenset[int]) -> Iterator[tuple[int, str]]:
    """(line number, text) of the lines that carry entries: no markup, comments or blanks."""
    for number, raw in read_lines(path, skip):
        if not _is_markup(raw) and (line := _strip_comment(raw).strip()):
            yield number, line


def parse_agents(path: Path, skip: frozenset[int] = frozenset()) -> tuple[AgentEntry, ...]:
    subs: dict[str, list[str]] = {}
    entries: list[AgentEntry] = []
    for number, line in _content_lines(path, skip):
        m = _SUBST.match(line)
        if m:
            subs[m.group("name").upper()] = [i.strip().upper() for i in m.group("items").split(",") if i.strip()]
            continue
        cm = re.search(r"\[\s*([^\]]*?)\s*\]\s*$", line)
        if not cm:
            raise _fail(f"agent line has no [~CODE]: {line!r}", path, number,
                        hint="expected PHRASE {PLURAL} [~CODE] or [CODE~]")
        code = cm.group(1).replace(" ", "")
        if code.startswith("~") and len(code) > 1:
            prefix, code = False, code[1:]
        elif code.endswith("~") and len(code) > 1:
            prefix, code = True, code[:-1]
        else:
            raise _fail(f"agent code {cm.group(1)!r} needs a '~' before or after it", path, number)
        body = line[: cm.start()].strip()
        plurals: list[str] | None = None
        if "{" in body:
            head, _, rest = body.partition("{")
            inner, close_, tail = rest.partition("}")
            if not close_ or tail.strip():
                raise _fail(f"cannot read plural block in {line!r}", path, number)
            plurals = inner.split()
            body = head.strip()
        if not body:
            raise _fail("agent line has no phrase", path, number)
        variants: list[tuple[str, bool]] = []  # (phrase, make plural)
        marker = re.search(r"!(\w+)!", body)
        if marker:
            name = marker.group(1).upper()
            if name not in subs:
                raise _fail(f"undefined substitution marker !{name}!", path, number,
                            hint="define it first: !NAME! = A, B, C")
            variants.extend((body[: marker.start()] + item + body[marker.end():], False) for item in subs[name])
        else:
            variants.append((body, plurals is None))
        for phrase, plural in variants:
            words = split_words(phrase.rstrip("_"))
            entries.append(AgentEntry(words, code, prefix, str(path), number))
            if plural:
                entries.append(AgentEntry((*words[:-1], noun_plural(words[-1])), code, prefix, str(path), number))
        for p in plurals or ():
            entries.append(AgentEntry(split_words(p.rstrip("_")), code, prefix, str(path), number))
    return tuple(entries)


# -- discards and issues -----------------------------------------------------------------------


def parse_discards(path: Path, skip: frozenset[int] = frozenset()) -> tuple[DiscardEntry, ...]:
    out = []
    for number, line in _content_lines(path, skip):
        story = line.startswith("+")
        phrase = line[1:].strip() if story else line
        if not phrase:
            raise _fail("empty discard phrase", path, number)
        exact = phrase.endswith("_")
        phrase = " ".join(phrase.rstrip("_").replace("_", " ").upper().split())
        out.append(DiscardEntry(phrase, story, exact, str(path), number))
    return tuple(out)


def _issue_variants(phrase: str) -> list[str]:
    variants = [""]
    for word in phrase.split():
        forms: list[str]
        if word.lower().startswith("n:"):
            base = word[2:].upper()
            forms = [base, noun_plural(base)]
        elif word.lower().startswith("v:"):
            forms = list(verb_forms(word[2:].upper()))
        else:
            forms = [word.upper()]
        expanded: list[str] = []
        for f in forms:
            if "+" in f:
                expanded.extend([f.replace("+", " "), f.replace("+", "-"), f.replace("+", "")])
            else:
                expanded.append(f)
        variants = [f"{v} {f}".strip() for v in variants for f in expanded]
    return variants


def parse_issues(path: Path, skip: frozenset[int] = frozenset()) -> tuple[IssueEntry, ...]:
    out = []
    for number, raw in read_lines(path, skip):
        line = _strip_comment(raw).strip()
        if not line or line.startswith("<"):
            continue
        if line.startswith("~"):
            out.append(IssueEntry(tuple(_issue_variants(line.lstrip("~").strip())), None, str(path), number))
            continue
        m = re.match(r"^(?P<phrase>.+?)\s*\[(?P<code>[^\]]+)\]\s*$", line)
        if not m:
            raise _fail(f"issue line needs 'phrase [CODE]': {line!r}", path, number)
        out.append(IssueEntry(tuple(_issue_variants(m.group("phrase"))), m.group("code").strip(), str(path), number))
    return tuple(out)


# -- directory loading -------------------------------------------------------------------------

KINDS = ("verbs", "actors", "agents", "discards", "issues")


def classify(path: Path) -> str | None:
    """Which dictionary a file in a dictionaries directory is, from its name (docs/petrarch.md)."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    if not name.endswith(".txt"):
        return None
    if "verbs" in name or name.startswith("cameo"):
        return "verbs"
    for kind in ("actors", "agents", "discards"):
        if kind in name:
            return kind
    if "issue" in name:
        return "issues"
    return None


def dictionary_files(directory: Path) -> dict[str, list[Path]]:
    if not directory.is_dir():
        raise DataFileError("not a dictionaries directory", source=str(directory),
                            hint="pass a folder holding *.verbs.txt, *actors*.txt, *agents*.txt, ...")
    found: dict[str, list[Path]] = {k: [] for k in KINDS}
    for path in sorted(directory.iterdir()):
        kind = classify(path)
        if kind:
            found[kind].append(path)
    return found


def _parse_lenient(path: Path, parser, strict: bool, skipped: list[DataFileError]):
    skip: set[int] = set()
    while True:
        try:
            return parser(path, frozenset(skip))
        except DataFileError as exc:
            if strict or exc.line is None or exc.line in skip:
                raise
            skipped.append(exc)
            skip.add(exc.line)


def load_dictionaries(directory: Path | str, strict: bool = True) -> Dictionaries:
    """Load every dictionary in `directory`; a verbs file is required, the others are optional.

    strict (the default) raises `DataFileError` at the first bad line; strict=False passes over bad
    lines as PETRARCH-2 does and lists them in `Dictionaries.skipped`.
    """
    directory = Path(directory)
    files = dictionary_files(directory)
    if not files["verbs"]:
        raise DataFileError("no verb dictionary found", source=str(directory),
                            hint="name it *.verbs.txt (or CAMEO*.txt)")
    skipped: list[DataFileError] = []
    blocks: list[VerbBlock] = []
    synsets: dict[str, tuple[tuple[str, ...], ...]] = {}
    transformations: list[Transformation] = []
    for path in files["verbs"]:
        b, s, t = _parse_lenient(path, parse_verbs, strict, skipped)
        blocks.extend(b)
        synsets.update(s)
        transformations.extend(t)
    actors = tuple(e for p in files["actors"] for e in _parse_lenient(p, parse_actors, strict, skipped))
    agents = tuple(e for p in files["agents"] for e in _parse_lenient(p, parse_agents, strict, skipped))
    discards = tuple(e for p in files["discards"] for e in _parse_lenient(p, parse_discards, strict, skipped))
    issues = tuple(e for p in files["issues"] for e in _parse_lenient(p, parse_issues, strict, skipped))
    all_files = tuple(str(p) for kind in KINDS for p in files[kind])
    return Dictionaries(tuple(blocks), synsets, tuple(transformations), actors, agents, discards, issues,
                        all_files, tuple(skipped))


def iter_codes(d: Dictionaries) -> Iterable[str]:
    for b in d.blocks:
        yield b.code
        for p in b.patterns:
            yield p.code
