"""Measure `wirecoder fetch` from a loopback news site against coding the same articles from files.

The corpus (make_corpus.py) is served from 127.0.0.1 as HTML article pages listed by four RSS feeds. Three runs,
each a fresh `wirecoder` process into a fresh store, with the same coding workers:

  fetch+code  `wirecoder fetch feeds.txt --workers W`: feeds, pages, extraction, coding, storing.
  code        `wirecoder code pages/ --workers W`: the same pages from files (extraction, coding, storing).
  fetch only  `Fetcher.get` on every page with --threads threads: the fetch side's own rate.

articles/s counts from the process start to its end (loading the model included, the same for both runs), so
the ratio fetch+code / code says what fetching costs on top of coding: near 1 when coding is the bottleneck.

Example:
    .venv/bin/python benchmarks/make_corpus.py --n 200 --seed 1 --out benchmarks/results/tmp/c200.jsonl
    .venv/bin/python benchmarks/bench_fetch.py --corpus benchmarks/results/tmp/c200.jsonl --workers 2
"""

from __future__ import annotations

import argparse
import html
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))  # the loopback news site the tests use

from loopback import Route, Site, rss  # noqa: E402

from wirecoder.fetch import Fetcher, Policy  # noqa: E402

N_FEEDS = 4


def _page(record: dict) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in record["text"].split("\n\n") if p.strip())
    title = html.escape(record.get("title") or "")
    return (f"<!DOCTYPE html><html><head><title>{title}</title>"
            f'<meta property="og:site_name" content="{html.escape(record.get("outlet") or "Bench Wire")}">'
            f'<meta property="article:published_time" content="{record["published"]}T08:00:00Z"></head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article>"
            f"<footer>Bench Wire</footer></body></html>").encode()


def _run(args: list[str]) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "wirecoder.cli", *args], env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"wirecoder {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return took, done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, help="JSONL from make_corpus.py")
    parser.add_argument("--workers", type=int, default=2, help="coding processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="fetching threads (default 8)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    records = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line.strip()]
    results = {"articles": len(records), "workers": args.workers, "threads": args.threads}
    with Site() as site, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        items = [[] for _ in range(N_FEEDS)]
        for n, record in enumerate(records):
            body = _page(record)
            site.routes[f"/news/{n}"] = Route(body)
            (folder / f"{n:06d}.html").write_bytes(body)
            when = datetime.combine(date.fromisoformat(record["published"]), datetime.min.time(), timezone.utc)
            items[n % N_FEEDS].append((record.get("title") or str(n), f"{site.url}/news/{n}", when))
        site.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
        for k, entries in enumerate(items):
            site.routes[f"/feed/{k}.xml"] = Route(rss(f"Bench Wire - {k}", entries), content_type="application/rss+xml")
        listing = Path(tmp) / "feeds.txt"
        listing.write_text("".join(f"{site.url}/feed/{k}.xml\n" for k in range(N_FEEDS)))

        policy = Policy(host_delay=0.0, host_connections=args.threads)
        with Fetcher(policy) as fetcher, ThreadPoolExecutor(args.threads) as pool:
            started = time.perf_counter()
            sizes = list(pool.map(lambda n: len(fetcher.get(f"{site.url}/news/{n}").body), range(len(records))))
            took = time.perf_counter() - started
        results["fetch_only"] = {"seconds": round(took, 2), "pages_per_s": round(len(records) / took, 1),
                                 "mib": round(sum(sizes) / 2**20, 1)}

        took, line = _run(["fetch", str(listing), "--db", str(Path(tmp) / "fetched.duckdb"), "--workers",
                           str(args.workers), "--threads", str(args.threads), "--host-delay", "0",
                           "--host-connections", str(args.threads)])
        results["fetch_and_code"] = {"seconds": round(took, 2), "articles_per_s": round(len(records) / took, 2),
                                     "summary": line}
        took, line = _run(["code", str(folder), "--db", str(Path(tmp) / "coded.duckdb"), "--workers",
                           str(args.workers), "--format", "jsonl"])
        results["code"] = {"seconds": round(took, 2), "articles_per_s": round(len(records) / took, 2),
                           "summary": line}
    results["ratio"] = round(results["fetch_and_code"]["articles_per_s"] / results["code"]["articles_per_s"], 3)
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
