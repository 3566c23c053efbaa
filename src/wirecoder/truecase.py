"""Restoring case in all-capitals and all-lowercase text (old wire copy, telex, MUC-style archives) before parsing.

The parser and named-entity recogniser are trained on mixed case: "GUERRILLAS ATTACKED A POLICE STATION IN
SAN SALVADOR" parses as a string of proper nouns. `Truecaser` lower-cases such text and capitalises what a
reader would: sentence starts, "I", names the knowledge base and the gazetteer know (longest match, up to four
words) unless the word is a common English word on its own, acronyms the knowledge base writes in capitals,
and month and day names. The result has the same length as the input, so character offsets hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from spacy.lang.en.stop_words import STOP_WORDS

from . import dates

# Text counts as shouted when at least this share of its letters are capitals (and it has enough letters).
SHOUTED_SHARE = 0.85
MIN_LETTERS = 40
MAX_NAME_WORDS = 4
AMBIGUOUS_MONTHS = {"may", "march"}  # capitalised only next to a number ("7 May", "March 1990")
MONTHS = set(dates.MONTHS) - AMBIGUOUS_MONTHS - {"mar"}  # "mar" is a verb too
WEEKDAYS = set(dates.WEEKDAYS)
_WORD = re.compile(r"[a-z]+(?:[.'’-][a-z]+)*\.?")
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_START = re.compile(r"(?:^|[.!?][\"'”’)]*\s+|\n[ \t]*\n[ \t]*|\n[ \t]{2,}|[\"“(]\s*)([a-z])")


def is_shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= SHOUTED_SHARE


# Text counts as lowercased (an all-lowercase archive) when at most this share of its letters are capitals.
LOWERED_SHARE = 0.01


def is_lowered(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return False
    return sum(c.isupper() for c in letters) / len(letters) <= LOWERED_SHARE


def needs_truecasing(text: str, *, short: bool = False) -> bool:
    """True for shouted or all-lowercase text; `short` text (a phrase) needs no minimum length."""
    if short:
        letters = [c for c in text if c.isalpha()]
        return bool(letters) and (all(c.isupper() for c in letters) or not any(c.isupper() for c in letters))
    return is_shouted(text) or is_lowered(text)


class Truecaser:
    def __init__(self, names: Iterable[str], common: Iterable[str], acronyms: Iterable[str],
                 is_place: Callable[[str], bool] | None = None) -> None:
        self.names = frozenset(names)
        self.is_place = is_place  # the gazetteer's test for a folded place name
        self.common = frozenset(common) | STOP_WORDS
        self.acronyms = frozenset(acronyms)

    @classmethod
    def from_knowledge(cls, kb, gazetteer, lexicon) -> Truecaser:
        """Names from the actor knowledge base and the gazetteer; common words from the lexicon, the
        knowledge base's agent nouns (police, army) and spaCy's stop words."""
        names = {" ".join(key) for key in kb.alias_keys()}
        common = {lemma for lemma, _ in lexicon.by_key}
        common.update(w for key in kb.agent_keys() for w in key)
        acronyms = {k.lower() for k in kb.exact_case_aliases() if k.isalpha() and len(k) <= 6}
        acronyms.update(a.replace(".", "").lower() for e in kb.entries() for a in (e.name, *e.aliases)
                        if 2 <= len(a.replace(".", "")) <= 6 and a.replace(".", "").isalpha() and a.isupper())
        return cls(names, common, acronyms, gazetteer.is_name)

    def _is_common(self, word: str) -> bool:
        if word in self.common:
            return True
        for suffix in ("s", "es", "ed", "d", "ing"):
            if word.endswith(suffix) and word[: -len(suffix)] in self.common:
                return True
        return False

    def __call__(self, text: str) -> str:
        lower = text.lower()
        if len(lower) != len(text):
            return text  # a character whose lower case has another length: leave the text alone
        chars = list(lower)

        def cap(start: int, end: int, word: str) -> None:
            bare = word.replace(".", "")
            if bare in self.acronyms:
                chars[start:end] = list(text[start:end])
            else:
                chars[start] = chars[start].upper()

        words = [(m.start(), m.end(), _POSSESSIVE.sub("", m.group().rstrip("."))) for m in _WORD.finditer(lower)]
        i = 0
        while i < len(words):
            taken = 0
            for n in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
                key = " ".join(w.replace(".", "") for _, _, w in words[i:i + n])
                known = key in self.names or (self.is_place is not None and self.is_place(key))
                if known and not (n == 1 and self._is_common(key)) and len(key) > 1:
                    taken = n
                    break
            if taken:
                for start, end, word in words[i:i + taken]:
                    cap(start, end, word)
                i += taken
                continue
            start, end, word = words[i]
            if word in self.acronyms and not self._is_common(word):
                cap(start, end, word)
            elif word in WEEKDAYS or word in MONTHS or word == "i" or (
                    word in AMBIGUOUS_MONTHS and re.search(r"\d", lower[max(0, start - 4):end + 5])):
                chars[start] = chars[start].upper()
            i += 1
        for m in _SENTENCE_START.finditer(lower):
            chars[m.start(1)] = chars[m.start(1)].upper()
        return "".join(chars)
