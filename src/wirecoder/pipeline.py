"""The coding pipeline: Article -> parse -> mentions -> resolved, dated, geocoded events -> merged events."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from spacy.tokens import Doc, Span

from . import __version__
from .actors import ActorResolver, country_entries
from .attribution import event_attribution
from .coder import Mention
from .context import DATELINE, ArticleContext, Clue, about_clue, article_context, localize, place_clue
from .dates import find_dates, resolve
from .gazetteer import Gazetteer, default_gazetteer
from .geoparse import GeoMention, Geoparser, most_specific, pieces
from .kb import KnowledgeBase, default_kb
from .learned.coder import CODERS, code_sentence
from .learned.model import EventModel, default_model, load_model
from .lexicon import Lexicon, load_lexicon
from .nlp import load_nlp
from .ontology import event_type_of, goldstein, plover_for, quad_class_of
from .schema import Article, DateMention, Entity, Event, Place
from .truecase import Truecaser, needs_truecasing
from .words import word_class

CODER_NAME = f"wirecoder-rules/{__version__}"
DEFAULT_CODER = "hybrid"
# Events below this confidence are dropped; calibrated on the seed article and the conformance suites.
MIN_CONFIDENCE = 0.3
LOCATION_PREPS = word_class("location_preps")
OBJECT_PLACE_PREPS = {"in", "at", "into"}
COMPLEMENT_PLACE_PREPS = LOCATION_PREPS | {"into"}
# Characters replaced by spaces before parsing (same length, so offsets hold): markdown emphasis.
_PARSE_BLANKS = re.compile(r"[*_]{1,2}")
# A paragraph break inside a sentence (wrapped text): the line before ends without final punctuation.
_BROKEN_BREAK = re.compile(r"(?<=[A-Za-z,;])\n\s*\n(?=[A-Za-z])")


@dataclass(frozen=True)
class _Resolved:
    mention: Mention
    sent: Span
    actor: tuple[Entity, ...]
    recipient: tuple[Entity, ...]
    date: DateMention | None
    location: Place | None
    location_confidence: float = 0.0


def parse_text(article: Article, truecaser: Truecaser | None = None) -> tuple[str, int]:
    """The body text prepared for the parser (same length as the original) and its offset."""
    start, end = article.body_span
    body = article.text[start:end]
    if truecaser is not None and needs_truecasing(body):
        body = truecaser(body)
    body = _PARSE_BLANKS.sub(lambda m: " " * len(m.group()), body)
    body = _BROKEN_BREAK.sub(lambda m: " " * len(m.group()), body)
    body = DATELINE.sub(lambda m: " " * len(m.group()), body)
    return body, start


class Pipeline:
    """Codes articles into events. Holds the parser and the knowledge, loaded once."""

    def __init__(self, nlp, kb: KnowledgeBase, gazetteer: Gazetteer, lexicon: Lexicon,
                 model: EventModel | None = None, coder: str = "rules") -> None:
        if coder not in CODERS:
            raise ValueError(f"unknown coder {coder!r}; choose one of {', '.join(CODERS)}")
        if coder != "rules" and model is None:
            raise ValueError(f"the {coder} coder needs a model")
        self.nlp = nlp
        self.kb = kb
        self.gazetteer = gazetteer
        self.geoparser = Geoparser(gazetteer, kb)
        self.lexicon = lexicon
        self.model = model
        self.coder = coder
        self.country_entries = country_entries(kb)
        self.truecaser = Truecaser.from_knowledge(kb, gazetteer, lexicon)

    @classmethod
    def default(cls, coder: str = DEFAULT_CODER, model: str | None = None, *, full_parse: bool = False) -> Pipeline:
        """The standard pipeline; `coder` is rules, learned or hybrid, `model` a trained model folder
        (default: the model shipped in the package); `full_parse` parses with spaCy's pipeline exactly as it
        ships instead of the faster equivalent (`nlp.load_nlp`)."""
        event_model = None
        if coder != "rules":
            event_model = load_model(model) if model else default_model()
        return cls(load_nlp(full_parse=full_parse), default_kb(), default_gazetteer(), load_lexicon(), event_model,
                   coder)

    def code(self, article: Article) -> list[Event]:
        text, offset = parse_text(article, self.truecaser)
        return self.code_parsed(article, self.nlp(text), offset)

    def code_many(self, articles: Iterable[Article], *, batch_size: int = 16,
                  n_process: int = 1) -> Iterator[tuple[Article, list[Event]]]:
        def prepared():
            for article in articles:
                text, offset = parse_text(article, self.truecaser)
                yield text, (article, offset)

        for doc, (article, offset) in self.nlp.pipe(prepared(), as_tuples=True, batch_size=batch_size,
                                                    n_process=n_process):
            yield article, self.code_parsed(article, doc, offset)

    def geoparse(self, article: Article, spans: list[tuple[int, int]] | None = None) -> list[GeoMention]:
        """Every place mention of the whole article text (title and dateline included), resolved in context;
        with `spans`, only those character spans (docs/geoparsing.md)."""
        whole = replace(article, body_start=0, body_end=None)
        text, offset = parse_text(whole, self.truecaser)
        context = article_context(whole, self.gazetteer)
        cuts = pieces(text, GEOPARSE_PIECE_CHARS)
        parsed = self.nlp.pipe((text[s:e] for s, e in cuts), batch_size=GEOPARSE_BATCH)
        docs = ((doc, offset + s) for doc, (s, _) in zip(parsed, cuts, strict=True))
        return self.geoparser.parse_docs(docs, clues=(context.dateline, context.outlet), spans=spans,
                                         text=article.text)

    def code_parsed(self, article: Article, doc: Doc, offset: int) -> list[Event]:
        resolver = ActorResolver(self.kb, self.gazetteer)
        base = article_context(article, self.gazetteer)
        places = self.geoparser.parse_doc(doc, offset=offset, clues=(base.dateline, base.outlet), text=article.text)
        resolved: list[_Resolved] = []
        for sent in doc.sents:
            dates = _sentence_dates(sent, article.published, offset)
            for mention in code_sentence(sent, self.lexicon, self.model, self.coder):
                item = self._resolve(mention, sent, dates, article, resolver, places)
                if item is not None:
                    resolved.append(item)
        # the article's main country: its named actors and every place it names with some certainty
        context = replace(base, about=about_clue(
            [e.country for item in resolved for e in item.actor + item.recipient if e.why is None]
            + [g.place.country for g in places
               if g.place.country and g.country_confidence >= MIN_PLACE_PARTY_CONFIDENCE]))
        # the latest event place in this or the previous sentences ("corridors into eastern Aleppo ... the
        # militias shelling them"), with the token where its sentence starts
        last_place: tuple[int, Place] | None = None
        out = []
        for item in resolved:
            near = last_place[1] if last_place and item.sent.start - last_place[0] <= RECENT_TOKENS else None
            out.append(self._in_context(item, context, near))
            if item.location is not None and item.location.country:
                last_place = (item.sent.start, item.location)
        resolved = out
        events = [self._event(article, item, offset) for item in resolved]
        if self.coder == "rules":  # the learned coders have already kept what clears their calibrated threshold
            events = [e for e in events if e.confidence >= MIN_CONFIDENCE]
        return [e for e in merge_mentions(events) if _has_country(e)]

    def _resolve(self, mention: Mention, sent: Span, dates: list[tuple[DateMention, Span]],
                 article: Article, resolver: ActorResolver, places: list[GeoMention]) -> _Resolved | None:
        when = _pick_date(mention, dates, article.published)
        day = when.date if when else article.published
        doc = sent.doc
        actor = _entities(resolver, [doc[i] for i in mention.actor_heads], day)
        recipient = _entities(resolver, [doc[i] for i in mention.recipient_heads], day)
        recipient = tuple(e for e in recipient if e not in actor)
        if mention.reciprocal and len(actor) > 1 and not recipient:
            actor, recipient = actor[:1], actor[1:]  # "Lavrov and his counterpart Cavusoglu met"
        geo = self._location(mention, sent, actor + recipient, places)
        # the record names the province ("Ankara"), as `wirecoder geoparse` does, not its GeoNames code ("68")
        location = replace(geo.place, admin1=geo.admin1) if geo is not None else None
        if location is not None and location.country:
            clue = place_clue(location)
            actor, recipient = localize(actor, clue), localize(recipient, clue)
            if (not recipient and event_type_of(mention.cameo) in PLACE_TARGETED and actor
                    and geo.country_confidence >= MIN_PLACE_PARTY_CONFIDENCE):
                recipient = (self._country_entity(location),)
        return _Resolved(mention, sent, actor, recipient, when, location, geo.confidence if geo else 0.0)

    def _in_context(self, item: _Resolved, context: ArticleContext, near: Place | None) -> _Resolved:
        """Countries for the parties the sentence left without one, from the article's context: a place
        named just before, the dateline, the country the article is about, the outlet."""
        actor, recipient = item.actor, item.recipient
        clues = context.clues()
        if near is not None:
            clues.insert(0, Clue(near.country, f"a place named just before: {near.name}"))
        for clue in clues:
            actor, recipient = localize(actor, clue), localize(recipient, clue)
        event_type = event_type_of(item.mention.cameo)
        countries = {e.country for e in actor if e.country}
        domestic = (event_type == "COERCE" and all(e.sector in ("COP", "JUD", "GOV") for e in actor)) or (
            event_type == "ASSAULT" and all(e.sector == "COP" for e in actor))
        if domestic and len(countries) == 1:
            # "police arrested activists", "Kanpur police shot dead a wanted criminal": a state's arrests,
            # bans and police violence fall on its own people
            recipient = localize(recipient, Clue(actor[0].country, f"the actor's country: {actor[0].text}"))
        return replace(item, actor=actor, recipient=recipient)

    def _location(self, mention: Mention, sent: Span, entities: tuple[Entity, ...],
                  places: list[GeoMention]) -> GeoMention | None:
        """The place the event happened: a geoparsed place under a preposition on the trigger or its clause
        verb (a demonym is not a place of the event), re-resolved toward the parties' country."""
        doc = sent.doc
        hints = [e.country for e in entities if e.country and len(e.country) == 3]

        def under(tokens: set[int], *, towns_only: bool = False) -> GeoMention | None:
            found = [g for g in places if g.tokens is not None and not g.demonym and g.tokens[0] in tokens
                     and (not towns_only or g.feature != "country") and g.confidence >= MIN_LOCATION_CONFIDENCE]
            best = most_specific(found)
            if best is None:
                return None
            for hint in hints:
                best = self.geoparser.with_hint(best, hint)
                if best.place.country == hint:
                    break
            return best

        for prep in _place_preps(doc[mention.trigger]):
            geo = under({t.i for t in prep.subtree if t.dep_ != "poss"})
            if geo is not None:
                return geo
        # "shelled Kherson", "attacked the port of Odesa": a town as the object is where it happened
        trigger = doc[mention.trigger]
        for obj in (c for c in trigger.children if c.dep_ in ("dobj", "obj")):
            geo = under({t.i for t in obj.subtree if t.dep_ != "poss"}, towns_only=True)
            if geo is not None:
                return geo
        return None

    def _country_entity(self, place: Place) -> Entity:
        """The country where a one-sided event happened, as its recipient ("protested in Beijing")."""
        entry = self.country_entries.get(place.country)
        name = entry.name if entry else (self.gazetteer.country_name(place.country) or place.country)
        return Entity(text=place.text, name=name, country=place.country, sector=None,
                      id=entry.id if entry else None)

    def _event(self, article: Article, item: _Resolved, offset: int) -> Event:
        m, sent = item.mention, item.sent
        doc = sent.doc
        trigger = doc[m.trigger]
        mapping = plover_for(m.cameo)
        event_type = mapping.event_type if mapping else "CONSULT"
        attribution, reported = event_attribution(trigger, sent)
        factuality = m.factuality
        if factuality == "asserted" and reported:
            factuality = "reported"
        when = item.date
        if when is not None and factuality == "intended" and when.text:
            future = resolve(when.text, article.published, direction="future")
            if future is not None:
                when = replace(future, start=when.start, end=when.end)
        span_start = offset + doc[m.trigger].idx
        last = doc[m.trigger_end - 1]
        span_end = offset + last.idx + len(last.text)
        event_text = article.text[span_start:span_end]
        if m.coded_by is None:
            confidence = m.confidence * (1.0 if item.actor else 0.7) * (1.0 if item.recipient else 0.85)
            coder = f"{CODER_NAME} {m.rule.rule_id}"
        else:  # calibrated by the learned model (docs/model-card.md)
            confidence = m.confidence
            coder = f"wirecoder-{self.coder}/{__version__} {m.coded_by}"
        key = f"{article.doc_id}|{span_start}|{span_end}|{m.cameo}"
        return Event(
            doc_id=article.doc_id,
            event_id=hashlib.sha1(key.encode("utf-8")).hexdigest()[:20],
            event_type=event_type,
            mode=mapping.mode if mapping else None,
            context=mapping.context if mapping else (),
            cameo=m.cameo,
            quad_class=quad_class_of(m.cameo),
            goldstein=goldstein(m.cameo),
            actor=item.actor,
            recipient=item.recipient,
            date=when.date.isoformat() if when else (article.published.isoformat() if article.published else None),
            date_precision=when.precision if when else ("day" if article.published else None),
            date_text=when.text if when else None,
            location=item.location,
            attribution=attribution,
            factuality=factuality,
            sentence=article.text[offset + sent.start_char: offset + sent.end_char].strip(),
            span=(span_start, span_end),
            event_text=event_text,
            confidence=round(confidence, 3),
            coder=coder,
            extra={"anaphoric": m.anaphoric},
        )


def _place_preps(trigger) -> list:
    """Location prepositions on the trigger, then on the verbs it hangs from (light verb, conj, xcomp)."""
    out = []
    cur, steps = trigger, 0
    while steps < 4:
        out.extend(c for c in cur.children if c.dep_ == "prep" and c.lower_ in LOCATION_PREPS)
        if cur.head.i == cur.i or cur.dep_ not in ("dobj", "pobj", "prep", "conj", "xcomp", "nsubjpass", "nsubj"):
            break
        cur, steps = cur.head, steps + 1
    # the parser often hangs "in Brussels" on the object: "will meet the commissioner in Brussels";
    # "into" on the object is where the act lands: "fired rockets into Israel", "corridors into Aleppo"
    # and a control verb's complement carries them too: "proposed opening corridors into eastern Aleppo"
    heads = [trigger] + [c for c in trigger.children if c.dep_ == "xcomp"]
    for head in heads[1:]:
        out.extend(c for c in head.children if c.dep_ == "prep" and c.lower_ in COMPLEMENT_PLACE_PREPS)
    for head in heads:
        for obj in (c for c in head.children if c.dep_ in ("dobj", "obj")):
            out.extend(c for c in obj.children if c.dep_ == "prep" and c.lower_ in OBJECT_PLACE_PREPS)
    return out


def _entities(resolver: ActorResolver, heads, day: date | None) -> tuple[Entity, ...]:
    out: list[Entity] = []
    for head in heads:
        for actor in resolver.resolve(head, day):
            if actor.entity not in out:
                out.append(actor.entity)
    return tuple(out)


# One-sided event types aimed at the country where they happen when no recipient is named
# ("activists protested in Beijing" -> CHN), as in the Phoenix/PETRARCH conventions.
PLACE_TARGETED = {"PROTEST", "ASSAULT", "COERCE", "MOBILIZE", "CONSULT"}
# Long texts are geoparsed in pieces of at most this many characters (spaCy's limit is 1,000,000), a few at a
# time, so that memory stays flat in the text's length (benchmarks/README.md).
GEOPARSE_PIECE_CHARS = 20_000
GEOPARSE_BATCH = 4
# A geocoding less sure than this is no event location: a wrong place on the map is worse than none.
MIN_LOCATION_CONFIDENCE = 0.35
# A place becomes the recipient of a one-sided event only when geocoded at least this surely.
MIN_PLACE_PARTY_CONFIDENCE = 0.6
# How far back (tokens from sentence start to sentence start) an earlier event's place still places actors.
RECENT_TOKENS = 80


# Event roots whose victims are worth recording even when the perpetrator is not named
# ("ten soldiers were killed", "a journalist was arrested").
VICTIM_ROOTS = {"17", "18", "19", "20"}


def _has_country(event: Event) -> bool:
    """Dyadic event data needs a participant placed in a country or organisation, and an actor
    unless the event is violence or coercion reported by its victims."""
    if not any(e.country for e in event.actor + event.recipient):
        return False
    return bool(event.actor) or (event.cameo or "")[:2] in VICTIM_ROOTS


def _sentence_dates(sent: Span, published: date | None, offset: int) -> list[tuple[DateMention, Span]]:
    out = []
    for mention in find_dates(sent.text, published, offset=0):
        span = sent.doc.char_span(sent.start_char + mention.start, sent.start_char + mention.end,
                                  alignment_mode="expand")
        if span is not None:
            shifted = replace(mention, start=offset + span.start_char, end=offset + span.end_char)
            out.append((shifted, span))
    return out


def _pick_date(mention: Mention, dates: list[tuple[DateMention, Span]],
               published: date | None) -> DateMention | None:
    if not dates:
        return None
    clause = set(mention.clause_tokens)
    inside = [(d, s) for d, s in dates if any(t.i in clause for t in s)]
    if inside:
        return min(inside, key=lambda ds: abs(ds[1].start - mention.trigger))[0]
    if not mention.main_clause:
        return None
    # a date on the main clause ("On Thursday, X did Y") covers the sentence's events
    root = dates[0][1].sent.root
    for d, s in dates:
        if s.root.head.i == root.i and s.root.dep_ in ("npadvmod", "prep", "pobj", "advmod", "tmod"):
            return d
    return None


def _keys(entities: tuple[Entity, ...]) -> set[str]:
    return {e.country or e.id or e.name for e in entities}


def _compatible(a: tuple[Entity, ...], b: tuple[Entity, ...]) -> bool:
    ka, kb = _keys(a), _keys(b)
    return not ka or not kb or bool(ka & kb)


def _lemma_of(event: Event) -> str:
    return event.event_text.lower().split()[0] if event.event_text else ""


def _same_event(a: Event, b: Event) -> bool:
    """Two mentions in one article describe the same event (see docs/event-record.md, "Merging")."""
    if a.event_type != b.event_type or a.cameo[:2] != b.cameo[:2]:
        return False
    modal = {"intended", "proposed", "hypothetical", "negated"}
    if (a.factuality in modal or b.factuality in modal) and a.factuality != b.factuality:
        return False
    if a.date_text and b.date_text and a.date != b.date:
        return False
    if a.location and b.location and a.location.geonameid != b.location.geonameid:
        return False
    bare_a, bare_b = not (a.actor or a.recipient), not (b.actor or b.recipient)
    if bare_a or bare_b:
        # "the talks" with no participants refers back to talks already named
        anaphor = b if bare_b else a
        return anaphor.extra.get("anaphoric", False) and _lemma_of(a) == _lemma_of(b)
    if _lemma_of(a) != _lemma_of(b) and (a.cameo[:3] != b.cameo[:3] or not (_keys(a.actor) & _keys(b.actor))):
        return False  # different words for the event: same code and the same actors
    direct = _compatible(a.actor, b.actor) and _compatible(a.recipient, b.recipient)
    shared = bool((_keys(a.actor) | _keys(a.recipient)) & (_keys(b.actor) | _keys(b.recipient)))
    return direct and shared


def _absorb(keep: Event, other: Event) -> Event:
    """Fill what `keep` lacks from another mention of the same event."""
    reports = keep.extra.get("mentions", [keep.span]) + [other.span]
    better_date = keep.date_text is None and other.date_text is not None
    return replace(
        keep,
        actor=keep.actor or other.actor,
        recipient=keep.recipient or other.recipient,
        date=other.date if better_date else keep.date,
        date_precision=other.date_precision if better_date else keep.date_precision,
        date_text=other.date_text if better_date else keep.date_text,
        location=keep.location or other.location,
        attribution=keep.attribution or other.attribution,
        factuality="reported" if (keep.factuality == "asserted" and other.attribution) else keep.factuality,
        confidence=max(keep.confidence, other.confidence),
        extra={**keep.extra, "mentions": reports},
    )


def merge_mentions(events: list[Event]) -> list[Event]:
    """One event per real event in an article: later mentions of the same event fold into the first."""
    merged: list[Event] = []
    for event in events:
        for idx, kept in enumerate(merged):
            if _same_event(kept, event):
                merged[idx] = _absorb(kept, event)
                break
        else:
            merged.append(event)
    return merged
