"""Date phrase finding and resolution (wirecoder.dates)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecoder.dates import find_dates, parse_absolute_date, resolve
from wirecoder.schema import DATE_PRECISION

PUB = date(2016, 12, 2)  # a Friday


@pytest.mark.parametrize(
    ("phrase", "expected", "precision"),
    [
        # weekdays
        ("Tuesday", date(2016, 11, 29), "day"),
        ("on Tuesday", date(2016, 11, 29), "day"),
        ("Tuesday night", date(2016, 11, 29), "day"),
        ("early Tuesday", date(2016, 11, 29), "day"),
        ("last Tuesday", date(2016, 11, 29), "day"),
        ("this past Tuesday", date(2016, 11, 29), "day"),
        ("Friday", PUB, "day"),
        ("last Friday", date(2016, 11, 25), "day"),
        ("next Tuesday", date(2016, 12, 6), "day"),
        ("next Friday", date(2016, 12, 9), "day"),
        ("Saturday", date(2016, 11, 26), "day"),
        # deictic days
        ("today", PUB, "day"),
        ("yesterday", date(2016, 12, 1), "day"),
        ("yesterday morning", date(2016, 12, 1), "day"),
        ("tomorrow", date(2016, 12, 3), "day"),
        ("tonight", PUB, "day"),
        ("this morning", PUB, "day"),
        ("last night", date(2016, 12, 1), "day"),
        ("earlier today", PUB, "day"),
        ("the day before yesterday", date(2016, 11, 30), "day"),
        # weeks and weekends
        ("last weekend", date(2016, 11, 26), "week"),
        ("since last weekend", date(2016, 11, 26), "week"),
        ("this weekend", date(2016, 12, 3), "week"),
        ("over the weekend", date(2016, 11, 26), "week"),
        ("last week", date(2016, 11, 21), "week"),
        ("this week", date(2016, 11, 28), "week"),
        ("earlier this week", date(2016, 11, 28), "week"),
        ("next week", date(2016, 12, 5), "week"),
        # months and years
        ("last month", date(2016, 11, 1), "month"),
        ("this month", date(2016, 12, 1), "month"),
        ("earlier this month", date(2016, 12, 1), "month"),
        ("next month", date(2017, 1, 1), "month"),
        ("last year", date(2015, 1, 1), "year"),
        ("this year", date(2016, 1, 1), "year"),
        ("earlier this year", date(2016, 1, 1), "year"),
        ("later this year", date(2016, 1, 1), "year"),
        ("as recently as last year", date(2015, 1, 1), "year"),
        ("the end of last year", date(2015, 1, 1), "year"),
        ("next year", date(2017, 1, 1), "year"),
        # N units ago
        ("three days ago", date(2016, 11, 29), "day"),
        ("3 days ago", date(2016, 11, 29), "day"),
        ("two weeks ago", date(2016, 11, 14), "week"),
        ("a week ago", date(2016, 11, 21), "week"),
        ("14 months ago", date(2015, 10, 1), "month"),
        ("fourteen months ago", date(2015, 10, 1), "month"),
        ("a year ago", date(2015, 1, 1), "year"),
        ("a couple of years ago", date(2014, 1, 1), "year"),
        ("twenty-five years ago", date(1991, 1, 1), "year"),
        ("a decade ago", date(2006, 1, 1), "year"),
        ("two decades ago", date(1996, 1, 1), "year"),
        # absolute
        ("November 2015", date(2015, 11, 1), "month"),
        ("Nov. 2015", date(2015, 11, 1), "month"),
        ("in 2015", date(2015, 1, 1), "year"),
        ("since 2014", date(2014, 1, 1), "year"),
        ("until 2020", date(2020, 1, 1), "year"),
        ("July 15", date(2016, 7, 15), "day"),
        ("on July 15", date(2016, 7, 15), "day"),
        ("15 July", date(2016, 7, 15), "day"),
        ("the 15th of July", date(2016, 7, 15), "day"),
        ("July 15, 2016", date(2016, 7, 15), "day"),
        ("July 15th, 2015", date(2015, 7, 15), "day"),
        ("15 July 2016", date(2016, 7, 15), "day"),
        ("Dec. 1", date(2016, 12, 1), "day"),
        ("December 1", date(2016, 12, 1), "day"),
        ("January 20", date(2016, 1, 20), "day"),
        ("2016-12-01", date(2016, 12, 1), "day"),
        ("Thursday, Dec. 1", date(2016, 12, 1), "day"),
        ("mid-November", date(2016, 11, 1), "month"),
        ("early December", date(2016, 12, 1), "month"),
        ("late 2015", date(2015, 1, 1), "year"),
        ("mid-2015", date(2015, 1, 1), "year"),
        ("in November", date(2016, 11, 1), "month"),
        ("in May", date(2016, 5, 1), "month"),
        ("since March", date(2016, 3, 1), "month"),
        ("last November", date(2016, 11, 1), "month"),
        ("last December", date(2015, 12, 1), "month"),
        ("next March", date(2017, 3, 1), "month"),
        ("May 9", date(2016, 5, 9), "day"),
    ],
)
def test_resolve_on_publication_friday(phrase, expected, precision):
    mention = resolve(phrase, PUB)
    assert mention is not None, phrase
    assert (mention.date, mention.precision) == (expected, precision)


@pytest.mark.parametrize(
    ("phrase", "published", "expected", "precision"),
    [
        ("last month", date(2017, 1, 5), date(2016, 12, 1), "month"),
        ("last year", date(2017, 1, 5), date(2016, 1, 1), "year"),
        ("last week", date(2017, 1, 5), date(2016, 12, 26), "week"),
        ("yesterday", date(2017, 1, 1), date(2016, 12, 31), "day"),
        ("December 30", date(2017, 1, 5), date(2016, 12, 30), "day"),
        ("in December", date(2017, 1, 5), date(2016, 12, 1), "month"),
        ("January 10", date(2016, 12, 20), date(2016, 1, 10), "day"),
        ("February 20", date(2017, 1, 5), date(2017, 2, 20), "day"),
        ("14 months ago", date(2017, 1, 5), date(2015, 11, 1), "month"),
        ("two weeks ago", date(2017, 1, 5), date(2016, 12, 19), "week"),
        ("Sunday", date(2016, 12, 4), date(2016, 12, 4), "day"),
        ("this weekend", date(2016, 12, 4), date(2016, 12, 3), "week"),
        ("last weekend", date(2016, 12, 4), date(2016, 11, 26), "week"),
        ("over the weekend", date(2016, 12, 5), date(2016, 12, 3), "week"),
        ("last Monday", date(2016, 12, 5), date(2016, 11, 28), "day"),
        ("February 29", date(2016, 3, 10), date(2016, 2, 29), "day"),
    ],
)
def test_resolve_other_publication_dates(phrase, published, expected, precision):
    mention = resolve(phrase, published)
    assert mention is not None, phrase
    assert (mention.date, mention.precision) == (expected, precision)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Tuesday", date(2016, 12, 6)),
        ("Friday", PUB),
        ("on Thursday", date(2016, 12, 8)),
        ("last Tuesday", date(2016, 11, 29)),
        ("July 15", date(2017, 7, 15)),
        ("in November", date(2017, 11, 1)),
        ("in December", date(2016, 12, 1)),
        ("over the weekend", date(2016, 12, 3)),
    ],
)
def test_resolve_future_direction(phrase, expected):
    mention = resolve(phrase, PUB, direction="future")
    assert mention is not None
    assert mention.date == expected


@pytest.mark.parametrize(
    "phrase",
    [
        "Russia may attack", "February 30", "February 30, 2016", "2016-02-30", "13/13/2016", "02/12/2016",
        "250,000", "2015 people", "of 2000 people", "Bloody Sunday", "the Sunday Times", "Tuesday and Friday",
        "we met Tuesday to talk about", "March", "the 1990s", "", "   ", "ago",
    ],
)
def test_resolve_rejects(phrase):
    assert resolve(phrase, PUB) is None


@pytest.mark.parametrize(
    "phrase", ["Tuesday", "last week", "July 15", "14 months ago", "in November", "today", "this weekend"],
)
def test_relative_phrases_need_a_publication_date(phrase):
    assert resolve(phrase, None) is None


@pytest.mark.parametrize(
    ("phrase", "expected", "precision"),
    [
        ("July 15, 2016", date(2016, 7, 15), "day"),
        ("November 2015", date(2015, 11, 1), "month"),
        ("in 2015", date(2015, 1, 1), "year"),
        ("2016-12-01", date(2016, 12, 1), "day"),
    ],
)
def test_absolute_phrases_resolve_without_publication_date(phrase, expected, precision):
    mention = resolve(phrase, None)
    assert mention is not None
    assert (mention.date, mention.precision) == (expected, precision)


def test_resolve_rejects_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        resolve("Tuesday", PUB, direction="sideways")


# The founding example, examples/000_5803871372006973.txt (published Friday 2016-12-02).
@pytest.mark.parametrize(
    ("sentence", "text", "expected", "precision"),
    [
        ("This was followed by a phone conversation Wednesday between Erdogan and Putin.",
         "Wednesday", date(2016, 11, 30), "day"),
        ("Russian and Turkish officials met in Turkey's Mediterranean resort city of Alanya Thursday.",
         "Thursday", date(2016, 12, 1), "day"),
        ("Relations soured after a November 2015 Turkish ambush of a Russian warplane.",
         "November 2015", date(2015, 11, 1), "month"),
        ("The war, which began 14 months ago, has killed thousands.",
         "14 months ago", date(2015, 10, 1), "month"),
        ("Since last weekend, government forces have advanced.",
         "last weekend", date(2016, 11, 26), "week"),
        ("Ankara blamed the cleric for the abortive July 15 military coup.",
         "July 15", date(2016, 7, 15), "day"),
        ("Erdogan visited Moscow earlier this year.",
         "earlier this year", date(2016, 1, 1), "year"),
    ],
)
def test_article_sentences(sentence, text, expected, precision):
    [mention] = find_dates(sentence, PUB)
    assert (mention.text, mention.date, mention.precision) == (text, expected, precision)
    assert sentence[mention.start:mention.end] == text


def test_find_dates_sorted_longest_and_offset():
    sentence = "On Friday, 2 December 2016, officials said talks held last Tuesday and in 2015 had failed."
    mentions = find_dates(sentence, PUB, offset=100)
    assert [(m.text, m.date, m.precision) for m in mentions] == [
        ("Friday, 2 December 2016", date(2016, 12, 2), "day"),
        ("last Tuesday", date(2016, 11, 29), "day"),
        ("2015", date(2015, 1, 1), "year"),
    ]
    for mention in mentions:
        assert sentence[mention.start - 100:mention.end - 100] == mention.text


@pytest.mark.parametrize(
    "sentence",
    [
        "Russia may attack 250,000 people.",
        "More than 2015 people and 1999 soldiers fled.",
        "Theresa May said the talks may resume.",
        "The Sunday Times reported it on Bloody Sunday anniversary.",
        "He sat 15 may fall.",
    ],
)
def test_find_dates_ignores_non_dates(sentence):
    assert find_dates(sentence, PUB) == []


@pytest.mark.parametrize(
    ("value", "expected", "precision"),
    [
        ("2 December 2016", date(2016, 12, 2), "day"),
        ("December 2, 2016", date(2016, 12, 2), "day"),
        ("2016-12-02", date(2016, 12, 2), "day"),
        ("Dec. 2, 2016", date(2016, 12, 2), "day"),
        ("Friday, 2 December 2016", date(2016, 12, 2), "day"),
        ("Friday, December 2, 2016 10:31 AM", date(2016, 12, 2), "day"),
        ("2016-12-02T10:31:00Z", date(2016, 12, 2), "day"),
        ("2016-12-02T10:31:00.123+03:00", date(2016, 12, 2), "day"),
        ("2016-12-02 10:31", date(2016, 12, 2), "day"),
        ("Fri, 02 Dec 2016 10:31:00 +0000", date(2016, 12, 2), "day"),
        ("12/25/2016", date(2016, 12, 25), "day"),
        ("25/12/2016", date(2016, 12, 25), "day"),
        ("2016/12/02", date(2016, 12, 2), "day"),
        ("December 2016", date(2016, 12, 1), "month"),
        ("2016", date(2016, 1, 1), "year"),
        ("Updated: Dec. 2, 2016", date(2016, 12, 2), "day"),
    ],
)
def test_parse_absolute_date(value, expected, precision):
    assert parse_absolute_date(value) == (expected, precision)


@pytest.mark.parametrize(
    "value", ["", "yesterday", "Tuesday", "02/12/2016", "2016-02-30", "Dec. 2", "not a date", "2016-13-01"],
)
def test_parse_absolute_date_rejects(value):
    assert parse_absolute_date(value) is None


# --- properties -------------------------------------------------------------------------------------

DATE_WORDS = [
    "Tuesday", "last", "next", "this", "week", "weekend", "month", "year", "ago", "two", "14", "months",
    "July", "15", "May", "may", "2015", "in", "since", "mid-", "early", "late", "December", "Dec.", ",",
    "the", "of", "yesterday", "2016-12-01", "02/12/2016", "a", "decade", "earlier", "over", "people",
]
texty = st.one_of(
    st.text(),
    st.lists(st.sampled_from(DATE_WORDS), max_size=12).map(" ".join),
    st.lists(st.one_of(st.sampled_from(DATE_WORDS), st.text(max_size=3)), max_size=12).map("".join),
)
any_published = st.one_of(st.none(), st.dates())


def _period_start(mention) -> bool:
    d, precision = mention.date, mention.precision
    if precision == "week":
        return d.weekday() in (0, 5)
    if precision == "month":
        return d.day == 1
    if precision == "year":
        return (d.month, d.day) == (1, 1)
    return True


@given(text=texty, published=any_published, offset=st.integers(0, 10_000),
       direction=st.sampled_from(["past", "future"]))
def test_find_dates_never_raises_and_offsets_slice(text, published, offset, direction):
    mentions = find_dates(text, published, offset=offset, direction=direction)
    previous_end = offset
    for mention in mentions:
        assert text[mention.start - offset:mention.end - offset] == mention.text
        assert mention.start >= previous_end  # sorted and non-overlapping
        assert mention.end > mention.start
        previous_end = mention.end
        assert mention.precision in DATE_PRECISION
        assert _period_start(mention)


@given(text=texty, published=any_published)
def test_resolve_and_parse_never_raise(text, published):
    resolve(text, published)
    resolve(text, published, direction="future")
    parse_absolute_date(text)


PAST_PHRASES = [
    "Tuesday", "on Sunday", "last Friday", "Wednesday night", "yesterday", "today", "last night",
    "this morning", "last weekend", "over the weekend", "last week", "this week", "earlier this week",
    "last month", "this month", "earlier this month", "last year", "this year", "earlier this year",
    "as recently as last year", "three days ago", "two weeks ago", "14 months ago", "a year ago",
    "a decade ago", "last November", "last May",
]


@given(phrase=st.sampled_from(PAST_PHRASES), published=st.dates(date(1950, 1, 1), date(2090, 12, 31)))
def test_past_phrases_resolve_on_or_before_publication(phrase, published):
    mention = resolve(phrase, published)
    assert mention is not None
    assert mention.date <= published


@given(published=st.dates(date(1950, 1, 1), date(2090, 12, 31)),
       day=st.sampled_from(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]))
def test_weekdays_fall_within_a_week(published, day):
    past = resolve(day, published).date
    future = resolve(day, published, direction="future").date
    assert 0 <= (published - past).days < 7
    assert 0 <= (future - published).days < 7
    assert past.weekday() == future.weekday()
