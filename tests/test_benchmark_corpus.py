"""The benchmark corpus generator is deterministic and its articles read cleanly."""

import hashlib
import subprocess
import sys
from pathlib import Path

from wirecoder.readers import Rejected, iter_inputs

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "make_corpus.py"


def _make(tmp_path: Path, name: str, n: int, seed: int) -> Path:
    out = tmp_path / name
    subprocess.run([sys.executable, str(SCRIPT), "--n", str(n), "--seed", str(seed), "--out", str(out)], check=True)
    return out


def test_same_seed_same_corpus(tmp_path):
    a, b = _make(tmp_path, "a.jsonl", 20, 1), _make(tmp_path, "b.jsonl", 20, 1)
    c = _make(tmp_path, "c.jsonl", 20, 2)
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]


def test_corpus_articles_are_readable(tmp_path):
    items = list(iter_inputs([str(_make(tmp_path, "a.jsonl", 20, 1))]))
    assert len(items) == 20 and not any(isinstance(i, Rejected) for i in items)
    assert all(i.published is not None and len(i.text.split()) > 100 for i in items)
