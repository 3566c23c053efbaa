"""Accuracy gate: scores on the conformance suites may not fall below the pinned floors, and a gold
file may not change without the baseline being updated on purpose (`make eval BASELINE=1`)."""

import hashlib
import json
from pathlib import Path

import pytest

from wirecoder.evaluate import evaluate

ROOT = Path(__file__).resolve().parent.parent
BASELINE = json.loads((ROOT / "tests" / "accuracy_baseline.json").read_text(encoding="utf-8"))
# Scores may wobble by this much (one record in a small suite) before the gate fails.
TOLERANCE = 0.01

pytestmark = pytest.mark.model


def test_every_suite_is_pinned():
    suites = {p.name for p in (ROOT / "conformance").glob("*.jsonl")}
    assert suites == set(BASELINE), "add new suites to tools/eval_suites.py and run `make eval BASELINE=1`"


@pytest.mark.parametrize("suite", sorted(BASELINE))
def test_gold_file_unchanged(suite):
    digest = hashlib.sha256((ROOT / "conformance" / suite).read_bytes()).hexdigest()
    assert digest == BASELINE[suite]["sha256"], f"{suite} changed: re-run `make eval BASELINE=1` on purpose"


@pytest.mark.parametrize("suite", sorted(BASELINE))
def test_scores_hold_their_floors(pipeline, suite):
    result = evaluate(ROOT / "conformance" / suite, pipeline)
    for metric, floor in BASELINE[suite]["f1"].items():
        f1 = result.scores.metrics[metric].f1 or 0.0
        assert f1 >= floor - TOLERANCE, f"{suite} {metric} F1 fell from {floor:.3f} to {f1:.3f}"
