"""spaCy's attribute ruler, matched with array operations instead of the token Matcher.

en_core_web_sm's attribute ruler (tag map, pronoun and auxiliary rules: 179 patterns) takes about a fifth of the
model's whole parse time, nearly all of it in the Matcher's per-token predicate callbacks. Its patterns are one or
two tokens of plain predicates on TAG, LOWER, DEP and IS_SPACE, so each pattern is a handful of comparisons over
the document's attribute arrays. The attributes are set by spaCy's own `set_token_attrs` from the ruler's own
normalised values, rule by rule in the order the ruler applies them (later rules win), so the annotations are the
ruler's exactly (tests/test_ruler.py compares every token on the benchmark corpus and the examples). A pattern
this does not understand leaves the ruler as it is.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.tokens._retokenize import set_token_attrs

_ATTRS = {"TAG": 0, "LOWER": 1, "DEP": 2, "IS_SPACE": 3}
_ARRAY = [TAG, LOWER, DEP, IS_SPACE]


class _Unsupported(Exception):
    pass


class FastRuler:
    """Stands in for an AttributeRuler's `match` and `set_annotations` (see `install`)."""

    def __init__(self, ruler) -> None:
        strings = ruler.vocab.strings
        self.strings = strings
        self.rules = []  # (attrs, index, [pattern: [token predicate: [(column, kind, value)]]])
        for attr_id, spec in enumerate(ruler.patterns):
            patterns = [[self._predicates(token) for token in pattern] for pattern in spec["patterns"]]
            self.rules.append((ruler.attrs[attr_id], ruler.indices[attr_id], patterns))
        self._regex: dict[tuple[str, int], bool] = {}

    def _predicates(self, token: dict) -> list[tuple[int, str, object]]:
        out = []
        for name, value in token.items():
            if name not in _ATTRS:
                raise _Unsupported(name)
            column = _ATTRS[name]
            if name == "IS_SPACE":
                if not isinstance(value, bool):
                    raise _Unsupported(value)
                out.append((column, "eq", int(value)))
            elif isinstance(value, str):
                out.append((column, "eq", self.strings.add(value)))
            elif isinstance(value, dict) and len(value) == 1:
                (op, arg), = value.items()
                if op in ("IN", "NOT_IN"):
                    out.append((column, op, np.array([self.strings.add(v) for v in arg], dtype=np.uint64)))
                elif op == "REGEX" and name == "LOWER":
                    out.append((column, op, re.compile(arg)))
                else:
                    raise _Unsupported(op)
            else:
                raise _Unsupported(value)
        return out

    def _mask(self, array: np.ndarray, predicates) -> np.ndarray:
        mask = np.ones(len(array), dtype=bool)
        for column, kind, value in predicates:
            values = array[:, column]
            if kind == "eq":
                mask &= values == np.uint64(value)
            elif kind == "IN":
                mask &= np.isin(values, value)
            elif kind == "NOT_IN":
                mask &= ~np.isin(values, value)
        for column, kind, value in predicates:
            if kind == "REGEX":  # on the lower-case form, once per distinct word still in question
                where = np.flatnonzero(mask)
                words, back = np.unique(array[where, column], return_inverse=True)
                hits = np.array([self._search(value, int(w)) for w in words], dtype=bool)
                mask[where] = hits[back] if len(words) else False
        return mask

    def _search(self, regex: re.Pattern, key: int) -> bool:
        hit = self._regex.get((regex.pattern, key))
        if hit is None:
            hit = self._regex[(regex.pattern, key)] = regex.search(self.strings[key]) is not None
        return hit

    def match(self, doc) -> list[tuple[int, int, int]]:
        """(rule, start, length) for every match, in the order the ruler applies them."""
        if not len(doc):
            return []
        array = doc.to_array(_ARRAY).astype(np.uint64)
        out = []
        for attr_id, (_, _, patterns) in enumerate(self.rules):
            starts: set[tuple[int, int]] = set()
            for pattern in patterns:
                n = len(pattern)
                if n > len(doc):
                    continue
                mask = self._mask(array[: len(doc) - n + 1], pattern[0])
                for k in range(1, n):
                    mask &= self._mask(array[k: len(doc) - n + 1 + k], pattern[k])
                starts.update((int(i), n) for i in np.flatnonzero(mask))
            out.extend((attr_id, start, n) for start, n in sorted(starts))
        return out

    def set_annotations(self, doc, matches) -> None:
        for attr_id, start, _ in matches:
            attrs, index, _ = self.rules[attr_id]
            set_token_attrs(doc[start + index], attrs)


def install(nlp) -> bool:
    """Make the pipeline's attribute ruler match with `FastRuler`; False (ruler untouched) when its patterns
    use anything FastRuler does not implement."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe("attribute_ruler")
    try:
        fast = FastRuler(ruler)
    except _Unsupported:
        return False
    ruler.match = fast.match
    ruler.set_annotations = fast.set_annotations
    return True
