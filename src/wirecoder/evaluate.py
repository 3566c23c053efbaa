"""Code every record of a gold file and score the result (`wirecoder evaluate`)."""

from __future__ import annotations

import hashlib
import html
import json
import time
from dataclasses import dataclass
from pathlib import Path

from .gold import GoldRecord, read_gold, scheme_table
from .readers import read_text
from .schema import PLOVER_TYPES
from .scoring import (
    DOCUMENT_METRICS,
    NONE,
    SENTENCE_METRICS,
    Predicted,
    Scores,
    score_document_record,
    score_sentence_record,
)

WORST_MISSES = 15


@dataclass
class Evaluation:
    path: str
    sha256: str
    level: str  # "sentence" or "document"
    scores: Scores
    seconds: float

    @property
    def metric_names(self) -> tuple[str, ...]:
        return DOCUMENT_METRICS if self.level == "document" else SENTENCE_METRICS

    def to_dict(self) -> dict:
        s = self.scores
        worst = sorted(s.misses, key=lambda x: -x["errors"])[:WORST_MISSES]
        return {
            "gold": self.path, "sha256": self.sha256, "level": self.level, "records": s.records,
            "skipped": s.skipped, "seconds": round(self.seconds, 1),
            "metrics": {k: s.metrics[k].as_dict() for k in self.metric_names if k in s.metrics},
            "per_type": {k: v.as_dict() for k, v in sorted(s.per_type.items()) if k},
            "confusion": [{"gold": g, "predicted": p, "count": n}
                          for (g, p), n in sorted(s.confusion.items(), key=lambda kv: -kv[1])],
            "worst_misses": worst,
        }


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _gold_types(records: list[GoldRecord]) -> set[str]:
    schemes = {e.scheme for r in records for e in r.events}
    return {t for s in schemes for _, t in scheme_table().get(s, []) if t}


def evaluate(path: str | Path, pipeline, *, limit: int | None = None) -> Evaluation:
    """Code each gold record's text (published on the record's date) and score the events."""
    start = time.perf_counter()
    records = list(read_gold(path))[:limit]
    level = "document" if any(r.document_level for r in records) else "sentence"
    gold_types = _gold_types(records) if level == "document" else set(PLOVER_TYPES)
    scores = Scores()
    gazetteer = pipeline.gazetteer

    def place_country(text: str) -> str | None:
        place = gazetteer.lookup(text)
        return place.country if place else None

    for record in records:
        gold = [e for e in record.events if e.event_type]
        if record.events and not gold:
            scores.skipped += 1  # only codes without a PLOVER type (CAMEO 01 statements, broadcasts)
            continue
        article = read_text(record.text, doc_id=record.id, published=record.published)
        pred = [Predicted.from_event(e) for e in pipeline.code(article) if e.factuality != "negated"]
        if level == "document":
            score_document_record(scores, record.id, record.text, gold, pred, gold_types)
        else:
            score_sentence_record(scores, record.id, record.text, gold, pred, place_country)
    return Evaluation(str(path), file_sha256(path), level, scores, time.perf_counter() - start)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def metric_rows(ev: Evaluation) -> list[tuple[str, str, str, str, int, int, int]]:
    rows = []
    for name in ev.metric_names:
        c = ev.scores.metrics.get(name)
        if c is not None:
            rows.append((name, _fmt(c.precision), _fmt(c.recall), _fmt(c.f1), c.tp, c.fp, c.fn))
    return rows


def render_markdown(ev: Evaluation) -> str:
    d = ev.to_dict()
    lines = [f"# Evaluation: {Path(ev.path).name}", "",
             f"{d['records']} records scored ({d['skipped']} skipped: gold without a PLOVER type), "
             f"{ev.level}-level matching, {d['seconds']} s. Gold sha256 `{ev.sha256[:16]}…`.", "",
             "| metric | precision | recall | F1 | tp | fp | fn |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]} | {r[6]} |" for r in metric_rows(ev)]
    lines += ["", "## PLOVER type", "", "| type | precision | recall | F1 | tp | fp | fn |",
              "|---|---|---|---|---|---|---|"]
    for name, c in sorted(ev.scores.per_type.items()):
        if name:
            scores = f"{_fmt(c.precision)} | {_fmt(c.recall)} | {_fmt(c.f1)}"
            lines.append(f"| {name} | {scores} | {c.tp} | {c.fp} | {c.fn} |")
    lines += ["", "## Type confusion (gold → predicted)", "", "| gold | predicted | count |", "|---|---|---|"]
    lines += [f"| {c['gold']} | {c['predicted']} | {c['count']} |"
              for c in d["confusion"] if c["gold"] != c["predicted"]]
    lines += ["", f"## Worst misses (top {WORST_MISSES})", ""]
    for miss in d["worst_misses"]:
        lines.append(f"- **{miss['id']}**: {' '.join(miss['text'].split())[:240]}")
        lines += [f"  - gold: {g}" for g in miss["gold"]] or ["  - gold: no event"]
        lines += [f"  - coded: {p}" for p in miss["predicted"]] or ["  - coded: nothing (no rule fired)"]
    return "\n".join(lines) + "\n"


def render_text(ev: Evaluation) -> str:
    d = ev.to_dict()
    out = [f"{Path(ev.path).name}: {d['records']} records ({d['skipped']} skipped), {ev.level}-level, "
           f"{d['seconds']} s", f"{'metric':<26}{'P':>8}{'R':>8}{'F1':>8}{'tp':>6}{'fp':>6}{'fn':>6}"]
    out += [f"{r[0]:<26}{r[1]:>8}{r[2]:>8}{r[3]:>8}{r[4]:>6}{r[5]:>6}{r[6]:>6}" for r in metric_rows(ev)]
    out.append("per type (F1): " + ", ".join(f"{k} {_fmt(v.f1)}" for k, v in sorted(ev.scores.per_type.items())
                                               if k and k != NONE))
    return "\n".join(out) + "\n"


def render_html(ev: Evaluation) -> str:
    """A standalone HTML page of the markdown report (no external assets)."""
    body = []
    in_table = False
    for line in render_markdown(ev).splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if set("".join(cells)) <= set("-"):
                continue
            if not in_table:
                body.append("<table>")
                in_table = True
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            continue
        if in_table:
            body.append("</table>")
            in_table = False
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            body.append(f"<h{level}>{html.escape(line.lstrip('# '))}</h{level}>")
        elif line.strip():
            body.append(f"<p>{html.escape(line.strip(' -'))}</p>")
    if in_table:
        body.append("</table>")
    style = "body{font-family:sans-serif;max-width:70em;margin:2em auto}td{border:1px solid #999;padding:2px 6px}"
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>wirecoder evaluation</title>"
            f"<style>{style}</style>" + "\n".join(body) + "</html>\n")


def to_json(ev: Evaluation) -> str:
    return json.dumps(ev.to_dict(), ensure_ascii=False, indent=2)
