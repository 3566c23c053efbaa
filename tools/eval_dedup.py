"""Evaluate cross-article deduplication on tests/data/dedup_corpus.jsonl: pairwise and B-cubed clustering scores.

Codes every article with the default pipeline into a fresh temporary store (articles in file order), matches each
stored report to the gold events of its article (same PLOVER type and a shared actor or recipient country; a
report that matches none is coder noise and is left out of the clustering scores), then compares the store's
clusters (`reports.event_id`) with the gold clusters.

    python tools/eval_dedup.py                 # figures, worst merges and splits with the store's reasons
    python tools/eval_dedup.py --json          # the same as one JSON object
    python tools/eval_dedup.py --orders 20     # also the mean over 20 shuffled ingest orders (seeded)

Scores (docs/dedup.md): pairwise precision = pairs of matched reports in one stored event that share a gold
cluster / pairs in one stored event; pairwise recall = the same pairs / pairs that share a gold cluster.
B-cubed averages the per-report precision and recall of its cluster. Coder recall = gold events (one per article
and gold item) with at least one matched report.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wirecoder.dedup import DedupParams, compare  # noqa: E402
from wirecoder.readers import Rejected, iter_inputs  # noqa: E402
from wirecoder.schema import Article, Event  # noqa: E402
from wirecoder.store import EventStore, report_key  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "dedup_corpus.jsonl"


@dataclass(frozen=True)
class GoldEvent:
    doc_id: str
    index: int           # position in the article's gold list
    cluster: str
    event_type: str
    actor: str | None
    recipient: str | None
    place: str | None
    negated: bool
    date: str | None = None


@dataclass
class Report:
    report_id: str
    doc_id: str
    outlet: str
    event_id: str         # the stored (predicted) cluster
    event_type: str
    countries: frozenset[str]
    place: str | None
    factuality: str
    date: str | None
    precision: str | None
    sentence: str
    merge_reason: dict
    event: Event
    gold: GoldEvent | None = None


def read_gold(path: Path) -> dict[str, list[GoldEvent]]:
    gold: dict[str, list[GoldEvent]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if not record.get("gold"):
            raise ValueError(f"{path}:{n}: article {record.get('id')!r} has no gold events")
        gold[record["id"]] = [
            GoldEvent(record["id"], i, g["cluster"], g["event_type"], g.get("actor"), g.get("recipient"),
                      g.get("place"), bool(g.get("negated")), g.get("date")) for i, g in enumerate(record["gold"])]
    return gold


def code_corpus(path: Path, pipeline=None) -> list[tuple[Article, list[Event]]]:
    """Every article of the corpus with its coded reports, in file order."""
    if pipeline is None:
        from wirecoder.pipeline import Pipeline

        pipeline = Pipeline.default()
    articles = []
    for item in iter_inputs([str(path)]):
        if isinstance(item, Rejected):
            raise ValueError(f"corpus article rejected: {item}")
        articles.append(item)
    return list(pipeline.code_many(articles))


def _matches(report: Report, gold: GoldEvent) -> bool:
    parties = {gold.actor, gold.recipient} - {None}
    return report.event_type == gold.event_type and bool(report.countries & parties)


def _place_matches(report: Report, gold: GoldEvent) -> bool:
    return bool(gold.place and report.place and gold.place.lower() in report.place.lower())


def match_gold(reports: list[Report], gold: dict[str, list[GoldEvent]]) -> None:
    """Set `report.gold` for each report that matches one of its article's gold events."""
    by_doc: dict[str, list[Report]] = defaultdict(list)
    for r in reports:
        by_doc[r.doc_id].append(r)
    for doc_id, doc_reports in by_doc.items():
        used: Counter = Counter()
        for r in doc_reports:  # in text order
            options = [g for g in gold.get(doc_id, []) if _matches(r, g)]
            # an article reporting two events of one type (a round-up, a background mention): the most shared
            # countries decide, then the place, then a gold event not matched yet, then the date, then the order
            if options:
                r.gold = min(options, key=lambda g: (-len(r.countries & {g.actor, g.recipient}),
                                                     not _place_matches(r, g), used[g.index], g.date != r.date,
                                                     g.index))
                used[r.gold.index] += 1


def store_reports(coded: list[tuple[Article, list[Event]]], params: DedupParams) -> list[Report]:
    """Ingest the coded articles into a fresh temporary store, in the order given; return its reports."""
    with tempfile.TemporaryDirectory() as tmp, EventStore(Path(tmp) / "dedup.duckdb", dedup=params) as store:
        for article, events in coded:
            store.put(article, events)
        rows = store.con.execute(
            "SELECT report_id, doc_id, outlet, event_id, event_type, actor_countries, recipient_countries, "
            "location_name, factuality, date, date_precision, merge_reason, record FROM reports "
            "ORDER BY doc_id, json_extract(record, '$.span[0]')::INTEGER, report_id").fetchall()
    from wirecoder.store import event_from_record

    reports = []
    for (rid, doc_id, outlet, event_id, etype, actors, recipients, place, fact, day, prec, reason,
         record) in rows:
        event = event_from_record(json.loads(record))
        reports.append(Report(rid, doc_id, outlet, event_id, etype, frozenset((actors or []) + (recipients or [])),
                              place, fact, day.isoformat() if day else None, prec, event.sentence,
                              json.loads(reason) if reason else {}, event))
    return reports


def _pairs(groups: dict[str, list[Report]]) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in groups.values())


def scores(reports: list[Report]) -> dict[str, float]:
    matched = [r for r in reports if r.gold is not None]
    pred: dict[str, list[Report]] = defaultdict(list)
    true: dict[str, list[Report]] = defaultdict(list)
    both: dict[tuple[str, str], list[Report]] = defaultdict(list)
    for r in matched:
        pred[r.event_id].append(r)
        true[r.gold.cluster].append(r)
        both[(r.event_id, r.gold.cluster)].append(r)
    tp, pred_pairs, true_pairs = _pairs(both), _pairs(pred), _pairs(true)
    p = tp / pred_pairs if pred_pairs else 1.0
    rec = tp / true_pairs if true_pairs else 1.0
    n = len(matched) or 1
    b3p = sum(len(both[(r.event_id, r.gold.cluster)]) / len(pred[r.event_id]) for r in matched) / n
    b3r = sum(len(both[(r.event_id, r.gold.cluster)]) / len(true[r.gold.cluster]) for r in matched) / n
    return {"pairwise_precision": round(p, 4), "pairwise_recall": round(rec, 4), "pairwise_f1": round(_f1(p, rec), 4),
            "bcubed_precision": round(b3p, 4), "bcubed_recall": round(b3r, 4), "bcubed_f1": round(_f1(b3p, b3r), 4),
            "pairs_true_positive": tp, "pairs_predicted": pred_pairs, "pairs_gold": true_pairs,
            "gold_clusters": len(true), "predicted_clusters": len(pred)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _brief(r: Report) -> dict:
    return {"doc_id": r.doc_id, "outlet": r.outlet, "gold": r.gold.cluster if r.gold else None,
            "event_id": r.event_id, "date": r.date, "precision": r.precision, "place": r.place,
            "countries": sorted(r.countries), "factuality": r.factuality, "sentence": r.sentence,
            "merge_reason": r.merge_reason}


def diagnose(reports: list[Report], params: DedupParams) -> dict[str, list[dict]]:
    """Wrong merges (one stored event, several gold clusters) with the store's reasons; splits (one gold cluster,
    several stored events) with dedup.compare's reason why each stray report did not join the largest part."""
    matched = [r for r in reports if r.gold is not None]
    pred: dict[str, list[Report]] = defaultdict(list)
    true: dict[str, list[Report]] = defaultdict(list)
    for r in matched:
        pred[r.event_id].append(r)
        true[r.gold.cluster].append(r)
    merges = []
    for event_id, members in pred.items():
        clusters = Counter(r.gold.cluster for r in members)
        if len(clusters) > 1:
            wrong = sum(clusters.values()) ** 2 - sum(c * c for c in clusters.values())
            merges.append({"event_id": event_id, "gold_clusters": dict(clusters), "wrong_pairs": wrong // 2,
                           "reports": [_brief(r) for r in members]})
    splits = []
    for cluster, members in true.items():
        parts = Counter(r.event_id for r in members)
        if len(parts) > 1:
            main_id = parts.most_common(1)[0][0]
            main = [r for r in members if r.event_id == main_id]
            strays = []
            for r in members:
                if r.event_id == main_id:
                    continue
                why = [compare(report_key(r.event), report_key(m.event), params) for m in main]
                best = max(why, key=lambda d: d.score)
                strays.append({**_brief(r), "versus_main": {"score": best.score, "because": best.reasons}})
            lost = len(members) ** 2 - sum(c * c for c in parts.values())
            splits.append({"gold_cluster": cluster, "parts": len(parts), "missed_pairs": lost // 2,
                           "main_event_id": main_id, "strays": strays})
    merges.sort(key=lambda m: -m["wrong_pairs"])
    splits.sort(key=lambda s: -s["missed_pairs"])
    return {"merges": merges, "splits": splits}


def coder_recall(reports: list[Report], gold: dict[str, list[GoldEvent]]) -> dict:
    found = {(r.doc_id, r.gold.index) for r in reports if r.gold is not None}
    total = sum(len(v) for v in gold.values())
    missed = [{"doc_id": g.doc_id, "cluster": g.cluster, "event_type": g.event_type, "actor": g.actor,
               "recipient": g.recipient} for v in gold.values() for g in v if (g.doc_id, g.index) not in found]
    negated_gold = [r for r in reports if r.gold is not None and r.gold.negated]
    return {"gold_events": total, "found": len(found), "recall": round(len(found) / total, 4) if total else 1.0,
            "missed": missed,
            "negation_kept": sum(r.factuality == "negated" for r in negated_gold), "negated_gold_reports":
            len(negated_gold)}


def evaluate(corpus: Path = CORPUS, params: DedupParams | None = None, *, coded=None, orders: int = 0,
             seed: int = 1) -> dict:
    """The whole evaluation as one dict (see the module docstring). `coded` reuses an earlier coding."""
    params = params or DedupParams()
    gold = read_gold(corpus)
    coded = coded if coded is not None else code_corpus(corpus)
    reports = store_reports(coded, params)
    match_gold(reports, gold)
    noise = [r for r in reports if r.gold is None]
    duplicates = Counter((r.doc_id, r.gold.index) for r in reports if r.gold is not None)
    result = {
        "corpus": str(corpus.relative_to(ROOT) if corpus.is_relative_to(ROOT) else corpus),
        "articles": len(coded), "reports": len(reports), "matched_reports": len(reports) - len(noise),
        "params": {k: sorted(v) if isinstance(v, frozenset) else v for k, v in params.__dict__.items()},
        "scores": scores(reports), "coder": coder_recall(reports, gold),
        "coder_duplicates": sum(n - 1 for n in duplicates.values()),
        "noise": [_brief(r) for r in noise], **diagnose(reports, params),
    }
    if orders:
        rng = random.Random(seed)
        runs = []
        for _ in range(orders):
            shuffled = coded[:]
            rng.shuffle(shuffled)
            again = store_reports(shuffled, params)
            match_gold(again, gold)
            runs.append(scores(again))
        result["shuffled"] = {"orders": orders, "seed": seed, **{
            k: round(sum(r[k] for r in runs) / orders, 4) for k in
            ("pairwise_precision", "pairwise_recall", "pairwise_f1", "bcubed_f1")},
            "min_pairwise_f1": min(r["pairwise_f1"] for r in runs)}
    return result


def render(result: dict) -> str:
    s, c = result["scores"], result["coder"]
    out = [f"corpus {result['corpus']}: {result['articles']} articles, {result['reports']} reports, "
           f"{result['matched_reports']} matched to gold, {len(result['noise'])} coder noise",
           f"params {result['params']}",
           f"pairwise  P {s['pairwise_precision']:.3f}  R {s['pairwise_recall']:.3f}  F1 {s['pairwise_f1']:.3f}  "
           f"({s['pairs_true_positive']} of {s['pairs_predicted']} predicted pairs right, "
           f"{s['pairs_gold']} gold pairs)",
           f"B-cubed   P {s['bcubed_precision']:.3f}  R {s['bcubed_recall']:.3f}  F1 {s['bcubed_f1']:.3f}",
           f"clusters  {s['gold_clusters']} gold, {s['predicted_clusters']} stored events for the matched reports",
           f"coder recall {c['recall']:.3f} ({c['found']} of {c['gold_events']} gold events coded); "
           f"negated gold reports kept as negated: {c['negation_kept']} of {c['negated_gold_reports']}; "
           f"same-event duplicates within an article: {result['coder_duplicates']}"]
    if "shuffled" in result:
        sh = result["shuffled"]
        out.append(f"shuffled ingest ({sh['orders']} orders, seed {sh['seed']}): mean pairwise P "
                   f"{sh['pairwise_precision']:.3f} R {sh['pairwise_recall']:.3f} F1 {sh['pairwise_f1']:.3f}, "
                   f"min F1 {sh['min_pairwise_f1']:.3f}")
    for m in result["merges"]:
        out.append(f"\nWRONG MERGE {m['event_id']}: gold {m['gold_clusters']} ({m['wrong_pairs']} wrong pairs)")
        for r in m["reports"]:
            why = r["merge_reason"]
            how = f"merged (score {why.get('score')}): {'; '.join(why.get('because', []))}" if why.get("merged") \
                else "first report"
            out.append(f"  {r['gold']} {r['doc_id']:<18} {r['date']} {r['place'] or '-':<12} "
                       f"{','.join(r['countries']):<8} {how}")
    for sp in result["splits"]:
        out.append(f"\nSPLIT {sp['gold_cluster']}: {sp['parts']} stored events ({sp['missed_pairs']} missed pairs)")
        for r in sp["strays"]:
            v = r["versus_main"]
            out.append(f"  {r['doc_id']:<18} {r['date']} {r['precision']} {r['place'] or '-':<12} "
                       f"{','.join(r['countries']):<8} vs main: score {v['score']}: {'; '.join(v['because'])}")
    if c["missed"]:
        out.append("\nGOLD EVENTS THE CODER MISSED")
        out.extend(f"  {m['cluster']} {m['doc_id']:<18} {m['event_type']} {m['actor']}-{m['recipient']}"
                   for m in c["missed"])
    if result["noise"]:
        out.append("\nCODER NOISE (not scored)")
        out.extend(f"  {r['doc_id']:<18} {r['event_id'][:8]} {','.join(r['countries']):<8} {r['sentence'][:80]}"
                   for r in result["noise"])
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="example: python tools/eval_dedup.py --orders 20",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=CORPUS, help="JSONL articles with gold events")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--orders", type=int, default=0, help="also score N shuffled ingest orders")
    ap.add_argument("--seed", type=int, default=1, help="seed for --orders")
    args = ap.parse_args(argv)
    result = evaluate(args.corpus.resolve(), orders=args.orders, seed=args.seed)
    print(json.dumps(result, indent=1, default=str) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
