"""Behaviour of the coder on single sentences: type, dyad, factuality, date, place."""

import pytest

pytestmark = pytest.mark.model


def _dyads(events):
    return {(e.event_type, tuple(a.country for a in e.actor), tuple(r.country for r in e.recipient), e.factuality)
            for e in events}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chinese President Xi Jinping met Russian President Vladimir Putin in Beijing on Monday.",
         ("CONSULT", ("CHN",), ("RUS",), "asserted")),
        ("Israeli warplanes bombed Hamas positions in Gaza overnight, the army said.",
         ("ASSAULT", ("ISR",), ("PSE",), "reported")),
        ("Iran rejected demands by the United States to halt uranium enrichment.",
         ("REJECT", ("IRN",), ("USA",), "asserted")),
        ("The European Union imposed new sanctions on Russia on Thursday.",
         ("SANCTION", ("EUR",), ("RUS",), "asserted")),  # the PLOVER manual: sanctions are SANCTION
        ("North Korea threatened to attack South Korea if the drills continue.",
         ("THREATEN", ("PRK",), ("KOR",), "asserted")),
        ("Ukraine did not attend the talks in Minsk.", ("CONSULT", ("UKR",), ("BLR",), "negated")),
        ("Russia will hold talks with Turkey next week, the Kremlin said.",
         ("AGREE", ("RUS",), ("TUR",), "intended")),  # PLOVER: a future meeting is AGREE (CAMEO 036)
        ("Saudi Arabia sent humanitarian aid to Yemen.", ("AID", ("SAU",), ("YEM",), "asserted")),
        ("France and Indonesia signed a defence agreement in Jakarta on Wednesday.",
         ("SUPPORT", ("FRA",), ("IDN",), "asserted")),
        ("Hamas released three Israeli hostages on Sunday.", ("RETREAT", ("PSE",), ("ISR",), "asserted")),
        ("The US condemned the missile test by North Korea.", ("ACCUSE", ("USA",), ("PRK",), "asserted")),
        ("Germany expelled two Russian diplomats.", ("SANCTION", ("DEU",), ("RUS",), "asserted")),
        # placed in Iraq (the complement's object carries "in northern Iraq"), so aimed at Iraq as PLACE_TARGETED says
        ("Turkey denied carrying out the airstrike in northern Iraq.", ("ASSAULT", ("TUR",), ("IRQ",), "negated")),
        ("Rebels killed five soldiers in an ambush near Aleppo.", ("ASSAULT", ("SYR",), ("SYR",), "asserted")),
        ("Thousands of protesters marched through central Caracas on Saturday.",
         ("PROTEST", ("VEN",), ("VEN",), "asserted")),
        ("Police in Hong Kong arrested 15 pro-democracy activists on Sunday.",
         ("COERCE", ("HKG",), ("HKG",), "asserted")),
        ("Germany will provide 500 million euros in humanitarian aid to Syrian refugees.",
         ("AGREE", ("DEU",), ("SYR",), "intended")),
        ("Georgian demonstrators received weapons from the Georgian government.",
         ("AID", ("GEO",), ("GEO",), "asserted")),
        ("Turkish President Tayyip Erdogan spoke with Russian President Vladimir Putin by phone on Tuesday.",
         ("CONSULT", ("TUR",), ("RUS",), "asserted")),
        ("Russian forces shelled Kherson on Monday, killing three civilians.",
         ("ASSAULT", ("RUS",), ("UKR",), "asserted")),
    ],
)
def test_sentence_dyads(code_text, text, expected):
    assert expected in _dyads(code_text(text))


def test_said_is_not_an_event_and_carries_attribution(code_text):
    events = code_text("Syrian state media said rebels shelled government positions in Aleppo on Tuesday.")
    assert [e.event_type for e in events] == ["ASSAULT"]
    (event,) = events
    assert event.factuality == "reported"
    assert event.attribution is not None and "media" in event.attribution.source
    assert event.date == "2016-11-29"


def test_according_to_names_the_source(code_text):
    (event,) = code_text("Turkish troops shelled Kurdish positions near Afrin, according to Reuters.")
    assert event.attribution.source == "Reuters" and event.attribution.kind == "media"


def test_event_date_and_place(code_text):
    (event,) = code_text("Lavrov met Cavusoglu in the Turkish resort city of Alanya on Thursday.")
    assert (event.date, event.date_precision, event.date_text) == ("2016-12-01", "day", "Thursday")
    assert event.location.name == "Alanya" and event.location.country == "TUR"
    assert event.actor[0].country == "RUS" and event.actor[0].sector == "GOV"


def test_office_holder_on_event_date(code_text):
    (old,) = code_text("Erdogan met Putin in Moscow.", published="2005-06-01")
    (new,) = code_text("Erdogan met Putin in Moscow.", published="2016-06-01")
    assert old.actor[0].country == new.actor[0].country == "TUR"
    assert old.actor[0].sector == new.actor[0].sector == "GOV"


def test_proposal_is_not_an_act(code_text):
    events = code_text("Russia proposed opening humanitarian corridors into Aleppo.")
    assert [(e.event_type, e.factuality) for e in events] == [("AGREE", "proposed")]


@pytest.mark.parametrize(
    "text",
    [
        "The weather in Ankara was cold on Tuesday.",
        "Analysts said the economy would recover next year.",
        "",
    ],
)
def test_no_event(code_text, text):
    assert code_text(text) == []
