"""Scoring predicted events against gold events: precision, recall and F1 per field.

Pure functions over plain records, so every number can be checked by hand (tests/test_scoring.py).
Definitions are in docs/evaluation.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.lang.en.stop_words import STOP_WORDS

from .gazetteer import normalize_place
from .gold import GoldEvent, GoldParty

SENTENCE_METRICS = (
    "detection", "type", "cameo", "cameo_root", "actor_country", "actor_country_sector",
    "recipient_country", "recipient_country_sector", "location", "location_country", "date", "event",
)
DOCUMENT_METRICS = ("detection", "type", "type_folded", "actor_text", "recipient_text", "location", "date")
NONE = "—"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        def rnd(x):
            return None if x is None else round(x, 4)
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": rnd(self.precision),
                "recall": rnd(self.recall), "f1": rnd(self.f1)}


@dataclass(frozen=True)
class PredParty:
    text: str
    country: str | None
    sector: str | None


@dataclass(frozen=True)
class Predicted:
    """The parts of a coded event that scoring compares."""

    event_type: str
    cameo: str | None
    actor: tuple[PredParty, ...]
    recipient: tuple[PredParty, ...]
    location_name: str | None
    location_text: str | None
    location_country: str | None
    date: str | None
    sentence: str
    event_text: str
    rule: str

    @classmethod
    def from_event(cls, event) -> Predicted:
        def parties(entities):
            return tuple(PredParty(e.text, e.country, e.sector) for e in entities)

        loc = event.location
        return cls(event.event_type, event.cameo, parties(event.actor), parties(event.recipient),
                   loc.name if loc else None, loc.text if loc else None, loc.country if loc else None,
                   event.date, event.sentence, event.event_text, event.coder)


@dataclass
class Scores:
    """Counts per metric and per PLOVER type, a type confusion table, and per-record misses."""

    metrics: dict[str, Counts] = field(default_factory=dict)
    per_type: dict[str, Counts] = field(default_factory=dict)
    confusion: Counter = field(default_factory=Counter)
    misses: list[dict] = field(default_factory=list)
    records: int = 0
    skipped: int = 0

    def metric(self, name: str) -> Counts:
        return self.metrics.setdefault(name, Counts())

    def type_counts(self, name: str) -> Counts:
        return self.per_type.setdefault(name, Counts())


def _countries(parties: Iterable) -> set[str]:
    return {p.country for p in parties if p.country}


def _set_counts(gold: set, pred: set) -> tuple[int, int, int]:
    return len(gold & pred), len(pred - gold), len(gold - pred)


def _sector_counts(gold: tuple[GoldParty, ...], pred: tuple[PredParty, ...]) -> tuple[int, int, int]:
    """Country+sector: a gold party without a sector is satisfied by its country alone."""
    gold_keys = {(g.country, g.sector) for g in gold if g.country}
    pred_keys = {(p.country, p.sector) for p in pred if p.country}

    def matches(g, p):
        return g[0] == p[0] and (g[1] is None or g[1] == p[1])

    tp = sum(1 for g in gold_keys if any(matches(g, p) for p in pred_keys))
    fp = sum(1 for p in pred_keys if not any(matches(g, p) for g in gold_keys))
    return tp, fp, len(gold_keys) - tp


def _oriented(gold: GoldEvent, pred: Predicted) -> tuple[tuple, tuple]:
    """Gold (actor, recipient) in the orientation that fits the prediction best (reciprocal events)."""
    if not gold.reciprocal:
        return gold.actor, gold.recipient
    straight = len(_countries(gold.actor) & _countries(pred.actor))
    swapped = len(_countries(gold.recipient) & _countries(pred.actor))
    return (gold.recipient, gold.actor) if swapped > straight else (gold.actor, gold.recipient)


def _side_ok(gold: tuple, pred: tuple) -> bool:
    """A side is right when gold names no country there, or the predicted countries overlap it."""
    g = _countries(gold)
    return not g or bool(g & _countries(pred))


def _similarity(gold: GoldEvent, pred: Predicted) -> float:
    actor, recipient = _oriented(gold, pred)
    score = 4.0 * (gold.event_type == pred.event_type)
    score += 2.0 * bool(_countries(actor) & _countries(pred.actor))
    score += 2.0 * bool(_countries(recipient) & _countries(pred.recipient))
    score += 1.0 * bool(gold.cameo and pred.cameo and gold.cameo[:2] == pred.cameo[:2])
    return score


def _pair(gold: list[GoldEvent], pred: list[Predicted], allowed) -> list[tuple[int, int]]:
    """Greedy one-to-one pairing by similarity; `allowed(g, p)` filters candidate pairs."""
    candidates = sorted(((_similarity(g, p), gi, pi) for gi, g in enumerate(gold) for pi, p in enumerate(pred)
                         if allowed(g, p)), key=lambda t: (-t[0], t[1], t[2]))
    used_g, used_p, pairs = set(), set(), []
    for _, gi, pi in candidates:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def _place_match(gold_texts: tuple[str, ...], pred: Predicted) -> bool:
    names = {normalize_place(x) for x in (pred.location_name, pred.location_text) if x}
    return any(normalize_place(g) in names for g in gold_texts)


def score_sentence_record(scores: Scores, record_id: str, text: str, gold: list[GoldEvent],
                          pred: list[Predicted], place_country) -> None:
    """Add one sentence-level record (CAMEO-coded gold) to `scores`.

    `place_country(text) -> ISO3 | None` resolves gold place names for the location-country metric.
    """
    scores.records += 1
    parties = not gold or any(g.parties_annotated for g in gold)
    pairs = _pair(gold, pred, lambda g, p: True)
    paired_g = {gi for gi, _ in pairs}
    paired_p = {pi for _, pi in pairs}
    m = scores.metric
    m("detection").add(tp=len(pairs), fp=len(pred) - len(pairs), fn=len(gold) - len(pairs))
    full = 0
    for gi, pi in pairs:
        g, p = gold[gi], pred[pi]
        actor, recipient = _oriented(g, p)
        same_type = g.event_type == p.event_type
        m("type").add(tp=1) if same_type else m("type").add(fp=1, fn=1)
        if same_type:
            scores.type_counts(g.event_type).add(tp=1)
        else:
            scores.type_counts(p.event_type).add(fp=1)
            scores.type_counts(g.event_type).add(fn=1)
        scores.confusion[(g.event_type, p.event_type)] += 1
        if g.cameo or p.cameo:
            exact = bool(g.cameo and p.cameo and g.cameo == p.cameo)
            root = bool(g.cameo and p.cameo and g.cameo[:2] == p.cameo[:2])
            m("cameo").add(tp=int(exact), fp=int(bool(p.cameo) and not exact), fn=int(bool(g.cameo) and not exact))
            m("cameo_root").add(tp=int(root), fp=int(bool(p.cameo) and not root),
                                fn=int(bool(g.cameo) and not root))
        if parties:
            m("actor_country").add(*_set_counts(_countries(actor), _countries(p.actor)))
            m("recipient_country").add(*_set_counts(_countries(recipient), _countries(p.recipient)))
            m("actor_country_sector").add(*_sector_counts(actor, p.actor))
            m("recipient_country_sector").add(*_sector_counts(recipient, p.recipient))
        if g.location:
            m("location").add(tp=1) if _place_match(g.location, p) else m("location").add(
                fn=1, fp=int(p.location_name is not None))
            gold_countries = {place_country(x) for x in g.location} - {None}
            if gold_countries:
                hit = p.location_country in gold_countries
                m("location_country").add(tp=int(hit), fn=int(not hit),
                                          fp=int(not hit and p.location_country is not None))
        if g.date:
            hit = _date_hit(g, p)
            m("date").add(tp=int(hit), fn=int(not hit), fp=int(not hit and p.date is not None))
        if same_type and (not parties or (_side_ok(actor, p.actor) and _side_ok(recipient, p.recipient))):
            full += 1
    m("event").add(tp=full, fp=len(pred) - full, fn=len(gold) - full)
    for gi, g in enumerate(gold):
        if gi not in paired_g:
            m("type").add(fn=1)
            scores.type_counts(g.event_type).add(fn=1)
            scores.confusion[(g.event_type, NONE)] += 1
            for name, side in (("actor_country", g.actor), ("recipient_country", g.recipient)):
                m(name).add(fn=len(_countries(side)))
            if g.cameo:
                m("cameo").add(fn=1)
                m("cameo_root").add(fn=1)
    for pi, p in enumerate(pred):
        if pi not in paired_p:
            m("type").add(fp=1)
            scores.type_counts(p.event_type).add(fp=1)
            scores.confusion[(NONE, p.event_type)] += 1
            for name, side in (("actor_country", p.actor), ("recipient_country", p.recipient)):
                m(name).add(fp=len(_countries(side)) if parties else 0)
            if p.cameo:
                m("cameo").add(fp=1)
                m("cameo_root").add(fp=1)
    errors = (len(gold) - full) + (len(pred) - full)
    if errors:
        scores.misses.append({"id": record_id, "text": text, "errors": errors,
                              "gold": [_describe_gold(g) for g in gold],
                              "predicted": [_describe_pred(p) for p in pred]})


def _words(texts: Iterable[str | None]) -> set[str]:
    """Content words of argument texts ("the" is no shared ground)."""
    out = set()
    for t in texts:
        if t:
            out.update(w for w in t.lower().replace("-", " ").split() if len(w) > 2 and w not in STOP_WORDS)
    return out


def _doc_allowed(g: GoldEvent, p: Predicted) -> bool:
    """Document-level pairs need the same type and some shared ground: sentence or argument words."""
    if g.event_type != p.event_type:
        return False
    if g.sentence and g.trigger and g.trigger.lower() in p.sentence.lower() and (
            " ".join(g.sentence.split())[:60] in " ".join(p.sentence.split())):
        return True
    gold_words = _words(x.text for x in g.actor + g.recipient) | _words(g.location)
    pred_words = _words(x.text for x in p.actor + p.recipient) | _words([p.location_name, p.location_text])
    return bool(gold_words & pred_words)


def score_document_record(scores: Scores, record_id: str, text: str, gold: list[GoldEvent],
                          pred: list[Predicted], gold_types: set[str]) -> None:
    """Add one document-level record (KAIROS / MUC-4 templates). Only predictions of the types the
    gold scheme can express (`gold_types`) count against precision."""
    scores.records += 1
    pred = [p for p in pred if p.event_type in gold_types]
    pairs = _pair(gold, pred, _doc_allowed)
    m = scores.metric
    for name in ("detection", "type"):
        m(name).add(tp=len(pairs), fp=len(pred) - len(pairs), fn=len(gold) - len(pairs))
    matched_types = Counter(gold[gi].event_type for gi, _ in pairs)
    for t in set(matched_types) | {g.event_type for g in gold} | {p.event_type for p in pred}:
        tp = matched_types[t]
        scores.type_counts(t).add(tp=tp, fp=sum(p.event_type == t for p in pred) - tp,
                                  fn=sum(g.event_type == t for g in gold) - tp)
    for gi, pi in pairs:
        g, p = gold[gi], pred[pi]
        for name, gside, pside in (("actor_text", g.actor, p.actor), ("recipient_text", g.recipient, p.recipient)):
            gw, pw = _words(x.text for x in gside), _words(x.text for x in pside)
            if gw or pw:
                hit = bool(gw & pw)
                m(name).add(tp=int(hit), fn=int(bool(gw) and not hit), fp=int(bool(pw) and not hit))
        if g.location:
            hit = bool(_words(g.location) & _words([p.location_name, p.location_text]))
            m("location").add(tp=int(hit), fn=int(not hit), fp=int(not hit and p.location_name is not None))
        if g.date:
            hit = _date_hit(g, p)
            m("date").add(tp=int(hit), fn=int(not hit), fp=int(not hit and p.date is not None))
    folded = fold_mentions(gold)
    folded_pairs = _pair(folded, pred, _doc_allowed)
    m("type_folded").add(tp=len(folded_pairs), fp=len(pred) - len(folded_pairs), fn=len(folded) - len(folded_pairs))
    errors = len(gold) + len(pred) - 2 * len(pairs)
    if errors:
        scores.misses.append({"id": record_id, "text": text[:300], "errors": errors,
                              "gold": [_describe_gold(g) for g in gold],
                              "predicted": [_describe_pred(p) for p in pred]})


def _date_hit(g: GoldEvent, p: Predicted) -> bool:
    if p.date is None or g.date is None:
        return False
    return g.date <= p.date[:10] <= (g.date_end or g.date)


def fold_mentions(gold: list[GoldEvent]) -> list[GoldEvent]:
    """Repeated gold mentions of one real event become one: same type, and a shared argument word or the
    same trigger word (document-level gold annotates every mention; wirecoder reports each event once)."""
    out: list[tuple[GoldEvent, set[str]]] = []
    for g in gold:
        words = _words(x.text for x in g.actor + g.recipient) | _words(g.location)
        trigger = (g.trigger or "").lower()
        for idx, (o, owords) in enumerate(out):
            same_word = bool(trigger) and trigger == (o.trigger or "").lower()
            if o.event_type == g.event_type and (words & owords or same_word):
                out[idx] = (o, owords | words)
                break
        else:
            out.append((g, words))
    return [g for g, _ in out]


def _side(parties) -> str:
    return "+".join(p.country or "?" for p in parties) or "-"


def _describe_gold(g: GoldEvent) -> str:
    code = f"{g.scheme} {g.code}"
    return f"{g.event_type or 'no PLOVER type'} ({code}) {_side(g.actor)}->{_side(g.recipient)}"


def _describe_pred(p: Predicted) -> str:
    return f"{p.event_type} ({p.cameo}) {_side(p.actor)}->{_side(p.recipient)} '{p.event_text}' [{p.rule}]"
