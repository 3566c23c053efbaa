"""Gold read as the field writes it: PLOVER type names (0.8 and older drafts), MUC key dates, folded mentions."""

import json
from datetime import date

import pytest

from wirecoder.gold import parse_gold_date, read_gold
from wirecoder.scoring import fold_mentions


@pytest.mark.parametrize(("value", "expected"), [
    ("25 AUG 88", (date(1988, 8, 25), date(1988, 8, 25))),
    ("11 NOV 89 - 12 NOV 89", (date(1989, 11, 11), date(1989, 11, 12))),
    ("- 02 NOV 89", (date(1989, 10, 3), date(1989, 11, 2))),
    ("2016-12-02", (date(2016, 12, 2), date(2016, 12, 2))),
    ("7 MAY 2003", (date(2003, 5, 7), date(2003, 5, 7))),
    ("sometime in 1989", None),
    ("31 FEB 89", None),
    ("", None),
])
def test_gold_dates(value, expected):
    assert parse_gold_date(value) == expected


def _gold(tmp_path, events, dataset="hand"):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"id": "r1", "dataset": dataset, "text": "Police arrested 12 protesters.",
                                "events": events}) + "\n", encoding="utf-8")
    return list(read_gold(path))[0]


@pytest.mark.parametrize(("event", "expected"), [
    ({"code": "ACCUSE", "scheme": "PLOVER"}, "ACCUSE"),
    ({"code": "demand", "scheme": "PLOVER"}, "REQUEST"),
    ({"event_type": "DISAPPROVE"}, "ACCUSE"),
    ({"type": "Fight"}, "ASSAULT"),
    ({"event_type": "INVESTIGATE"}, "ACCUSE"),
    ({"code": "173"}, "COERCE"),
    ({"code": "STATEMENT", "scheme": "PLOVER"}, None),
])
def test_plover_names_in_gold(tmp_path, event, expected):
    record = _gold(tmp_path, [event])
    assert record.events[0].event_type == expected


def test_muc_date_ranges_reach_the_gold_event(tmp_path):
    record = _gold(tmp_path, [{"code": "ATTACK", "scheme": "MUC-4", "event_date": "11 NOV 89 - 12 NOV 89"}],
                   dataset="muc4")
    event = record.events[0]
    assert (event.date, event.date_end) == ("1989-11-11", "1989-11-12")


def test_repeated_mentions_fold(tmp_path):
    events = [
        {"code": "Conflict.Attack", "scheme": "KAIROS", "source_actor": [{"text": "the militants"}],
         "target_actor": [{"text": "a checkpoint"}], "trigger": {"text": "attack"}},
        {"code": "Conflict.Attack", "scheme": "KAIROS", "source_actor": [{"text": "militants"}],
         "target_actor": [{"text": "the soldiers"}], "trigger": {"text": "assault"}},
        {"code": "Conflict.Attack", "scheme": "KAIROS", "source_actor": [{"text": "the army"}],
         "target_actor": [{"text": "the village"}], "trigger": {"text": "shelling"}},
        {"code": "Contact.Contact.Meet", "scheme": "KAIROS", "source_actor": [{"text": "militants"}],
         "trigger": {"text": "met"}},
    ]
    record = _gold(tmp_path, events, dataset="wikievents")
    folded = fold_mentions(list(record.events))
    assert [g.trigger for g in folded] == ["attack", "shelling", "met"]
