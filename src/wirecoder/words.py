"""Word classes shared by the coder, the actor resolver and the attribution reader (data/word_classes.txt).

One list per class, in one file: "speech verbs" mean the same thing everywhere they are used.
"""

from __future__ import annotations

import functools
from importlib import resources

from .errors import DataFileError

WORD_CLASSES_FILE = "word_classes.txt"


def parse_word_classes(text: str, source: str = WORD_CLASSES_FILE) -> dict[str, frozenset[str]]:
    classes: dict[str, set[str]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("[") else raw.strip()
        if not line:
            continue
        if line.startswith("["):
            name, sep, _ = line[1:].partition("]")
            if not sep or not name.strip() or " " in name.strip():
                raise DataFileError(f"bad class header {line!r}; expected [name] description", source=source,
                                    line=number)
            current = name.strip()
            if current in classes:
                raise DataFileError(f"class {current!r} defined twice", source=source, line=number)
            classes[current] = set()
            continue
        if current is None:
            raise DataFileError("words before the first [class] header", source=source, line=number)
        classes[current].update(w.lower() for w in line.split())
    return {k: frozenset(v) for k, v in classes.items()}


@functools.lru_cache(maxsize=1)
def word_classes() -> dict[str, frozenset[str]]:
    text = resources.files("wirecoder").joinpath("data", WORD_CLASSES_FILE).read_text(encoding="utf-8")
    return parse_word_classes(text)


def word_class(name: str) -> frozenset[str]:
    """The members of a word class; an unknown name is a programming error (KeyError names it)."""
    try:
        return word_classes()[name]
    except KeyError:
        raise KeyError(f"no word class {name!r} in {WORD_CLASSES_FILE}") from None
