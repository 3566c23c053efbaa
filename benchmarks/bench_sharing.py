"""What sharing a store costs: `wirecoder serve` holds the file only while requests use it, so the CLI can write.

    python benchmarks/bench_sharing.py                      # 200,000 synthetic events
    python benchmarks/bench_sharing.py --n 1000000 --json benchmarks/results/tmp/sharing.json

Three figures (docs/store.md, "Sharing a store"):
- request latency (GET /api/events?limit=50, p50) with the read connection open (requests back to back) and
  opened for the request (one request every 1.5 s, past the server's linger): the price of letting go;
- how long a writer (another process opening the store to write, as `wirecoder code` does for each batch)
  waits while a client polls the API without pause, and while it polls every 0.2 s;
- the slowest request while that writer holds the store for half a second (a batch being stored).

The store is made by benchmarks/make_events.py (reused when present). The server is the real app under
uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import uvicorn  # noqa: E402

from wirecoder.api import create_app, server_config  # noqa: E402

WRITER = """
import sys, time
from wirecoder.store import connect
start = time.monotonic()
con = connect(sys.argv[1], read_only=False, wait=120)
got = time.monotonic() - start
time.sleep(float(sys.argv[2]))
con.close()
print(got)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> float:
    start = time.perf_counter()
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    con.request("GET", path)
    response = con.getresponse()
    response.read()
    con.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}")
    return (time.perf_counter() - start) * 1000


class _Poller(threading.Thread):
    def __init__(self, port: int, pause: float) -> None:
        super().__init__(daemon=True)
        self.port, self.pause, self.times = port, pause, []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.times.append(_get(self.port, "/api/events?limit=50"))
            if self.pause:
                time.sleep(self.pause)


def _writer_waits(db: Path, port: int, pause: float, rounds: int, hold: float) -> tuple[list[float], float]:
    poller = _Poller(port, pause)
    poller.start()
    waits = []
    try:
        for _ in range(rounds):
            time.sleep(0.5)
            out = subprocess.run([sys.executable, "-c", WRITER, str(db), str(hold)], capture_output=True,
                                 text=True, check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")})
            waits.append(float(out.stdout) * 1000)
    finally:
        poller.done.set()
        poller.join()
    return waits, max(poller.times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    db = ROOT / "benchmarks" / "results" / "tmp" / f"sharing-{args.n}.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_events.py"), "--n", str(args.n),
                        "--out", str(db)], check=True)
    port = _free_port()
    server = uvicorn.Server(server_config(create_app(db), "127.0.0.1", port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        _get(port, "/api/events?limit=50")
        warm = [_get(port, "/api/events?limit=50") for _ in range(30)]
        cold = []
        for _ in range(args.rounds * 2):
            time.sleep(1.5)
            cold.append(_get(port, "/api/events?limit=50"))
        busy_waits, busy_slowest = _writer_waits(db, port, 0.0, args.rounds, 0.5)
        polled_waits, polled_slowest = _writer_waits(db, port, 0.2, args.rounds, 0.5)
    finally:
        server.should_exit = True
        thread.join()
    result = {
        "events": args.n,
        "request_ms_connection_open_p50": round(statistics.median(warm), 1),
        "request_ms_connection_opened_p50": round(statistics.median(cold), 1),
        "writer_wait_ms_nonstop_polling_median": round(statistics.median(busy_waits), 1),
        "writer_wait_ms_nonstop_polling_max": round(max(busy_waits), 1),
        "writer_wait_ms_polling_every_0.2s_median": round(statistics.median(polled_waits), 1),
        "slowest_request_ms_during_0.5s_writes": round(max(busy_slowest, polled_slowest), 1),
    }
    for key, value in result.items():
        print(f"{key:45} {value}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
