"""Resolve a noun phrase in a parse to actor entities (country + sector) with the knowledge base."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date

from spacy.tokens import Token

from .gazetteer import Gazetteer
from .kb import KBMatch, KnowledgeBase
from .schema import Entity
from .words import word_class

# Dependencies that end a noun phrase when collecting its tokens.
_NP_STOP_DEPS = {"conj", "cc", "relcl", "acl", "punct", "appos", "advcl", "prep", "ccomp", "xcomp"}
# Kinds of KB entry that name who acts (a country alone only gives the country).
_SPECIFIC_KINDS = {"person", "group", "organization", "metonym", "capital"}
PRONOUNS_PERSON = word_class("person_pronouns")
PRONOUNS_THING = word_class("thing_pronouns")
PRONOUNS_PLURAL = word_class("plural_pronouns")
PERSON_TITLES = word_class("person_titles")
# How far back (in tokens) a pronoun or definite description looks for what it refers to.
PERSON_WINDOW = 400
THING_WINDOW = 120
FORMER_WORDS = word_class("former_words")
SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
# Sectors of office holders, who become elites when out of office.
OFFICIAL_SECTORS = {"GOV", "MIL", "LEG", "JUD", "COP", "SPY"}
# Population a town needs to place an agent when the parser does not tag its name as one.
MIN_UNTAGGED_TOWN = 100_000
# Sectors an organisation keeps whatever agent noun follows it ("the NATO secretary-general" is IGO).
KEPT_SECTORS = {"IGO", "NGO", "PRE"}
# Kinds of match that name a place or a nation, and so cannot be one word of a longer person's name.
_PLACE_KINDS = {"country", "capital", "demonym", "metonym"}


@dataclass(frozen=True)
class ResolvedActor:
    entity: Entity
    token_i: int  # head token index in the doc
    kind: str     # KB kind of the deciding match, or "agent"
    plural: bool = False
    subject: bool = False  # the phrase was a clause's subject (the likelier antecedent of a pronoun)


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
    """Turns parse tokens into `Entity` records. Remembers the actors of one article, so that pronouns
    ("he", "it", "their") and definite descriptions ("the army", "the two leaders") refer back to them."""

    def __init__(self, kb: KnowledgeBase, gazetteer: Gazetteer | None = None) -> None:
        self.kb = kb
        self.gazetteer = gazetteer
        self.history: list[ResolvedActor] = []
        self.country_entries = country_entries(kb)

    def resolve(self, tok: Token, day: date | None) -> list[ResolvedActor]:
        """The actors a noun phrase names: usually one; "US and British activists" names two."""
        if tok.pos_ == "PRON" or tok.lower_ in PRONOUNS_PERSON | PRONOUNS_THING | PRONOUNS_PLURAL:
            return self._pronoun(tok)
        words = _without_dependent_modifiers(_with_whole_names(np_tokens(tok), tok, self.kb))
        if not words or tok not in words:
            return []
        matches = self.kb.match([w.text for w in words], [w.lemma_ for w in words])
        matches = _without_name_fragments(matches, words, tok)
        if not matches:
            return []
        actors = self._combine(matches, words, tok, _span_text(words), day)
        if any(w.lower_ in FORMER_WORDS for w in words if w.i < tok.i):
            # "former Georgian president Mikheil Saakashvili": out of office, an elite (PLOVER ELI)
            actors = [ResolvedActor(replace(a.entity, sector="ELI"), a.token_i, a.kind)
                      if a.entity.sector in OFFICIAL_SECTORS else a for a in actors]
        actors = [self._refer_back(a, tok) for a in actors]
        plural, subject = tok.tag_ in ("NNS", "NNPS"), tok.dep_ in SUBJECT_DEPS
        actors = [ResolvedActor(a.entity, a.token_i, a.kind, plural, subject) for a in actors]
        self.history.extend(actors)
        return actors

    def _earlier(self, tok: Token, window: int) -> list[ResolvedActor]:
        """Actors seen before `tok` within `window` tokens, nearest first."""
        return [a for a in reversed(self.history) if tok.i - window <= a.token_i < tok.i]

    def _pronoun(self, tok: Token) -> list[ResolvedActor]:
        """The nearest earlier actor that agrees with the pronoun; subjects first (centering: "Turkey sent
        troops into Syria. It also shelled ..." is Turkey)."""
        low = tok.lower_
        if low in PRONOUNS_PERSON:
            fits, window = (lambda a: a.kind == "person"), PERSON_WINDOW
        elif low in PRONOUNS_THING:
            fits, window = (lambda a: a.kind != "person" and not a.plural and a.entity.country), THING_WINDOW
        elif low in PRONOUNS_PLURAL:
            fits, window = (lambda a: (a.plural or a.kind == "group") and a.entity.country), THING_WINDOW
        else:
            return []
        candidates = [a for a in self._earlier(tok, window) if fits(a)]
        found = next((a for a in candidates if a.subject), candidates[0] if candidates else None)
        if found is None:
            return []
        entity = found.entity if found.entity.why else replace(found.entity, why=f"coreference: {found.entity.text}")
        return [ResolvedActor(entity, tok.i, found.kind, found.plural)]

    def _refer_back(self, actor: ResolvedActor, tok: Token) -> ResolvedActor:
        """A bare agent ("the army", "the ministry", "the president") takes the country of the nearest
        earlier actor of the same sector: "Israeli troops ... the army said"."""
        if actor.kind != "agent" or actor.entity.country is not None:
            return actor
        if any(c.dep_ == "det" and c.lower_ in ("a", "an", "another", "some", "other") for c in tok.children):
            return actor
        wanted_person = tok.lemma_.lower() in PERSON_TITLES
        for earlier in self._earlier(tok, PERSON_WINDOW if wanted_person else THING_WINDOW):
            if earlier.entity.country is None or earlier.entity.sector != actor.entity.sector:
                continue
            if wanted_person and earlier.kind != "person":
                continue
            entity = replace(earlier.entity, text=actor.entity.text,
                             why=earlier.entity.why or f"coreference: {earlier.entity.text}")
            return ResolvedActor(entity, actor.token_i, earlier.kind, actor.plural)
        return actor

    def _combine(self, matches: list[KBMatch], words: list[Token], head: Token, text: str,
                 day: date | None) -> list[ResolvedActor]:
        head_pos = words.index(head)

        def covers_head(m: KBMatch) -> bool:
            return m.start <= head_pos < m.end

        # a one-word name that opens the sentence, that the parser reads as a common noun and that is also
        # an agent noun ("Youth groups") is not that name
        entries = [m for m in matches if m.entry is not None and not (
            m.end - m.start == 1 and m.entry.kind in ("group", "person", "organization")
            and words[m.start].pos_ != "PROPN" and not words[m.start].is_upper
            and words[m.start].is_sent_start and self.kb.is_agent_word(words[m.start].lower_))]
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
            if head_agent is not None and chosen.entry.kind != "person" and sector not in KEPT_SECTORS:
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
            place = self._place_before(words, matches, head_agent)
            if place is not None:
                country, where = place
                base = self.country_entries.get(country)
                name = f"{base.name if base else country} {head_agent.agent.name}"
                entity = Entity(text=text, name=name, country=country, sector=head_agent.agent.sector,
                                id=f"{base.id}+{head_agent.agent.id}" if base else head_agent.agent.id,
                                why=f"the place before the agent: {where}")
                return [ResolvedActor(entity, head.i, "agent")]
            entity = Entity(text=text, name=head_agent.agent.name, country=None, sector=head_agent.agent.sector,
                            id=head_agent.agent.id)
            return [ResolvedActor(entity, head.i, "agent")]
        return []

    def _place_before(self, words: list[Token], matches: list[KBMatch], agent: KBMatch) -> tuple[str, str] | None:
        """"Lagos police", "the Sindh provincial government": a town or province named just before an
        agent gives the agent's country (the gazetteer's towns, then GeoNames first-order divisions)."""
        if self.gazetteer is None:
            return None
        covered = {k for m in matches for k in range(m.start, m.end)}
        names: list[list[Token]] = []
        for k in range(agent.start):
            w = words[k]
            if k in covered or w.ent_type_ in ("PERSON", "NORP") or w.is_stop or not (
                    w.pos_ == "PROPN" or w.ent_type_ in ("GPE", "LOC", "FAC") or w.is_title):
                continue
            if names and names[-1][-1].i == w.i - 1:
                names[-1].append(w)
            else:
                names.append([w])
        for group in reversed(names):
            where = group[0].doc[group[0].i:group[-1].i + 1].text
            named = all(w.pos_ == "PROPN" or w.ent_type_ in ("GPE", "LOC", "FAC", "ORG") for w in group)
            # a capitalised word the parser does not call a name ("Peshawar police" as a headline) must
            # name a sizeable town: "Federal police" is not Federal, Argentina
            country = self.gazetteer.division_country(where) if named else None
            if country is None:
                country = self.gazetteer.town_country(where, min_population=0 if named else MIN_UNTAGGED_TOWN)
            if country:
                return country, where
        return None

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


def _with_whole_names(words: list[Token], head: Token, kb: KnowledgeBase) -> list[Token]:
    """Add back what `np_tokens` cut from a name that runs through the head: the parser hangs "Without
    Borders" on "Doctors" as a preposition, but "Doctors Without Borders" is one name."""
    doc = head.doc
    span = doc[head.left_edge.i:head.right_edge.i + 1]
    if len(span) <= len(words):
        return words
    for m in kb.match([t.text for t in span]):
        first, last = span[m.start], span[m.end - 1]
        if m.entry is not None and first.i <= head.i <= last.i and (first.i < words[0].i or last.i > words[-1].i):
            return sorted(set(words) | set(span[m.start:m.end]), key=lambda t: t.i)
    return words


def _without_name_fragments(matches: list[KBMatch], words: list[Token], head: Token) -> list[KBMatch]:
    """Drop a place or nation matched inside a longer name ("Jordan Peterson", "Paris Hilton", "the Jordan
    River": the head is a proper noun nothing matched), and a one-word name followed by more of the same
    person's name that the KB does not know."""
    covered = {k for m in matches if m.entry is not None for k in range(m.start, m.end)}
    index = {w.i: k for k, w in enumerate(words)}
    head_k = index.get(head.i)
    bare_head = (head_k is not None and head.pos_ in ("PROPN", "NOUN") and head.is_title and not head.is_sent_start
                 and not any(m.start <= head_k < m.end for m in matches))
    out = []
    for m in matches:
        if (bare_head and m.entry is not None and m.entry.kind in _PLACE_KINDS and m.end == head_k
                and words[m.end - 1].tag_ != "POS"):
            continue
        if m.entry is not None and words[m.start].ent_type_ == "PERSON":
            span = [index[t.i] for t in _entity_tokens(words[m.start]) if t.i in index]
            others = [k for k in span if not m.start <= k < m.end and words[k].pos_ == "PROPN" and k not in covered]
            if m.entry.kind in _PLACE_KINDS and others:
                continue
            if m.entry.kind == "person" and m.end - m.start == 1 and any(k >= m.end for k in others):
                continue
        out.append(m)
    return out


def _entity_tokens(tok: Token) -> list[Token]:
    """The tokens of the named entity `tok` is in."""
    doc = tok.doc
    start = tok.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = tok.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return list(doc[start:end])


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
    text = span.text.strip()
    for prefix in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text
