"""PETRARCH-2 dictionaries in wirecoder: accuracy on PETRARCH-2's suites and coding speed.

    python benchmarks/bench_petrarch.py --suite            # unit-test suite, PETR.Validate.* dictionaries
    python benchmarks/bench_petrarch.py --gsr              # PETR-2 GSR sentences, shipped Phoenix dictionaries
    python benchmarks/bench_petrarch.py --speed --repeat 3 # sentences/second, spaCy parse included

Speed codes every sentence of both suites (one sentence per record, as PETRARCH-2 reads them) with
`PetrarchCoder.code_text`, so the time includes spaCy's parse; the parse-only time is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

from wirecoder.petrarch import PetrarchCoder, load_packaged
from wirecoder.petrarch.suite import score_suite, score_triples

ROOT = Path(__file__).resolve().parents[1]
UNITTEST = ROOT / "conformance" / "petrarch2_unittest.jsonl"
GSR = ROOT / "conformance" / "petr2_gsr_validation.jsonl"


def _texts() -> list[tuple[str, date | None]]:
    out = []
    for path in (UNITTEST, GSR):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                out.append((rec["text"], date.fromisoformat(rec["date"][:10]) if rec.get("date") else None))
    return out


def suite() -> dict:
    t0 = time.perf_counter()
    score = score_suite(UNITTEST, PetrarchCoder(load_packaged("validate")))
    result = score.as_dict()
    print(f"{'category':10s} {'expected':>8s} {'reproduced':>10s} {'share':>6s} {'extra':>5s} {'no-event':>9s}")
    for name, row in result.items():
        share = f"{row['reproduced_share']:.0%}" if row["reproduced_share"] is not None else "-"
        print(f"{name:10s} {row['expected']:8d} {row['reproduced']:10d} {share:>6s} {row['extra']:5d} "
              f"{row['no_event_honoured']:4d}/{row['no_event_cases']:<4d}")
    print(f"parse-only error records (not scored): {[rid for rid, _ in score.parse_only]}")
    print(f"[{time.perf_counter() - t0:.1f}s]")
    return result


def gsr() -> dict:
    d = load_packaged("phoenix")
    coder = PetrarchCoder(d)
    exact = score_triples(GSR, coder)
    root = score_triples(GSR, coder, root_only=True)
    print(f"GSR ({exact.records} records, {exact.gold} gold codings; Phoenix dictionaries, "
          f"{len(d.skipped)} bad dictionary lines passed over)")
    for name, s in (("exact (source, target, code)", exact), ("CAMEO root", root)):
        print(f"  {name}: P {s.precision:.2f} R {s.recall:.2f} F1 {s.f1:.2f} "
              f"({s.correct}/{s.predicted} predicted, {s.gold} gold)")
    return {"exact_f1": round(exact.f1, 3), "root_f1": round(root.f1, 3)}


def speed(repeat: int) -> dict:
    texts = _texts()
    coder = PetrarchCoder(load_packaged("phoenix"))
    nlp = coder.nlp
    nlp("warm up")
    parse_times, code_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for text, _day in texts:
            nlp(text)
        parse_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for text, day in texts:
            coder.code_text(text, day)
        code_times.append(time.perf_counter() - t0)
    n = len(texts)
    parse, code = statistics.median(parse_times), statistics.median(code_times)
    print(f"{n} sentences, median of {repeat}: parse only {n / parse:.0f} sentences/s; "
          f"parse + PETRARCH coding {n / code:.0f} sentences/s (coding beyond the parse: "
          f"{(code - parse) / code:.0%} of the time)")
    return {"sentences": n, "parse_per_s": round(n / parse, 1), "code_per_s": round(n / code, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", action="store_true")
    ap.add_argument("--gsr", action="store_true")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if not (args.suite or args.gsr or args.speed):
        args.suite = args.gsr = args.speed = True
    results = {}
    if args.suite:
        results["unittest"] = suite()
    if args.gsr:
        results["gsr"] = gsr()
    if args.speed:
        results["speed"] = speed(args.repeat)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
