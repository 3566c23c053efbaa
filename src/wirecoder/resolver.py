"""The public actor resolver: a phrase (optionally in a context sentence, on a date, with a country hint)
-> who it names, as {text, name, country, sector, id, role, since, until, why}.

It is the pipeline's own resolution: the phrase is parsed, its head goes through `ActorResolver` (the
knowledge base, place-before-agent, name-fragment rules) and a country-less agent takes its country from the
context as in `wirecoder.context` (a place in the context sentence, a dateline, then the hint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .actors import ActorResolver
from .context import DATELINE, Clue, dateline_clue, localize
from .kb import NON_STATE_COUNTRIES
from .schema import Entity
from .truecase import needs_truecasing

FIELDS = ("text", "name", "country", "sector", "id", "role", "since", "until", "why")


@dataclass(frozen=True)
class ActorQuery:
    text: str
    context: str | None = None
    date: date | None = None
    country: str | None = None


def _find(phrase: str, sentence: str) -> tuple[int, int] | None:
    match = re.search(re.escape(phrase.strip()), sentence, flags=re.IGNORECASE)
    return (match.start(), match.end()) if match else None




def _context_clues(doc, skip: range, resolver: ActorResolver, pipeline, query: ActorQuery) -> list[Clue]:
    """A place in the context outside the phrase (as the geoparser finds them), the context's dateline, the
    caller's hint, then the country of another actor the context names."""
    clues = []
    place = next((g for g in pipeline.geoparser.parse_doc(doc) if not g.demonym and g.place.country
                  and g.tokens is not None and g.tokens[0] not in skip), None)
    if place is not None:
        clues.append(Clue(place.place.country, f"a place in the context: {place.text}"))
    if query.context:
        dateline = dateline_clue(query.context, pipeline.gazetteer)
        if dateline is not None:
            clues.append(dateline)
    if query.country:
        clues.append(Clue(query.country.upper(), f"the country hint: {query.country.upper()}"))
    other = next((a.entity for a in resolver.history if a.token_i not in skip and a.entity.country
                  and a.entity.country not in NON_STATE_COUNTRIES), None)
    if other is not None:
        clues.append(Clue(other.country, f"another actor in the context: {other.text}"))
    return clues


def _describe(entity: Entity | None, kb, day: date | None, text: str) -> dict:
    if entity is None:
        return dict.fromkeys(FIELDS) | {"text": text, "why": "no actor found"}
    entry = kb.get(entity.id) if entity.id else None
    role = entry.role_on(day) if entry is not None else None
    why = entity.why
    if why is None:
        why = f"knowledge base: {entry.name} ({entry.kind})" if entry is not None else f"agent: {entity.name}"
    return {"text": entity.text, "name": entity.name, "country": entity.country, "sector": entity.sector,
            "id": entity.id, "role": role.title if role else None,
            "since": role.start.isoformat() if role and role.start else None,
            "until": role.end.isoformat() if role and role.end else None, "why": why}


def _resolve_nouns(resolver: ActorResolver, tokens, day: date | None) -> None:
    """Resolve a parse's noun phrases, so that "the army" or "it" can refer back to them."""
    for tok in tokens:
        if tok.pos_ in ("NOUN", "PROPN") and tok.dep_ not in ("compound", "amod", "poss"):
            resolver.resolve(tok, day)


def resolve_actor(query: ActorQuery, pipeline) -> list[dict]:
    """Every actor the phrase names (usually one; an abstention is one record with no country)."""
    def parse(text: str):
        text = DATELINE.sub(lambda m: " " * len(m.group()), text)  # same length: offsets hold
        return pipeline.nlp(pipeline.truecaser(text) if needs_truecasing(text, short=True) else text)

    resolver = ActorResolver(pipeline.kb, pipeline.gazetteer)
    where = _find(query.text, query.context) if query.context else None
    if where is not None:
        doc = parse(query.context)
        span = doc.char_span(*where, alignment_mode="expand")
        context_doc = doc
    else:  # the phrase alone; a context that does not contain it still gives clues
        doc = parse(query.text)
        span = doc[:]
        context_doc = parse(query.context) if query.context else None
    if span is None or not len(span):
        return [_describe(None, pipeline.kb, query.date, query.text)]
    skip = range(span.start, span.end) if context_doc is doc else range(0)
    if context_doc is not None:
        _resolve_nouns(resolver, context_doc[:span.start] if context_doc is doc else context_doc, query.date)
    actors = resolver.resolve(span.root, query.date)
    if not actors:
        return [_describe(None, pipeline.kb, query.date, query.text)]
    entities = tuple(a.entity for a in actors)
    if context_doc is not None or query.country:
        if context_doc is doc:
            _resolve_nouns(resolver, doc[span.end:], query.date)
        clue_doc = context_doc if context_doc is not None else doc
        for clue in _context_clues(clue_doc, skip, resolver, pipeline, query):
            entities = localize(entities, clue)
    return [_describe(e, pipeline.kb, query.date, query.text) for e in entities]
