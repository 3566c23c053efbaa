"""Score `wirecoder geoparse` on tests/data/geoparse_cases.jsonl (hand-written news mentions with GeoNames ids).

Two readings, as geoparsing corpora are scored:
* at the gold mentions (the spans are given): correct country, exact GeoNames id (where the gold has one), and
  within 161 km of the gold place (where both have coordinates; the gold's from the gazetteer by id);
* end to end (mentions found by the geoparser): recall and precision of mentions (overlapping spans), and
  how many `not_places` strings (actor names that look like places) were geocoded.
Run: .venv/bin/python tools/eval_geoparse.py [--misses] [--json] [FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CASES = ROOT / "tests" / "data" / "geoparse_cases.jsonl"
KM = 161.0


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def evaluate(pipeline, cases: list[dict]) -> dict:
    from wirecoder.schema import Article

    gaz = pipeline.gazetteer
    tallies: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = []

    def tally(category: str, metric: str, ok: bool) -> None:
        for key in (category, "all"):
            tallies[key][metric][0] += int(ok)
            tallies[key][metric][1] += 1

    for case in cases:
        article = Article(doc_id=case["id"], text=case["text"])
        gold = case["mentions"]
        given = pipeline.geoparse(article, spans=[(g["start"], g["end"]) for g in gold])
        by_span = {(p.start, p.end): p for p in given}
        for g in gold:
            p = by_span.get((g["start"], g["end"]))
            cat = case["category"]
            tally(cat, "country", p is not None and p.country == g["country"])
            if g["geonameid"] is not None:
                exact = p is not None and p.geonameid == g["geonameid"]
                tally(cat, "exact", exact)
                ref = gaz.by_id(g["geonameid"])
                if ref is not None and ref.lat is not None:
                    near = p is not None and p.lat is not None and km((p.lat, p.lon), (ref.lat, ref.lon)) <= KM
                    tally(cat, "161km", near)
            else:
                exact = p is not None and p.name.lower() == g["name"].lower()
                tally(cat, "name", exact)
            if not exact:
                got = f"{p.name} {p.feature} {p.country} {p.geonameid} ({p.why})" if p else "nothing"
                misses.append(f"{case['id']} {cat}: {g['text']!r} -> {got}; gold {g['name']} {g['feature']} "
                              f"{g['country']} {g['geonameid']}")
        found = pipeline.geoparse(article)
        spans = [(g["start"], g["end"]) for g in gold]
        for g in gold:
            hit = any(p.start < g["end"] and g["start"] < p.end for p in found)
            tally(case["category"], "recall", hit)
            if not hit:
                misses.append(f"{case['id']} not found: {g['text']!r} ({g['feature']})")
        for p in found:
            ok = any(p.start < e and s < p.end for s, e in spans)
            tally(case["category"], "precision", ok)
            if not ok:
                misses.append(f"{case['id']} extra: {p.text!r} -> {p.name} {p.feature} {p.country}")
        for phrase in case.get("not_places") or []:
            at = case["text"].find(phrase)
            if at < 0:
                continue
            hit = any(p.start < at + len(phrase) and at < p.end and not any(
                p.start < e and s < p.end for s, e in spans) for p in found)
            tally(case["category"], "actor_kept_out", not hit)
    scores = {cat: {m: round(ok / n, 3) for m, (ok, n) in metrics.items()} for cat, metrics in tallies.items()}
    counts = {cat: {m: n for m, (_, n) in metrics.items()} for cat, metrics in tallies.items()}
    return {"scores": scores, "counts": counts, "misses": misses}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file", nargs="?", default=str(CASES))
    ap.add_argument("--misses", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from wirecoder.pipeline import Pipeline

    with open(args.file, encoding="utf-8") as f:
        cases = [json.loads(line) for line in f if line.strip()]
    result = evaluate(Pipeline.default(coder="rules"), cases)
    if args.json:
        print(json.dumps({k: result[k] for k in ("scores", "counts")}, indent=1))
    else:
        metrics = ("country", "exact", "161km", "name", "recall", "precision", "actor_kept_out")
        print(f"{'category':22}" + "".join(f"{m:>15}" for m in metrics))
        for cat in sorted(result["scores"], key=lambda c: (c != "all", c)):
            row = result["scores"][cat]
            n = result["counts"][cat]
            print(f"{cat:22}" + "".join(f"{row[m]:>9.3f} ({n[m]:>3})" if m in row else f"{'':>15}"
                                        for m in metrics))
    if args.misses:
        print("\n".join(result["misses"]))


if __name__ == "__main__":
    main()
