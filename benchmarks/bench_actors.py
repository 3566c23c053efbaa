"""Measure the share of coding time spent resolving actors (issue 12: it must stay under 15%).

Codes a corpus with `Pipeline.default().code_many` and times, inside that run, every call of
`ActorResolver.resolve` (knowledge base, place-before-agent, coreference) and of the article-context
step (`Pipeline._in_context`: dateline, article country, outlet); the share is their time over the
whole run (parse included). Also times the public resolver on the hand-written actor cases.

Example:
    .venv/bin/python benchmarks/make_corpus.py --n 200 --seed 1 --out benchmarks/results/tmp/c200.jsonl
    .venv/bin/python benchmarks/bench_actors.py --corpus benchmarks/results/tmp/c200.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wirecoder import actors, pipeline  # noqa: E402
from wirecoder.readers import iter_inputs  # noqa: E402
from wirecoder.resolver import ActorQuery, resolve_actor  # noqa: E402
from wirecoder.schema import Article  # noqa: E402

CASES = ROOT / "tests" / "data" / "actor_cases.jsonl"


def timed(owner, name: str, clock: dict) -> None:
    """Replace owner.name with a wrapper that adds its outermost calls' time to clock[name]."""
    original = getattr(owner, name)
    depth = [0]

    def wrapper(*args, **kwargs):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                clock[name] = clock.get(name, 0.0) + time.perf_counter() - start

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="JSONL articles (benchmarks/make_corpus.py)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    articles = [item for item in iter_inputs([args.corpus]) if isinstance(item, Article)]
    pipe = pipeline.Pipeline.default()
    list(pipe.code_many(articles[:4]))  # warm-up, untimed
    clock: dict[str, float] = {}
    timed(actors.ActorResolver, "resolve", clock)
    timed(pipeline.Pipeline, "_in_context", clock)
    start = time.perf_counter()
    n_events = sum(len(events) for _, events in pipe.code_many(articles))
    total = time.perf_counter() - start
    clock = dict(clock)  # the coding run's figures; the resolver cases below also call resolve
    resolution = clock.get("resolve", 0.0) + clock.get("_in_context", 0.0)
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    for case in cases:
        day = date.fromisoformat(case["date"]) if case.get("date") else None
        resolve_actor(ActorQuery(case["text"], case.get("context"), day, case.get("country_hint")), pipe)
    per_query = (time.perf_counter() - start) / len(cases)
    figures = {
        "articles": len(articles), "events": n_events, "total_s": round(total, 2),
        "resolve_s": round(clock.get("resolve", 0.0), 3), "context_s": round(clock.get("_in_context", 0.0), 3),
        "resolution_share": round(resolution / total, 4), "resolver_ms_per_query": round(per_query * 1000, 2),
    }
    print(f"{len(articles)} articles, {n_events} events in {total:.1f} s; actor resolution "
          f"{resolution:.2f} s = {100 * resolution / total:.1f}% of coding time "
          f"(resolve {figures['resolve_s']} s, context {figures['context_s']} s)")
    print(f"public resolver: {figures['resolver_ms_per_query']} ms per query over {len(cases)} cases (parse included)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
