"""Resolve a noun phrase in a parse to actor entities (country + sector) with the knowledge base."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from spacy.tokens import Token

from .kb import KBMatch, KnowledgeBase
from .schema import Entity
from .words import word_class

# Dependencies that end a noun phrase when collecting its tokens.
_NP_STOP_DEPS = {"conj", "cc", "relcl", "acl", "punct", "appos", "advcl", "prep", "ccomp", "xcomp"}
# Kinds of KB entry that name who acts (a country alone only gives the country).
_SPECIFIC_KINDS = {"person", "group", "organization", "metonym", "capital"}
PRONOUNS_PERSON = word_class("person_pronouns")


@dataclass(frozen=True)
class ResolvedActor:
    entity: Entity
    token_i: int  # head token index in the doc
    kind: str     # KB kind of the deciding match, or "agent"


def conjuncts(tok: Token) -> list[Token]:
    """The token and the tokens conjoined to it ("Lavrov and his counterpart Cavusoglu")."""
    out = [tok]
    for child in tok.children:
        if child.dep_ == "conj":
            out.extend(conjuncts(child))
    return out


def np_tokens(tok: Token) -> list[Token]:
    """Tokens of the noun phrase headed by `tok`, without clauses, conjuncts and most prepositions.

    "of" phrases under group nouns are kept ("the government of Syria"), and appositions
    that hold a name ("his counterpart Mevlut Cavusoglu").
    """
    keep = [tok]
    for child in tok.children:
        if child.dep_ in _NP_STOP_DEPS:
            if child.dep_ == "prep" and child.lower_ == "of" and tok.lemma_.lower() in _OF_HEADS:
                keep.extend(child.subtree)
            elif child.dep_ == "prep" and child.lower_ in ("in", "from") and tok.pos_ != "PROPN" and any(
                    g.dep_ == "pobj" and g.pos_ == "PROPN" for g in child.children):
                keep.extend(child.subtree)  # "a court in Guyana", "police in Nairobi"
            elif child.dep_ == "appos":
                keep.extend(t for t in child.subtree if t.dep_ not in ("punct", "relcl", "acl")
                            and not any(a.dep_ in ("relcl", "acl") for a in t.ancestors if a in child.subtree))
            continue
        keep.extend(child.subtree)
    return sorted(set(keep), key=lambda t: t.i)


_OF_HEADS = word_class("of_heads")


class ActorResolver:
    """Turns parse tokens into `Entity` records; remembers the last person seen for he/she."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.last_person: ResolvedActor | None = None
        self.country_entries = country_entries(kb)

    def resolve(self, tok: Token, day: date | None) -> list[ResolvedActor]:
        """The actors a noun phrase names: usually one; "US and British activists" names two."""
        if tok.lower_ in PRONOUNS_PERSON:
            return [self.last_person] if self.last_person else []
        if tok.pos_ == "PRON":
            return []
        words = _without_dependent_modifiers(np_tokens(tok))
        if not words or tok not in words:
            return []
        matches = self.kb.match([w.text for w in words], [w.lemma_ for w in words])
        if not matches:
            return []
        actors = self._combine(matches, words, tok, _span_text(words), day)
        for actor in actors:
            if actor.kind == "person":
                self.last_person = actor
        return actors

    def _combine(self, matches: list[KBMatch], words: list[Token], head: Token, text: str,
                 day: date | None) -> list[ResolvedActor]:
        head_pos = words.index(head)

        def covers_head(m: KBMatch) -> bool:
            return m.start <= head_pos < m.end

        # a one-word name that the parser reads as a common noun ("Youth groups") is not that name
        entries = [m for m in matches if m.entry is not None and not (
            m.end - m.start == 1 and m.entry.kind in ("group", "person", "organization")
            and words[m.start].pos_ != "PROPN" and not words[m.start].is_upper)]
        agents = [m for m in matches if m.agent is not None]
        agent = next((m for m in agents if covers_head(m)), agents[-1] if agents else None)
        head_agent = agent if agent is not None and covers_head(agent) else None
        if head_agent is None:
            # "a court in Guyana" gives Guyana's court; "the talks in Ankara" are not Ankara
            entries = [m for m in entries if not _under_in(words, m)]
        specific = [m for m in entries if m.entry.kind in _SPECIFIC_KINDS]
        countries = [m for m in entries if m.entry.kind not in _SPECIFIC_KINDS]
        if head_agent is not None and specific and all(m.entry.kind == "capital" for m in specific):
            # "Nairobi police": a capital before an agent only gives the country
            countries, specific = countries + specific, []
        named = sorted(specific + countries, key=lambda m: m.start)
        if head_agent is not None and len(named) > 1 and _coordinated(words, named):
            # "Pakistani and Afghan Taliban forces": one actor per coordinated name
            actors = [self._modifier_actor(m, head_agent, text, head, day) for m in named]
            # "Afghan Taliban": a demonym before a group of the same country adds nothing
            return [a for a in actors if a.kind in _SPECIFIC_KINDS
                    or not any(b.kind in _SPECIFIC_KINDS and b.entity.country == a.entity.country for b in actors)]
        chosen = next((m for m in specific if covers_head(m)), specific[-1] if specific else None)
        if chosen is not None:
            if not any(covers_head(m) for m in matches) and _inside_possessive(words, chosen):
                return []  # "Washington's Kurdish proxies" are not Washington
            role = chosen.entry.role_on(day)
            sector = role.sector if role else None
            if head_agent is not None and chosen.entry.kind != "person":
                sector = head_agent.agent.sector
            entity = Entity(text=text, name=chosen.entry.name, country=role.country if role else None,
                            sector=sector, id=chosen.entry.id)
            return [ResolvedActor(entity, head.i, chosen.entry.kind)]
        if countries:
            # "US and British activists", "the US, Russia and Switzerland": one actor per country
            named = [m for m in countries if not _inside_possessive(words, m)] or countries[-1:]
            if len(named) > 1 and not _coordinated(words, named):
                # "the French military in Rwanda": the modifier names the actor, the place does not
                named = [m for m in named if not _under_in(words, m)][-1:] or named[-1:]
            if head_agent is None and not any(covers_head(m) for m in named):
                named = named[-1:]
            return [self._country_actor(m, agent, text, head, day) for m in _distinct(named, day)]
        if head_agent is not None:
            entity = Entity(text=text, name=head_agent.agent.name, country=None, sector=head_agent.agent.sector,
                            id=head_agent.agent.id)
            return [ResolvedActor(entity, head.i, "agent")]
        return []

    def _modifier_actor(self, m: KBMatch, agent: KBMatch, text: str, head: Token, day: date | None):
        if m.entry.kind in _SPECIFIC_KINDS and m.entry.kind != "capital":
            role = m.entry.role_on(day)
            entity = Entity(text=text, name=m.entry.name, country=role.country if role else None,
                            sector=agent.agent.sector, id=m.entry.id)
            return ResolvedActor(entity, head.i, m.entry.kind)
        return self._country_actor(m, agent, text, head, day)

    def _country_actor(self, m: KBMatch, agent: KBMatch | None, text: str, head: Token,
                       day: date | None) -> ResolvedActor:
        role = m.entry.role_on(day)
        country = role.country if role else None
        base = self.country_entries.get(country, m.entry)
        if agent is None:
            entity = Entity(text=text, name=base.name, country=country, sector=role.sector if role else None,
                            id=base.id)
        else:
            entity = Entity(text=text, name=f"{base.name} {agent.agent.name}", country=country,
                            sector=agent.agent.sector, id=f"{base.id}+{agent.agent.id}")
        return ResolvedActor(entity, head.i, m.entry.kind)


def _coordinated(words: list[Token], named: list[KBMatch]) -> bool:
    """True when a conjunction separates the first two names ("Pakistani and Afghan ...")."""
    doc = words[0].doc
    between = doc[words[named[0].end - 1].i + 1:words[named[1].start].i]
    return any(t.dep_ == "cc" or t.text == "," for t in between)


def _distinct(matches: list[KBMatch], day: date | None) -> list[KBMatch]:
    out, seen = [], set()
    for m in matches:
        role = m.entry.role_on(day)
        key = role.country if role else m.entry.id
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


@functools.lru_cache(maxsize=4)
def country_entries(kb: KnowledgeBase) -> dict[str, object]:
    """ISO3 -> the KB entry of the country itself (demonyms and capitals are named after it)."""
    out: dict[str, object] = {}
    for entry in kb.entries():
        if entry.kind == "country" and entry.roles and entry.roles[0].country not in out:
            out[entry.roles[0].country] = entry
    return out


# "US-backed militias", "Al Qaeda-linked groups": the named party is not the actor itself.
DEPENDENCY_PARTICIPLES = word_class("dependency_participles")


def _without_dependent_modifiers(words: list[Token]) -> list[Token]:
    out = list(words)
    for idx, tok in enumerate(words):
        if tok.text == "-" and idx + 1 < len(words) and words[idx + 1].lower_ in DEPENDENCY_PARTICIPLES:
            out = [w for w in out if w.i > words[idx + 1].i or w.i < _modifier_start(words, idx)]
    return out


def _modifier_start(words: list[Token], hyphen_idx: int) -> int:
    """Index (doc) of the first token of the name before a hyphen ("Al Qaeda" in "Al Qaeda-linked")."""
    start = hyphen_idx - 1
    while start > 0 and words[start - 1].pos_ == "PROPN" and words[start - 1].i == words[start].i - 1:
        start -= 1
    return words[max(start, 0)].i


def _under_in(words: list[Token], match: KBMatch) -> bool:
    tok = words[match.start]
    return any(a.dep_ == "prep" and a.lower_ in ("in", "from") for a in tok.ancestors if a in words)


def _inside_possessive(words: list[Token], match: KBMatch) -> bool:
    return all(any(a.dep_ == "poss" for a in [words[k], *words[k].ancestors] if a in words)
               for k in range(match.start, match.end))


def _span_text(words: list[Token]) -> str:
    doc = words[0].doc
    start, end = words[0].i, words[-1].i + 1
    span = doc[start:end]
    text = span.text
    for prefix in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text
