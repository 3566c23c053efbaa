"""The events table that `code` and `query` print: columns fit the width, long cells wrap (rendered by rich)."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
from collections.abc import Sequence
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from .schema import Entity, Event

# Width of a table written to a file or a pipe, where there is no terminal to measure: every column keeps room
# for a short actor name without wrapping most rows.
PIPED_WIDTH = 120
# Marks a date taken from the publication date because the text gives none (schema.date_source).
PUBLISHED_MARK = "*"
# (header, wraps): short codes keep their width; names and text share what is left and wrap at spaces
COLUMNS = (("date", False), ("type", False), ("cameo", False), ("actor", True), ("recipient", True),
           ("where", True), ("fact.", False), ("source", True), ("trigger", True))
# Below this width the short codes go in pairs, one above the other (date over factuality, type over CAMEO
# code), so that names and text keep room to wrap at word boundaries: at 80 columns each gets about 10.
STACK_BELOW = 110
# Terminal colours by quad class: verbal and material cooperation, verbal and material conflict.
QUAD_STYLES = {1: "green", 2: "bold green", 3: "yellow", 4: "bold red"}


def _side(entities: Sequence[Entity]) -> str:
    parts = []
    for e in entities:
        code = "".join(x for x in (e.country or "---", e.sector or "") if x)
        parts.append(f"{code} {e.name}")
    return "; ".join(parts) or "-"


def _date(e: Event) -> str:
    if not e.date:
        return "-"
    return e.date + PUBLISHED_MARK if e.to_dict()["date_source"] == "published" else e.date


def _cells(e: Event) -> dict[str, str]:
    return {"date": _date(e), "type": e.event_type, "cameo": e.cameo or "-", "actor": _side(e.actor),
            "recipient": _side(e.recipient), "where": e.location.name if e.location else "-",
            "fact.": e.factuality, "source": e.attribution.source if e.attribution else "-",
            "trigger": " ".join(e.event_text.split())}


def _layout(width: int) -> list[tuple[tuple[str, ...], bool]]:
    """The table's columns at this width: (the headers stacked in it, wraps)."""
    if width >= STACK_BELOW:
        return [((header,), wraps) for header, wraps in COLUMNS]
    pairs = {"date": "fact.", "type": "cameo"}
    below = set(pairs.values())
    return [((header, pairs[header]) if header in pairs else (header,), wraps)
            for header, wraps in COLUMNS if header not in below]


def _table(events: Sequence[Event], width: int) -> Table:
    layout = _layout(width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0),
                  header_style="bold", leading=1 if len(layout) < len(COLUMNS) else 0)
    for headers, wraps in layout:
        # fold only a word longer than its column
        table.add_column("\n".join(headers), overflow="fold", no_wrap=not wraps)
    for e in events:
        cells = _cells(e)
        table.add_row(*("\n".join(cells[h] for h in headers) for headers, _ in layout),
                      style=QUAD_STYLES.get(e.quad_class))
    return table


def format_table(events: Sequence[Event], *, width: int = PIPED_WIDTH, color: bool = False) -> str:
    """The table as text no wider than `width`, with a count line; ANSI colours only with `color`."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=color, color_system="auto" if color else None,
                      highlight=False, markup=False, emoji=False)
    console.print(_table(events, width))
    lines = [line.rstrip() for line in out.getvalue().splitlines()]  # rich pads every line to the width
    note = f"; {PUBLISHED_MARK} dated by publication: the text gives no date" if any(
        _date(e).endswith(PUBLISHED_MARK) for e in events) else ""
    return "\n".join([*lines, textwrap.fill(f"({len(events)} events{note})", width)])


def table_width(stream: TextIO) -> int:
    """$COLUMNS when set, else the terminal's width, else PIPED_WIDTH (a file or a pipe)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return shutil.get_terminal_size((PIPED_WIDTH, 24)).columns if stream.isatty() else PIPED_WIDTH


def print_table(events: Sequence[Event], stream: TextIO) -> None:
    """Write the table to `stream`: terminal width and colours on a terminal, PIPED_WIDTH plain text otherwise."""
    stream.write(format_table(events, width=table_width(stream), color=stream.isatty()) + "\n")
