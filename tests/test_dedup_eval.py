"""Deduplication accuracy gate: code tests/data/dedup_corpus.jsonl into a fresh store and score the clustering
(tools/eval_dedup.py, docs/dedup.md). Floors sit a little below the measured figures; a changed corpus must
come with new floors (the hash below)."""

import hashlib
import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "dedup_corpus.jsonl"
CORPUS_SHA256 = "683ca8786d69c897b7b5288c0ebe0c0822727e0757d2610919a79b70dc999adf"
# measured: pairwise P 1.000 R 0.429 F1 0.600, B-cubed F1 0.795, coder recall 0.960 (docs/dedup.md)
FLOORS = {"pairwise_f1": 0.57, "pairwise_precision": 0.95, "bcubed_f1": 0.77}
CODER_RECALL_FLOOR = 0.90


def _tool():
    spec = importlib.util.spec_from_file_location("eval_dedup", ROOT / "tools" / "eval_dedup.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def result(pipeline):
    tool = _tool()
    return tool.evaluate(CORPUS, coded=tool.code_corpus(CORPUS, pipeline))


def test_corpus_is_the_one_the_floors_were_measured_on():
    assert hashlib.sha256(CORPUS.read_bytes()).hexdigest() == CORPUS_SHA256, \
        "dedup corpus changed: rerun tools/eval_dedup.py and update the floors, the hash and docs/dedup.md"


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_clustering_stays_above_its_floor(result, metric):
    assert result["scores"][metric] >= FLOORS[metric], result["scores"]


def test_coder_recall_stays_above_its_floor(result):
    assert result["coder"]["recall"] >= CODER_RECALL_FLOOR, result["coder"]["missed"]


def test_negated_reports_never_join_a_real_event(result):
    for merge in result["merges"]:
        facts = {r["factuality"] == "negated" for r in merge["reports"]}
        assert len(facts) == 1, merge


def test_every_stored_report_explains_its_cluster(result):
    # merged reports say why; new events say how close the nearest candidate came
    reports = [r for m in result["merges"] for r in m["reports"]] + [r for s in result["splits"] for r in s["strays"]]
    assert reports and all(r["merge_reason"].get("because") for r in reports)
