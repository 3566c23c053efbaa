"""Memory over a long run into a store: RSS of the parent and of each worker as the articles go through.

Runs `wirecoder code CORPUS --workers W --db STORE --format jsonl` once, counts the articles whose events
stream out, samples the process tree's memory every `--every` seconds, and prints the parent's and the
largest worker's RSS at each checkpoint (after 1,000, 5,000, 10,000 and 20,000 articles, or the corpus's
end). Flat memory means the figures stop growing once the first batches are in.

Example (20,000 articles: about 40 minutes on 2 cores):
    .venv/bin/python benchmarks/make_corpus.py --n 20000 --seed 1 --out benchmarks/results/tmp/c20000.jsonl
    .venv/bin/python benchmarks/bench_memory.py --corpus benchmarks/results/tmp/c20000.jsonl \\
        --json benchmarks/results/tmp/memory-20000.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

WIRECODER = Path(sys.executable).with_name("wirecoder")
CHECKPOINTS = (1_000, 5_000, 10_000, 20_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between memory samples")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    state = {"articles": 0, "parent": 0, "worker": 0}
    samples: list[dict] = []
    with tempfile.TemporaryDirectory(dir=Path(__file__).resolve().parent / "results" / "tmp") as tmp:
        cmd = [str(WIRECODER), "code", str(args.corpus), "--workers", str(args.workers), "--db",
               str(Path(tmp) / "store.duckdb"), "--format", "jsonl"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        stop = threading.Event()

        def sample() -> None:
            root = psutil.Process(proc.pid)
            while not stop.is_set():
                with contextlib.suppress(psutil.Error):
                    parent = root.memory_info().rss
                    workers = [c.memory_info().rss for c in root.children(recursive=True)]
                    samples.append({"s": round(time.perf_counter() - start, 1), "articles": state["articles"],
                                    "parent_mib": round(parent / 2**20), "worker_mib":
                                    round(max(workers, default=0) / 2**20)})
                stop.wait(args.every)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        last = None
        for line in proc.stdout:
            doc = json.loads(line)["doc_id"]
            if doc != last:
                state["articles"] += 1
                last = doc
                if state["articles"] % 1000 == 0 and samples:  # progress, so a stopped run still tells
                    print(json.dumps({"articles": state["articles"], **samples[-1]}), flush=True)
        code = proc.wait()
        stop.set()
        thread.join()
    seconds = time.perf_counter() - start
    rows = []
    for mark in [c for c in CHECKPOINTS if c <= state["articles"]] + [state["articles"]]:
        upto = [s for s in samples if s["articles"] <= mark]
        if upto:
            rows.append({"articles": mark, "parent_mib_max": max(s["parent_mib"] for s in upto),
                         "worker_mib_max": max(s["worker_mib"] for s in upto)})
            print(json.dumps(rows[-1]), flush=True)
    report = {"command": " ".join(cmd), "exit": code, "seconds": round(seconds, 1),
              "articles_with_events": state["articles"], "checkpoints": rows, "samples": samples}
    print(f"{state['articles']} articles with events in {seconds:.0f} s, exit {code}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
