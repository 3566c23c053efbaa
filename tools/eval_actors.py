"""Score the public actor resolver on the hand-written actor cases (tests/data/actor_cases.jsonl).

Prints country and sector accuracy per category and overall, and with --misses the wrong cases.
Run: .venv/bin/python tools/eval_actors.py [--misses] [--category NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wirecoder.pipeline import Pipeline  # noqa: E402
from wirecoder.resolver import ActorQuery, resolve_actor  # noqa: E402

CASES = ROOT / "tests" / "data" / "actor_cases.jsonl"


def load_cases(path: Path = CASES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def judge(case: dict, got: dict) -> tuple[bool, bool]:
    """(country right, sector right) for one case; a null expectation wants an abstention."""
    want_sector = case["sector"]
    sectors = set(want_sector) if isinstance(want_sector, list) else {want_sector}
    country_ok = got["country"] == case["country"]
    sector_ok = got["sector"] in sectors
    return country_ok, sector_ok


def score(pipeline, cases: list[dict]) -> tuple[dict, list]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for case in cases:
        day = date.fromisoformat(case["date"]) if case.get("date") else None
        query = ActorQuery(case["text"], case.get("context"), day, case.get("country_hint"))
        got = resolve_actor(query, pipeline)[0]
        country_ok, sector_ok = judge(case, got)
        for key in (case["category"], "all"):
            totals[key][0] += 1
            totals[key][1] += country_ok
            totals[key][2] += sector_ok
        if not (country_ok and sector_ok):
            misses.append((case, got))
    return totals, misses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--category")
    args = ap.parse_args()
    cases = [c for c in load_cases() if args.category in (None, c["category"])]
    totals, misses = score(Pipeline.default(coder="rules"), cases)
    print(f"{'category':14} {'n':>4} {'country':>8} {'sector':>8}")
    for key in sorted(totals, key=lambda k: (k == "all", k)):
        n, c, s = totals[key]
        print(f"{key:14} {n:4d} {c / n:8.3f} {s / n:8.3f}")
    if args.misses:
        for case, got in misses:
            print(f"{case['id']} [{case['category']}] {case['text']!r} {case.get('date')} want {case['country']}/"
                  f"{case['sector']} got {got['country']}/{got['sector']} ({got['name']}; {got['why']})")


if __name__ == "__main__":
    main()
