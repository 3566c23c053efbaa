"""Scoring PETRARCH-2's own unit-test suite (conformance/petrarch2_unittest.jsonl).

Each expected coding is a (source code, target code, CAMEO code) triple; it counts as reproduced when
the coder emits exactly that triple for the record. Codings the record does not expect are extras.
Records that expect no events (``meta.expect_no_events``, discards, expected errors) are honoured when
nothing is coded. Inactive records (``meta.active`` false) are left out, as PETRARCH-2 skips them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from .coder import Options, PetrarchCoder

OPTIONS_FILE = "unittest_options.json"
PARSE_ONLY_ERRORS = frozenset(("bad_input_parse",))


@dataclass
class CategoryScore:
    expected: int = 0
    reproduced: int = 0
    extra: int = 0
    no_event_cases: int = 0
    no_event_honoured: int = 0
    records: int = 0


@dataclass
class SuiteScore:
    categories: dict[str, CategoryScore] = field(default_factory=lambda: defaultdict(CategoryScore))
    misses: list[tuple[str, tuple, list]] = field(default_factory=list)
    parse_only: list[tuple[str, list]] = field(default_factory=list)

    def total(self) -> CategoryScore:
        t = CategoryScore()
        for c in self.categories.values():
            for name in vars(t):
                setattr(t, name, getattr(t, name) + getattr(c, name))
        return t

    def as_dict(self) -> dict:
        t = self.total()
        out = {"overall": vars(t) | _rates(t)}
        for name in sorted(self.categories):
            c = self.categories[name]
            out[name] = vars(c) | _rates(c)
        return out


def _rates(c: CategoryScore) -> dict:
    return {
        "reproduced_share": round(c.reproduced / c.expected, 4) if c.expected else None,
        "no_event_share": round(c.no_event_honoured / c.no_event_cases, 4) if c.no_event_cases else None,
    }


def record_options() -> dict[str, Options]:
    text = resources.files("wirecoder").joinpath("data", "petrarch", "validate", OPTIONS_FILE).read_text("utf-8")
    return {rid: Options(**opts) for rid, opts in json.loads(text)["records"].items()}


def _triples(events: list[dict]) -> list[tuple[str, str, str]]:
    out = []
    for e in events:
        src = "+".join(a.get("code") or "---" for a in e.get("source_actor") or []) or "---"
        tgt = "+".join(a.get("code") or "---" for a in e.get("target_actor") or []) or "---"
        out.append((src, tgt, str(e.get("code"))))
    return out


def score_suite(path: Path, coder: PetrarchCoder) -> SuiteScore:
    options = record_options()
    default = coder.options
    score = SuiteScore()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        meta = rec.get("meta") or {}
        if not meta.get("active", True):
            continue
        cat = score.categories[meta.get("category") or "?"]
        cat.records += 1
        coder.options = options.get(rec["id"], default)
        try:
            day = date.fromisoformat(rec["date"][:10]) if rec.get("date") else None
            got = [(c.source, c.target, c.code) for c in coder.code_text(rec["text"], day)]
        finally:
            coder.options = default
        expected = _triples(rec.get("events") or [])
        if meta.get("expected_error") in PARSE_ONLY_ERRORS:
            # the error lives in the record's CoreNLP parse, which wirecoder does not read: the text
            # alone is an ordinary sentence, so the record is reported but not scored
            score.parse_only.append((rec["id"], got))
            continue
        if not expected:
            cat.no_event_cases += 1
            cat.no_event_honoured += not got
        remaining = Counter(got)
        hit = 0
        for triple in expected:
            if remaining[triple] > 0:
                remaining[triple] -= 1
                hit += 1
        cat.expected += len(expected)
        cat.reproduced += hit
        cat.extra += sum(remaining.values())
        if hit < len(expected) or remaining.total():
            score.misses.append((rec["id"], tuple(expected), got))
    return score


@dataclass
class TripleScore:
    """Micro precision/recall/F1 of exact (source, target, code) triples over a gold file."""

    gold: int = 0
    predicted: int = 0
    correct: int = 0
    records: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_triples(path: Path, coder: PetrarchCoder, root_only: bool = False) -> TripleScore:
    """Exact triples per record (root_only: compare only the two-digit CAMEO root of the code)."""
    out = TripleScore()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if not (rec.get("meta") or {}).get("active", True):
            continue
        day = date.fromisoformat(rec["date"][:10]) if rec.get("date") else None
        got = Counter((c.source, c.target, c.code[:2] if root_only else c.code)
                      for c in coder.code_text(rec["text"], day))
        gold = Counter((s, t, c[:2] if root_only else c) for s, t, c in _triples(rec.get("events") or []))
        out.records += 1
        out.gold += gold.total()
        out.predicted += got.total()
        out.correct += (got & gold).total()
    return out
