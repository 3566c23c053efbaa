"""Accuracy gate: PETRARCH-2's own unit tests coded with its PETR.Validate.* dictionaries.

Floors live in tests/petrarch_baseline.json next to the suite file's sha256, so a regression or a
quietly changed suite fails. Reproduce the numbers with `python benchmarks/bench_petrarch.py --suite`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = json.loads((Path(__file__).parent / "petrarch_baseline.json").read_text(encoding="utf-8"))
SUITE = ROOT / BASELINE["suite"]
pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def score():
    from wirecoder.petrarch import PetrarchCoder, load_dictionaries, packaged_dictionaries
    from wirecoder.petrarch.suite import score_suite

    coder = PetrarchCoder(load_dictionaries(packaged_dictionaries("validate")))
    return score_suite(SUITE, coder)


def test_suite_file_is_the_pinned_one():
    assert hashlib.sha256(SUITE.read_bytes()).hexdigest() == BASELINE["sha256"], \
        "conformance/petrarch2_unittest.jsonl changed: rescore and update tests/petrarch_baseline.json"


def test_overall_floors(score):
    total = score.as_dict()["overall"]
    assert total["reproduced_share"] >= BASELINE["floors"]["reproduced_share"], total
    assert total["no_event_share"] >= BASELINE["floors"]["no_event_share"], total
    assert total["extra"] <= BASELINE["ceilings"]["extra"], total


@pytest.mark.parametrize("category", sorted(BASELINE["category_floors"]))
def test_category_floor(score, category):
    got = score.as_dict()[category]["reproduced_share"]
    assert got >= BASELINE["category_floors"][category], (category, got)
