"""Code sentences with PETRARCH-2 dictionaries on spaCy dependency parses.

PETRARCH-2 matches its patterns on a CoreNLP phrase-structure tree; here the same dictionaries are
matched on spaCy's dependency parse (docs/petrarch.md says how each construct is approximated):

1. **Discards**: a discard phrase in the sentence (``+`` phrases: in the story) stops coding.
2. **Actor and agent mentions**: longest match of the actor and agent phrase tries over the tokens.
3. **Verbs**: every verb token whose form (plus the words of a multi-word verb) is in the verb
   dictionary. Its block's patterns are matched: words before ``*`` in order among the words before
   the verb, words after ``*`` in order in the verb's phrase (``_`` ties words together, ``&SYN``
   is any phrase of a synset, ``$``/``+`` an actor that becomes the source/target, ``%`` a compound
   subject, ``^`` any words). The most specific matching pattern wins; otherwise the verb's code.
4. **Source and target**: the subject (climbing ``xcomp``/``conj`` chains and resolving pronouns to
   the governing clause's subject), passive ``by`` agents, and the first actor in the verb's phrase;
   a noun phrase's code is its first actor plus its agents (``Osgiliath soldiers`` -> ``OSGMIL``,
   ``lawmakers in Fornost and Gondor`` -> ``FORLEG``, ``GONLEG``), conjunctions give compound actors.
5. **Codes**: ``032:033`` codes the source->target event with 032 and the reverse with 033.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..ontology import goldstein, plover_for, quad_class_of
from ..schema import Article, Entity, Event
from .dictionaries import (
    NULL_CODE,
    ActorEntry,
    AgentEntry,
    Dictionaries,
    PatternItem,
    VerbBlock,
    VerbEntry,
    VerbPattern,
)

CODER_NAME = "petrarch-dict"
CODER_VERSION = "1"
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass")
# dependency labels through which a verb without its own subject inherits its governor's subject
CLIMB_DEPS = frozenset(("xcomp", "conj", "pcomp", "prep", "acomp", "advcl", "ccomp", "aux", "auxpass", "dep",
                        "oprd", "attr", "advmod"))
CLAUSE_DEPS = frozenset(("ccomp", "advcl", "relcl", "acl", "parataxis", "csubj", "xcomp"))
PP_ATTACH = frozenset(("OF", "IN", "FROM"))  # "lawmakers in Fornost", "the government of Gondor"
PRONOUNS = frozenset(("IT", "HE", "SHE", "THEY", "WE", "I", "YOU", "ITS", "THEIR", "HIS", "HER", "WHO", "WHICH",
                      "THAT", "THIS", "THESE", "THOSE"))
MAX_CLIMB = 6


@dataclass(frozen=True)
class Options:
    """Coding switches (PETRARCH-2's ``PETR_config.ini`` names)."""

    require_dyad: bool = True  # drop events whose source or target has no code


@dataclass(frozen=True)
class Coding:
    """One coded event before it becomes a `wirecoder.schema.Event`."""

    source: str
    target: str
    code: str
    verb: int  # token index in the doc
    verb_end: int
    pattern: VerbPattern | None
    entry: VerbEntry
    block: VerbBlock
    source_span: tuple[int, int] | None
    target_span: tuple[int, int] | None


@dataclass
class _Mention:
    start: int
    end: int
    kind: str  # actor | agent
    actor: ActorEntry | None = None
    agent: AgentEntry | None = None


@dataclass
class _Party:
    code: str
    span: tuple[int, int]


@dataclass
class _Sentence:
    sent: object
    words: list[str]
    mentions: dict[int, _Mention] = field(default_factory=dict)  # by start token
    covered: dict[int, _Mention] = field(default_factory=dict)  # every token of a mention
    day: date | None = None
    wordset: frozenset[str] = frozenset()


def _trie(entries: Iterable[tuple[tuple[str, ...], object]]) -> dict:
    root: dict = {}
    for words, value in entries:
        node = root
        for w in words:
            node = node.setdefault(w, {})
        node.setdefault(None, value)  # first entry wins for a duplicated phrase
    return root


def _longest(trie: dict, words: Sequence[str], start: int) -> tuple[int, object] | None:
    node, best, k = trie, None, start
    while k < len(words) and words[k] in node:
        node = node[words[k]]
        k += 1
        if None in node:
            best = (k, node[None])
    return best


def _segments(code: str) -> list[str]:
    return [code[k:k + 3] for k in range(0, len(code), 3)]


def combine(actor_code: str | None, agents: Sequence[AgentEntry]) -> str | None:
    """Actor code plus agent codes: ``NGO~`` agents go before, ``~GOV`` after; segments already present
    (``USAGOV`` + ``~GOV``) are not repeated. No actor: ``---`` plus the agents."""
    if actor_code is None and not agents:
        return None
    base = actor_code if actor_code is not None else NULL_CODE
    have = set(_segments(base))
    before, after = "", ""
    for agent in agents:
        new = "".join(s for s in _segments(agent.code) if s not in have)
        have.update(_segments(agent.code))
        if agent.prefix:
            before += new
        else:
            after += new
    return before + base + after


class PetrarchCoder:
    """Codes articles with loaded PETRARCH-2 dictionaries."""

    def __init__(self, dictionaries: Dictionaries, nlp=None, options: Options | None = None) -> None:
        self.d = dictionaries
        self._nlp = nlp
        self.options = options or Options()
        self.actor_trie = _trie((p, a) for a in dictionaries.actors for p in a.phrases)
        self.agent_trie = _trie((a.phrase, a) for a in dictionaries.agents)
        self.verbs: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], VerbEntry, VerbBlock]]] = {}
        for block in dictionaries.blocks:
            for entry in block.verbs:
                for form in entry.forms:
                    self.verbs.setdefault(form.word, []).append((form.before, form.after, entry, block))
        self.discards = [(f" {d.phrase}", d) for d in dictionaries.discards]
        # literal words each pattern needs: a pattern whose words are not all in the sentence is skipped
        self.needs = {id(p): frozenset(i.value for i in (*p.pre, *p.post) if i.kind == "word")
                      for b in dictionaries.blocks for p in b.patterns}

    @property
    def nlp(self):
        if self._nlp is None:
            from ..nlp import load_nlp

            self._nlp = load_nlp()
        return self._nlp

    # -- public API ----------------------------------------------------------------------------

    def code_article(self, article: Article) -> list[Event]:
        start, end = article.body_span
        text = article.text[start:end]
        doc = self.nlp(text)
        codings_by_sent = self.code_doc(doc, article.published)
        events: list[Event] = []
        for sent, codings in codings_by_sent:
            for c in codings:
                events.append(self._event(article, doc, sent, c, start))
        return events

    def code_doc(self, doc, day: date | None) -> list[tuple[object, list[Coding]]]:
        """(sentence span, codings) for each sentence of a parsed doc; a story discard empties all."""
        text_upper = " " + " ".join(doc.text.upper().split()) + " "
        for padded, d in self.discards:
            if d.story and self._found(text_upper, padded, d.exact):
                return []
        return [(sent, self.code_sentence(sent, day)) for sent in sentences(doc)]

    def code_text(self, text: str, day: date | None = None) -> list[Coding]:
        return [c for _, cs in self.code_doc(self.nlp(text), day) for c in cs]

    # -- sentence coding -----------------------------------------------------------------------

    @staticmethod
    def _found(haystack: str, needle: str, exact: bool) -> bool:
        k = haystack.find(needle)
        while k >= 0:
            after = haystack[k + len(needle): k + len(needle) + 1]
            if not exact or not after or not after.isalnum():
                return True
            k = haystack.find(needle, k + 1)
        return False

    def code_sentence(self, sent, day: date | None) -> list[Coding]:
        text_upper = " " + " ".join(sent.text.upper().split()) + " "
        for padded, d in self.discards:
            if not d.story and self._found(text_upper, padded, d.exact):
                return []
        words = [t.text.upper() for t in sent]
        s = _Sentence(sent, words, day=day, wordset=frozenset(words))
        self._find_mentions(s)
        # deepest verbs first, so a clause's event is known when its governor is coded
        candidates = [t for t in sent if t.pos_ in ("VERB", "AUX") or t.tag_.startswith("VB")]
        candidates.sort(key=lambda t: -sum(1 for _ in t.ancestors))
        coded: dict[int, list[Coding]] = {}
        for tok in candidates:
            found = self._code_verb(s, tok, coded)
            if found:
                coded[tok.i] = found
        out: list[Coding] = []
        seen: set[tuple[str, str, str]] = set()
        for tok in sorted(coded):
            for c in coded[tok]:
                key = (c.source, c.target, c.code)
                if key not in seen:
                    seen.add(key)
                    out.append(c)
        return out

    def _find_mentions(self, s: _Sentence) -> None:
        k, words = 0, s.words
        while k < len(words):
            actor = _longest(self.actor_trie, words, k)
            agent = _longest(self.agent_trie, words, k)
            if actor and (not agent or actor[0] >= agent[0]):
                m = _Mention(k, actor[0], "actor", actor=actor[1])
            elif agent:
                m = _Mention(k, agent[0], "agent", agent=agent[1])
            else:
                k += 1
                continue
            s.mentions[k] = m
            for j in range(m.start, m.end):
                s.covered[j] = m
            k = m.end

    # -- noun phrases -> codes -----------------------------------------------------------------

    def _np_head(self, tok):
        """Climb from a token inside a noun phrase to the phrase's head noun."""
        steps = 0
        while tok.dep_ in ("compound", "amod", "poss", "nmod", "nummod", "case", "det", "flat", "appos") \
                and tok.head is not tok and steps < MAX_CLIMB:
            tok = tok.head
            steps += 1
        return tok

    def _codes_for_mention(self, s: _Sentence, start: int, climb: bool = True) -> list[_Party]:
        """Codes of the noun phrase holding the mention that starts at sentence index `start`."""
        sent = s.sent
        m = s.mentions[start]
        inside = [sent[j] for j in range(m.start, m.end)]
        root = next((t for t in inside if not (m.start <= t.head.i - sent.start < m.end)), inside[-1])
        head = self._np_head(root)
        # "the population of Gondor", "the government of Gondor": the phrase is the governing noun's
        if climb and head.dep_ == "pobj" and head.head.dep_ == "prep" and head.head.text.upper() in PP_ATTACH \
                and head.head.head.pos_ in ("NOUN", "PROPN") and head.head.head.i < head.i:
            gov = head.head.head
            if any(s.covered.get(t.i - sent.start) for t in self._own_tokens(gov)):
                head = gov
        idx = sorted({t.i - sent.start for t in self._np_tokens(head)} | set(range(m.start, m.end)))
        return self._resolve_span(s, idx)

    def _own_tokens(self, tok) -> list:
        out = [tok]
        for child in tok.children:
            if child.dep_ in ("conj", "cc", "relcl", "acl", "appos", "prep", "punct", "advcl", "ccomp") or \
                    child.pos_ == "VERB":
                continue
            out.extend(self._own_tokens(child))
        return out

    def _np_tokens(self, tok) -> list:
        """The noun phrase under `tok` with its conjuncts and prepositional phrases, without clauses."""
        out = [tok]
        for child in tok.children:
            if child.dep_ in ("relcl", "acl", "advcl", "ccomp", "parataxis") or child.pos_ in ("VERB", "AUX"):
                continue
            out.extend(self._np_tokens(child))
        return out

    def _resolve_span(self, s: _Sentence, idx: Sequence[int]) -> list[_Party]:
        """Codes for the noun phrase(s) on sentence positions `idx` (sorted).

        ``AGENTS of/in ACTORS`` crosses the agents with the actors; otherwise each conjunct (split at
        and/or/nor/commas) is coded as its first actor plus its agents, and a conjunct with agents but
        no actor takes the actor of the conjunct before it ("Danish media and government").
        """
        if not idx:
            return []
        words = s.words
        base = s.sent.start
        for k, j in enumerate(idx):
            if words[j] in PP_ATTACH:
                left, right = idx[:k], idx[k + 1:]
                kinds_left = {s.covered[q].kind for q in left if q in s.covered}
                if kinds_left == {"agent"} and any(s.covered.get(q) and s.covered[q].kind == "actor" for q in right):
                    right_parties = self._resolve_span(s, right)
                    out = []
                    for group in self._groups(s, left):
                        agents = [m.agent for m in group if m.kind == "agent"]
                        for p in right_parties:
                            out.append(_Party(combine(p.code, agents) or p.code, p.span))
                    return out
                break
        parties: list[_Party] = []
        prev: tuple[ActorEntry, list[AgentEntry]] | None = None
        for group in self._groups(s, idx):
            actors = [m for m in group if m.kind == "actor"]
            agents = [m.agent for m in group if m.kind == "agent"]
            span = (group[0].start + base, group[-1].end + base)
            if actors:
                first = actors[0]
                own = [m.agent for m in group if m.kind == "agent"]
                for code in self._actor_codes(first.actor, s.day):
                    full = combine(code, own)
                    if full:
                        parties.append(_Party(full, span))
                prev = (first.actor, own)
            elif agents:
                if prev is not None:
                    inherited = prev[1][:-1] if prev[1] else []
                    for code in self._actor_codes(prev[0], s.day):
                        full = combine(code, [*inherited, *agents])
                        if full:
                            parties.append(_Party(full, span))
                else:
                    parties.append(_Party(combine(None, agents) or NULL_CODE, span))
        seen: set[str] = set()
        return [p for p in parties if not (p.code in seen or seen.add(p.code))]

    @staticmethod
    def _groups(s: _Sentence, idx: Sequence[int]) -> list[list[_Mention]]:
        groups: list[list[_Mention]] = [[]]
        seen: set[int] = set()
        for j in idx:
            m = s.covered.get(j)
            if m is not None:
                if id(m) not in seen:
                    seen.add(id(m))
                    groups[-1].append(m)
            elif s.words[j] in ("AND", "OR", "NOR", ",", "&", ";"):
                if s.sent[j].head.pos_ == "ADJ":
                    continue  # "awful and evil minister": adjectives, one phrase
                if groups[-1]:
                    groups.append([])
        return [g for g in groups if g]

    @staticmethod
    def _actor_codes(actor: ActorEntry, day: date | None) -> list[str | None]:
        code = actor.code_on(day)
        if code is None or code == NULL_CODE:
            return [None]
        return code.split("/")

    # -- verbs ---------------------------------------------------------------------------------

    def _verb_entries(self, s: _Sentence, tok) -> list[tuple[VerbEntry, VerbBlock, int, int]]:
        k = tok.i - s.sent.start
        out = []
        for before, after, entry, block in self.verbs.get(s.words[k], ()):
            if before and tuple(s.words[max(0, k - len(before)):k]) != before:
                continue
            if after and tuple(s.words[k + 1:k + 1 + len(after)]) != after:
                continue
            out.append((entry, block, k - len(before), k + 1 + len(after)))
        return out

    def _code_verb(self, s: _Sentence, tok, coded: dict[int, list[Coding]]) -> list[Coding]:
        entries = self._verb_entries(s, tok)
        if not entries:
            return []
        base = s.sent.start
        # words after the verb: its own phrase, without verbs conjoined to it
        excluded: set[int] = set()
        for child in tok.children:
            if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX"):
                excluded.update(t.i - base for t in child.subtree)
        best: tuple[tuple, VerbPattern, VerbEntry, VerbBlock, dict, int, int] | None = None
        for entry, block, v_start, v_end in entries:
            post = [t.i - base for t in tok.subtree if t.i - base >= v_end and t.i - base not in excluded]
            pre = list(range(0, v_start))
            for pattern in block.patterns:
                if not self.needs[id(pattern)] <= s.wordset:
                    continue
                bound = self._match(s, pattern, pre, post, v_start, v_end)
                if bound is None:
                    continue
                rank = (pattern.weight, -pattern.order)
                if best is None or rank > best[0]:
                    best = (rank, pattern, entry, block, bound, v_start, v_end)
        if best is not None:
            _, pattern, entry, block, bound, v_start, v_end = best
            code = pattern.code
        else:
            entry, block, v_start, v_end = entries[0]
            pattern, bound, code = None, {}, entry.code or block.code
        if not any(ch.isdigit() for ch in code):
            return []  # the null code "---" (and the test dictionary's "+++", "###")
        return self._events(s, tok, code, pattern, entry, block, bound, coded, excluded, v_start, v_end)

    def _match(self, s: _Sentence, p: VerbPattern, pre: list[int], post: list[int], v_start: int,
               v_end: int) -> dict | None:
        bound: dict = {}
        if p.pre and not self._match_side(s, p.pre, pre, bound, end_at=v_start if p.pre[-1].joined else None):
            return None
        if p.post and not self._match_side(s, p.post, post, bound, start_at=v_end if p.verb_joined else None):
            return None
        return bound

    def _match_side(self, s: _Sentence, items: Sequence[PatternItem], region: list[int], bound: dict,
                    start_at: int | None = None, end_at: int | None = None) -> bool:
        """Items in order over the sentence positions in `region` (gaps allowed unless ``_``)."""
        allowed = set(region)
        words = s.words

        def phrase_at(pos: int, phrase: Sequence[str]) -> int | None:
            for j, w in enumerate(phrase):
                if pos + j not in allowed or words[pos + j] != w:
                    return None
            return pos + len(phrase)

        def go(i: int, lo: int, must_start: int | None, binds: dict) -> dict | None:
            if i == len(items):
                if end_at is not None and items and items[-1].joined and lo != end_at:
                    return None
                return binds
            item = items[i]
            starts = [must_start] if must_start is not None else [q for q in region if q >= lo]
            for pos in starts:
                if pos is None or pos not in allowed and item.kind != "skip":
                    continue
                ends: list[tuple[int, dict]] = []
                if item.kind == "word":
                    if words[pos] == item.value:
                        ends.append((pos + 1, binds))
                elif item.kind == "synset":
                    for phrase in self.d.synsets.get(item.value, ()):
                        e = phrase_at(pos, phrase)
                        if e is not None:
                            ends.append((e, binds))
                elif item.kind == "skip":
                    m = s.mentions.get(pos)
                    ends.append((m.end if m is not None else pos + 1, binds))
                else:
                    m = s.mentions.get(pos)
                    if m is not None and m.kind == "actor":
                        ends.append((m.end, {**binds, item.kind: pos}))
                for end, b in ends:
                    nxt = end if item.joined else None
                    if item.joined and i + 1 == len(items) and end_at is not None:
                        if end != end_at:
                            continue
                        return b
                    r = go(i + 1, end, nxt if nxt is not None and i + 1 < len(items) else None, b)
                    if r is not None:
                        return r
            return None

        r = go(0, 0, start_at, dict(bound))
        if r is None:
            return False
        bound.update(r)
        return True

    # -- source and target ---------------------------------------------------------------------

    @staticmethod
    def _subject(tok):
        for child in tok.children:
            if child.dep_ in SUBJECT_DEPS:
                return child
        return None

    def _source_of(self, s: _Sentence, tok, skip_first: bool = False) -> list[_Party]:
        """The subject of `tok`'s clause, climbing to governors for subjectless verbs and pronouns."""
        cur, steps = tok, 0
        if skip_first:
            cur = tok.head if tok.head is not tok else tok
        while steps <= MAX_CLIMB:
            subjects = [c for c in cur.children if c.dep_ in SUBJECT_DEPS]
            # a passive subject is the source of a raised verb ("Gollum was seen to break ...")
            if cur is tok and not skip_first:
                subjects = [c for c in subjects if c.dep_ not in ("nsubjpass", "csubjpass")]
            if subjects:
                subj = subjects[0]
                word = subj.text.upper()
                if word in ("WHO", "WHICH", "THAT") and cur.dep_ in ("relcl", "acl"):
                    return self._parties_at(s, cur.head)
                if word not in PRONOUNS:
                    parties = self._parties_at(s, subj, subjects[1:])
                    if parties:
                        return parties
            if cur.head is cur or (cur.dep_ not in CLIMB_DEPS and cur.dep_ not in ("relcl", "acl")):
                break
            if cur.dep_ in ("relcl", "acl"):
                return self._parties_at(s, cur.head)
            cur = cur.head
            steps += 1
        return []

    def _parties_at(self, s: _Sentence, tok, extra: Sequence = ()) -> list[_Party]:
        """Codes of the noun phrase headed by `tok` (and of the further subject phrases in `extra`)."""
        base = s.sent.start
        idx = {t.i - base for h in (tok, *extra) for t in self._np_tokens(h)}
        return self._resolve_span(s, sorted(idx))

    def _first_in(self, s: _Sentence, positions: Iterable[int], kinds=("actor", "agent")) -> list[_Party]:
        for j in sorted(positions):
            m = s.mentions.get(j)
            if m is not None and m.kind in kinds:
                parties = self._codes_for_mention(s, j)
                if parties:
                    return parties
        return []

    def _events(self, s: _Sentence, tok, code: str, pattern: VerbPattern | None, entry: VerbEntry,
                block: VerbBlock, bound: dict, coded: dict[int, list[Coding]], excluded: set[int],
                v_start: int, v_end: int) -> list[Coding]:
        base = s.sent.start
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in tok.children)
        subj = self._subject(tok)
        subj_idx = {t.i - base for t in subj.subtree} if subj is not None else set()
        # the verb's phrase after it, without clauses that were coded themselves
        region = set()
        for t in tok.subtree:
            j = t.i - base
            if j < v_end or j in excluded or j in subj_idx:
                continue
            region.add(j)
        for child in tok.children:
            if child.dep_ in CLAUSE_DEPS and child.i in coded:
                region -= {t.i - base for t in child.subtree}
        sources: list[_Party]
        targets: list[_Party]
        agent = next((c for c in tok.children if c.dep_ == "agent"), None)
        by_obj = next((c for c in agent.children if c.dep_ == "pobj"), None) if agent is not None else None
        if passive and by_obj is not None:
            # "Eriador was opposed by Osgiliath": the by-phrase is the source
            targets = self._parties_at(s, subj) if subj is not None else []
            sources = self._parties_at(s, by_obj)
        elif passive and subj is not None:
            # no by-phrase: PETRARCH codes the subject as the source ("X was criticized over ... with Y")
            sources = self._parties_at(s, subj)
            targets = self._first_in(s, region)
        else:
            sources = self._source_of(s, tok)
            targets = self._first_in(s, region)
        if "source" in bound:
            sources = self._codes_for_mention(s, bound["source"], climb=False)
        if "target" in bound:
            targets = self._codes_for_mention(s, bound["target"], climb=False)
            if "source" not in bound and bound["target"] < v_start:
                sources = [p for p in self._source_of(s, tok, skip_first=True)
                           if not (p.span[0] <= bound["target"] + base < p.span[1])]
                if not sources and subj is not None and bound["target"] + base not in {t.i for t in subj.subtree}:
                    sources = self._parties_at(s, subj)
        pairs: list[tuple[_Party, _Party | None]] = []
        codes = code.split(":")
        if "compound" in bound and bound["compound"] > v_start:
            targets = self._codes_for_mention(s, bound["compound"])  # "* WITH %": a compound target
            pairs = [(a, b) for a in sources for b in targets]
        elif pattern is not None and any(i.kind == "compound" for i in pattern.pre):
            if len(sources) < 2:
                return []
            pairs = [(a, b) for a in sources for b in sources if a.code != b.code]
        elif not targets and len(codes) > 1 and len(sources) > 1:
            # a compound subject with a reciprocal code and no target: "Gondor and Osgiliath renewed ties"
            pairs = [(a, b) for k, a in enumerate(sources) for b in sources[k + 1:] if a.code != b.code]
        else:
            pairs = [(a, b) for a in sources for b in (targets or [None])]
        out = []
        for src, tgt in pairs:
            if tgt is not None and src.code == tgt.code:
                continue
            if self.options.require_dyad and tgt is None:
                continue
            tcode = tgt.code if tgt is not None else NULL_CODE
            tspan = tgt.span if tgt is not None else None
            out.append(Coding(src.code, tcode, codes[0], tok.i, tok.i + (v_end - (tok.i - base)), pattern, entry,
                              block, src.span, tspan))
            if len(codes) > 1 and tgt is not None and codes[1]:
                out.append(Coding(tcode, src.code, codes[1], tok.i, tok.i + (v_end - (tok.i - base)), pattern,
                                  entry, block, tspan, src.span))
        return out

    # -- events --------------------------------------------------------------------------------

    def _event(self, article: Article, doc, sent, c: Coding, offset: int) -> Event:
        verb = doc[c.verb]
        span_start = offset + verb.idx
        last = doc[min(c.verb_end, len(doc)) - 1] if c.verb_end > c.verb else verb
        span_end = offset + last.idx + len(last.text)
        event_type, mode, context, root_code, non_cameo = event_type_for(c.code, c.block)
        where = c.pattern.line if c.pattern is not None else c.entry.line
        file_name = (c.pattern.source if c.pattern is not None else c.entry.source).rsplit("/", 1)[-1]
        key = f"{article.doc_id}|{span_start}|{span_end}|{c.code}|{c.source}|{c.target}"
        extra = {"source_code": c.source, "target_code": c.target}
        if non_cameo:
            extra["non_cameo"] = True
        return Event(
            doc_id=article.doc_id,
            event_id=hashlib.sha1(key.encode("utf-8")).hexdigest()[:20],
            event_type=event_type,
            mode=mode,
            context=context,
            cameo=c.code,
            quad_class=quad_class_of(root_code),
            goldstein=goldstein(root_code),
            actor=(self._entity(doc, c.source, c.source_span),),
            recipient=(self._entity(doc, c.target, c.target_span),) if c.target != NULL_CODE else (),
            date=article.published.isoformat() if article.published else None,
            date_precision="day" if article.published else None,
            date_text=None,
            location=None,
            attribution=None,
            factuality="asserted",
            sentence=sent.text.strip(),
            span=(span_start, span_end),
            event_text=article.text[span_start:span_end],
            confidence=0.8 if c.pattern is not None else 0.6,
            coder=f"{CODER_NAME}/{CODER_VERSION} {file_name}:{where}",
            extra=extra,
        )

    @staticmethod
    def _entity(doc, code: str, span: tuple[int, int] | None) -> Entity:
        text = doc[span[0]:span[1]].text if span else ""
        country = code[:3] if not code.startswith(NULL_CODE) else None
        sector = code[3:6] or None if len(code) > 3 else None
        return Entity(text=text, name=text, country=country, sector=sector, id=code)


SENTENCE_END = frozenset((".", "!", "?", "'", '"', "\u201d", "\u2019", ")"))


def sentences(doc) -> list:
    """spaCy's sentences, with a split that does not follow sentence-final punctuation undone
    (the small model sometimes starts a sentence inside a noun phrase: "an anti- | Gondor parade")."""
    out, start = [], None
    for sent in doc.sents:
        if start is None:
            start = sent.start
        last = next((t for t in reversed(sent) if not t.is_space), None)
        if last is not None and last.text in SENTENCE_END or sent.end == len(doc):
            out.append(doc[start:sent.end])
            start = None
    if start is not None:
        out.append(doc[start:len(doc)])
    return out


def event_type_for(code: str, block: VerbBlock) -> tuple[str, str | None, tuple[str, ...], str, bool]:
    """(PLOVER type, mode, context, CAMEO code used for quad class/Goldstein, non-CAMEO flag).

    A dictionary may use codes outside CAMEO (the test dictionary's 345, 903, 174K): the event keeps
    that code, and takes its type from the first CAMEO code among: the code itself (parents included),
    its block's code, the block's other pattern codes. It is then flagged ``non_cameo``.
    """
    mapping = plover_for(code) if code[:2].isdigit() and 1 <= int(code[:2]) <= 20 else None
    if mapping is not None:
        return mapping.event_type, mapping.mode, mapping.context, _cameo_prefix(code), False
    for alt in (block.code, *(p.code for p in block.patterns), *(v.code or "" for v in block.verbs)):
        alt = alt.split(":")[0]
        if alt[:2].isdigit() and 1 <= int(alt[:2]) <= 20:
            m = plover_for(alt)
            if m is not None:
                return m.event_type, m.mode, m.context, _cameo_prefix(alt), True
    return "CONSULT", None, (), "04", True


def _cameo_prefix(code: str) -> str:
    digits = ""
    for ch in code:
        if not ch.isdigit():
            break
        digits += ch
    return digits or "04"
