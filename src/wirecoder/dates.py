"""Find date phrases in news text and resolve them against the publication date.

Pure functions over plain strings: `find_dates` (every phrase in a sentence), `resolve` (one phrase) and
`parse_absolute_date` (a dateline or metadata value). Each phrase form is one `_Rule`: a compiled regex with
named groups and a small resolver that turns the match into `(date, precision)`. Resolved dates are the first
day of their period: Monday for a week (Saturday for a weekend), the 1st for a month, 1 January for a year.

Conventions (news reports mostly past events):
- a bare weekday is its most recent occurrence on or before publication ("future": on or after);
- a month and day without a year takes the publication year, or the year before when that would lie more than
  `FUTURE_SLACK_DAYS` after publication (AP style omits the year for dates in the current year);
- bare month names need context ("in May", "mid-November", "last March"), so the modal "may" is never a date;
- bare four-digit years need a preposition or determiner ("in 2015", "the 2014 annexation") and 1900-2100.

Nothing here raises on any input text; impossible dates ("February 30") are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from wirecoder.schema import DATE_PRECISION, DateMention

DIRECTIONS = ("past", "future")

# A month-day or bare month without a year may lie this far after publication and still take the
# publication year ("talks resume January 10" in a 5 December paper). Two months covers announced
# meetings and elections; beyond it AP-style copy names the year, so a later date means last year.
FUTURE_SLACK_DAYS = 62

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
WEEKDAY_ABBREVIATIONS = ("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")

# Day offsets from publication for the deictic day words.
RELATIVE_DAYS = {
    "the day before yesterday": -2, "the day after tomorrow": 2,
    "yesterday": -1, "today": 0, "tomorrow": 1, "tonight": 0, "last night": -1,
    "this morning": 0, "this afternoon": 0, "this evening": 0,
}
DAY_PARTS = ("morning", "afternoon", "evening", "night")

# "last/this/next" -> period offset; "this" and "this past" read against the publication period.
RELATIVE_STEPS = {
    "last": -1, "past": -1, "previous": -1, "this past": -1,
    "this": 0, "current": 0,
    "next": 1, "coming": 1, "this coming": 1,
}

DIGIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "a couple of": 2, "a dozen": 12, "a half dozen": 6,
}
TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}
UNIT_PRECISION = {"day": "day", "week": "week", "month": "month", "year": "year", "decade": "year"}

# Words that may precede a bare month name or year and make it a date ("in May", "since 2014").
CONTEXT_PREPOSITIONS = (
    "in", "of", "since", "until", "till", "by", "during", "from", "before", "after", "through",
    "throughout", "between", "as of", "as early as", "as late as", "as recently as", "starting",
    "beginning", "ending",
)
# Determiners before a year used as a modifier ("the 2014 annexation").
YEAR_DETERMINERS = ("the", "a", "an", "its", "their", "his", "her", "our", "that")
# Nouns that make "the 2015 <noun>" a count rather than a year.
COUNT_NOUNS = (
    "people", "persons", "troops", "soldiers", "civilians", "refugees", "migrants", "deaths", "dead",
    "casualties", "members", "votes", "cases", "men", "women", "children", "dollars", "euros", "km",
    "miles", "metres", "meters", "tonnes", "tons", "times", "units", "fighters", "militants",
)
# Weekday names inside names of days or papers, not dates ("Bloody Sunday", "the Sunday Times").
NAMED_DAY_PREFIXES = ("ash", "black", "bloody", "cyber", "easter", "good", "holy", "maundy", "palm", "super")
NAMED_DAY_SUFFIXES = (
    "Times", "Telegraph", "Express", "Mirror", "Herald", "Post", "Mail", "Observer", "Independent", "Tribune",
)
# Text a `resolve` phrase may carry around its date expression.
_LEAD_IN = re.compile(
    r"\s*(?:(?:on|in|at|of|over|since|until|till|by|during|from|before|after|through|throughout|as\s+of|"
    r"as\s+(?:early|late|recently|long\s+ago)\s+as|starting|beginning|ending)\s+)?",
    re.IGNORECASE,
)
_TRAILER = re.compile(r"[\s.,;:!?'\"’)]*")


def _alternation(words) -> str:
    """Regex alternation of `words`, longest first, spaces matching any whitespace run."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def _lookbehind(words) -> str:
    """Zero-width check that one of `words` and a single whitespace character precede the match."""
    parts = (re.escape(w).replace(r"\ ", r"\s") for w in words)
    return "(?:" + "|".join(rf"(?<=\b{p}\s)" for p in parts) + ")"


# Month names are case-sensitive (Title or UPPER case) so "may" the verb and "mar" never match.
_MONTH_NAMES = [m.title() for m in MONTHS] + [m.upper() for m in MONTHS]
_MONTH_FULL_NAMES = [m.title() for m in list(MONTHS)[:12]] + [m.upper() for m in list(MONTHS)[:12]]
MONTH = rf"(?P<month>(?-i:{_alternation(_MONTH_NAMES)}))\.?"
MONTH_FULL = rf"(?P<month>(?-i:{_alternation(_MONTH_FULL_NAMES)}))"
WEEKDAY = rf"(?P<weekday>{_alternation(WEEKDAYS)})"
WEEKDAY_PREFIX = rf"(?:(?:{_alternation(WEEKDAYS)}|(?:{_alternation(WEEKDAY_ABBREVIATIONS)})\.?),?\s+)?"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?(?![\w:])"
YEAR = r"(?P<year>19\d\d|20\d\d|2100)(?![\w%]|[.,:/-]\d)"
# A bare year, which must not be a count ("of 2000 people").
BARE_YEAR = rf"{YEAR}(?!\s+(?:{_alternation(COUNT_NOUNS)})\b)"
EDGE = r"(?P<edge>early|mid|late|the\s+(?:end|beginning|start|middle)\s+of|end\s+of|beginning\s+of)"
_NOT_NAMED_DAY = "".join(rf"(?<!\b{p}\s)" for p in NAMED_DAY_PREFIXES)
RELATIVE = rf"(?P<rel>{_alternation(RELATIVE_STEPS)})"
NUMBER = (
    rf"(?P<number>\d{{1,3}}|(?:{_alternation(TENS_WORDS)})(?:[-\s](?:{_alternation(DIGIT_WORDS)}))?"
    rf"|{_alternation(NUMBER_WORDS)})"
)

Resolved = tuple[date, str]


@dataclass(frozen=True)
class _Rule:
    name: str
    pattern: re.Pattern[str]
    resolve: Callable[[re.Match[str], date | None, str], Resolved | None]
    # a quick search every match needs to find: the rule's slow pattern is not tried on text without it
    needs: re.Pattern[str] | None = None


# --- calendar helpers -------------------------------------------------------------------------------


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _add_months(d: date, months: int) -> date:
    """First day of the month `months` after the month of `d`."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _number(text: str) -> int:
    words = " ".join(text.lower().replace("-", " ").split())
    if words.isdigit():
        return int(words)
    if words in NUMBER_WORDS:
        return NUMBER_WORDS[words]
    tens, _, units = words.partition(" ")
    return TENS_WORDS[tens] + (NUMBER_WORDS[units] if units else 0)


def _step(rel: str) -> int:
    return RELATIVE_STEPS[" ".join(rel.lower().split())]


def _infer_year(month: int, day: int, published: date, direction: str) -> date:
    """The month/day nearest publication in `direction` (see FUTURE_SLACK_DAYS for "past")."""
    if direction == "future":
        candidate = date(published.year, month, day)
        return candidate if candidate >= published else date(published.year + 1, month, day)
    candidate = date(published.year, month, day)
    if candidate - published > timedelta(days=FUTURE_SLACK_DAYS):
        return date(published.year - 1, month, day)
    return candidate


# --- resolvers: (match, published, direction) -> (date, precision) | None ----------------------------


def _relative_day(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    if published is None:
        return None
    return published + timedelta(days=RELATIVE_DAYS[" ".join(m["word"].lower().split())]), "day"


def _weekday(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    if published is None:
        return None
    target = WEEKDAYS[m["weekday"].lower()]
    back = (published.weekday() - target) % 7  # days back to the latest such weekday, 0 = today
    step = _step(m["rel"]) if m["rel"] else None
    if step == -1:
        return published - timedelta(days=back or 7), "day"
    if step == 1:
        return published + timedelta(days=(-back) % 7 or 7), "day"
    if direction == "future":
        return published + timedelta(days=(-back) % 7), "day"
    return published - timedelta(days=back), "day"


def _relative_period(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    if published is None:
        return None
    step = _step(m["rel"])
    unit = m["unit"].lower()
    if unit == "weekend":
        return _monday(published) + timedelta(days=5 + 7 * step), "week"
    if unit == "week":
        return _monday(published) + timedelta(days=7 * step), "week"
    if unit == "month":
        return _add_months(published, step), "month"
    return date(published.year + step, 1, 1), "year"


def _weekend(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    """'over the weekend': the latest weekend already begun ("future": the current or coming one)."""
    if published is None:
        return None
    saturday = _monday(published) + timedelta(days=5)
    if direction == "past" and published < saturday:
        saturday -= timedelta(days=7)
    return saturday, "week"


def _ago(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    if published is None:
        return None
    n = _number(m["number"])
    unit = m["unit"].lower()
    if unit == "day":
        return published - timedelta(days=n), "day"
    if unit == "week":
        return _monday(published) - timedelta(days=7 * n), "week"
    if unit == "month":
        return _add_months(published, -n), "month"
    years = 10 * n if unit == "decade" else n
    return date(published.year - years, 1, 1), UNIT_PRECISION[unit]


def _iso(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    return date(int(m["y"]), int(m["m"]), int(m["d"])), "day"


def _slashed(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    """d/m/yyyy or m/d/yyyy, only where one reading is impossible or both agree."""
    a, b, year = int(m["a"]), int(m["b"]), int(m["year"])
    if a <= 12 and b <= 12 and a != b:
        return None
    month, day = (a, b) if a <= 12 else (b, a)
    return date(year, month, day), "day"


def _month_day(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    month, day = _month_number(m["month"]), int(m["day"])
    if m["year"]:
        return date(int(m["year"]), month, day), "day"
    if published is None:
        return None
    return _infer_year(month, day, published, direction), "day"


def _month_year(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    return date(int(m["year"]), _month_number(m["month"]), 1), "month"


def _month_in_context(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    if published is None:
        return None
    month = _month_number(m["month"])
    step = _step(m["rel"]) if m["rel"] else None
    this_year = date(published.year, month, 1)
    current = date(published.year, published.month, 1)
    if step == -1:
        return (this_year if this_year < current else date(published.year - 1, month, 1)), "month"
    if step == 1:
        return (this_year if this_year > current else date(published.year + 1, month, 1)), "month"
    if step == 0:
        return this_year, "month"
    return _infer_year(month, 1, current, direction), "month"


def _year(m: re.Match[str], published: date | None, direction: str) -> Resolved | None:
    return date(int(m["year"]), 1, 1), "year"


_FLAGS = re.IGNORECASE
_ANY_YEAR = re.compile(r"19\d\d|20\d\d|2100")
_RULES = (
    _Rule("relative_day", re.compile(
        rf"\b(?:(?:early|late|earlier|later)\s+)?(?P<word>{_alternation(RELATIVE_DAYS)})"
        rf"(?:\s+(?:{_alternation(DAY_PARTS)}))?\b", _FLAGS), _relative_day),
    _Rule("weekday", re.compile(
        rf"\b{_NOT_NAMED_DAY}(?:(?:early|late)\s+)?(?:{RELATIVE}\s+)?{WEEKDAY}"
        rf"(?:\s+(?:{_alternation(DAY_PARTS)}))?\b(?!\s+(?-i:{_alternation(NAMED_DAY_SUFFIXES)})\b)",
        _FLAGS), _weekday),
    _Rule("weekend", re.compile(
        rf"{_lookbehind(('over', 'at', 'during', 'on', 'through', 'throughout'))}the\s+weekend\b", _FLAGS),
        _weekend, re.compile("weekend", re.IGNORECASE)),
    _Rule("relative_period", re.compile(
        rf"\b(?:(?:{EDGE}|earlier|later)[-\s]+)?{RELATIVE}\s+(?P<unit>weekend|week|month|year)\b", _FLAGS),
        _relative_period),
    _Rule("ago", re.compile(
        rf"(?<![\w,.]){NUMBER}\s+(?P<unit>day|week|month|year|decade)s?\s+ago\b", _FLAGS), _ago),
    _Rule("iso", re.compile(r"(?<![\w.-])(?P<y>\d{4})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?![\d-])"), _iso),
    _Rule("slashed", re.compile(
        r"(?<![\w/.-])(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<year>\d{4})(?![\w/-])"), _slashed),
    _Rule("slashed_ymd", re.compile(
        r"(?<![\w/.-])(?P<y>\d{4})/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?![\d/])"), _iso),
    _Rule("month_day", re.compile(
        rf"(?<![\w.]){WEEKDAY_PREFIX}{MONTH}\s+{DAY}(?:,?\s+{YEAR})?", _FLAGS), _month_day),
    _Rule("day_month", re.compile(
        rf"(?<![\w,.]){WEEKDAY_PREFIX}(?:the\s+)?{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR})?", _FLAGS),
        _month_day),
    _Rule("month_year", re.compile(
        rf"\b(?:{EDGE}[-\s]+)?{MONTH},?\s+(?:of\s+)?{YEAR}", _FLAGS), _month_year),
    _Rule("month_in_context", re.compile(
        rf"(?:\b{EDGE}[-\s]+|\b{RELATIVE}\s+|{_lookbehind(CONTEXT_PREPOSITIONS)}){MONTH_FULL}\b", _FLAGS),
        _month_in_context, re.compile(MONTH_FULL)),
    _Rule("year_in_context", re.compile(
        rf"(?:\b{EDGE}[-\s]+|{_lookbehind(CONTEXT_PREPOSITIONS)}){BARE_YEAR}", _FLAGS), _year, _ANY_YEAR),
    _Rule("year_modifier", re.compile(
        rf"{_lookbehind(YEAR_DETERMINERS)}{BARE_YEAR}(?=\s+[a-z])", _FLAGS), _year, _ANY_YEAR),
)

_ISO_TIMESTAMP = re.compile(
    r"\s*(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T\s]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?)?\s*"
)
_BARE_YEAR = re.compile(r"\s*(?P<year>\d{4})\s*")


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")


def _candidates(text: str, published: date | None, direction: str):
    for rule in _RULES:
        if rule.needs is not None and rule.needs.search(text) is None:
            continue
        for m in rule.pattern.finditer(text):
            try:
                resolved = rule.resolve(m, published, direction)
            except (ValueError, OverflowError):
                continue  # impossible date ("February 30") or out of the calendar's range
            if resolved is not None:
                yield m.start(), m.end(), resolved


def find_dates(
    text: str, published: date | None, *, offset: int = 0, direction: str = "past",
) -> list[DateMention]:
    """Every date phrase in `text`, resolved against `published`.

    Spans are offsets into `text` plus `offset`; overlapping phrases keep the longest (then the earliest).
    Relative phrases ("Tuesday", "last week", "July 15") are skipped when `published` is None.
    """
    _check_direction(direction)
    chosen: list[tuple[int, int, Resolved]] = []
    for start, end, resolved in sorted(_candidates(text, published, direction),
                                       key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, resolved))
    return [
        DateMention(start + offset, end + offset, text[start:end], resolved[0], resolved[1])
        for start, end, resolved in sorted(chosen, key=lambda c: c[0])
    ]


def resolve(phrase: str, published: date | None, *, direction: str = "past") -> DateMention | None:
    """Resolve one date phrase ("on Tuesday", "since last weekend", "14 months ago").

    The phrase must be a single date expression, optionally led by a preposition; otherwise None.
    Offsets in the result index into `phrase`.
    """
    mentions = find_dates(phrase, published, direction=direction)
    if len(mentions) != 1:
        return None
    mention = mentions[0]
    if _LEAD_IN.fullmatch(phrase, 0, mention.start) and _TRAILER.fullmatch(phrase, mention.end):
        return mention
    return None


def parse_absolute_date(text: str) -> Resolved | None:
    """A stand-alone date string (dateline, metadata value) as `(date, precision)`, or None.

    Accepts ISO dates and timestamps, "2 December 2016", "December 2, 2016", "Dec. 2, 2016",
    "Friday, 2 December 2016", "Fri, 02 Dec 2016 10:31:00 +0000", "December 2016" and "2016". Slashed
    d/m and m/d dates are read only where just one reading is possible. Nothing relative is guessed.
    """
    for pattern, precision in ((_ISO_TIMESTAMP, "day"), (_BARE_YEAR, "year")):
        m = pattern.fullmatch(text)
        if m:
            try:
                if precision == "day":
                    return date(int(m["y"]), int(m["m"]), int(m["d"])), "day"
                return date(int(m["year"]), 1, 1), "year"
            except ValueError:
                return None
    mentions = find_dates(text, None)
    if not mentions:
        return None
    best = min(mentions, key=lambda mm: (DATE_PRECISION.index(mm.precision), mm.start))
    return best.date, best.precision


__all__ = ["DIRECTIONS", "FUTURE_SLACK_DAYS", "find_dates", "parse_absolute_date", "resolve"]
