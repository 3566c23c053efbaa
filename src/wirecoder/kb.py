"""The actor knowledge base: named entities (countries, capitals, people, groups...) and agents.

Entities and agents are data (docs/knowledge-base.md): packaged JSONL files under wirecoder/data, which
user JSONL files extend or override. `KnowledgeBase.match` finds them in a tokenized sentence.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import DataFileError

ENTITY_KINDS = ("country", "capital", "metonym", "person", "organization", "group", "demonym", "region")
# CAMEO role (sector) codes; other triples in a code (MUS, CHR, UNO...) are refinements, not sectors.
SECTORS = frozenset((
    "GOV", "MIL", "REB", "OPP", "PTY", "COP", "JUD", "BUS", "MED", "CVL", "REL", "EDU", "LAB", "AGR", "IGO",
    "NGO", "ELI", "LEG", "SPY", "UAF", "INS", "CRM", "DEV", "ENV", "HLH", "HRI", "REF", "MOD", "RAD", "SEP",
    "PRE", "PRM",
))
# Leading triples that are not countries; the sector they imply when the code names none.
NON_STATE_PREFIXES = {"IGO": "IGO", "NGO": "NGO", "MNC": "BUS", "IMG": "REB", "INT": None}
# PLOVER's international non-state "countries" (UN, EU, other IGOs, NGOs, movements, militant groups, MNCs).
NON_STATE_COUNTRIES = frozenset({"IGO", "UNO", "EUR", "NGO", "ISM", "IMG", "MNC", "INT"})
# Load order: a later file's record replaces an earlier one with the same id and takes its aliases.
PACKAGED = ("actors.jsonl", "actors_factbook.jsonl", "actors_curated.jsonl", "actors_ministers_1.jsonl",
            "actors_ministers_2.jsonl", "agents.jsonl")
STOPLIST = "alias_stoplist.txt"
COUNTRY_CODES = "country_codes.tsv"
ENTITY_KEYS = frozenset({"id", "name", "kind", "aliases", "roles", "source", "note"})
AGENT_KEYS = frozenset({"id", "name", "sector", "aliases", "code", "source", "note"})
ROLE_KEYS = frozenset({"code", "country", "sector", "start", "end", "title"})
CODE_RE = re.compile(r"^(?:[A-Z0-9]{3})+$")
_FOLD = str.maketrans({"ı": "i", "ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "đ": "d", "ð": "d", "þ": "th",
                       "’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "–": "-", "—": "-", "‐": "-"})
_SUBTOKEN_RE = re.compile(r"[^\W_]+|[^\w\s.\-]")
_END = ""  # trie key holding the payload; never a subtoken


@dataclass(frozen=True)
class Role:
    """A code an entity carries, optionally only between two dates (both inclusive)."""

    code: str
    country: str | None
    sector: str | None
    start: date | None
    end: date | None
    title: str | None

    def valid_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def _width(self) -> int:
        lo = self.start.toordinal() if self.start else 0
        hi = self.end.toordinal() if self.end else date.max.toordinal()
        return hi - lo

    def _distance(self, day: date) -> int:
        if self.start and day < self.start:
            return self.start.toordinal() - day.toordinal()
        if self.end and day > self.end:
            return day.toordinal() - self.end.toordinal()
        return 0

    def _specificity(self) -> tuple[bool, bool, int]:
        """Sort key, smaller is more specific: dated first, then titled, then narrowest."""
        return (self.start is None and self.end is None, self.title is None, self._width())


@dataclass(frozen=True)
class KBEntry:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]

    def role_on(self, day: date | None) -> Role | None:
        """The role valid on `day` (most specific if several); latest when `day` is None; else nearest.
        A person whose every dated role ended before `day` is a former official: an elite (ELI)."""
        if not self.roles:
            return None
        if day is None:
            return max(self.roles, key=lambda r: (r.end or date.max, r.start or date.min, r.title is not None))
        valid = [r for r in self.roles if r.valid_on(day)]
        if valid:
            return min(valid, key=Role._specificity)
        if self.kind == "person" and all(r.end is not None and r.end < day for r in self.roles):
            return _former(self.roles)
        return min(self.roles, key=lambda r: (r._distance(day), r._specificity()))


def _former(roles: tuple[Role, ...]) -> Role:
    """The elite role of someone out of office: the country of their last national office."""
    last = max(roles, key=lambda r: r.end)
    national = [r for r in roles if r.country and r.country not in NON_STATE_COUNTRIES]
    country = max(national, key=lambda r: r.end).country if national else None
    if last.sector == "ELI":
        return last
    title = f"former {last.title}" if last.title else "former official"
    return Role(f"{country or ''}ELI", country, "ELI", last.end + timedelta(days=1), None, title)


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    sector: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class KBMatch:
    """Words [start, end) name `entry` or `agent` (exactly one is set)."""

    start: int
    end: int
    entry: KBEntry | None
    agent: Agent | None


def slugify(text: str) -> str:
    """Stable id part: ASCII, lowercase, hyphen-separated."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "x"


@lru_cache(maxsize=65536)
def normalize_key(text: str) -> tuple[str, ...]:
    """Case- and accent-folded subtokens. Periods and hyphens vanish, so "U.S." == "US", "al-Nusra" ==
    "al Nusra"; other punctuation is its own subtoken, so "Russia's" -> ("russia", "'", "s")."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD)).lower().translate(_FOLD)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return tuple(_SUBTOKEN_RE.findall(folded.replace(".", "")))


def parse_code(code: str) -> tuple[str | None, str | None] | None:
    """CAMEO code -> (country, sector); None when it is not a code. "RUSGOV" -> ("RUS", "GOV"),
    "IGOUNO" -> ("IGO", "IGO"), "IMGMUSREB" -> ("IMG", "REB"), "ELI" -> (None, "ELI")."""
    if not CODE_RE.match(code):
        return None
    triples = [code[i:i + 3] for i in range(0, len(code), 3)]
    if triples[0] in SECTORS and triples[0] not in NON_STATE_PREFIXES:
        return None, triples[0]
    if NON_STATE_PREFIXES.get(triples[0]) in ("IGO", "NGO", "BUS"):
        return triples[0], NON_STATE_PREFIXES[triples[0]]
    sector = next((t for t in triples[1:] if t in SECTORS), NON_STATE_PREFIXES.get(triples[0]))
    return triples[0], sector


@lru_cache(maxsize=1)
def _country_table() -> dict[str, str]:
    text = resources.files("wirecoder").joinpath("data", COUNTRY_CODES).read_text(encoding="utf-8")
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < 2 or not all(CODE_RE.match(c) and len(c) == 3 for c in cells[:2]):
            raise DataFileError("expected 'FROM<TAB>TO' three-letter codes", source=f"wirecoder/data/{COUNTRY_CODES}",
                                line=lineno)
        out[cells[0]] = cells[1]
    return out


def plover_country(country: str | None, code: str = "") -> str | None:
    """The country as PLOVER writes it: UNO and EUR for UN and EU bodies (CAMEO IGOUNO..., IGOEUREEC...),
    KOS for Kosovo, a dependency's controlling state, IMG for CAMEO's regional prefixes."""
    if country is None:
        return None
    if code.startswith("IGOUNO"):
        return "UNO"
    if code.startswith("IGOEUREEC"):
        return "EUR"
    if country in ("IGO", "UNO") or (country == "EUR" and not code.startswith("EUR")):
        return country  # written in PLOVER's own codes already (CAMEO's EUR prefix is the region Europe)
    return _country_table().get(country, country)


def load_stoplist(path: Path | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(aliases never used for entities, aliases that match only in capitals) from the stoplist file."""
    if path is None:
        text = resources.files("wirecoder").joinpath("data", STOPLIST).read_text(encoding="utf-8")
        source = f"wirecoder/data/{STOPLIST}"
    else:
        text, source = path.read_text(encoding="utf-8"), str(path)
    sections: dict[str, set[str]] = {"drop": set(), "exact-case": set()}
    current: set[str] | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            name = line.strip("[]")
            if name not in sections:
                raise DataFileError(f"unknown section {line!r}", source=source, line=lineno,
                                    hint="sections are [drop] and [exact-case]")
            current = sections[name]
        elif current is None:
            raise DataFileError("entry before any section", source=source, line=lineno)
        else:
            current.add(" ".join(normalize_key(line)))
    exact = frozenset(sections["exact-case"])
    return frozenset(sections["drop"]) - exact, exact


def _fail(message: str, source: str, line: int, hint: str | None = None) -> DataFileError:
    return DataFileError(message, source=source, line=line, hint=hint)


def _date(value: object, what: str, source: str, line: int) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{what} must be an ISO date string or null", source, line)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(f"{what} {value!r} is not an ISO date (YYYY-MM-DD)", source, line) from None


def _aliases(obj: dict, source: str, line: int) -> tuple[str, ...]:
    aliases = obj.get("aliases")
    if (not isinstance(aliases, list) or not aliases
            or not all(isinstance(a, str) and normalize_key(a) for a in aliases)):
        raise _fail("'aliases' must be a non-empty list of non-empty strings", source, line)
    return tuple(aliases)


def _opt_str(obj: dict, key: str, source: str, line: int) -> str | None:
    value = obj.get(key)
    if value is not None and not (isinstance(value, str) and value):
        raise _fail(f"'{key}' must be a non-empty string or null", source, line)
    return value


def _role(obj: object, source: str, line: int) -> Role:
    if not isinstance(obj, dict) or set(obj) - ROLE_KEYS or not isinstance(obj.get("code"), str):
        raise _fail("each role needs a string 'code' and only the keys " + ", ".join(sorted(ROLE_KEYS)),
                    source, line)
    parsed = parse_code(obj["code"])
    if parsed is None:
        raise _fail(f"role code {obj['code']!r} is not a CAMEO code (3-letter groups)", source, line)
    country = plover_country(_opt_str(obj, "country", source, line) if "country" in obj else parsed[0], obj["code"])
    sector = _opt_str(obj, "sector", source, line) if "sector" in obj else parsed[1]
    start = _date(obj.get("start"), "start", source, line)
    end = _date(obj.get("end"), "end", source, line)
    if start and end and end < start:
        raise _fail(f"role {obj['code']} ends ({end}) before it starts ({start})", source, line)
    return Role(obj["code"], country, sector, start, end, _opt_str(obj, "title", source, line))


def _entry(obj: dict, source: str, line: int) -> KBEntry:
    if extra := set(obj) - ENTITY_KEYS:
        raise _fail(f"unknown keys {sorted(extra)}", source, line, hint="see docs/knowledge-base.md")
    for key in ("id", "name"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise _fail(f"'{key}' must be a non-empty string", source, line)
    if obj.get("kind") not in ENTITY_KINDS:
        raise _fail(f"'kind' must be one of {', '.join(ENTITY_KINDS)}", source, line)
    roles = obj.get("roles", [])
    if not isinstance(roles, list):
        raise _fail("'roles' must be a list", source, line)
    return KBEntry(obj["id"], obj["name"], obj["kind"], _aliases(obj, source, line),
                   tuple(_role(r, source, line) for r in roles))


def _agent(obj: dict, source: str, line: int) -> Agent:
    if extra := set(obj) - AGENT_KEYS:
        raise _fail(f"unknown keys {sorted(extra)}", source, line, hint="see docs/knowledge-base.md")
    for key in ("id", "name", "sector"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise _fail(f"'{key}' must be a non-empty string", source, line)
    return Agent(obj["id"], obj["name"], obj["sector"], _aliases(obj, source, line))


def _records(text: str, source: str) -> Iterable[tuple[int, dict]]:
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _fail(f"not valid JSON: {exc.msg}", source, lineno) from None
        if not isinstance(obj, dict):
            raise _fail("each line must be a JSON object", source, lineno)
        if not isinstance(obj.get("id"), str) or not obj["id"]:
            raise _fail("'id' must be a non-empty string", source, lineno)
        yield lineno, obj


def _plurals(key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Regular English plurals of the last word, as PETRARCH generates them for agents."""
    last = key[-1]
    if not last.isalpha() or len(last) < 3:
        return []
    if last.endswith("y") and last[-2] not in "aeiou":
        forms = [last[:-1] + "ies"]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        forms = [last + "es"]
    else:
        forms = [last + "s"]
    return [(*key[:-1], f) for f in forms]


def _insert(trie: dict, key: tuple[str, ...], value: object) -> None:
    node = trie
    for sub in key:
        node = node.setdefault(sub, {})
    node[_END] = value


class KnowledgeBase:
    """Entities and agents, indexed by normalized alias for lookup and for matching token sequences."""

    def __init__(self, entries: dict[str, KBEntry], agents: dict[str, Agent],
                 alias_owner: dict[tuple[str, ...], str], agent_owner: dict[tuple[str, ...], str],
                 exact_case: frozenset[str]) -> None:
        self._entries = entries
        self._agents = agents
        self._alias_owner = alias_owner
        self._agent_keys = tuple(agent_owner)
        self._exact_case = exact_case
        self._entity_trie: dict = {}
        self._agent_trie: dict = {}
        for key, eid in alias_owner.items():
            _insert(self._entity_trie, key, (entries[eid], " ".join(key) in exact_case))
        for key, aid in agent_owner.items():
            for form in _plurals(key):
                if form not in agent_owner:
                    _insert(self._agent_trie, form, agents[aid])
        for key, aid in agent_owner.items():
            _insert(self._agent_trie, key, agents[aid])

    @classmethod
    def load(cls, paths: Sequence[Path] = ()) -> KnowledgeBase:
        """Packaged data, then each user file in order; a later record with the same id replaces the
        earlier one and a later alias takes the name from whoever had it."""
        drop, exact = load_stoplist()
        data = resources.files("wirecoder").joinpath("data")
        sources = [(f"wirecoder/data/{n}", data.joinpath(n).read_text(encoding="utf-8")) for n in PACKAGED]
        for path in paths:
            try:
                sources.append((str(path), Path(path).read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise DataFileError(f"cannot read knowledge file: {exc}", source=str(path)) from None
        entries: dict[str, KBEntry] = {}
        agents: dict[str, Agent] = {}
        alias_owner: dict[tuple[str, ...], str] = {}
        agent_owner: dict[tuple[str, ...], str] = {}
        for source, text in sources:
            seen_ids: set[str] = set()
            claimed: dict[tuple[str, ...], int] = {}
            for lineno, obj in _records(text, source):
                if obj.get("id") in seen_ids:
                    raise _fail(f"duplicate id {obj['id']!r}", source, lineno)
                seen_ids.add(obj.get("id"))
                is_entity = "kind" in obj
                record = _entry(obj, source, lineno) if is_entity else _agent(obj, source, lineno)
                table, owner = (entries, alias_owner) if is_entity else (agents, agent_owner)
                if record.id in table:
                    old = table[record.id]
                    for alias in old.aliases:
                        if owner.get(normalize_key(alias)) == record.id:
                            del owner[normalize_key(alias)]
                table[record.id] = record
                for alias in record.aliases:
                    key = normalize_key(alias)
                    if is_entity and " ".join(key) in drop:
                        continue
                    tag = (is_entity, key)
                    if tag in claimed and owner.get(key) != record.id:
                        raise _fail(f"alias {alias!r} also belongs to the record on line {claimed[tag]}",
                                    source, lineno, hint="give each alias to one record per file")
                    claimed[tag] = lineno
                    owner[key] = record.id
        return cls(entries, agents, alias_owner, agent_owner, exact)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, entity_id: str) -> KBEntry | None:
        return self._entries.get(entity_id)

    def get_agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def alias_keys(self) -> Iterable[tuple[str, ...]]:
        """Every entity alias, as normalized words."""
        return self._alias_owner.keys()

    def agent_keys(self) -> Iterable[tuple[str, ...]]:
        """Every agent alias ("police", "riot police"), as normalized words."""
        return self._agent_keys

    def is_agent_word(self, word: str) -> bool:
        """True when `word` alone is an agent noun or its plural ("youth", "police", "rebels")."""
        return _longest(self._agent_trie, [normalize_key(word)], 0)[1] is not None

    def exact_case_aliases(self) -> frozenset[str]:
        """Aliases that match only in capitals ("US")."""
        return self._exact_case

    def lookup(self, phrase: str) -> KBEntry | None:
        """The entity one of whose aliases is `phrase` (case- and accent-insensitive)."""
        eid = self._alias_owner.get(normalize_key(phrase))
        return self._entries[eid] if eid else None

    def entries(self) -> Iterable[KBEntry]:
        return self._entries.values()

    def agents(self) -> Iterable[Agent]:
        return self._agents.values()

    def match(self, words: Sequence[str], lemmas: Sequence[str] | None = None) -> list[KBMatch]:
        """Entities and agents in a token sequence: left to right, longest first, non-overlapping;
        an entity beats an agent of equal length. All-lowercase text never matches an entity."""
        keys = [_word_key(w) for w in words]
        lemma_keys = [_word_key(w) for w in lemmas] if lemmas is not None else None
        out: list[KBMatch] = []
        i, n = 0, len(words)
        while i < n:
            if not keys[i]:
                i += 1
                continue
            best = self._longest_entity(words, keys, i)
            agent_end, agent = _longest(self._agent_trie, keys, i)
            if lemma_keys is not None:
                lemma_end, lemma_agent = _longest(self._agent_trie, lemma_keys, i)
                if lemma_end > agent_end:
                    agent_end, agent = lemma_end, lemma_agent
            if best and best[0] >= agent_end:
                out.append(KBMatch(i, best[0], best[1], None))
                i = best[0]
            elif agent is not None:
                out.append(KBMatch(i, agent_end, None, agent))
                i = agent_end
            else:
                i += 1
        return out

    def _longest_entity(self, words: Sequence[str], keys: list, start: int) -> tuple[int, KBEntry] | None:
        for end, (entry, exact) in _walk(self._entity_trie, keys, start):
            surface = "".join(words[start:end])
            if not any(c.isupper() for c in surface):
                continue
            if exact and any(c.islower() for c in surface):
                continue
            return end, entry
        return None


def _word_key(word: str) -> tuple[str, ...] | None:
    """Subtokens of one word; () for a bare hyphen (skipped inside a match); None for a barrier."""
    key = normalize_key(word)
    if key:
        return key
    return () if word.strip() and set(word.strip()) <= set("-–—‐") else None


def _walk(trie: dict, keys: list, start: int) -> list[tuple[int, object]]:
    """Every (end, payload) of an alias starting at word `start`, longest first."""
    found: list[tuple[int, object]] = []
    node = trie
    for j in range(start, len(keys)):
        key = keys[j]
        if key is None:
            break
        for sub in key:
            node = node.get(sub)
            if node is None:
                return found[::-1]
        if key and _END in node:
            found.append((j + 1, node[_END]))
    return found[::-1]


def _longest(trie: dict, keys: list, start: int) -> tuple[int, Agent | None]:
    found = _walk(trie, keys, start)
    return found[0] if found else (0, None)


@lru_cache(maxsize=1)
def default_kb() -> KnowledgeBase:
    """The packaged knowledge base, loaded once."""
    return KnowledgeBase.load()
