"""Latency of the web API on a large store: filtered event lists (p50/p95/max), plus the dashboard's charts.

    python benchmarks/bench_api.py                       # 1,000,000 synthetic events, 200 requests per case
    python benchmarks/bench_api.py --n 100000 --requests 50 --json benchmarks/results/tmp/api.json

The store is made once and reused (`--db`, default benchmarks/results/tmp/api-<N>.duckdb): by
benchmarks/make_events.py when it exists, else by a synthetic generator here (SQL only, seconds for 1M
rows: Zipf-like country choice, 16 PLOVER types, ten years of dates, 60% of events placed in 40 cities,
one report per event). The server is the real app under uvicorn on 127.0.0.1, read-only, and requests are
sent one at a time over a keep-alive HTTP connection, so each figure is one request's full round trip
(routing, validation, SQL, JSON). The first request of each case is a warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import uvicorn  # noqa: E402

from wirecoder.api import create_app  # noqa: E402
from wirecoder.schema import PLOVER_TYPES  # noqa: E402
from wirecoder.store import EventStore  # noqa: E402

TARGET_P95_MS = 200
COUNTRIES = ["USA", "RUS", "CHN", "TUR", "SYR", "IRN", "ISR", "PSE", "UKR", "GBR", "FRA", "DEU", "IND", "PAK",
             "AFG", "EGY", "SAU", "YEM", "IRQ", "KEN", "NGA", "ETH", "SDN", "LBY", "MEX", "COL", "VEN", "BRA",
             "JPN", "KOR", "PRK", "IDN", "PHL", "MMR", "BGD", "LBN", "JOR", "QAT", "IGO", "NGO"]
CITIES = [("Aleppo", "SYR", 36.2, 37.16), ("Damascus", "SYR", 33.51, 36.29), ("Ankara", "TUR", 39.93, 32.86),
          ("Moscow", "RUS", 55.75, 37.62), ("Kyiv", "UKR", 50.45, 30.52), ("Gaza", "PSE", 31.5, 34.47),
          ("Jerusalem", "ISR", 31.77, 35.21), ("Tehran", "IRN", 35.69, 51.39), ("Baghdad", "IRQ", 33.34, 44.4),
          ("Kabul", "AFG", 34.53, 69.17), ("Islamabad", "PAK", 33.72, 73.06), ("New Delhi", "IND", 28.61, 77.21),
          ("Beijing", "CHN", 39.9, 116.4), ("Washington", "USA", 38.9, -77.04), ("London", "GBR", 51.51, -0.13),
          ("Paris", "FRA", 48.86, 2.35), ("Berlin", "DEU", 52.52, 13.4), ("Cairo", "EGY", 30.04, 31.24),
          ("Riyadh", "SAU", 24.69, 46.72), ("Sanaa", "YEM", 15.35, 44.21), ("Nairobi", "KEN", -1.29, 36.82),
          ("Lagos", "NGA", 6.52, 3.38), ("Addis Ababa", "ETH", 9.03, 38.74), ("Khartoum", "SDN", 15.5, 32.56),
          ("Tripoli", "LBY", 32.89, 13.19), ("Mexico City", "MEX", 19.43, -99.13), ("Bogota", "COL", 4.71, -74.07),
          ("Caracas", "VEN", 10.48, -66.9), ("Brasilia", "BRA", -15.79, -47.88), ("Tokyo", "JPN", 35.68, 139.69),
          ("Seoul", "KOR", 37.57, 126.98), ("Pyongyang", "PRK", 39.04, 125.76), ("Jakarta", "IDN", -6.21, 106.85),
          ("Manila", "PHL", 14.6, 120.98), ("Yangon", "MMR", 16.87, 96.2), ("Dhaka", "BGD", 23.81, 90.41),
          ("Beirut", "LBN", 33.89, 35.5), ("Amman", "JOR", 31.95, 35.93), ("Doha", "QAT", 25.29, 51.53),
          ("Geneva", "CHE", 46.2, 6.14)]
OUTLETS = ["Reuters", "AP", "AFP", "BBC", "Al Jazeera", "Financial Times", "TASS", "Xinhua", "Anadolu", "WSWS"]
QUADS = [1, 1, 1, 2, 2, 2, 2, 1, 3, 3, 3, 3, 4, 4, 4, 4]  # PLOVER type -> quad class, in PLOVER_TYPES order


def synthesize(path: Path, n: int, seed: int) -> None:
    """A store with n synthetic events (and one report each), written with set-based SQL."""
    EventStore(path).close()  # creates the schema
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    con.execute("CREATE TEMP TABLE countries AS SELECT unnest(?) AS c, generate_subscripts(?, 1) AS k",
                [COUNTRIES, COUNTRIES])
    con.execute("CREATE TEMP TABLE cities AS SELECT * FROM (VALUES " + ", ".join(
        f"({k}, '{name}', '{cc}', {lat}, {lon})" for k, (name, cc, lat, lon) in enumerate(CITIES, 1))
        + ") AS t(k, name, cc, lat, lon)")
    con.execute("CREATE TEMP TABLE types AS SELECT unnest(?) AS t, unnest(?) AS q, generate_subscripts(?, 1) AS k",
                [list(PLOVER_TYPES), QUADS, list(PLOVER_TYPES)])
    con.execute("CREATE TEMP TABLE outlets AS SELECT unnest(?) AS o, generate_subscripts(?, 1) AS k",
                [OUTLETS, OUTLETS])
    con.execute(f"""CREATE TEMP TABLE g AS SELECT
        i, lpad(lower(to_hex(i)), 20, '0') AS id,
        1 + floor(pow(random(), 2) * {len(COUNTRIES)})::INT AS ak,
        1 + floor(pow(random(), 2) * {len(COUNTRIES)})::INT AS rk,
        1 + floor(random() * 16)::INT AS tk,
        CASE WHEN random() < 0.6 THEN 1 + floor(random() * {len(CITIES)})::INT END AS ck,
        1 + floor(random() * {len(OUTLETS)})::INT AS ok,
        DATE '2015-01-01' + floor(random() * 3650)::INT AS d,
        (['asserted', 'asserted', 'asserted', 'reported', 'reported', 'intended', 'negated'])
            [1 + floor(random() * 7)::INT] AS f
      FROM range({n}) r(i)""")
    rows = """SELECT g.id, t.t, t.q, t.q * 2.5 - 6 AS gs, g.d, a.c AS ac, r.c AS rc, ci.name AS cn, ci.cc AS ccc,
                ci.lat, ci.lon, g.f, o.o AS outlet, g.i
              FROM g JOIN types t ON t.k = g.tk JOIN countries a ON a.k = g.ak JOIN countries r ON r.k = g.rk
              JOIN outlets o ON o.k = g.ok LEFT JOIN cities ci ON ci.k = g.ck"""
    record = """json_object('doc_id', 'doc:' || (i // 3), 'event_id', id, 'event_type', t, 'mode', NULL,
        'context', json('[]'), 'cameo', '040', 'quad_class', q, 'goldstein', gs,
        'actor', json_array(json_object('text', ac, 'name', ac, 'country', ac, 'sector', 'GOV',
                                        'id', 'wc:country:' || lower(ac))),
        'recipient', json_array(json_object('text', rc, 'name', rc, 'country', rc, 'sector', NULL,
                                            'id', 'wc:country:' || lower(rc))),
        'date', d::VARCHAR, 'date_precision', 'day', 'date_text', NULL,
        'location', CASE WHEN cn IS NULL THEN NULL ELSE json_object('text', cn, 'name', cn, 'country', ccc,
            'admin1', NULL, 'lat', lat, 'lon', lon, 'geonameid', NULL) END,
        'attribution', NULL, 'factuality', f, 'sentence', ac || ' did something to ' || rc || '.',
        'span', json('[0, 3]'), 'event_text', 'did', 'confidence', 0.8, 'coder', 'synthetic/1'
        {extra})"""
    con.execute("BEGIN TRANSACTION")
    con.execute(f"""INSERT INTO events SELECT id, t, NULL, '040', q, gs, d, 'day', ac, 'GOV', rc, NULL, cn, ccc,
        lat, lon, f, 1, 1, 0.8, [ac], [rc], ['wc:country:' || lower(ac), 'wc:country:' || lower(rc)],
        [lower(outlet)], {record.format(extra=", 'n_reports', 1, 'n_sources', 1, 'reports', json_array(id)")}
        FROM ({rows})""")
    con.execute(f"""INSERT INTO reports SELECT id, 'doc:' || (i // 3), id, t, NULL, '040', q, gs, d, 'day', ac,
        'GOV', rc, NULL, [ac], [rc], ['wc:country:' || lower(ac), 'wc:country:' || lower(rc)], cn, ccc, NULL,
        lat, lon, f, NULL, outlet, 0.8, NULL, {record.format(extra="")} FROM ({rows})""")
    con.execute("""INSERT INTO entities SELECT 'wc:country:' || lower(c), c, c, NULL, 0 FROM countries""")
    con.execute("COMMIT")
    con.close()


def make_store(path: Path, n: int, seed: int) -> None:
    maker = ROOT / "benchmarks" / "make_events.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if maker.exists():
        subprocess.run([sys.executable, str(maker), "--n", str(n), "--out", str(path)], check=True)
        how = "benchmarks/make_events.py"
    else:
        synthesize(path, n, seed)
        how = "bench_api.synthesize"
    print(f"made {path} with {n:,} events by {how} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def cases(rng: random.Random, n_requests: int) -> dict[str, list[dict]]:
    """Filter mixes for GET /api/events, each a list of n_requests parameter sets."""
    def top_country():
        return COUNTRIES[int(rng.random() ** 2 * 10)]

    def day():
        return f"{rng.randint(2015, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    def month_range():
        y, m = rng.randint(2015, 2024), rng.randint(1, 11)
        return {"start": f"{y}-{m:02d}-01", "end": f"{y}-{m + 1:02d}-01"}

    def bbox():
        lon, lat = rng.uniform(-20, 60), rng.uniform(0, 50)
        return {"bbox": f"{lon:.1f},{lat:.1f},{lon + 20:.1f},{lat + 15:.1f}"}

    makers = {
        "no filter, first page": lambda: {},
        "no filter, deep page": lambda: {"offset": rng.randint(1000, 100_000)},
        "actor": lambda: {"actor": top_country()},
        "actor + recipient": lambda: {"actor": top_country(), "recipient": top_country()},
        "entity id": lambda: {"actor": f"wc:country:{top_country().lower()}"},
        "event type + date range": lambda: {"event_type": rng.choice(PLOVER_TYPES), **month_range()},
        "date from": lambda: {"start": day()},
        "place": lambda: {"place": rng.choice(CITIES)[0]},
        "bbox": bbox,
        "factuality + source": lambda: {"factuality": "reported", "source": rng.choice(OUTLETS)[:5]},
        "actor, newest first": lambda: {"actor": top_country(), "order": "desc"},
        "reports level, actor + type": lambda: {"level": "reports", "actor": top_country(),
                                                "event_type": rng.choice(PLOVER_TYPES)},
    }
    return {name: [{"limit": 100, **make()} for _ in range(n_requests)] for name, make in makers.items()}


def chart_cases(rng: random.Random, n_requests: int) -> dict[str, list[tuple[str, dict]]]:
    def filt():
        return rng.choice([{}, {"actor": rng.choice(COUNTRIES[:10])}, {"event_type": rng.choice(PLOVER_TYPES)}])

    return {
        "stats": [("/api/stats", filt()) for _ in range(n_requests)],
        "timeline (month)": [("/api/timeline", {"interval": "month", **filt()}) for _ in range(n_requests)],
        "network": [("/api/network", filt()) for _ in range(n_requests)],
        "map": [("/api/map", filt()) for _ in range(n_requests)],
        "event detail": [("/api/events/" + f"{rng.randrange(1_000):020x}", {}) for _ in range(n_requests)],
    }


def timed(con: http.client.HTTPConnection, path: str, params: dict) -> float:
    url = path + ("?" + urlencode(params) if params else "")
    started = time.perf_counter()
    con.request("GET", url)
    res = con.getresponse()
    body = res.read()
    elapsed = (time.perf_counter() - started) * 1000
    if res.status != 200:
        raise SystemExit(f"{url}: {res.status} {body[:300]!r}")
    return elapsed


def summarize(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
            "max_ms": round(ordered[-1], 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="events in the store (default 1,000,000)")
    parser.add_argument("--db", type=Path, help="store to use (made when missing)")
    parser.add_argument("--requests", type=int, default=200, help="requests per case (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    db = args.db or ROOT / "benchmarks" / "results" / "tmp" / f"api-{args.n}.duckdb"
    if not db.exists():
        make_store(db, args.n, args.seed)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db, read_only=True), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    events = json.loads((con.request("GET", "/api/meta"), con.getresponse().read())[1])["counts"]["events"]
    rng = random.Random(args.seed)
    results: dict[str, dict] = {"store": {"path": str(db), "events": events}, "lists": {}, "charts": {}}
    all_lists: list[float] = []
    print(f"{events:,} events; {args.requests} requests per case; p95 target {TARGET_P95_MS} ms for lists")
    print(f"{'GET /api/events case':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, param_sets in cases(rng, args.requests).items():
        timed(con, "/api/events", param_sets[0])  # warm-up
        samples = [timed(con, "/api/events", p) for p in param_sets]
        all_lists += samples
        results["lists"][name] = summary = summarize(samples)
        print(f"{name:<32} {summary['p50_ms']:>8} {summary['p95_ms']:>8} {summary['max_ms']:>8}")
    results["lists_overall"] = overall = summarize(all_lists)
    print(f"{'all filtered lists':<32} {overall['p50_ms']:>8} {overall['p95_ms']:>8} {overall['max_ms']:>8}")
    print(f"{'dashboard charts':<32}")
    chart_n = max(10, args.requests // 4)
    for name, calls in chart_cases(rng, chart_n).items():
        if name == "event detail":
            first = json.loads((con.request("GET", "/api/events?limit=1000"), con.getresponse().read())[1])
            calls = [(f"/api/events/{rng.choice(first['items'])['event_id']}", {}) for _ in calls]
        timed(con, *calls[0])
        samples = [timed(con, path, params) for path, params in calls]
        results["charts"][name] = summary = summarize(samples)
        print(f"{name:<32} {summary['p50_ms']:>8} {summary['p95_ms']:>8} {summary['max_ms']:>8}")
    server.should_exit = True
    thread.join(timeout=10)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    met = overall["p95_ms"] <= TARGET_P95_MS
    print(f"filtered lists p95 {overall['p95_ms']} ms: {'within' if met else 'OVER'} the {TARGET_P95_MS} ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
