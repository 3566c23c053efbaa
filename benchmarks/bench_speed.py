"""Every speed figure of issue 14 in one run on one corpus: per process, end to end, into stores, Dask.

Per process (bench_code.py's fresh-process workers, model loading excluded, one BLAS thread):
  parse       spaCy's stock pipeline alone on the texts wirecoder parses
  full-parse  `wirecoder code --full-parse`'s path: the stock pipeline plus coding
  default     `wirecoder code`'s path: the same events, the faster attribute ruler

End to end (`wirecoder code CORPUS ...` as a user runs it, model loading included, output to /dev/null):
  1-no-store, 2-no-store          --workers 1 / 2 --no-store
  2-store-empty, 2-store-N        --workers 2 into a fresh store, and into a copy of each store given
                                  (make_events.py: 10k, 100k, 1M reports)
  dask-no-store, dask-store-empty --engine dask on a 2-worker LocalCluster (separate worker processes,
                                  one thread each, a memory limit each; cluster start-up excluded)

Peak memory is the largest RSS sum over the command's process tree (sampled every 0.2 s); `parent MiB` and
`worker MiB` split it. Ratios: into a store / no store, Dask / pool, 2 / (2 x 1) processes, default / parse.

Example (about 15 minutes on 2 cores):
    .venv/bin/python benchmarks/make_corpus.py --n 1000 --seed 1 --out benchmarks/results/tmp/c1000.jsonl
    for n in 10000 100000 1000000; do .venv/bin/python benchmarks/make_events.py --n $n \\
        --out benchmarks/results/tmp/events-$n.duckdb; done
    .venv/bin/python benchmarks/bench_speed.py --corpus benchmarks/results/tmp/c1000.jsonl --limit 400 \\
        --per-process-limit 200 --stores benchmarks/results/tmp/events-{10000,100000,1000000}.duckdb \\
        --json benchmarks/results/tmp/speed.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import bench_code  # noqa: E402
import psutil  # noqa: E402

WIRECODER = Path(sys.executable).with_name("wirecoder")
DASK_MEMORY_LIMIT = "2GiB"


class TreeMemory:
    """Peak RSS of a process tree: in all, of the `main` process (the command), and of its largest other one
    (a worker). For Dask the tree is this benchmark's own: the cluster's workers are its children."""

    def __init__(self, root: int, main: int, interval: float = 0.2) -> None:
        self.root, self.main, self.interval = root, main, interval
        self.total = self.parent = self.child = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.root)
            while not self._stop.is_set():
                sizes = {}
                for proc in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        sizes[proc.pid] = proc.memory_info().rss
                self.total = max(self.total, sum(sizes.values()) - (sizes.get(os.getpid(), 0)))
                self.parent = max(self.parent, sizes.get(self.main, 0))
                self.child = max([self.child, *(v for k, v in sizes.items() if k not in (self.main, os.getpid()))])
                self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def run_cli(name: str, corpus: Path, extra: list[str], tmp: Path, store_from: Path | None = None,
            cluster: bool = False) -> dict:
    args = [str(WIRECODER), "code", str(corpus), "--format", "jsonl", *extra]
    if "--db" in extra:
        db = Path(extra[extra.index("--db") + 1])
        if store_from is not None:
            shutil.copy(store_from, db)
    start = time.perf_counter()
    with open(os.devnull, "wb") as out, open(tmp / f"{name}.err", "wb") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        with TreeMemory(os.getpid() if cluster else proc.pid, proc.pid) as mem:
            code = proc.wait()
    seconds = time.perf_counter() - start
    last = (tmp / f"{name}.err").read_text(errors="replace").strip().splitlines()[-1:]
    return {"mode": name, "exit": code, "seconds": round(seconds, 2), "peak_mib": round(mem.total / 2**20),
            "parent_mib": round(mem.parent / 2**20), "worker_mib": round(mem.child / 2**20),
            "summary": last[0] if last else ""}


def end_to_end(corpus: Path, stores: list[Path], n_articles: int, modes: set[str]) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(dir=HERE / "results" / "tmp") as tmpdir:
        tmp = Path(tmpdir)
        plan: list[tuple[str, list[str], Path | None]] = [
            ("1-no-store", ["--workers", "1", "--no-store"], None),
            ("2-no-store", ["--workers", "2", "--no-store"], None),
            ("2-store-empty", ["--workers", "2", "--db", str(tmp / "empty.duckdb")], None),
        ]
        for store in stores:
            label = store.stem.split("-")[-1]
            plan.append((f"2-store-{label}", ["--workers", "2", "--db", str(tmp / f"{label}.duckdb")], store))
        for name, extra, source in plan:
            if name.split("-store")[0] in modes or name in modes or "all" in modes:
                results.append(run_cli(name, corpus, extra, tmp, source))
                print(json.dumps(results[-1]), flush=True)
                for db in tmp.glob("*.duckdb*"):
                    db.unlink()
        if "dask" in modes or "all" in modes:
            from distributed import LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                              dashboard_address=None, memory_limit=DASK_MEMORY_LIMIT) as cluster:
                for name, extra in (("dask-no-store", ["--no-store"]),
                                    ("dask-store-empty", ["--db", str(tmp / "dask.duckdb")])):
                    results.append(run_cli(name, corpus, ["--engine", "dask", "--scheduler",
                                                          cluster.scheduler_address, *extra], tmp, cluster=True))
                    print(json.dumps(results[-1]), flush=True)
    for r in results:
        r["articles_per_s"] = round(n_articles / r["seconds"], 2)
    return results


def ratios(per_process: dict, runs: list[dict]) -> dict:
    rate = {r["mode"]: r["articles_per_s"] for r in runs}
    out = {}
    parse = per_process.get("parse", {}).get("wall_s")
    for mode in ("full", "default"):
        if parse and "wall_s" in per_process.get(mode, {}):
            out[f"{mode}_vs_parse"] = round(parse / per_process[mode]["wall_s"], 3)
    if "2-no-store" in rate:
        for mode, value in rate.items():
            if "-store-" in mode and mode.startswith("2-"):
                out[f"{mode}_vs_no_store"] = round(value / rate["2-no-store"], 3)
        if "1-no-store" in rate:
            out["2_vs_2x1_processes"] = round(rate["2-no-store"] / (2 * rate["1-no-store"]), 3)
        if "dask-no-store" in rate:
            out["dask_vs_pool"] = round(rate["dask-no-store"] / rate["2-no-store"], 3)
    if "dask-store-empty" in rate and "2-store-empty" in rate:
        out["dask_vs_pool_into_store"] = round(rate["dask-store-empty"] / rate["2-store-empty"], 3)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=400, help="articles for the end-to-end runs")
    parser.add_argument("--per-process-limit", type=int, default=200, help="articles for the per-process runs")
    parser.add_argument("--stores", type=Path, nargs="*", default=[], help="stores to code into (copied)")
    parser.add_argument("--modes", default="all",
                        help="comma-separated: per-process, 1, 2, dask, or all (default)")
    parser.add_argument("--json", type=Path, help="write the full report here too")
    args = parser.parse_args(argv)
    modes = {m.strip() for m in args.modes.split(",")}

    per_process: dict[str, dict] = {}
    if modes & {"per-process", "all"}:
        spawn_args = argparse.Namespace(corpus=str(args.corpus), batch_size=bench_code.DEFAULT_BATCH_SIZE,
                                        limit=args.per_process_limit, threads=1)
        for mode in ("parse", "full", "default"):
            print(f"per process: {mode} ...", file=sys.stderr, flush=True)
            per_process[mode] = bench_code._spawn(mode, spawn_args)
        bench_code.summarise(per_process)
        for r in per_process.values():
            print(json.dumps({k: r.get(k) for k in ("mode", "articles", "wall_s", "articles_per_s", "load_s",
                                                    "peak_rss_mib", "events", "error")}), flush=True)

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", dir=HERE / "results" / "tmp", delete=False) as f:
        for n, line in enumerate(args.corpus.open(encoding="utf-8")):
            if n >= args.limit:
                break
            f.write(line)
    subset = Path(f.name)
    try:
        runs = end_to_end(subset, args.stores, min(args.limit, n + 1), modes)
    finally:
        subset.unlink()
    report = {"machine": bench_code._machine(), "corpus": str(args.corpus), "limit": args.limit,
              "per_process_limit": args.per_process_limit, "per_process": per_process, "end_to_end": runs,
              "ratios": ratios(per_process, runs)}
    print(json.dumps(report["ratios"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.get("exit") for r in runs) or any("error" in r for r in per_process.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
