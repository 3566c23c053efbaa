"""Typed records that cross stage boundaries: Article, Entity, Place, Attribution, Event.

The JSON form of `Event` is the public contract (docs/event-record.md,
wirecoder/data/event.schema.json).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date

PLOVER_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
FACTUALITY = ("asserted", "reported", "intended", "proposed", "hypothetical", "negated")
DATE_PRECISION = ("day", "week", "month", "year")


@dataclass(frozen=True)
class Article:
    """One input document. `text` is the full text; offsets everywhere index into it.

    `body_start`/`body_end` bound the part worth coding (title, byline and footer
    boilerplate lie outside it).
    """

    doc_id: str
    text: str
    title: str | None = None
    author: str | None = None
    published: date | None = None
    url: str | None = None
    outlet: str | None = None
    source_path: str | None = None
    body_start: int = 0
    body_end: int | None = None
    feed: str | None = None  # the feed it was fetched from (`wirecoder fetch`/`watch`)

    @property
    def body_span(self) -> tuple[int, int]:
        end = len(self.text) if self.body_end is None else self.body_end
        return self.body_start, end

    def to_dict(self) -> dict:
        out = asdict(self)
        out["published"] = self.published.isoformat() if self.published else None
        return out

    @classmethod
    def from_dict(cls, obj: dict) -> Article:
        published = obj.get("published")
        return cls(**{**obj, "published": date.fromisoformat(published) if published else None})


@dataclass(frozen=True)
class Entity:
    """An actor or recipient. `why` says where its country came from when the text did not name it
    ("the event's place: Karachi", "the dateline: NEW DELHI", "coreference: Israeli troops")."""

    text: str
    name: str
    country: str | None
    sector: str | None
    id: str | None
    why: str | None = None


ENTITY_FIELDS = tuple(f.name for f in fields(Entity))


@dataclass(frozen=True)
class Place:
    text: str
    name: str
    country: str | None
    admin1: str | None
    lat: float | None
    lon: float | None
    geonameid: int | None
    feature: str | None = None  # country | admin1 | admin2 | city | region | landmark (gazetteer.FEATURES)


PLACE_FIELDS = ("text", "name", "country", "admin1", "lat", "lon", "geonameid", "feature")


@dataclass(frozen=True)
class Attribution:
    source: str
    kind: str  # media | official | anonymous | person | organization | other


@dataclass(frozen=True)
class DateMention:
    """A resolved date phrase; `start`/`end` are character offsets in the text it came from."""

    start: int
    end: int
    text: str
    date: date
    precision: str


@dataclass(frozen=True)
class Event:
    doc_id: str
    event_id: str
    event_type: str
    mode: str | None
    context: tuple[str, ...]
    cameo: str | None
    quad_class: int
    goldstein: float
    actor: tuple[Entity, ...]
    recipient: tuple[Entity, ...]
    date: str | None
    date_precision: str | None
    date_text: str | None
    location: Place | None
    attribution: Attribution | None
    factuality: str
    sentence: str
    span: tuple[int, int]
    event_text: str
    confidence: float
    coder: str
    extra: dict = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        """The JSON contract: field names exactly as documented, lists not tuples. Built field by field (every
        value is immutable), which is several times faster than `asdict`'s deep copy."""
        out = {name: getattr(self, name) for name in EVENT_FIELDS}
        out["context"] = list(self.context)
        out["actor"] = [_fields(e, ENTITY_FIELDS) for e in self.actor]
        out["recipient"] = [_fields(e, ENTITY_FIELDS) for e in self.recipient]
        out["location"] = None if self.location is None else _fields(self.location, PLACE_FIELDS)
        out["attribution"] = None if self.attribution is None else _fields(self.attribution, ATTRIBUTION_FIELDS)
        out["span"] = list(self.span)
        out["date_source"] = date_source(out)
        return out


EVENT_FIELDS = tuple(f.name for f in fields(Event) if f.name != "extra")
ATTRIBUTION_FIELDS = tuple(f.name for f in fields(Attribution))


DATE_SOURCES = ("text", "published")


def date_source(record: dict) -> str | None:
    """Where a record's date came from: "text" (a date phrase), "published" (the publication date, used when the
    text gives none) or None (no date). Records written before the field existed get it from `date_text`."""
    if record.get("date_source") in DATE_SOURCES:
        return record["date_source"]
    if not record.get("date"):
        return None
    return "text" if record.get("date_text") else "published"


def combined_code(country: str | None, sector: str | None) -> str | None:
    """An actor's CAMEO-style code, country then sector: SYRMIL, SYR, MIL (no country), or None."""
    return ((country or "") + (sector or "")) or None


def _fields(obj, names: tuple[str, ...]) -> dict:
    return {name: getattr(obj, name) for name in names}
