"""The learned and hybrid coders: event mentions of one sentence from the model, alone or beside the rules.

Hybrid (the default): the rule coder's mentions are re-scored (and re-typed when the model is sure of
another type), the model proposes events at tokens no rule coded, and a calibrator turns what both said
into one confidence; candidates below the model's keep threshold are dropped. The rules still give
trigger spans, actors, recipients, negation and modality for every event, learned ones included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from spacy.tokens import Span, Token

from ..coder import CONTROL_CLASSES, Mention, _event, _Sentence, find_mentions, subject_of
from ..lexicon import Lexicon, Trigger
from ..ontology import DEFAULT_CAMEO, event_type_of
from .features import candidates
from .model import EventModel

CODERS = ("rules", "learned", "hybrid")
# A token is proposed as an event when its most probable type has at least this probability; the
# calibrator then decides whether it is kept (so recall is not capped by the classifier's arg-max).
PROPOSE_MIN = 0.15
# A rule event is re-typed only when the model is sure of another type and gives the rule's type little
# chance: the rules' conditions encode distinctions a token classifier misses ("air strikes").
RETYPE_MIN = 0.9
RETYPE_OLD_MAX = 0.1
# A rule event is dropped only when its calibrated confidence is under the keep threshold and the model
# is this sure it is no event at all (background mentions the corpus leaves unlabelled are the usual case).
REJECT_NONE_MIN = 0.99
# An event only the model found needs at least this calibrated confidence (above the keep threshold):
# on real news outside the corpus's style the model's own proposals are its least reliable output.
LEARNED_MIN = 0.7
# Dependencies by which a token belongs to a rule trigger's event (its complement or object).
_GOVERNED = {"xcomp", "ccomp", "dobj", "obj", "pobj", "prep", "pcomp", "prt", "acomp"}


@dataclass(frozen=True)
class LearnedTrigger(Trigger):
    """A trigger the model found: it names the model and the type instead of a lexicon line."""

    model: str = ""
    event_type: str = ""

    @property
    def rule_id(self) -> str:
        return f"learned:{self.model}:{self.event_type}@{self.lemma}/{self.pos}"


@dataclass
class Candidate:
    mention: Mention
    event_type: str
    values: dict[str, float]
    group: int  # candidates of one group are alternatives: the best one is kept


def cameo_for(tok: Token, event_type: str, lexicon: Lexicon, model: EventModel) -> str:
    """The most specific CAMEO code known for this word as an event of this type."""
    lemma = tok.lemma_.lower()
    pos = "VERB" if tok.pos_ in ("VERB", "AUX") else "NOUN"
    for row in lexicon.rows(lemma, pos):
        if row.cameo and row.kind in ("event", "inverse") and event_type_of(row.cameo) == event_type:
            return row.cameo
    return model.cameo_by_lemma.get(f"{lemma}|{event_type}") or DEFAULT_CAMEO[event_type]


def _best_event(p: np.ndarray, model: EventModel) -> int:
    """Index of the most probable event type (NONE left out)."""
    masked = p.copy()
    masked[model.none_index] = -1.0
    return int(np.argmax(masked))


def _light_head(trigger: Token) -> int | None:
    """The verb a rule's noun trigger is the object of ("held talks", "engaged them in a firefight")."""
    if trigger.dep_ in ("dobj", "obj", "attr", "nsubjpass", "nsubj"):
        return trigger.head.i
    if trigger.dep_ == "pobj" and trigger.head.dep_ == "prep":
        return trigger.head.head.i
    return None


def _governed_by(tok: Token, triggers: set[int]) -> bool:
    cur = tok
    for _ in range(3):
        if cur.dep_ not in _GOVERNED or cur.head.i == cur.i:
            return False
        cur = cur.head
        if cur.i in triggers:
            return True
    return False


def _learned_mention(tok: Token, event_type: str, p: float, lexicon: Lexicon, model: EventModel) -> Mention:
    pos = "VERB" if tok.pos_ in ("VERB", "AUX") else "NOUN"
    cameo = cameo_for(tok, event_type, lexicon, model)
    row = LearnedTrigger(tok.lemma_.lower(), None, pos, "event", cameo, (), round(p, 3), 0,
                         model=model.name, event_type=event_type)
    state = _Sentence(lexicon)
    if pos == "NOUN" and tok.dep_ in ("dobj", "obj") and tok.head.pos_ in ("VERB", "AUX"):
        subj, passive = subject_of(tok.head)  # "held talks", "launched an offensive": the verb's subject acts
        if subj is not None and not passive:
            state.light_subjects[tok.i] = subj
    return _event(tok, row, cameo, state)


def _values(p: np.ndarray, model: EventModel, event_type: str, mention: Mention, *, rule: Mention | None,
            retyped: bool) -> dict[str, float]:
    p_type = float(p[model.classes.index(event_type)])
    rule_conf = rule.confidence if rule is not None else 0.0
    return {
        "p_type": p_type, "p_none": float(p[model.none_index]), "rule": 1.0 if rule is not None else 0.0,
        "rule_conf": rule_conf, "rule_x_p": rule_conf * p_type, "retyped": 1.0 if retyped else 0.0,
        "learned_only": 1.0 if rule is None else 0.0, "has_actor": 1.0 if mention.actor_heads else 0.0,
        "has_recipient": 1.0 if mention.recipient_heads else 0.0,
        "modal": 0.0 if mention.factuality == "asserted" else 1.0,
    }


def candidate_events(sent: Span, lexicon: Lexicon, model: EventModel, *, use_rules: bool = True) -> list[Candidate]:
    """Every event the coders consider in a sentence, with what the calibrator needs to score it."""
    doc = sent.doc
    consumed: set[int] = set()
    rule_mentions = find_mentions(sent, lexicon, consumed) if use_rules else []
    tokens = candidates(sent)
    seen = {t.i for t in tokens}
    tokens += [doc[i] for i in dict.fromkeys(m.trigger for m in rule_mentions) if i not in seen]
    probs = model.probabilities(tokens, lexicon)
    row_of = {t.i: r for r, t in enumerate(tokens)}
    out: list[Candidate] = []
    covered: set[int] = set()
    triggers = {m.trigger for m in rule_mentions}
    light = {_light_head(doc[m.trigger]) for m in rule_mentions} - {None}
    control = {m.trigger for m in rule_mentions if m.rule.kind in CONTROL_CLASSES}
    for group, m in enumerate(rule_mentions):
        covered.update(range(m.trigger, m.trigger_end))
        p = probs[row_of[m.trigger]]
        rule_type = event_type_of(m.cameo)
        if rule_type is None:
            continue
        out.append(Candidate(m, rule_type, _values(p, model, rule_type, m, rule=m, retyped=False), group))
        best = _best_event(p, model)
        best_type = model.classes[best]
        specific = bool(m.rule.conditions or m.rule.particle)  # the row chose a sense: keep it
        if (best_type != rule_type and not specific and p[best] >= RETYPE_MIN
                and p[model.classes.index(rule_type)] < RETYPE_OLD_MAX):
            cameo = cameo_for(doc[m.trigger], best_type, lexicon, model)
            retyped = replace(m, cameo=cameo)
            out.append(Candidate(retyped, best_type, _values(p, model, best_type, retyped, rule=m, retyped=True),
                                 group))
    proposals = []
    for tok in tokens:
        if (tok.i in covered or tok.i in triggers or tok.i in light or tok.i in consumed
                or _governed_by(tok, control | triggers)):
            continue
        p = probs[row_of[tok.i]]
        best = _best_event(p, model)
        if p[best] >= PROPOSE_MIN:
            proposals.append((tok, model.classes[best], float(p[best]), p))
    chosen = {tok.i: (tok, t, pb, p) for tok, t, pb, p in proposals}
    for tok, event_type, pb, _ in proposals:
        # "held talks": one event, not two, when a word and its head are proposed with one type
        other = chosen.get(tok.head.i) if tok.head.i != tok.i else None
        if other is not None and other[1] == event_type and tok.i in chosen:
            if other[2] >= pb:
                del chosen[tok.i]
            else:
                del chosen[tok.head.i]
    rule_types = {m.trigger: event_type_of(m.cameo) for m in rule_mentions}
    for tok, event_type, _, _ in list(chosen.values()):
        # "a Turkish ambush and shooting down of a warplane": a conjunct of a rule trigger, same type
        if tok.dep_ == "conj" and rule_types.get(tok.head.i) == event_type:
            del chosen[tok.i]
    for n, (tok, event_type, pb, p) in enumerate(sorted(chosen.values(), key=lambda c: c[0].i)):
        mention = _learned_mention(tok, event_type, pb, lexicon, model)
        out.append(Candidate(mention, event_type, _values(p, model, event_type, mention, rule=None, retyped=False),
                             len(rule_mentions) + n))
    return out


def select(cands: list[Candidate], model: EventModel) -> list[Mention]:
    """The best candidate of each group, with its calibrated confidence, if it clears the threshold."""
    best: dict[int, tuple[float, Candidate]] = {}
    for c in cands:
        score = model.calibrator(c.values)
        if c.group not in best or score > best[c.group][0]:
            best[c.group] = (score, c)
    out = []
    for score, c in best.values():
        if c.values["learned_only"] and score < LEARNED_MIN:
            continue
        if score >= model.keep_threshold or (c.values["rule"] and c.values["p_none"] < REJECT_NONE_MIN):
            out.append(replace(c.mention, confidence=round(score, 3), coded_by=_coded_by(c, model)))
    out.sort(key=lambda m: m.trigger)
    return out


def _coded_by(c: Candidate, model: EventModel) -> str:
    rule_id = c.mention.rule.rule_id
    if c.values["learned_only"]:
        return rule_id
    if c.values["retyped"]:
        return f"{rule_id} retyped by learned:{model.name}:{c.event_type}"
    return f"{rule_id} + learned:{model.name}"


def code_sentence(sent: Span, lexicon: Lexicon, model: EventModel | None, coder: str) -> list[Mention]:
    """Event mentions of one sentence by the chosen coder: rules, learned or hybrid."""
    if coder == "rules" or model is None:
        return find_mentions(sent, lexicon)
    return select(candidate_events(sent, lexicon, model, use_rules=coder == "hybrid"), model)
