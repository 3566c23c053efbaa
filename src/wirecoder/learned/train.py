"""Training the learned event detector from labelled sentences (`wirecoder train`, `make train`).

1. Parse every sentence with the pipeline's spaCy model; each verb or common noun is a candidate trigger,
   labelled with the PLOVER type of the gold event whose trigger it heads, else NONE.
2. Fit a multinomial logistic regression (scikit-learn, seeded) on sparse features plus the parser's
   contextual vectors; rare features (fewer than `min_count` sentences) are dropped.
3. Calibrate: with the classifier refitted on folds of the training split, every candidate event the hybrid
   coder would consider in a held-out fold is scored against the gold, and a logistic calibrator learns
   P(right) from the rule and model evidence. The keep threshold maximises F1 on those folds.
4. Report on the dev split (never used for fitting): type F1 per sentence, and a reliability table.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from spacy.tokens import Doc, Token

from ..errors import DataFileError
from ..lexicon import Lexicon
from ..ontology import event_type_of
from ..schema import PLOVER_TYPES
from .coder import candidate_events, code_sentence
from .corpus import LabelledSentence
from .features import DENSE_SCALE, candidates, token_features
from .model import CALIBRATION_FEATURES, NONE, Calibrator, EventModel

CLASSES = (NONE, *PLOVER_TYPES)


@dataclass
class Example:
    record: LabelledSentence
    doc: Doc
    tokens: list[Token]
    labels: list[str]
    feats: list[list[str]]


def trigger_head(doc: Doc, span: tuple[int, int]) -> Token | None:
    """The candidate token that heads a character span (the syntactic head inside it)."""
    chars = doc.char_span(span[0], span[1], alignment_mode="expand")
    if chars is None:
        return None
    inside = [t for t in chars if t.pos_ in ("VERB", "NOUN", "PROPN", "ADJ", "AUX")] or list(chars)
    heads = [t for t in inside if t.head.i < chars.start or t.head.i >= chars.end or t.head.i == t.i]
    for tok in heads + inside:
        if tok.pos_ in ("VERB", "NOUN"):
            return tok
    return heads[0] if heads else None


def _label_tokens(record: LabelledSentence, doc: Doc, lexicon: Lexicon | None) -> dict[int, str]:
    labels: dict[int, str] = {}
    for event in record.events:
        head = None
        if event.trigger is not None:
            head = trigger_head(doc, event.trigger)
        elif lexicon is not None:
            # conformance-form gold has no span: the word the lexicon knows for this type, else the root
            for tok in doc:
                rows = lexicon.rows(tok.lemma_.lower(), "VERB" if tok.pos_ == "VERB" else "NOUN")
                if any(event_type_of(r.cameo) == event.event_type for r in rows):
                    head = tok
                    break
            if head is None:
                head = next((s.root for s in doc.sents), None)
        if head is not None:
            labels.setdefault(head.i, event.event_type)
    return labels


def build_examples(records: Sequence[LabelledSentence], nlp, lexicon: Lexicon | None,
                   verb_types: dict[str, tuple[str, ...]]) -> list[Example]:
    out = []
    docs = nlp.pipe((r.text for r in records), batch_size=64)
    for record, doc in zip(records, docs, strict=True):
        labels = _label_tokens(record, doc, lexicon)
        tokens = candidates(doc[:])
        extra = [doc[i] for i in labels if doc[i] not in tokens]
        tokens = sorted(tokens + extra, key=lambda t: t.i)
        feats = [token_features(t, lexicon, verb_types) for t in tokens]
        out.append(Example(record, doc, tokens, [labels.get(t.i, NONE) for t in tokens], feats))
    return out


def _vocabulary(examples: Iterable[Example], min_count: int) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for ex in examples:
        counts.update({f for feats in ex.feats for f in feats})
    kept = sorted(f for f, n in counts.items() if n >= min_count)
    return {f: i for i, f in enumerate(kept)}


def _matrix(examples: Sequence[Example], vocab: dict[str, int]) -> tuple[sparse.csr_matrix, np.ndarray]:
    rows, cols, dense = [], [], []
    n = 0
    for ex in examples:
        tensor = ex.doc.tensor
        for tok, feats in zip(ex.tokens, ex.feats, strict=True):
            idx = sorted({vocab[f] for f in feats if f in vocab})
            rows.extend([n] * len(idx))
            cols.extend(idx)
            dense.append(tensor[tok.i] * DENSE_SCALE if tensor is not None and tensor.shape[0] > tok.i
                         else np.zeros(96, dtype=np.float32))
            n += 1
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, len(vocab)))
    d = sparse.csr_matrix(np.vstack(dense) if dense else np.zeros((0, 96), dtype=np.float32))
    return sparse.hstack([x, d], format="csr"), np.array([y for ex in examples for y in ex.labels])


def _fit(examples: Sequence[Example], vocab: dict[str, int], seed: int, c: float):
    from sklearn.linear_model import LogisticRegression

    x, y = _matrix(examples, vocab)
    clf = LogisticRegression(C=c, max_iter=300, random_state=seed, class_weight=None)
    clf.fit(x, y)
    # columns in CLASSES order (a class absent from the data gets a very low score)
    n_sparse = len(vocab)
    coef = np.full((x.shape[1], len(CLASSES)), 0.0, dtype=np.float32)
    bias = np.full(len(CLASSES), -30.0, dtype=np.float32)
    for k, label in enumerate(clf.classes_):
        j = CLASSES.index(label)
        coef[:, j] = clf.coef_[k] if len(clf.classes_) > 2 else (clf.coef_[0] if k == 1 else -clf.coef_[0])
        bias[j] = clf.intercept_[k] if len(clf.classes_) > 2 else (clf.intercept_[0] if k == 1 else 0.0)
    return coef[:n_sparse], coef[n_sparse:], bias


def petrarch_verb_types() -> dict[str, tuple[str, ...]]:
    """Verb lemma -> PLOVER types PETRARCH-2's CAMEO.2.0 gives it: its own code's type first, then the
    types of its block's patterns, most frequent first (at most three in all)."""
    from ..petrarch import load_packaged

    own: dict[str, Counter] = defaultdict(Counter)
    patterns: dict[str, Counter] = defaultdict(Counter)
    for block in load_packaged("phoenix").blocks:
        pattern_types = [t for p in block.patterns
                         if p.code and p.code.isdigit() and (t := event_type_of(p.code)) is not None]
        for verb in block.verbs:
            lemma = verb.lemma.lower().replace("_", " ")
            if " " in lemma:
                continue
            code = verb.code or block.code
            event_type = event_type_of(code) if code and code.isdigit() else None
            if event_type is not None:
                own[lemma][event_type] += 1
            patterns[lemma].update(pattern_types)
    out = {}
    for lemma in set(own) | set(patterns):
        first = [t for t, _ in own[lemma].most_common(1)]
        rest = [t for t, _ in patterns[lemma].most_common() if t not in first]
        out[lemma] = tuple(first + rest)[:3] if first else tuple(["-"] + rest)[:3]
    return out


def _cameo_memory(examples: Sequence[Example]) -> dict[str, str]:
    votes: dict[str, Counter] = defaultdict(Counter)
    for ex in examples:
        for event in ex.record.events:
            if event.cameo is None or event.trigger is None:
                continue
            head = trigger_head(ex.doc, event.trigger)
            if head is not None and event_type_of(event.cameo) == event.event_type:
                votes[f"{head.lemma_.lower()}|{event.event_type}"][event.cameo] += 1
    return {k: c.most_common(1)[0][0] for k, c in sorted(votes.items())}


def _gold_types(record: LabelledSentence) -> list[str]:
    return [e.event_type for e in record.events]


def _match(pred: list[tuple[str, float]], gold: list[str]) -> list[tuple[float, bool]]:
    """Greedy one-to-one matching of predicted types (highest confidence first) to gold types."""
    left = Counter(gold)
    out = []
    for event_type, conf in sorted(pred, key=lambda p: -p[1]):
        ok = left[event_type] > 0
        if ok:
            left[event_type] -= 1
        out.append((conf, ok))
    return out


def _calibration_rows(examples: Sequence[Example], model: EventModel, lexicon: Lexicon):
    """(features, right?) for every candidate event of the hybrid coder on these sentences."""
    rows = []
    for ex in examples:
        cands = candidate_events(ex.doc[:], lexicon, model)
        gold = Counter(_gold_types(ex.record))
        for c in cands:
            rows.append(([c.values[n] for n in CALIBRATION_FEATURES], gold[c.event_type] > 0, c.group,
                         ex.record.id, c.event_type))
    return rows


def _selected_rows(rows, calibrator: Calibrator, examples: Sequence[Example]) -> list[tuple[list[float], bool]]:
    """The candidates the coder keeps (best of each group), labelled right or wrong by one-to-one matching
    with the gold: what the final confidence must predict."""
    by_sentence: dict[str, dict[int, tuple[float, list[float], str]]] = defaultdict(dict)
    for feats, _, group, rid, event_type in rows:
        score = calibrator(dict(zip(CALIBRATION_FEATURES, feats, strict=True)))
        best = by_sentence[rid].get(group)
        if best is None or score > best[0]:
            by_sentence[rid][group] = (score, feats, event_type)
    gold = {ex.record.id: _gold_types(ex.record) for ex in examples}
    out = []
    for rid, groups in by_sentence.items():
        left = Counter(gold.get(rid, []))
        for _score, feats, event_type in sorted(groups.values(), key=lambda g: -g[0]):
            ok = left[event_type] > 0
            if ok:
                left[event_type] -= 1
            out.append((feats, ok))
    return out


def _fit_calibrator(rows, seed: int) -> Calibrator:
    from sklearn.linear_model import LogisticRegression

    x = np.array([f for f, _ in rows], dtype=np.float64)
    y = np.array([ok for _, ok in rows])
    clf = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    clf.fit(x, y)
    return Calibrator(CALIBRATION_FEATURES, clf.coef_[0].astype(np.float64), float(clf.intercept_[0]))


def _best_threshold(rows, calibrator: Calibrator, examples: Sequence[Example]) -> float:
    by_sentence: dict[str, list] = defaultdict(list)
    for feats, _, group, rid, event_type in rows:
        by_sentence[rid].append((group, event_type, calibrator(dict(zip(CALIBRATION_FEATURES, feats, strict=True)))))
    gold = {ex.record.id: _gold_types(ex.record) for ex in examples}
    best = (0.0, 0.5)
    for threshold in np.arange(0.2, 0.8, 0.025):
        tp = fp = fn = 0
        for rid, types in gold.items():
            chosen: dict[int, tuple[float, str]] = {}
            for group, event_type, score in by_sentence.get(rid, []):
                if group not in chosen or score > chosen[group][0]:
                    chosen[group] = (score, event_type)
            pred = [(t, s) for s, t in chosen.values() if s >= threshold]
            matched = _match(pred, types)
            hit = sum(ok for _, ok in matched)
            tp, fp, fn = tp + hit, fp + len(matched) - hit, fn + len(types) - hit
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[0] + 1e-9:
            best = (f1, round(float(threshold), 3))
    return best[1]


def train(records: Sequence[LabelledSentence], nlp, lexicon: Lexicon, *, name: str, seed: int = 13,
          c: float = 0.5, min_count: int = 2, folds: int = 3, log=print) -> tuple[EventModel, dict]:
    """Fit a model on the train split of `records`; returns it and a report measured on the dev split."""
    random.seed(seed)
    np.random.seed(seed)
    train_records = [r for r in records if r.split == "train"]
    dev_records = [r for r in records if r.split == "dev"]
    if len(train_records) < 20:
        raise DataFileError(f"too few training sentences ({len(train_records)}); at least 20 are needed",
                            source=records[0].origin.rsplit(":", 1)[0] if records else None)
    counts = Counter(e.event_type for r in train_records for e in r.events)
    log(f"parsing {len(records)} sentences ({len(train_records)} train, {len(dev_records)} dev)")
    verb_types = petrarch_verb_types()
    train_ex = build_examples(train_records, nlp, lexicon, verb_types)
    dev_ex = build_examples(dev_records, nlp, lexicon, verb_types)
    vocab = _vocabulary(train_ex, min_count)
    log(f"{len(vocab)} features; fitting the calibrator on {folds} folds")
    cameo_memory = _cameo_memory(train_ex)
    order = sorted(range(len(train_ex)), key=lambda i: train_ex[i].record.id)
    rng = random.Random(seed)
    rng.shuffle(order)
    rows = []
    placeholder = Calibrator(CALIBRATION_FEATURES, np.zeros(len(CALIBRATION_FEATURES)), 0.0)
    for k in range(folds):
        held = [train_ex[i] for i in order[k::folds]]
        rest = [train_ex[i] for n, i in enumerate(order) if n % folds != k]
        w, d, b = _fit(rest, vocab, seed, c)
        fold_model = EventModel(name, CLASSES, vocab, w, d, b, verb_types, cameo_memory, placeholder, 0.0, {})
        rows.extend(_calibration_rows(held, fold_model, lexicon))
    first = _fit_calibrator([(f, ok) for f, ok, *_ in rows], seed)
    selected = _selected_rows(rows, first, train_ex)
    calibrator = _fit_calibrator(selected, seed)
    threshold = _best_threshold(rows, calibrator, train_ex)
    log(f"keep threshold {threshold}; fitting on the whole train split")
    w, d, b = _fit(train_ex, vocab, seed, c)
    meta = {"corpus_sha256": corpus_digest(records), "seed": seed, "c": c, "min_count": min_count,
            "train_sentences": len(train_records), "dev_sentences": len(dev_records),
            "train_events": dict(sorted(counts.items()))}
    model = EventModel(name, CLASSES, vocab, w, d, b, verb_types, cameo_memory, calibrator, threshold, meta)
    report = evaluate_dev(model, dev_ex, lexicon) if dev_ex else {}
    model.meta["dev"] = {k: v for k, v in report.items() if k != "reliability"}
    model.meta["reliability"] = report.get("reliability", [])
    return model, report


def corpus_digest(records: Iterable[LabelledSentence]) -> str:
    """A digest of the labelled data a model was trained on (ids and texts, in id order)."""
    h = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.id):
        h.update(f"{r.id}\t{r.text}\t{[e.event_type for e in r.events]}\n".encode())
    return h.hexdigest()


def evaluate_dev(model: EventModel, examples: Sequence[Example], lexicon: Lexicon) -> dict:
    """Sentence-level type P/R/F1 for each coder, and the hybrid coder's reliability table."""
    report: dict = {}
    reliability = []
    for coder in ("rules", "learned", "hybrid"):
        tp = fp = fn = 0
        for ex in examples:
            mentions = code_sentence(ex.doc[:], lexicon, model, coder)
            pred = [(t, m.confidence) for m in mentions if (t := event_type_of(m.cameo)) is not None]
            gold = _gold_types(ex.record)
            matched = _match(pred, gold)
            hit = sum(ok for _, ok in matched)
            tp, fp, fn = tp + hit, fp + len(matched) - hit, fn + len(gold) - hit
            if coder == "hybrid":
                reliability.extend(matched)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        report[coder] = {"precision": round(p, 3), "recall": round(r, 3),
                         "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}
    bins = []
    for lo in np.arange(0.0, 1.0, 0.1):
        inside = [ok for conf, ok in reliability if lo <= conf < lo + 0.1 or (lo >= 0.9 and conf == 1.0)]
        if inside:
            bins.append({"from": round(float(lo), 1), "to": round(float(lo) + 0.1, 1), "events": len(inside),
                         "right": round(sum(inside) / len(inside), 3)})
    report["reliability"] = bins
    return report
