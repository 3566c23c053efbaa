"""Who the article says an event's information comes from: speech verbs, "according to", "reported by"."""

from __future__ import annotations

from spacy.tokens import Span, Token

from .actors import np_tokens
from .coder import subject_of
from .context import media_outlets
from .schema import Attribution
from .words import word_class

SPEECH_LEMMAS = word_class("speech_verbs")
ANONYMOUS_MARKERS = word_class("anonymous_markers")
OFFICIAL_MARKERS = word_class("official_markers")


def _source_text(tok: Token) -> str:
    words = np_tokens(tok)
    # keep an apposition or compound title ("Kremlin spokesman Dmitry Peskov")
    start, end = words[0].i, words[-1].i + 1
    text = " ".join(tok.doc[start:end].text.replace("*", " ").split()).strip(" ,")
    for article in ("the ", "The "):
        if text.startswith(article) and text[4:5].isupper():
            text = text[4:]
    return text


def classify_source(text: str) -> str:
    low = text.lower().replace("*", "")
    words = set(low.replace(",", " ").split())
    outlets = media_outlets()
    if any(o in low for o in outlets if len(o) > 3) or words & {"newspaper", "daily", "agency", "channel",
                                                                  "television", "tv", "media", "radio"}:
        return "media"
    if words & {"unnamed", "anonymous", "unidentified"} or (
            words & ANONYMOUS_MARKERS and not any(w[:1].isupper() for w in text.split()[1:])):
        return "anonymous"
    if words & OFFICIAL_MARKERS:
        return "official"
    if text[:1].isupper():
        return "person" if len(text.split()) <= 4 else "organization"
    return "other"


def make_attribution(tok: Token) -> Attribution:
    text = _source_text(tok)
    return Attribution(source=text, kind=classify_source(text))


def speech_source(verb: Token) -> Token | None:
    """The subject of a speech verb, or the agent of a passive one ("first reported by the FT")."""
    subj, passive = subject_of(verb)
    if subj is not None and not passive:
        return subj
    for child in verb.children:
        if child.dep_ == "agent" or (child.dep_ == "prep" and child.lower_ == "by"):
            for g in child.children:
                if g.dep_ == "pobj":
                    return g
    if verb.dep_ == "acl" and verb.head.dep_ in ("dobj", "obj"):
        # "Erdogan issued a statement declaring that ...": the maker of the statement speaks
        subj, passive = subject_of(verb.head.head)
        if subj is not None and not passive:
            return subj
    return None


def sentence_attribution(sent: Span) -> Attribution | None:
    """A source named for the whole sentence: "according to X", "first reported by X"."""
    for tok in sent:
        if tok.lower_ == "according" and tok.i + 1 < sent.end and tok.doc[tok.i + 1].lower_ == "to":
            pobj = next((c for c in tok.doc[tok.i + 1].children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return make_attribution(pobj)
        if tok.lemma_ == "report" and tok.tag_ == "VBN" and tok.dep_ in ("acl", "relcl", "advcl"):
            src = speech_source(tok)
            if src is not None:
                return make_attribution(src)
    return None


def event_attribution(trigger: Token, sent: Span) -> tuple[Attribution | None, bool]:
    """(attribution, reported) for an event trigger: the nearest speech verb above it, if any."""
    reported = any(t.lower_ in {"reportedly", "allegedly", "purportedly"} for t in sent)
    cur = trigger
    steps = 0
    while cur.head.i != cur.i and steps < 12:
        steps += 1
        dep = cur.dep_
        cur = cur.head
        if cur.lemma_.lower() in SPEECH_LEMMAS and dep in ("ccomp", "parataxis", "conj", "advcl", "xcomp",
                                                          "dobj", "nsubj"):
            src = speech_source(cur)
            if src is not None and src.i != trigger.i:
                return make_attribution(src), True
    # Speech verb whose quote precedes it: '"...," Peskov told reporters.' parses the quote as ccomp.
    root = sent.root
    if root.lemma_.lower() in SPEECH_LEMMAS and trigger.i != root.i:
        src = speech_source(root)
        if src is not None and not (src.left_edge.i <= trigger.i <= src.right_edge.i):
            return make_attribution(src), True
    sentence_level = sentence_attribution(sent)
    if sentence_level is not None:
        return sentence_level, True
    return None, reported
