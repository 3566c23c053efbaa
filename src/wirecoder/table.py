"""Plain-text events table for terminals."""

from __future__ import annotations

from collections.abc import Sequence

from .schema import Entity, Event

COLUMNS = ("date", "type", "cameo", "actor", "recipient", "where", "fact.", "source", "trigger")
WIDTHS = (10, 9, 5, 22, 22, 16, 9, 20, 28)


def _side(entities: Sequence[Entity]) -> str:
    parts = []
    for e in entities:
        code = "".join(x for x in (e.country or "---", e.sector or "") if x)
        parts.append(f"{code} {e.name}")
    return "; ".join(parts) or "-"


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(events: Sequence[Event]) -> str:
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, WIDTHS, strict=True))]
    lines.append("  ".join("-" * w for w in WIDTHS))
    for e in events:
        cells = (
            e.date or "-", e.event_type, e.cameo or "-", _side(e.actor), _side(e.recipient),
            e.location.name if e.location else "-", e.factuality,
            e.attribution.source if e.attribution else "-", e.event_text,
        )
        lines.append("  ".join(_cut(str(c), w).ljust(w) for c, w in zip(cells, WIDTHS, strict=True)))
    lines.append(f"({len(events)} events)")
    return "\n".join(lines)
