"""Time typical store queries (wirecoder.query select/count/stats and analytics.dyad_series): p50/p95 in ms.

Each case runs once to warm the cache, then --repeat times; the table gives the median and 95th percentile
(nearest rank) and flags cases over --target-ms with what would speed them up. Build a store first with
make_events.py.

Example:
    .venv/bin/python benchmarks/make_events.py --n 1000000 --out benchmarks/results/tmp/events-1m.duckdb
    .venv/bin/python benchmarks/bench_query.py --db benchmarks/results/tmp/events-1m.duckdb --repeat 20
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wirecoder.analytics import dyad_series  # noqa: E402
from wirecoder.query import Filters, count, select, stats  # noqa: E402
from wirecoder.store import EventStore  # noqa: E402

SYRIA_BBOX = (35.5, 32.3, 42.4, 37.4)

# name, filters, level
CASES: list[tuple[str, Filters, str]] = [
    ("all events", Filters(), "events"),
    ("date range (1 month)", Filters(start=date(2020, 3, 1), end=date(2020, 3, 31)), "events"),
    ("date range (1 year)", Filters(start=date(2019, 1, 1), end=date(2019, 12, 31)), "events"),
    ("actor country RUS", Filters(actor="RUS"), "events"),
    ("dyad RUS->TUR", Filters(actor="RUS", recipient="TUR"), "events"),
    ("dyad RUS->TUR, 2016", Filters(actor="RUS", recipient="TUR", start=date(2016, 1, 1), end=date(2016, 12, 31)),
     "events"),
    ("type ASSAULT + 1 year", Filters(event_type="ASSAULT", start=date(2019, 1, 1), end=date(2019, 12, 31)),
     "events"),
    ("entity id wc:country:tur", Filters(actor="wc:country:tur"), "events"),
    ("bbox Syria", Filters(bbox=SYRIA_BBOX), "events"),
    ("place Aleppo", Filters(place="aleppo"), "events"),
    ("source reuters", Filters(source="reuters"), "events"),
    ("source reuters + 1 month", Filters(source="reuters", start=date(2020, 3, 1), end=date(2020, 3, 31)),
     "events"),
    ("reports: source + 1 month", Filters(source="reuters", start=date(2020, 3, 1), end=date(2020, 3, 31)),
     "reports"),
    ("reports: dyad RUS->TUR", Filters(actor="RUS", recipient="TUR"), "reports"),
]
SERIES: list[tuple[str, dict]] = [
    ("dyad_series RUS->TUR daily", {"actor": "RUS", "recipient": "TUR", "freq": "day"}),
    ("dyad_series RUS<->TUR weekly", {"actor": "RUS", "recipient": "TUR", "freq": "week", "both_directions": True}),
    ("dyad_series RUS->* monthly", {"actor": "RUS", "freq": "month"}),
]
HINTS = {
    "date": "rows are stored in date order, so zone maps skip row groups; a store filled out of order "
            "loses that (CHECKPOINT after an ORDER BY date rebuild restores it)",
    "party": "list_contains over VARCHAR[] scans every row: a dyad table (event_id, actor, recipient) unnested "
             "from the lists, or an ART index on actor_country/recipient_country for the first party",
    "source": "LIKE over lists scans every row: a source table (event_id, source) unnested from `sources`",
    "bbox": "lat/lon BETWEEN scans every row; zone maps help only if rows are clustered by place",
}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _time(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    result = fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def _size(result: object) -> int:
    if isinstance(result, int):
        return result
    if isinstance(result, dict):
        return sum(len(v) for v in result.values())
    return len(result)  # type: ignore[arg-type]


def _hint(f: Filters) -> str:
    keys = []
    if f.actor or f.recipient:
        keys.append("party")
    if f.source:
        keys.append("source")
    if f.bbox:
        keys.append("bbox")
    if (f.start or f.end) and not keys:
        keys.append("date")
    return "; ".join(HINTS[k] for k in keys)


def run(db: Path, repeat: int, limit: int, target_ms: float) -> dict:
    store = EventStore(db, read_only=True)
    total = count(store, Filters())
    rows = []
    for name, filters, level in CASES:
        ops: list[tuple[str, Callable[[], object]]] = [
            (f"select limit {limit}", lambda f=filters, lv=level: select(store, f, level=lv, limit=limit)),
            ("count", lambda f=filters, lv=level: count(store, f, level=lv)),
            ("stats", lambda f=filters, lv=level: stats(store, f, level=lv)),
        ]
        for op, fn in ops:
            times, result = _time(fn, repeat)
            rows.append({"case": name, "level": level, "op": op, "rows": _size(result),
                         "p50_ms": statistics.median(times), "p95_ms": _percentile(times, 0.95),
                         "hint": _hint(filters)})
    for name, kwargs in SERIES:
        times, result = _time(lambda kw=kwargs: dyad_series(store, **kw), repeat)
        rows.append({"case": name, "level": "events", "op": "dyad_series", "rows": _size(result),
                     "p50_ms": statistics.median(times), "p95_ms": _percentile(times, 0.95),
                     "hint": HINTS["party"]})
    store.close()
    return {"db": str(db), "events": total, "repeat": repeat, "target_ms": target_ms,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform()},
            "results": rows}


def _print(report: dict) -> None:
    print(f"{report['events']:,} events in {report['db']}; {report['repeat']} runs per case after one warm-up; "
          f"{report['machine']['cpus']} CPUs")
    print("| case | level | op | rows | p50 ms | p95 ms |")
    print("|---|---|---|---:|---:|---:|")
    for r in report["results"]:
        flag = " **slow**" if r["p50_ms"] > report["target_ms"] else ""
        print(f"| {r['case']} | {r['level']} | {r['op']} | {r['rows']:,} | {r['p50_ms']:.1f}{flag} | "
              f"{r['p95_ms']:.1f} |")
    slow = [r for r in report["results"] if r["p50_ms"] > report["target_ms"]]
    if slow:
        print(f"\nOver {report['target_ms']:.0f} ms (p50):")
        for r in slow:
            print(f"- {r['case']} / {r['op']}: {r['p50_ms']:.0f} ms. {r['hint'] or 'full scan of the table'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="example: bench_query.py --db benchmarks/results/tmp/events-1m.duckdb")
    parser.add_argument("--db", type=Path, required=True, help="a store (make_events.py builds one)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per case (default 20)")
    parser.add_argument("--limit", type=int, default=100, help="rows per select, as `wirecoder query` (100)")
    parser.add_argument("--target-ms", type=float, default=100.0, help="flag cases slower than this (p50)")
    parser.add_argument("--json", type=Path, help="also write the full report here")
    args = parser.parse_args(argv)
    if not args.db.exists():
        parser.error(f"{args.db} does not exist; build it with make_events.py")
    report = run(args.db, args.repeat, args.limit, args.target_ms)
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
