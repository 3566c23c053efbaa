"""Apply wirecoder's labelling conventions to the training corpus in place (idempotent).

PLOVER codes the single category, not a category plus an auxiliary mode (manual, "Auxiliary modes"):
future or offered cooperation (CONSULT, SUPPORT, COOPERATE, AID) is AGREE; intended force or punishment
(ASSAULT, COERCE, SANCTION) is THREATEN; signing an agreement (CAMEO 057) is SUPPORT. Each changed event
records the type it was written with in ``"written_type"``.

    python tools/normalize_corpus.py training/corpus
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TO_AGREE = {"CONSULT", "SUPPORT", "COOPERATE", "AID"}
TO_THREATEN = {"ASSAULT", "COERCE", "SANCTION"}


def convention(event: dict) -> str | None:
    """The type an event takes under the conventions, or None when it keeps its own."""
    kind, factuality = event.get("type"), event.get("factuality") or "asserted"
    if factuality in ("intended", "proposed") and kind in TO_AGREE:
        return "AGREE"
    if factuality == "intended" and kind in TO_THREATEN:
        return "THREATEN"
    if event.get("cameo") == "057" and kind == "AGREE" and factuality in ("asserted", "negated"):
        return "SUPPORT"
    return None


def main(folder: str) -> int:
    changed = 0
    for path in sorted(Path(folder).rglob("*.jsonl")):
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            for event in record.get("events") or []:
                new = convention(event)
                if new is not None and new != event["type"]:
                    event.setdefault("written_type", event["type"])
                    event["type"] = new
                    changed += 1
            lines.append(json.dumps(record, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{changed} event(s) relabelled")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "training/corpus"))
