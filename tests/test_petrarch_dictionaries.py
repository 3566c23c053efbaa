"""PETRARCH-2 dictionary readers, `dictionaries check`, and the coder's Event contract."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirecoder.errors import DataFileError
from wirecoder.petrarch import PetrarchCoder, check_dictionaries, load_dictionaries, load_packaged
from wirecoder.petrarch.coder import combine, event_type_for
from wirecoder.petrarch.dictionaries import (
    AgentEntry,
    parse_actors,
    parse_agents,
    parse_date,
    parse_verbs,
    verb_forms,
)

VERBS = """&TIES_
+MILITARY
+ECONOMIC

--- ABANDON  [345]  ---
ABANDON
- * &TIES TIES [902]
- SAID $ * [113]
--- BREAK [1717] ---
BREAK { BROKE BROKEN }
+BREAK_DOWN {+BROKE_DOWN +BROKEN_DOWN}
- + * IN $  [075]
"""
ACTORS = """ARNOR_  [ARN]
GONDOR [GON]
+MINAS_TIRITH
SAM_GAMGEE [HOB]
\t[HOBCIV <20080120]
\t[HOBMIL 20080120-20121109]
\t[HOBELI >20130119]
LORIEN  [ELR/GAL]
"""
AGENTS = """!PERSON! = MAN, MEN
CONGRESS!PERSON! [~LEG]
SOLDIER [~MIL]
POLICE {} [~COP]
MSF {} [NGO~]
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def dict_dir(tmp_path):
    _write(tmp_path, "T.verbs.txt", VERBS)
    _write(tmp_path, "T.actors.txt", ACTORS)
    _write(tmp_path, "T.agents.txt", AGENTS)
    _write(tmp_path, "T.discards.txt", "+TYPHOON\nBASEBALL\n")
    return tmp_path


def test_load_directory(dict_dir):
    d = load_dictionaries(dict_dir)
    assert [b.name for b in d.blocks] == ["ABANDON", "BREAK"]
    assert ("MILITARY",) in d.synsets["&TIES"] and ("MILITARIES",) not in d.synsets["&TIES"]
    forms = {f.word for v in d.blocks[1].verbs for f in v.forms if not f.after}
    assert forms == {"BREAK", "BROKE", "BROKEN"}
    assert {a.phrase for a in d.agents} >= {("CONGRESSMAN",), ("CONGRESSMEN",), ("SOLDIERS",), ("POLICE",)}
    assert ("POLICES",) not in {a.phrase for a in d.agents}
    assert [x.story for x in d.discards] == [True, False]


@pytest.mark.parametrize(("day", "code"), [
    (date(2007, 1, 1), "HOBCIV"), (date(2010, 1, 1), "HOBMIL"), (date(2013, 1, 1), "HOB"),
    (date(2014, 1, 1), "HOBELI"), (None, "HOB"),
])
def test_date_ranged_actor_codes(tmp_path, day, code):
    sam = [a for a in parse_actors(_write(tmp_path, "a.actors.txt", ACTORS)) if a.phrases[0] == ("SAM", "GAMGEE")][0]
    assert sam.code_on(day) == code


@pytest.mark.parametrize(("kind", "text", "line", "message"), [
    ("verbs", "--- A [010] ---\nA\n- * FOO\n", 3, "no [code]"),
    ("verbs", "--- A [010] ---\nA\n- FOO BAR [011]\n", 3, "exactly one '*'"),
    ("verbs", "--- A [010] ---\nA\n- * &NOPE [011]\n", 3, "undefined synset"),
    ("verbs", "A\n", 1, "outside"),
    ("actors", "X [ABC]\n\t[ABC 991301-000101]\n", 2, "bad date"),
    ("actors", "X [ABC]\n\t[ABC 20100101-20090101]\n", 2, "ends before it starts"),
    ("agents", "SOLDIER ~MIL\n", 1, "[~CODE]"),
    ("agents", "FOO!X! [~MIL]\n", 1, "undefined substitution"),
])
def test_errors_name_file_and_line(tmp_path, kind, text, line, message):
    path = _write(tmp_path, f"bad.{kind}.txt", text)
    parser = {"verbs": parse_verbs, "actors": parse_actors, "agents": parse_agents}[kind]
    with pytest.raises(DataFileError) as err:
        parser(path)
    assert err.value.line == line and message in err.value.message
    assert f"bad.{kind}.txt:{line}:" in str(err.value)


def test_check_reports_problems(tmp_path):
    _write(tmp_path, "x.verbs.txt", "--- A [010] ---\nA\n- * FOO\n- * BAR [011]\n- * BAR [012]\n")
    _write(tmp_path, "x.actors.txt", "X\n\t[AAA 900101-951231]\n\t[BBB 950101-991231]\nY [C]\n+X [D]\n")
    problems = check_dictionaries(tmp_path)
    codes = sorted((p.code, p.line) for p in problems)
    assert ("P100", 3) in codes  # unparseable pattern
    assert ("P200", 5) in codes  # repeated pattern
    assert ("P300", 3) in codes  # overlapping date ranges
    assert ("P200", 4) in codes  # actor phrase X defined twice with other codes
    assert all(p.path.endswith((".txt",)) for p in problems)


def test_check_missing_verbs(tmp_path):
    assert [p.code for p in check_dictionaries(tmp_path)] == ["P400"]


def test_lenient_load_passes_over_bad_lines(tmp_path):
    _write(tmp_path, "x.verbs.txt", "--- A [010] ---\nA\n- * FOO\n- * BAR [011]\n")
    with pytest.raises(DataFileError):
        load_dictionaries(tmp_path)
    d = load_dictionaries(tmp_path, strict=False)
    assert [e.line for e in d.skipped] == [3] and len(d.blocks[0].patterns) == 1


@pytest.mark.parametrize(("actor", "agents", "expected"), [
    ("ARN", [("MIL", False)], "ARNMIL"),
    ("USAGOV", [("GOV", False)], "USAGOV"),
    ("ARN", [("NGO", True), ("GOV", False)], "NGOARNGOV"),
    (None, [("EDU", False)], "---EDU"),
    ("HGWGOVMED", [("GOVMED", False)], "HGWGOVMED"),
])
def test_combine_agents(actor, agents, expected):
    entries = [AgentEntry(("X",), code, prefix, "t", 1) for code, prefix in agents]
    assert combine(actor, entries) == expected


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2029, 12, 31)))
def test_dates_round_trip(day):
    assert parse_date(day.strftime("%Y%m%d"), Path("t"), 1) == day
    assert parse_date(day.strftime("%y%m%d"), Path("t"), 1) == day


@given(st.from_regex(r"[A-Z]{2,12}", fullmatch=True))
def test_verb_forms_keep_the_base(word):
    forms = verb_forms(word)
    assert forms[0] == word and len(set(forms)) == 4


def test_non_cameo_codes_keep_the_code():
    validate = load_packaged("validate")
    abandon = next(b for b in validate.blocks if b.name == "ABANDON")
    event_type, _, _, _, non_cameo = event_type_for("903", abandon)
    assert non_cameo and event_type
    assert event_type_for("064", abandon)[4] is False


def test_packaged_sets_load():
    assert load_packaged("validate").skipped == ()
    phoenix = load_packaged("phoenix")
    assert len(phoenix.blocks) > 100 and len(phoenix.actors) > 10000


@pytest.mark.model
def test_discards(dict_dir):
    coder = PetrarchCoder(load_dictionaries(dict_dir), nlp=_nlp())
    assert coder.code_text("Arnor played baseball with Gondor.", date(1995, 1, 1)) == []


def _nlp():
    from wirecoder.nlp import load_nlp

    return load_nlp()


@pytest.mark.model
def test_code_article_event_contract():
    from wirecoder.readers import read_text

    coder = PetrarchCoder(load_packaged("validate"), nlp=_nlp())
    article = read_text("Arnor soldiers abandoned diplomatic ties with Gondor.", doc_id="t",
                        published=date(1995, 1, 1))
    events = coder.code_article(article)
    assert [(e.actor[0].id, e.recipient[0].id, e.cameo) for e in events] == [("ARNMIL", "GON", "901")]
    event = events[0]
    assert (event.actor[0].country, event.actor[0].sector) == ("ARN", "MIL")
    assert event.extra["non_cameo"] is True and event.date == "1995-01-01"
    assert event.coder.startswith("petrarch-dict/") and "PETR.Validate.verbs.txt:" in event.coder
    assert article.text[event.span[0]:event.span[1]] == event.event_text == "abandoned"
    event.to_dict()


def test_cli_codes_with_dictionaries_and_checks_them(tmp_path, capsys, monkeypatch):
    import io
    import json

    from wirecoder import cli

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(
        b"Arnor is about to restore full diplomatic ties with Gondor.")))
    assert cli.main(["code", "-", "--dictionaries", "validate", "--no-store", "--format", "jsonl",
                     "--published", "1995-01-01"]) == 0
    (event,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (event["cameo"], event["actor"][0]["country"], event["recipient"][0]["country"]) == ("064", "ARN", "GON")
    bad = tmp_path / "dicts"
    bad.mkdir()
    (bad / "my.actors.txt").write_text("ARNOR_ [ARN]\n", encoding="utf-8")  # no verbs file
    assert cli.main(["dictionaries", "check", str(bad)]) == 1
    assert "[P400]" in capsys.readouterr().out
