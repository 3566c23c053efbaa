"""Load test on loopback: N concurrent clients query and code against `wirecoder serve` for a while.

    python benchmarks/load_test.py --db benchmarks/results/tmp/load.duckdb --clients 8 --seconds 30

The store is a copy of the one given (or the examples coded afresh). Clients 0 and 1 post articles to
POST /api/code (one of every ten oversized, to check the 413 path); the others page through filtered
event lists. Reports requests per second, p50/p95 latency per kind and every status code seen.
Expected: only 200, 413 (oversized on purpose) and 429 (all coding slots busy).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["/api/events?limit=50", "/api/events?actor=RUS", "/api/events?type=ASSAULT&limit=20",
           "/api/events?from=2016-01-01&to=2025-12-31&offset=10", "/api/stats", "/api/network", "/api/map",
           "/api/actors?q=rus", "/api/timeline", "/api/events?level=reports&source=reuters"]
ARTICLE = ("Talks in Ankara\n\nStaff\n2 December 2016\n\nRussian Foreign Minister Sergei Lavrov met his Turkish "
           "counterpart Mevlut Cavusoglu in Alanya on Thursday, officials said. Turkish troops shelled Kurdish "
           "positions near Afrin on Wednesday, according to Reuters.\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(base: str, path: str, body: bytes | None = None) -> tuple[int, float]:
    req = urllib.request.Request(base + path, data=body, method="POST" if body is not None else "GET",
                                 headers={"content-type": "text/plain", "x-wirecoder": "1"} if body is not None else {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        err.read()
        status = err.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        status = 0
    return status, time.perf_counter() - start


def _client(n: int, base: str, until: float, out: dict, statuses: Counter, lock: threading.Lock) -> None:
    rng = random.Random(n)
    sent = 0
    while time.perf_counter() < until:
        if n < 2:
            oversized = sent % 10 == 0  # every tenth coding request is over the 1 MB body limit
            sent += 1
            body = (ARTICLE * 5000 if oversized else ARTICLE.replace("Thursday", rng.choice(
                ["Monday", "Tuesday", "Friday"])) + f"\nRef {rng.random()}\n").encode()
            kind, (status, seconds) = "code", _request(base, "/api/code", body)
        else:
            kind, (status, seconds) = "query", _request(base, rng.choice(QUERIES))
        with lock:
            out[kind].append(seconds)
            statuses[(kind, status)] += 1


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store to copy (default: code examples/ into a new one)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wirecoder-load-"))
    db = tmp / "load.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    if args.db:
        shutil.copy(args.db, db)
    else:
        subprocess.run([sys.executable, "-m", "wirecoder.cli", "code", str(ROOT / "examples"), "--db", str(db),
                        "--format", "jsonl"], check=True, stdout=subprocess.DEVNULL, env=env)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "wirecoder.cli", "serve", "--db", str(db), "--port",
                               str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if _request(base, "/api/meta")[0] == 200:
                break
            time.sleep(0.5)
        _request(base, "/api/code", ARTICLE.encode())  # load the coder before timing
        out: dict[str, list[float]] = defaultdict(list)
        statuses: Counter = Counter()
        lock = threading.Lock()
        until = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=_client, args=(n, base, until, out, statuses, lock))
                   for n in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(len(v) for v in out.values())
    report = {
        "clients": args.clients, "seconds": args.seconds, "requests": total,
        "requests_per_s": round(total / args.seconds, 1),
        "latency_ms": {k: {"n": len(v), "p50": round(_pct(v, 0.5), 1), "p95": round(_pct(v, 0.95), 1)}
                       for k, v in out.items()},
        "statuses": {f"{k} {s}": n for (k, s), n in sorted(statuses.items())},
    }
    print(json.dumps(report, indent=2))
    unexpected = {k: n for (kind, s), n in statuses.items() for k in [f"{kind} {s}"] if s not in (200, 413, 429)}
    if unexpected:
        print(f"unexpected responses: {unexpected}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
