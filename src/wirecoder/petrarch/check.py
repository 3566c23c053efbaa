"""``wirecoder dictionaries check DIR``: problems in a PETRARCH-2 dictionaries folder, as typed records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFileError

MAX_ERRORS_PER_FILE = 500

from .dictionaries import (  # noqa: E402
    ActorEntry,
    dictionary_files,
    parse_actors,
    parse_agents,
    parse_discards,
    parse_issues,
    parse_verbs,
)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    severity: str  # error | warning
    code: str  # P100 unparseable line, P200 duplicate, P300 overlapping date ranges, P400 missing file
    message: str


def _parse_each_line(path: Path, parser: Callable[..., object]) -> tuple[list[Problem], frozenset[int]]:
    """Parse the file; on an error, report it and parse again past that line, to list every bad line."""
    problems: list[Problem] = []
    skip: set[int] = set()
    for _ in range(MAX_ERRORS_PER_FILE):
        try:
            parser(path, frozenset(skip))
            break
        except DataFileError as exc:
            problems.append(Problem(str(path), exc.line, "error", "P100",
                                    exc.message + (f" ({exc.hint})" if exc.hint else "")))
            if exc.line is None or exc.line in skip:
                break
            skip.add(exc.line)
    return problems, frozenset(skip)


def _actor_problems(path: Path, actors: tuple[ActorEntry, ...], seen: dict) -> list[Problem]:
    problems = []
    for a in actors:
        for phrase in a.phrases:
            prev = seen.get(phrase)
            if prev is not None and prev[1] != (a.default, a.restrictions):
                problems.append(Problem(str(path), a.line, "warning", "P200",
                                        f"actor phrase {' '.join(phrase)!r} already defined at {prev[0]} "
                                        "with other codes; the first definition wins"))
            elif prev is None:
                seen[phrase] = (f"{Path(a.source).name}:{a.line}", (a.default, a.restrictions))
        dated = sorted((r for r in a.restrictions if r.start or r.end),
                       key=lambda r: (r.start is not None, r.start or r.end))
        for k, r in enumerate(dated):
            for other in dated[k + 1:]:
                lo = max(r.start or other.start or r.end, other.start or r.start or other.end)
                hi = min(r.end or other.end or r.start, other.end or r.end or other.start)
                if (r.start is None or other.end is None or r.start <= other.end) and \
                        (other.start is None or r.end is None or other.start <= r.end) and lo is not None:
                    if r.end == other.start or other.end == r.start:
                        continue  # PETRARCH's own files share the boundary day; "or equal to" on both
                    problems.append(Problem(str(path), other.line, "warning", "P300",
                                            f"date range [{other.code}] overlaps [{r.code}] (line {r.line}) "
                                            f"for {' '.join(a.phrases[0])}; the first listed wins"))
                del lo, hi
    return problems


def check_dictionaries(directory: Path | str) -> list[Problem]:
    """Every problem found in the folder's dictionaries: unparseable lines (P100), duplicate phrases
    or codes (P200), overlapping date ranges (P300), no verb dictionary (P400)."""
    directory = Path(directory)
    try:
        files = dictionary_files(directory)
    except DataFileError as exc:
        return [Problem(str(directory), None, "error", "P400", exc.message)]
    problems: list[Problem] = []
    if not files["verbs"]:
        problems.append(Problem(str(directory), None, "error", "P400",
                                "no verb dictionary (name it *.verbs.txt or CAMEO*.txt)"))
    parsers = {"verbs": parse_verbs, "actors": parse_actors, "agents": parse_agents,
               "discards": parse_discards, "issues": parse_issues}
    seen_actors: dict = {}
    for kind, paths in files.items():
        for path in paths:
            bad, skip = _parse_each_line(path, parsers[kind])
            problems.extend(bad)
            if len(bad) >= MAX_ERRORS_PER_FILE:
                continue
            if kind == "actors":
                problems.extend(_actor_problems(path, parse_actors(path, skip), seen_actors))
            elif kind == "verbs":
                blocks, _, _ = parse_verbs(path, skip)
                seen: dict[str, str] = {}
                for b in blocks:
                    for v in b.verbs:
                        for form in v.forms:
                            key = " ".join((*form.before, form.word, *form.after))
                            if key in seen and seen[key] != b.name:
                                problems.append(Problem(str(path), v.line, "warning", "P200",
                                                        f"verb form {key!r} also in block {seen[key]!r}"))
                            seen.setdefault(key, b.name)
                    texts: dict[str, int] = {}
                    for p in b.patterns:
                        if p.text in texts:
                            problems.append(Problem(str(path), p.line, "warning", "P200",
                                                    f"pattern {p.text!r} repeats line {texts[p.text]} in "
                                                    f"block {b.name!r}"))
                        texts.setdefault(p.text, p.line)
            elif kind == "agents":
                agents = parse_agents(path, skip)
                codes: dict[tuple[str, ...], tuple[str, int]] = {}
                for a in agents:
                    prev = codes.get(a.phrase)
                    if prev is not None and prev[0] != a.code:
                        problems.append(Problem(str(path), a.line, "warning", "P200",
                                                f"agent {' '.join(a.phrase)!r} has code {a.code} here and "
                                                f"{prev[0]} at line {prev[1]}"))
                    codes.setdefault(a.phrase, (a.code, a.line))
    return problems
