"""Throughput and peak memory of batch coding: 1 and 2 local processes, a 2-worker local Dask cluster.

    python benchmarks/make_corpus.py --n 1000 --seed 1 --out benchmarks/results/tmp/c1000.jsonl
    python benchmarks/bench_scale.py --corpus benchmarks/results/tmp/c1000.jsonl [--modes 1,2,dask,parse]

Peak memory is the largest sum of RSS over this process and all its children, sampled every 0.2 s.
`parse` is spaCy's parse alone on the same texts in one process: the practical ceiling per core.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import psutil  # noqa: E402

from wirecoder.batch import code_dask, code_local  # noqa: E402
from wirecoder.readers import Rejected, iter_inputs  # noqa: E402

ARTICLES_PER_DAY = 100_000


class PeakMemory:
    """Samples the RSS of this process tree in a background thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _articles(path: Path, limit: int | None):
    items = [a for a in iter_inputs([str(path)]) if not isinstance(a, Rejected)]
    return items[:limit] if limit else items


def run_mode(mode: str, articles) -> dict:
    with PeakMemory() as mem:
        start = time.perf_counter()
        if mode == "parse":
            from wirecoder.nlp import load_nlp
            from wirecoder.pipeline import parse_text

            nlp = load_nlp()
            start = time.perf_counter()
            for _ in nlp.pipe((parse_text(a)[0] for a in articles), batch_size=16):
                pass
        elif mode == "dask":
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None) as cluster:
                start = time.perf_counter()  # cluster start-up excluded; model loading included
                for _ in code_dask(articles, cluster.scheduler_address):
                    pass
        else:
            for _ in code_local(articles, workers=int(mode)):
                pass
        seconds = time.perf_counter() - start
    rate = len(articles) / seconds
    return {"mode": mode, "articles": len(articles), "seconds": round(seconds, 1),
            "articles_per_s": round(rate, 2), "articles_per_day": int(rate * 86400),
            "peak_mib": round(mem.peak / 2**20)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--modes", default="1,2,dask,parse")
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    articles = _articles(args.corpus, args.limit)
    results = []
    for mode in args.modes.split(","):
        result = run_mode(mode.strip(), articles)
        results.append(result)
        print(json.dumps(result), flush=True)
    by_mode = {r["mode"]: r for r in results}
    if "1" in by_mode and "2" in by_mode:
        eff = by_mode["2"]["articles_per_s"] / (2 * by_mode["1"]["articles_per_s"])
        print(f"scaling efficiency (2 processes / 2 x 1 process): {eff:.2f}")
    best = max((r for r in results if r["mode"] != "parse"), key=lambda r: r["articles_per_s"], default=None)
    if best:
        print(f"best: {best['articles_per_day']:,} articles/day with mode {best['mode']} "
              f"({best['articles_per_day'] / ARTICLES_PER_DAY:.1f}x the 100,000/day target)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
