"""The trigger lexicon: which words signal which CAMEO event (data/triggers.tsv, docs/lexicon.md)."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import DataFileError

CLASSES = ("event", "inverse", "light", "speech", "intent", "propose", "refuse", "demand", "appeal", "threaten",
           "deny")
CONDITION_KEYS = ("obj", "notobj", "mod", "prep", "subj", "notsubj")
LEXICON_FILE = "triggers.tsv"


@dataclass(frozen=True)
class Trigger:
    lemma: str
    particle: str | None
    pos: str
    kind: str
    cameo: str | None
    conditions: tuple[tuple[str, frozenset[str]], ...]
    confidence: float
    line: int

    @property
    def rule_id(self) -> str:
        word = f"{self.lemma} {self.particle}" if self.particle else self.lemma
        return f"{LEXICON_FILE}:{self.line}:{word}/{self.pos}"


@dataclass(frozen=True)
class Lexicon:
    by_key: dict[tuple[str, str], tuple[Trigger, ...]]

    def rows(self, lemma: str, pos: str) -> tuple[Trigger, ...]:
        return self.by_key.get((lemma, pos), ())


def _parse_conditions(text: str, source: str, line: int) -> tuple[tuple[str, frozenset[str]], ...]:
    if text in ("", "-"):
        return ()
    out = []
    for part in text.split(";"):
        key, sep, values = part.partition(":")
        if not sep or key not in CONDITION_KEYS or not values:
            raise DataFileError(f"bad condition {part!r}; expected one of {CONDITION_KEYS} as key:a|b",
                                source=source, line=line)
        out.append((key, frozenset(v.strip().lower() for v in values.split("|") if v.strip())))
    return tuple(out)


def parse_lexicon(text: str, source: str = LEXICON_FILE) -> Lexicon:
    by_key: dict[tuple[str, str], list[Trigger]] = defaultdict(list)
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cols = raw.split("\t")
        if len(cols) != 6:
            raise DataFileError(f"expected 6 TAB-separated columns, found {len(cols)}", source=source,
                                line=line_no)
        word, pos, kind, cameo, when, conf = (c.strip() for c in cols)
        if pos not in ("VERB", "NOUN"):
            raise DataFileError(f"pos must be VERB or NOUN, not {pos!r}", source=source, line=line_no)
        if kind not in CLASSES:
            raise DataFileError(f"unknown class {kind!r}", source=source, line=line_no)
        if kind in ("event", "inverse") and not (cameo.isdigit() and 2 <= len(cameo) <= 4):
            raise DataFileError(f"event rows need a CAMEO code, got {cameo!r}", source=source, line=line_no)
        try:
            confidence = float(conf)
        except ValueError as exc:
            raise DataFileError(f"confidence {conf!r} is not a number", source=source, line=line_no) from exc
        if not 0 <= confidence <= 1:
            raise DataFileError("confidence must lie in 0..1", source=source, line=line_no)
        lemma, _, particle = word.lower().partition(" ")
        trigger = Trigger(lemma, particle or None, pos, kind, cameo if cameo != "-" else None,
                          _parse_conditions(when, source, line_no), confidence, line_no)
        by_key[(lemma, pos)].append(trigger)
    return Lexicon({k: tuple(v) for k, v in by_key.items()})


@functools.lru_cache(maxsize=4)
def load_lexicon(path: Path | None = None) -> Lexicon:
    if path is None:
        text = resources.files("wirecoder").joinpath("data", LEXICON_FILE).read_text(encoding="utf-8")
        return parse_lexicon(text)
    return parse_lexicon(Path(path).read_text(encoding="utf-8"), source=str(path))
