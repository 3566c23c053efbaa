"""The scorer on hand-made cases, so its numbers can be trusted."""

import json

import pytest

from wirecoder.errors import InputError
from wirecoder.gold import GoldEvent, GoldParty, _fold_compound, _fold_reciprocal, plover_type, read_gold
from wirecoder.scoring import Counts, Predicted, PredParty, Scores, score_document_record, score_sentence_record


def gold(code="190", actor=("USA",), recipient=("IRQ",), location=(), scheme="CAMEO", sentence=None,
         trigger=None, reciprocal=False, parties=True):
    return GoldEvent(code=code, scheme=scheme, event_type=plover_type(scheme, code),
                     cameo=code if scheme == "CAMEO" else None,
                     actor=tuple(GoldParty(None, c[:3], c[3:6] or None) for c in actor),
                     recipient=tuple(GoldParty(None, c[:3], c[3:6] or None) for c in recipient),
                     location=tuple(location), date=None, sentence=sentence, trigger=trigger,
                     reciprocal=reciprocal, parties_annotated=parties)


def pred(event_type="ASSAULT", cameo="190", actor=("USA",), recipient=("IRQ",), location=None, sentence="s",
         texts=("",), loc_country=None):
    def parties(codes):
        return tuple(PredParty(texts[0] if texts else "", c[:3], c[3:6] or None) for c in codes)
    return Predicted(event_type, cameo, parties(actor), parties(recipient), location, location, loc_country,
                     None, sentence, "trigger", "rule")


def run(golds, preds):
    scores = Scores()
    score_sentence_record(scores, "r1", "text", list(golds), list(preds), lambda text: None)
    return scores


def test_counts_arithmetic():
    c = Counts(tp=3, fp=1, fn=2)
    assert (c.precision, c.recall) == (0.75, 0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts().f1 is None and Counts(fp=2).precision == 0.0


def test_perfect_match():
    s = run([gold()], [pred()])
    for name in ("detection", "type", "cameo", "event", "actor_country", "recipient_country"):
        assert s.metrics[name].as_dict()["f1"] == 1.0, name


def test_no_gold_events_every_prediction_is_a_false_positive():
    s = run([], [pred(), pred(event_type="CONSULT", cameo="040")])
    assert (s.metrics["detection"].tp, s.metrics["detection"].fp, s.metrics["detection"].fn) == (0, 2, 0)
    assert s.metrics["event"].fp == 2 and s.metrics["actor_country"].fp == 2


def test_no_predictions_every_gold_event_is_missed():
    s = run([gold(), gold(code="040")], [])
    assert s.metrics["type"].fn == 2 and s.metrics["type"].tp == 0
    assert s.metrics["actor_country"].fn == 2


def test_duplicate_predictions_count_once():
    s = run([gold()], [pred(), pred()])
    assert (s.metrics["event"].tp, s.metrics["event"].fp) == (1, 1)


def test_wrong_type_is_fp_and_fn_and_in_confusion():
    s = run([gold()], [pred(event_type="CONSULT", cameo="040")])
    assert (s.metrics["type"].tp, s.metrics["type"].fp, s.metrics["type"].fn) == (0, 1, 1)
    assert s.metrics["detection"].tp == 1
    assert s.confusion[("ASSAULT", "CONSULT")] == 1
    assert s.per_type["ASSAULT"].fn == 1 and s.per_type["CONSULT"].fp == 1


def test_cameo_exact_versus_root():
    s = run([gold(code="193")], [pred(cameo="190")])
    assert s.metrics["cameo"].tp == 0 and s.metrics["cameo_root"].tp == 1


def test_compound_actors_counted_per_country():
    s = run([gold(actor=("USA", "GBR"))], [pred(actor=("USA", "FRA"))])
    c = s.metrics["actor_country"]
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)
    assert s.metrics["event"].tp == 1  # the sides overlap


def test_country_sector_gold_without_sector_accepts_any_sector():
    s = run([gold(actor=("USAGOV",), recipient=("IRQ",))], [pred(actor=("USAMIL",), recipient=("IRQREB",))])
    assert s.metrics["actor_country_sector"].fn == 1
    assert s.metrics["recipient_country_sector"].tp == 1


def test_reciprocal_gold_matches_either_direction():
    folded = _fold_reciprocal([gold(code="040", actor=("USA",), recipient=("RUS",)),
                               gold(code="040", actor=("RUS",), recipient=("USA",))])
    assert len(folded) == 1 and folded[0].reciprocal
    s = run(folded, [pred(event_type="CONSULT", cameo="040", actor=("RUS",), recipient=("USA",))])
    assert s.metrics["event"].as_dict()["f1"] == 1.0
    assert s.metrics["actor_country"].tp == 1


def test_gold_split_per_actor_is_one_compound_event():
    folded = _fold_compound((gold(code="141", actor=("USA",), recipient=("CHN",)),
                             gold(code="141", actor=("GBR",), recipient=("CHN",))))
    assert len(folded) == 1 and {p.country for p in folded[0].actor} == {"USA", "GBR"}
    s = run(folded, [pred(event_type="PROTEST", cameo="141", actor=("USA", "GBR"), recipient=("CHN",))])
    assert s.metrics["event"].as_dict()["f1"] == 1.0 and s.metrics["actor_country"].tp == 2


def test_unannotated_parties_are_not_scored():
    s = run([gold(actor=(), recipient=(), parties=False)], [pred()])
    assert s.metrics["event"].tp == 1
    assert "actor_country" not in s.metrics or s.metrics["actor_country"].fp == 0


def test_location_name_matching():
    s = run([gold(location=("al-Bab",))], [pred(location="Al Bab")])
    assert s.metrics["location"].tp == 1


def test_document_level_needs_type_and_shared_ground():
    g = [gold(code="Conflict.Attack.Unspecified", scheme="KAIROS", actor=(), recipient=(), location=("Mosul",)),
         gold(code="Contact.Contact.Meet", scheme="KAIROS", actor=(), recipient=())]
    preds = [pred(location="Mosul"),                                   # same type, shared place: match
             pred(event_type="CONSULT", cameo="040", location=None),   # same type, nothing shared: no match
             pred(event_type="AID", cameo="070")]                      # not a type the gold can express
    scores = Scores()
    score_document_record(scores, "d", "text", g, preds, {"ASSAULT", "CONSULT"})
    d = scores.metrics["detection"]
    assert (d.tp, d.fp, d.fn) == (1, 1, 1)


def test_scheme_mapping_is_data():
    assert plover_type("KAIROS", "Conflict.Attack.DetonateExplode") == "ASSAULT"
    assert plover_type("KAIROS", "Contact.Contact.Broadcast") is None
    assert plover_type("MUC-4", "ATTACK / BOMBING") == "ASSAULT"
    assert plover_type("CAMEO", "010") is None and plover_type("CAMEO", "0256") == "REQUEST"


def test_bad_gold_line_names_the_line(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "x", "events": []}) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_gold(path))
    assert err.value.line == 2 and "g.jsonl:2" in str(err.value)
