"""Features of a candidate trigger token in a spaCy parse, for the learned event detector.

A candidate is a verb or a common noun. Its features are sparse strings (the word, its syntactic frame,
its arguments' kinds, the words around it, what the rule lexicon and PETRARCH-2's verb dictionary say of
it) plus the parser's own 96-dimensional contextual vector for the token (`doc.tensor`). A bag of the whole
sentence's words was tried and left out: it fits the corpus's topics and transfers worse (docs/model-card.md).
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from ..lexicon import Lexicon
from ..ontology import event_type_of

CANDIDATE_POS = {"VERB", "NOUN"}
ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "obj", "dative", "agent", "xcomp", "ccomp", "prt", "neg", "aux",
            "auxpass", "amod", "compound", "poss", "acomp", "attr", "oprd"}
# Contextual vectors are scaled so that they weigh about as much as a handful of sparse features.
DENSE_SCALE = 0.25


def is_candidate(tok: Token) -> bool:
    return tok.pos_ in CANDIDATE_POS and tok.is_alpha and len(tok.text) > 1


def _kind(tok: Token) -> str:
    """A coarse class for an argument: its entity type, else pronoun/noun."""
    if tok.ent_type_:
        return tok.ent_type_
    if tok.pos_ == "PRON":
        return "PRON"
    return tok.pos_


def lexicon_features(tok: Token, lexicon: Lexicon | None, verb_types: dict[str, tuple[str, ...]]) -> list[str]:
    lemma = tok.lemma_.lower()
    pos = "VERB" if tok.pos_ == "VERB" else "NOUN"
    out = []
    if lexicon is not None:
        for row in lexicon.rows(lemma, pos):
            out.append(f"lex={row.kind}")
            event_type = event_type_of(row.cameo)
            if event_type:
                out.append(f"lex={row.kind}:{event_type}")
    if pos == "VERB" and lemma in verb_types:
        first, *rest = verb_types[lemma]
        out.append(f"pv1={first}")  # the verb's own code ("-": none, only its patterns code)
        out.extend(f"pv={t}" for t in rest)
    return out


def token_features(tok: Token, lexicon: Lexicon | None, verb_types: dict[str, tuple[str, ...]]) -> list[str]:
    lemma = tok.lemma_.lower()
    head = tok.head
    f = [
        "b", f"l={lemma}", f"w={tok.lower_}", f"p={tok.pos_}", f"t={tok.tag_}", f"d={tok.dep_}",
        f"ld={lemma}|{tok.dep_}", f"h={head.lemma_.lower()}", f"hd={head.lemma_.lower()}|{tok.dep_}",
        f"hp={head.pos_}|{tok.dep_}",
    ]
    for child in tok.children:
        dep = child.dep_
        if dep in ARG_DEPS:
            f.append(f"c={dep}")
            f.append(f"c={dep}:{child.lemma_.lower()}")
            if dep in ("nsubj", "nsubjpass", "dobj", "obj", "agent", "poss", "compound", "amod"):
                f.append(f"ck={dep}:{_kind(child)}")
                f.append(f"lc={lemma}|{dep}:{child.lemma_.lower()}")
        elif dep == "prep":
            pobj = next((g for g in child.children if g.dep_ in ("pobj", "pcomp")), None)
            f.append(f"pp={child.lower_}")
            f.append(f"lp={lemma}|{child.lower_}")
            if pobj is not None:
                f.append(f"pp={child.lower_}:{pobj.lemma_.lower()}")
                f.append(f"pk={child.lower_}:{_kind(pobj)}")
    if tok.dep_ == "pobj":
        f.append(f"up={head.lower_}|{head.head.lemma_.lower()}")
    doc = tok.doc
    for offset in (-2, -1, 1, 2):
        j = tok.i + offset
        word = doc[j].lower_ if 0 <= j < len(doc) else "<s>"
        f.append(f"w{offset}={word}")
    if tok.i + 1 < len(doc):
        f.append(f"bi={tok.lower_}_{doc[tok.i + 1].lower_}")
    f.extend(lexicon_features(tok, lexicon, verb_types))
    return f


def candidates(sent: Span) -> list[Token]:
    return [t for t in sent if is_candidate(t)]
