"""Truecasing shouted wire copy; word classes as one data file; the said-must demand rule."""

import pytest

from wirecoder.errors import DataFileError
from wirecoder.truecase import Truecaser, is_shouted
from wirecoder.words import parse_word_classes, word_class


def test_shouted_text_is_recognised():
    assert is_shouted("GUERRILLAS ATTACKED A POLICE STATION IN SAN SALVADOR ON MONDAY NIGHT, THE ARMY SAID.")
    assert not is_shouted("Guerrillas attacked a police station in San Salvador on Monday night.")
    assert not is_shouted("UN AND EU")  # too short to judge


def test_truecaser_restores_names_and_sentence_starts():
    tc = Truecaser(names={"san salvador", "salvador", "el salvador", "fmln"}, common={"police"},
                   acronyms={"fmln"})
    text = "GUERRILLAS OF THE FMLN ATTACKED A POLICE STATION IN SAN SALVADOR ON 12 MAY. I SAW IT."
    out = tc(text)
    assert out == "Guerrillas of the FMLN attacked a police station in San Salvador on 12 May. I saw it."
    assert len(out) == len(text)


@pytest.mark.model
def test_pipeline_truecases_before_parsing(pipeline):
    from datetime import date

    from wirecoder.readers import read_text

    article = read_text("POLICE ARRESTED 30 STUDENTS IN NAIROBI ON TUESDAY AFTER A PROTEST AGAINST FEES, "
                        "OFFICIALS SAID.", published=date(2019, 3, 7))
    events = pipeline.code(article)
    assert any(e.event_type == "COERCE" and e.location and e.location.name == "Nairobi" for e in events)
    assert all(article.text[e.span[0]:e.span[1]] == e.event_text for e in events)  # offsets hold


def test_word_classes_file_errors_name_the_line():
    with pytest.raises(DataFileError, match="w.txt:1"):
        parse_word_classes("words before any header\n", "w.txt")
    with pytest.raises(DataFileError, match="defined twice"):
        parse_word_classes("[a] x\nb\n[a] y\nc\n", "w.txt")
    assert parse_word_classes("# c\n[speech] verbs\nsay tell # trailing\n")["speech"] == {"say", "tell"}


def test_one_speech_verb_list_everywhere():
    from wirecoder import attribution, coder

    assert attribution.SPEECH_LEMMAS is coder.SPEECH_HEADS is word_class("speech_verbs")
    assert {"say", "tell", "announce", "warn", "vow"} <= word_class("speech_verbs")


@pytest.mark.model
@pytest.mark.parametrize(("text", "expected"), [
    ("The European Union said Russia must withdraw its troops from Ukraine.", ("EUR", "RUS")),
    ("Erdogan said on Tuesday that Assad should leave power.", ("TUR", "SYR")),
])
def test_said_must_is_a_demand(code_text, text, expected):
    events = [e for e in code_text(text) if e.event_type == "REQUEST"]
    assert len(events) == 1
    e = events[0]
    assert (e.actor[0].country, e.recipient[0].country) == expected
    assert e.coder.endswith("rule:said-must-demand") or "rule:said-must-demand" in e.coder
    assert e.event_text.split()[0] in ("must", "should")


@pytest.mark.model
@pytest.mark.parametrize("text", ["We must defend our borders, the minister said.",
                                  "No one should doubt our resolve, the Turkish president said."])
def test_self_obligation_is_no_demand(code_text, text):
    assert not [e for e in code_text(text) if e.event_type == "REQUEST"]
