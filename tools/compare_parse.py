"""Do the default parse and `--full-parse` give the same events? Codes every conformance suite's texts and a
corpus with both pipelines and reports every article whose events differ (exit 1 if any).

    .venv/bin/python tools/compare_parse.py                                   # the conformance suites
    .venv/bin/python tools/compare_parse.py benchmarks/results/tmp/c200.jsonl # and a corpus
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wirecoder.gold import read_gold  # noqa: E402
from wirecoder.pipeline import Pipeline  # noqa: E402
from wirecoder.readers import Rejected, iter_inputs, read_text  # noqa: E402


def articles(corpora: list[str]):
    for suite in sorted((ROOT / "conformance").glob("*.jsonl")):
        for record in read_gold(suite):
            yield suite.name, read_text(record.text, doc_id=record.id, published=record.published)
    for corpus in corpora:
        for item in iter_inputs([corpus]):
            if not isinstance(item, Rejected):
                yield Path(corpus).name, item


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help="corpora to compare besides the conformance suites")
    args = parser.parse_args(argv)
    default, full = Pipeline.default(), Pipeline.default(full_parse=True)
    counts: dict[str, list[int]] = {}
    for source, article in articles(args.corpora):
        a = [json.dumps(e.to_dict(), sort_keys=True) for e in default.code(article)]
        b = [json.dumps(e.to_dict(), sort_keys=True) for e in full.code(article)]
        seen = counts.setdefault(source, [0, 0, 0])
        seen[0] += 1
        seen[1] += len(b)
        if a != b:
            seen[2] += 1
            print(f"{source} {article.doc_id}: {len(a)} events by default, {len(b)} with --full-parse", flush=True)
    for source, (n, events, differing) in counts.items():
        print(f"{source}: {n} articles, {events} events, {differing} article(s) differ")
    return 1 if any(c[2] for c in counts.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
