"""Whole articles: the seed article's principal events, the contract, offsets and stable ids."""

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from wirecoder.readers import Rejected, iter_inputs

pytestmark = pytest.mark.model
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SEED = EXAMPLES / "000_5803871372006973.txt"


@pytest.fixture(scope="module")
def seed_events(pipeline):
    (article,) = list(iter_inputs([str(SEED)]))
    return article, pipeline.code(article)


@pytest.fixture(scope="module")
def example_events(pipeline):
    articles = [a for a in iter_inputs([str(EXAMPLES)]) if not isinstance(a, Rejected)]
    return list(pipeline.code_many(articles))


def _find(events, event_type, actor, recipient=None, trigger=None):
    for e in events:
        if trigger is not None and e.event_text != trigger:
            continue
        countries_a = {a.country for a in e.actor}
        countries_r = {r.country for r in e.recipient}
        if e.event_type == event_type and actor in countries_a and (recipient is None or recipient in countries_r):
            return e
    raise AssertionError(f"no {event_type} {actor}->{recipient} in {[(x.event_type, x.event_text) for x in events]}")


def test_seed_header_detected(seed_events):
    article, _ = seed_events
    assert article.published.isoformat() == "2016-12-02"
    assert article.author == "Bill Van Auken"
    assert "To contact" not in article.text[article.body_start:article.body_end]


def test_seed_lavrov_cavusoglu_meeting(seed_events):
    _, events = seed_events
    e = _find(events, "CONSULT", "RUS", "TUR", trigger="met")
    assert e.date == "2016-12-01" and e.location.name == "Alanya" and e.location.country == "TUR"


def test_seed_phone_call(seed_events):
    _, events = seed_events
    e = _find(events, "CONSULT", "TUR", "RUS")
    assert e.date == "2016-11-30" and e.cameo == "041"


def test_seed_demand_for_explanation(seed_events):
    _, events = seed_events
    _find(events, "REQUEST", "RUS", "TUR")


def test_seed_warplane_shot_down(seed_events):
    _, events = seed_events
    e = _find(events, "ASSAULT", "TUR", "RUS")
    assert (e.date, e.date_precision) == ("2015-11-01", "month")


def test_seed_pentagon_refuses_air_cover(seed_events):
    _, events = seed_events
    e = _find(events, "REJECT", "USA", "TUR")
    assert e.actor[0].sector == "MIL"


def test_seed_ankara_talks_attributed_to_ft(seed_events):
    _, events = seed_events
    e = _find(events, "CONSULT", "SYR", "RUS")
    assert e.location.name == "Ankara"
    assert e.attribution.source == "Financial Times" and e.attribution.kind == "media"


def test_seed_said_is_never_an_event(seed_events):
    _, events = seed_events
    assert not any(e.event_text.lower() in ("said", "told", "say") for e in events)


def test_examples_validate_against_the_schema(example_events):
    schema = json.loads(resources.files("wirecoder").joinpath("data", "event.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    n = 0
    for article, events in example_events:
        for e in events:
            record = json.loads(json.dumps(e.to_dict()))
            validator.validate(record)
            start, end = record["span"]
            assert article.text[start:end] == record["event_text"]
            assert " ".join(record["event_text"].split()) in " ".join(record["sentence"].split())
            n += 1
    assert n > 20


def test_event_ids_stable_and_unique(pipeline, example_events):
    ids = [e.event_id for _, events in example_events for e in events]
    assert len(ids) == len(set(ids))
    article = example_events[0][0]
    assert [e.event_id for e in pipeline.code(article)] == [e.event_id for e in example_events[0][1]]


def test_seed_corridors_proposal_is_placed(seed_events):
    """Russia's proposal of four corridors "into eastern Aleppo": the place sits on the complement."""
    _, events = seed_events
    e = _find(events, "AGREE", "RUS", trigger="proposed opening")
    assert e.factuality == "proposed" and e.location is not None and e.location.name == "Aleppo"
