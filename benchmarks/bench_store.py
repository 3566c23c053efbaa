"""Time storing coded articles (deduplication included) into stores of growing size, apart from coding.

Codes the corpus once (or reads `--coded`, a pickle this script wrote), then stores the same coded articles
into a fresh copy of each store given (an empty one first) with `EventStore.put_many` in batches of the CLI's
size, and reports milliseconds per article, the coding time per article for comparison, and the share of a
2-process coding rate the writer would take. Stores of 10k, 100k and 1M synthetic reports come from
`make_events.py`.

Example:
    .venv/bin/python benchmarks/bench_store.py --corpus benchmarks/results/tmp/c200.jsonl \\
        --stores benchmarks/results/tmp/events-10000.duckdb benchmarks/results/tmp/events-100000.duckdb \\
        benchmarks/results/tmp/events-1000000.duckdb
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wirecoder.readers import Rejected, iter_inputs  # noqa: E402
from wirecoder.store import STORE_BATCH, EventStore  # noqa: E402


def coded_corpus(corpus: Path, cache: Path | None) -> tuple[list, float]:
    if cache is not None and cache.exists():
        data = pickle.loads(cache.read_bytes())
        return data["coded"], data["seconds_per_article"]
    from wirecoder.pipeline import Pipeline

    articles = [a for a in iter_inputs([str(corpus)]) if not isinstance(a, Rejected)]
    pipeline = Pipeline.default()
    start = time.perf_counter()
    coded = list(pipeline.code_many(articles))
    per_article = (time.perf_counter() - start) / len(articles)
    if cache is not None:
        cache.write_bytes(pickle.dumps({"coded": coded, "seconds_per_article": per_article}))
    return coded, per_article


def time_store(coded: list, source: Path | None, batch: int, hold: bool = True) -> dict:
    with tempfile.TemporaryDirectory(dir=source.parent if source else None) as tmp:
        path = Path(tmp) / "store.duckdb"
        if source is not None:
            shutil.copy(source, path)
        with EventStore(path, hold=hold) as store:
            before = store.counts()["reports"]
            start = time.perf_counter()
            for i in range(0, len(coded), batch):
                store.put_many(coded[i:i + batch])  # without `hold`: the file is opened and closed each batch
            seconds = time.perf_counter() - start
            with store.session():
                merged = store.con.execute("SELECT count(*) FROM reports WHERE "
                                           "json_extract(merge_reason, '$.merged')::BOOLEAN").fetchone()[0]
            problems = store.check() if source is None else []  # synthetic stores have no articles
    return {"store_reports": before, "articles": len(coded), "seconds": round(seconds, 2),
            "ms_per_article": round(1000 * seconds / len(coded), 2), "merged_reports": merged,
            "problems": problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--coded", type=Path, help="pickle of the coded corpus (written when missing)")
    parser.add_argument("--stores", type=Path, nargs="*", default=[], help="stores to copy and fill")
    parser.add_argument("--batch", type=int, default=STORE_BATCH)
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument("--shared", action="store_true",
                        help="open the store for each batch, as `wirecoder code` does (docs/store.md)")
    args = parser.parse_args(argv)
    coded, per_article = coded_corpus(args.corpus, args.coded)
    print(f"coding: {1000 * per_article:.1f} ms per article in one process", flush=True)
    results = []
    for source in [None, *args.stores]:
        result = time_store(coded, source, args.batch, hold=not args.shared)
        # with two coding processes an article arrives every per_article / 2 seconds
        result["share_of_2_process_rate"] = round(result["ms_per_article"] / (500 * per_article), 3)
        result["store"] = str(source) if source else "(empty)"
        results.append(result)
        print(json.dumps(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"coding_ms_per_article": 1000 * per_article, "runs": results}, indent=2)
                             + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
