"""Actor resolution: the public resolver on the hand-written cases, context countries for domestic events,
coreference, place-before-agent, PLOVER codes and the `wirecoder actors resolve` command."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from wirecoder.context import about_clue, dateline_clue, outlet_clue
from wirecoder.kb import default_kb, plover_country
from wirecoder.readers import read_text
from wirecoder.resolver import FIELDS, ActorQuery, resolve_actor
from wirecoder.schema import Article

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from eval_actors import load_cases, score  # noqa: E402

# Floors for tests/data/actor_cases.jsonl (666 cases written before the code; tools/eval_actors.py).
COUNTRY_FLOOR = 0.90
SECTOR_FLOOR = 0.90


def resolve(pipeline, text, context=None, day=None, country=None):
    return resolve_actor(ActorQuery(text, context, date.fromisoformat(day) if day else None, country), pipeline)[0]


def test_actor_cases_hold_their_floors(pipeline):
    totals, misses = score(pipeline, load_cases())
    n, country, sector = totals["all"]
    assert n >= 400
    assert country / n >= COUNTRY_FLOOR, f"country accuracy {country / n:.3f}"
    assert sector / n >= SECTOR_FLOOR, f"sector accuracy {sector / n:.3f}"


def test_resolver_returns_the_documented_fields(pipeline):
    got = resolve(pipeline, "Russian Foreign Minister Sergei Lavrov", day="2016-12-01")
    assert tuple(got) == FIELDS
    assert (got["country"], got["sector"], got["role"]) == ("RUS", "GOV", "foreign minister")
    assert got["since"] == "2004-03-09" and got["until"] is None


@pytest.mark.parametrize(("text", "context", "day", "hint", "country", "sector", "why"), [
    ("Lagos police", None, None, None, "NGA", "COP", "the place before the agent: Lagos"),
    ("the Sindh provincial government", None, None, None, "PAK", "GOV", "the place before the agent: Sindh"),
    ("police", "NEW DELHI - Police arrested five men on Monday.", None, None, "IND", "COP", "the dateline"),
    ("police", None, None, "IND", "IND", "COP", "the country hint"),
    ("soldiers", "Soldiers deployed across Niamey after the coup.", None, None, "NER", "MIL", "a place"),
    ("police", None, None, None, None, "COP", "agent"),
    ("former Japanese prime minister Shinzo Abe", None, "2021-03-01", None, "JPN", "ELI", "knowledge base"),
    ("Jordan Peterson", None, "2018-02-01", None, None, None, "no actor"),
    ("Paris Hilton", None, None, None, None, None, "no actor"),
    ("Latin America", None, None, None, None, None, None),
    ("the UN Security Council", None, None, None, "UNO", "IGO", "knowledge base"),
    ("the European Commission", None, None, None, "EUR", "IGO", "knowledge base"),
    ("Kosovo police", None, None, None, "KOS", "COP", None),
    ("Abkhazia", None, None, None, "GEO", "PRE", "knowledge base"),
    ("Transnistrian authorities", None, None, None, "MDA", "PRE", "knowledge base"),
    ("Doctors Without Borders", None, None, None, "NGO", "NGO", "knowledge base"),
    ("LAGOS POLICE", None, None, None, "NGA", "COP", None),
    ("russian foreign minister sergei lavrov", None, "2016-12-01", None, "RUS", "GOV", None),
])
def test_resolver_cases(pipeline, text, context, day, hint, country, sector, why):
    got = resolve(pipeline, text, context, day, hint)
    assert (got["country"], got["sector"]) == (country, sector), got
    if why:
        assert got["why"].startswith(why), got


def test_a_person_out_of_office_is_an_elite():
    lavrov, trump = default_kb().lookup("Barack Obama"), default_kb().lookup("Donald Trump")
    role = lavrov.role_on(date(2018, 6, 1))
    assert (role.country, role.sector, role.title) == ("USA", "ELI", "former president")
    assert trump.role_on(date(2026, 1, 1)).sector == "GOV"


def test_plover_country_codes():
    assert plover_country("IGO", "IGOUNOREFHCR") == "UNO"
    assert plover_country("IGO", "IGOEUREEC") == "EUR"
    assert plover_country("IGO", "IGOEUROSC") == "IGO"
    assert plover_country("XKX") == plover_country("KSV") == "KOS"
    assert plover_country("GUM") == "USA" and plover_country("HKG") == "HKG" and plover_country("PSE") == "PSE"


def test_dateline_outlet_and_about_clues(pipeline):
    assert dateline_clue("NEW DELHI, March 3 (Reuters) - Police said...", pipeline.gazetteer).country == "IND"
    assert dateline_clue("Police said on Monday...", pipeline.gazetteer) is None
    assert outlet_clue(Article(doc_id="a", text="x", outlet="The Hindu")).country == "IND"
    assert outlet_clue(Article(doc_id="a", text="x", url="https://www.dawn.com/news/1")).country == "PAK"
    assert outlet_clue(Article(doc_id="a", text="x", url="https://example.ng/story")).country == "NGA"
    assert outlet_clue(Article(doc_id="a", text="x", url="https://reuters.com/world")) is None
    assert about_clue(["IND", "IND", "PAK"]).country == "IND"
    assert about_clue(["IND", "PAK"]) is None


def _parties(events):
    return [([(a.country, a.sector) for a in e.actor], [(r.country, r.sector) for r in e.recipient]) for e in events]


@pytest.mark.parametrize(("text", "event_type", "actor", "recipient"), [
    ("Lagos police arrested twelve protesters on Tuesday.", "COERCE", ("NGA", "COP"), ("NGA", "CVL")),
    ("The Sindh provincial government banned rallies on Tuesday.", "COERCE", ("PAK", "GOV"), None),
    ("NEW DELHI - Police arrested five men on Monday after a mob attacked a mosque.", "COERCE",
     ("IND", "COP"), None),
    ("Police fired tear gas at protesters in Karachi on Monday.", "ASSAULT", ("PAK", "COP"), ("PAK", "CVL")),
    ("Kanpur police shot dead a wanted criminal in an encounter on Sunday.", "ASSAULT", ("IND", "COP"),
     ("IND", "CRM")),
    ("A mob lynched a man in Alwar district of Rajasthan on Friday, police said.", "ASSAULT", ("IND", "CVL"),
     ("IND", "CVL")),
    ("Mumbai: The crime branch arrested two persons for smuggling gold.", "COERCE", ("IND", "COP"),
     ("IND", "CVL")),
])
def test_domestic_events_take_their_country_from_context(code_text, text, event_type, actor, recipient):
    events = [e for e in code_text(text) if e.event_type == event_type]
    assert events, text
    event = events[0]
    assert (event.actor[0].country, event.actor[0].sector) == actor
    assert event.actor[0].why is not None
    if recipient:
        assert (event.recipient[0].country, event.recipient[0].sector) == recipient


def test_outlet_country_places_police(pipeline):
    article = Article(doc_id="o", text="Police arrested three men for the robbery on Monday.",
                      published=date(2024, 3, 4), url="https://www.thehindu.com/news/cities/x.ece")
    events = [e for e in pipeline.code(article) if e.event_type == "COERCE"]
    assert events and events[0].actor[0].country == "IND"
    assert events[0].actor[0].why == "the outlet: thehindu.com"


def test_definite_description_refers_back(code_text):
    events = code_text("Israeli troops raided Jenin on Monday. The army said it arrested ten militants.")
    arrest = next(e for e in events if e.event_type == "COERCE")
    assert (arrest.actor[0].country, arrest.actor[0].sector) == ("ISR", "MIL")
    assert arrest.actor[0].why.startswith("coreference")


def test_pronoun_it_refers_to_a_country(code_text):
    events = code_text("Turkey sent troops into Syria on Tuesday. It also shelled Kurdish positions near Afrin.")
    shelling = [e for e in events if e.event_type == "ASSAULT"]
    assert shelling and shelling[0].actor[0].country == "TUR"


def test_no_country_anywhere_drops_the_event(code_text):
    assert not [e for e in code_text("Police arrested three men for the robbery on Monday.")
                if e.event_type == "COERCE"]


def test_lowercase_archive_text_is_coded(code_text):
    text = ("russian foreign minister sergei lavrov met turkish foreign minister mevlut cavusoglu in alanya on "
            "thursday to discuss the war in syria.")
    events = [e for e in code_text(text) if e.event_type == "CONSULT"]
    assert events and {a.country for a in events[0].actor + events[0].recipient} >= {"RUS", "TUR"}


def test_seed_article_parties(pipeline):
    text = ROOT / "examples" / "000_5803871372006973.txt"
    article = read_text(text.read_text(encoding="utf-8"), doc_id="seed", published=date(2016, 12, 2))
    events = pipeline.code(article)
    shelling = [e for e in events if e.event_type == "ASSAULT" and "shelling" in e.event_text]
    assert shelling and (shelling[0].actor[0].country, shelling[0].actor[0].sector) == ("SYR", "REB")
    assert any(e.actor and e.actor[0].country == "TUR" and e.recipient and e.recipient[0].country == "SYR"
               for e in events)


def test_cli_resolves_arguments_and_jsonl(tmp_path, capsys):
    from wirecoder import cli

    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"text": "police", "context": "NEW DELHI - Police arrested five men."}) + "\n"
                       + "not json\n" + json.dumps({"text": "Hamas", "date": "2024-01-01"}) + "\n", encoding="utf-8")
    status = cli.main(["actors", "resolve", "Lagos police", "--jsonl", str(queries)])
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["country"], r["sector"]) for r in rows] == [("NGA", "COP"), ("IND", "COP"), ("PSE", "REB")]
    assert f"{queries}:2: not valid JSON" in err
    assert status == 1
