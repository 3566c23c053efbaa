"""The learned detector: labelled-data reading, training, the shipped model, the hybrid coder, `wirecoder train`."""

import io
import json
from pathlib import Path

import numpy as np
import pytest

from wirecoder import cli
from wirecoder.errors import DataFileError
from wirecoder.learned.corpus import parse_record, read_labelled

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "training" / "corpus"


def _record(**kw):
    base = {"id": "x1", "text": "Kenyan police arrested 14 opposition supporters in Kisumu on Monday.",
            "events": [{"type": "COERCE", "trigger": "arrested", "actor": "Kenyan police",
                        "recipient": "14 opposition supporters"}]}
    base.update(kw)
    return json.dumps(base)


def test_training_form_spans_become_offsets():
    rec = parse_record(_record(), ("f.jsonl", 1))
    event = rec.events[0]
    assert rec.text[slice(*event.trigger)] == "arrested"
    assert rec.text[slice(*event.actor)] == "Kenyan police"
    assert event.factuality == "asserted"


def test_nth_occurrence_and_offsets():
    text = "Police freed two men and police freed a woman."
    rec = parse_record(json.dumps({"id": "a", "text": text, "events": [
        {"type": "RETREAT", "trigger": "freed", "trigger_nth": 2, "actor": [25, 31]}]}), ("f", 1))
    assert rec.events[0].trigger == (32, 37)
    assert text[25:31] == "police" and rec.events[0].actor == (25, 31)


@pytest.mark.parametrize(("name", "expected"), [("DEMAND", "REQUEST"), ("disapprove", "ACCUSE"),
                                                ("Fight", "ASSAULT"), ("investigate", "ACCUSE"),
                                                ("assault", "ASSAULT")])
def test_older_plover_names_are_mapped(name, expected):
    rec = parse_record(_record(events=[{"type": name}]), ("f", 1))
    assert rec.events[0].event_type == expected


def test_conformance_form_is_read():
    rec = parse_record(json.dumps({"id": "c", "text": "Turkey appealed to Belgium to extradite a man.",
                                   "events": [{"code": "0213", "scheme": "CAMEO"}]}), ("f", 3))
    assert rec.events[0].event_type == "REQUEST" and rec.events[0].trigger is None


@pytest.mark.parametrize(("line", "message"), [
    ("{not json", "not valid JSON"),
    (_record(events=[{"type": "BOMBARD"}]), "unknown event type"),
    (_record(events=[{"type": "COERCE", "trigger": "detained"}]), "does not occur"),
    (_record(events=[{"type": "COERCE", "factuality": "maybe"}]), "factuality"),
    (_record(events=[{"type": "COERCE", "cameo": 173}]), "cameo"),
    (_record(text=""), "text must be"),
    (_record(events="COERCE"), "events must be a list"),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(_record(id="ok") + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        list(read_labelled([path]))
    assert f"{path}:3" in str(exc.value) and message in str(exc.value)


def test_duplicate_ids_are_refused(tmp_path):
    path = tmp_path / "dup.jsonl"
    path.write_text(_record() + "\n" + _record() + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="duplicate id"):
        list(read_labelled([path]))


def test_corpus_meets_the_brief():
    """The shipped corpus: >= 4,000 sentences, every type >= 150 examples, >= 1,000 negatives, provenance."""
    records = list(read_labelled([CORPUS]))
    assert len(records) >= 4000
    counts = {}
    for r in records:
        for e in r.events:
            counts[e.event_type] = counts.get(e.event_type, 0) + 1
    assert len(counts) == 16 and min(counts.values()) >= 150
    assert sum(1 for r in records if not r.events) >= 1000
    assert all(r.meta.get("provenance", {}).get("method") for r in records)
    dev = sum(r.split == "dev" for r in records)
    assert 0.10 < dev / len(records) < 0.20


@pytest.mark.model
def test_shipped_model_loads_and_is_small():
    from wirecoder.learned.model import default_model, shipped_model_path

    model = default_model()
    size = sum(p.stat().st_size for p in shipped_model_path().iterdir())
    assert size < 5_000_000
    assert model.classes[0] == "NONE" and len(model.classes) == 17
    assert 0.0 < model.keep_threshold < 1.0


@pytest.mark.model
def test_reliability_on_the_dev_split_is_calibrated():
    """The model card's reliability table: where enough events fall, the share right is near the confidence."""
    from wirecoder.learned.model import default_model

    bins = default_model().meta["reliability"]
    checked = 0
    for b in bins:
        if b["events"] >= 40:
            middle = (b["from"] + b["to"]) / 2
            assert abs(b["right"] - middle) < 0.2, b
            checked += 1
    assert checked >= 3


@pytest.mark.model
def test_save_and_load_round_trip(tmp_path):
    from wirecoder.learned.model import default_model, load_model
    from wirecoder.lexicon import load_lexicon
    from wirecoder.nlp import load_nlp

    model = default_model()
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    doc = load_nlp()("Rebels shelled the airport on Sunday.")
    tokens = [t for t in doc if t.pos_ in ("VERB", "NOUN")]
    a = model.probabilities(tokens, load_lexicon())
    b = again.probabilities(tokens, load_lexicon())
    assert np.allclose(a, b, atol=1e-3)


def test_broken_model_folder_is_named(tmp_path):
    from wirecoder.learned.model import load_model

    with pytest.raises(DataFileError, match="not a wirecoder model folder"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text('{"format": 99}', encoding="utf-8")
    np.savez(tmp_path / "weights.npz", weights=np.zeros((1, 1)), dense=np.zeros((1, 1)), bias=np.zeros(1))
    with pytest.raises(DataFileError, match="format"):
        load_model(tmp_path)


@pytest.mark.model
@pytest.mark.parametrize("coder", ["rules", "learned", "hybrid"])
def test_every_event_says_which_coder_made_it(coder):
    from datetime import date

    from wirecoder.pipeline import Pipeline
    from wirecoder.readers import read_text

    pipeline = Pipeline.default(coder=coder)
    article = read_text("Russian Foreign Minister Sergei Lavrov met his Turkish counterpart Mevlut Cavusoglu "
                        "in Alanya on Thursday.", published=date(2016, 12, 2))
    events = pipeline.code(article)
    assert [e.event_type for e in events] == ["CONSULT"]
    assert events[0].coder.startswith(f"wirecoder-{coder}/")
    if coder == "hybrid":
        assert "triggers.tsv:" in events[0].coder and "learned:" in events[0].coder
    if coder == "learned":
        assert "triggers.tsv:" not in events[0].coder and "learned:" in events[0].coder


@pytest.mark.model
def test_hybrid_finds_an_event_no_lexicon_row_names():
    """A verb the trigger lexicon lacks: the rules code nothing, the learned detector proposes the event."""
    from datetime import date

    from wirecoder.lexicon import load_lexicon
    from wirecoder.pipeline import Pipeline
    from wirecoder.readers import read_text

    assert not load_lexicon().rows("ship", "VERB")
    text = "Japan shipped 200 tonnes of medical supplies to Turkey on Friday."
    article = read_text(text, published=date(2019, 5, 5))
    assert Pipeline.default(coder="rules").code(article) == []
    events = Pipeline.default(coder="hybrid").code(article)
    assert [(e.event_type, e.event_text) for e in events] == [("AID", "shipped")]
    assert events[0].coder.split()[1].startswith("learned:")
    assert [a.country for a in events[0].actor] == ["JPN"] and [r.country for r in events[0].recipient] == ["TUR"]


@pytest.mark.model
def test_hybrid_rejects_non_events():
    from datetime import date

    from wirecoder.pipeline import Pipeline
    from wirecoder.readers import read_text

    pipeline = Pipeline.default(coder="hybrid")
    for text in ("Manchester United beat Chelsea 3-1 on Sunday to go top of the league.",
                 "Shares in Tokyo fell sharply on Tuesday as investors fled to safety."):
        assert pipeline.code(read_text(text, published=date(2020, 1, 1))) == [], text


def _run(capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_train_refuses_bad_data_with_file_and_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    path = tmp_path / "bad.jsonl"
    path.write_text(_record() + "\n" + _record(id="y", events=[{"type": "WAR"}]) + "\n", encoding="utf-8")
    code, _, err = _run(capsys, ["train", "--data", str(path), "--out", str(tmp_path / "m")])
    assert code != 0
    assert f"{path}:2" in err and "unknown event type" in err
    assert not (tmp_path / "m").exists()


@pytest.mark.model
def test_train_and_code_with_the_new_model(tmp_path, capsys, monkeypatch):
    """`wirecoder train` on a small labelled file, then `wirecoder code --model` uses it."""
    records = [json.loads(line) for line in (CORPUS / "h8_coerce_assault.jsonl").read_text().splitlines()[:160]]
    data = tmp_path / "small.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    code, out, _ = _run(capsys, ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--seed", "3"])
    assert code == 0 and "dev hybrid" in out
    assert (tmp_path / "m" / "model.json").exists()
    article = tmp_path / "a.txt"
    article.write_text("Police arrested 30 protesters in Lagos on Tuesday.\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, out, _ = _run(capsys, ["code", str(article), "--model", str(tmp_path / "m"), "--coder", "learned",
                                 "--format", "jsonl", "--no-store", "--published", "2020-01-01"])
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert all(f"learned:{tmp_path.joinpath('m').name}:" in e["coder"] for e in events)


@pytest.mark.model
def test_training_is_deterministic():
    from wirecoder.learned.train import train
    from wirecoder.lexicon import load_lexicon
    from wirecoder.nlp import load_nlp

    records = list(read_labelled([CORPUS / "h2_consult_cooperate.jsonl"]))[:120]
    a, _ = train(records, load_nlp(), load_lexicon(), name="a", seed=5, log=lambda m: None)
    b, _ = train(records, load_nlp(), load_lexicon(), name="a", seed=5, log=lambda m: None)
    assert a.vocab == b.vocab and np.array_equal(a.weights, b.weights) and a.keep_threshold == b.keep_threshold
    assert a.meta == b.meta
