"""Gold-standard records for evaluation (the conformance JSONL schema, conformance/README.upstream.md).

Gold events of any scheme become `GoldEvent` with a PLOVER type: CAMEO through the CAMEO->PLOVER table,
other schemes through data/scheme2plover.tsv.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

from .dates import MONTHS
from .errors import DataFileError, InputError
from .kb import parse_code, plover_country
from .ontology import plover_for

MAPPING_FILE = "scheme2plover.tsv"
NO_TYPE = "-"


@dataclass(frozen=True)
class GoldParty:
    text: str | None
    country: str | None
    sector: str | None


@dataclass(frozen=True)
class GoldEvent:
    code: str
    scheme: str
    event_type: str | None  # PLOVER type; None when the scheme's type has no PLOVER counterpart
    cameo: str | None
    actor: tuple[GoldParty, ...]
    recipient: tuple[GoldParty, ...]
    location: tuple[str, ...]
    date: str | None
    sentence: str | None
    trigger: str | None
    reciprocal: bool = False  # the gold lists A->B and B->A for one event
    date_end: str | None = None  # a gold date range ("11 NOV 89 - 12 NOV 89") ends here; None: one day
    parties_annotated: bool = True  # False when the gold gives no actors at all (CAMEO codebook)


@dataclass(frozen=True)
class GoldRecord:
    id: str
    dataset: str
    text: str
    published: date | None
    events: tuple[GoldEvent, ...]
    document_level: bool  # events are document templates, not per-sentence codings
    category: str | None
    line: int


@functools.lru_cache(maxsize=1)
def scheme_table() -> dict[str, list[tuple[str, str | None]]]:
    """scheme -> [(code prefix, PLOVER type or None)], longest prefix first."""
    text = resources.files("wirecoder").joinpath("data", MAPPING_FILE).read_text(encoding="utf-8")
    table: dict[str, list[tuple[str, str | None]]] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3:
            raise DataFileError("expected scheme<TAB>prefix<TAB>type", source=MAPPING_FILE, line=line_no)
        table.setdefault(cols[0], []).append((cols[1], None if cols[2] == NO_TYPE else cols[2]))
    for rows in table.values():
        rows.sort(key=lambda r: -len(r[0]))
    return table


def plover_type(scheme: str, code: str) -> str | None:
    if scheme == "CAMEO":
        mapping = plover_for(code)
        return mapping.event_type if mapping else None
    if scheme == "PLOVER":
        return plover_type_name(code)
    code = code.split("/")[0].strip()
    for prefix, event_type in scheme_table().get(scheme, []):
        if code.startswith(prefix):
            return event_type
    return None


def plover_type_name(name: str) -> str | None:
    """A PLOVER type from its 0.8 name or an older draft name ("DEMAND", "fight", "Disapprove")."""
    key = "-".join(name.strip().upper().replace("_", " ").split())
    return next((t for prefix, t in scheme_table().get("PLOVER", []) if prefix == key), None)


def _party(obj: dict) -> GoldParty:
    code = obj.get("code")
    country = sector = None
    if code and code != "---":
        parsed = parse_code(code)
        if parsed is not None:
            country, sector = plover_country(parsed[0], code), parsed[1]
        else:
            country = plover_country(code[:3])
    elif code == "---":
        sector = None
    return GoldParty(obj.get("text"), country, sector)


# "- 02 NOV 89" in MUC keys: on or before that day; scored as the preceding month up to it.
OPEN_RANGE_DAYS = 30


def _one_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    parts = text.upper().replace(",", " ").split()
    month = MONTHS.get(parts[1][:3].lower()) if len(parts) == 3 else None
    if month and parts[0].isdigit() and parts[2].isdigit():
        year = int(parts[2])
        year += 1900 if year < 100 and year >= 30 else (2000 if year < 100 else 0)
        try:
            return date(year, month, int(parts[0]))
        except ValueError:
            return None
    return None


def parse_gold_date(value) -> tuple[date, date] | None:
    """A gold event date as a (first, last) day range: ISO dates, MUC keys ("25 AUG 88"), ranges
    ("11 NOV 89 - 12 NOV 89") and open ranges ("- 02 NOV 89": on or before)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("-"):
        end = _one_date(text[1:])
        return (end - timedelta(days=OPEN_RANGE_DAYS), end) if end else None
    if " - " in text:
        first, _, last = text.partition(" - ")
        start, end = _one_date(first), _one_date(last)
        if start and end:
            return (start, end) if start <= end else (end, start)
        return None
    day = _one_date(text)
    return (day, day) if day else None


def _event(obj: dict) -> GoldEvent:
    code = str(obj.get("code") or obj.get("event_type") or obj.get("type") or obj.get("plover_0_8") or "")
    scheme = obj.get("scheme") or ("CAMEO" if code.isdigit() or not code else "PLOVER")
    locations = tuple(str(loc.get("text")) for loc in (obj.get("location") or []) if loc.get("text"))
    trigger = obj.get("trigger") or {}
    span = parse_gold_date(obj.get("event_date"))
    return GoldEvent(
        code=code, scheme=scheme, event_type=plover_type(scheme, code) if code else None,
        cameo=code if scheme == "CAMEO" else None,
        actor=tuple(_party(p) for p in obj.get("source_actor") or []),
        recipient=tuple(_party(p) for p in obj.get("target_actor") or []),
        location=locations, date=span[0].isoformat() if span else None,
        date_end=span[1].isoformat() if span and span[1] != span[0] else None, sentence=obj.get("sentence"),
        trigger=trigger.get("text") if isinstance(trigger, dict) else None,
        parties_annotated=obj.get("source_actor") is not None or obj.get("target_actor") is not None,
    )


def _fold_reciprocal(events: list[GoldEvent]) -> tuple[GoldEvent, ...]:
    """A->B and B->A with the same code become one reciprocal event (PETRARCH codes both directions)."""
    out: list[GoldEvent] = []
    for e in events:
        twin = next((o for o in out if o.code == e.code and o.actor == e.recipient and o.recipient == e.actor
                     and o.actor != o.recipient), None)
        if twin is not None:
            out[out.index(twin)] = GoldEvent(**{**twin.__dict__, "reciprocal": True})
        else:
            out.append(e)
    return tuple(out)


def _fold_compound(events: tuple[GoldEvent, ...]) -> tuple[GoldEvent, ...]:
    """PETRARCH splits "US and British activists protested" into one event per actor; wirecoder keeps one
    event with a compound actor. Events with the same code and one side in common are joined."""
    out: list[GoldEvent] = []
    for e in events:
        for idx, o in enumerate(out):
            if o.code != e.code or o.reciprocal or e.reciprocal:
                continue
            if o.recipient == e.recipient and o.actor != e.actor:
                out[idx] = GoldEvent(**{**o.__dict__, "actor": o.actor + tuple(a for a in e.actor if a not in o.actor)})
                break
            if o.actor == e.actor and o.recipient != e.recipient:
                extra = tuple(r for r in e.recipient if r not in o.recipient)
                out[idx] = GoldEvent(**{**o.__dict__, "recipient": o.recipient + extra})
                break
        else:
            out.append(e)
    return tuple(out)


def read_gold(path: str | Path) -> Iterator[GoldRecord]:
    """Records of a gold JSONL file; a malformed line raises InputError naming the line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot open gold file: {exc.strerror}", source=str(path)) from exc
    with handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                events = [_event(e) for e in obj.get("events") or []]
                meta = obj.get("meta") or {}
                text = obj["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"bad gold record: {exc}", source=str(path), line=line_no) from exc
            yield GoldRecord(
                id=str(obj.get("id", line_no)), dataset=str(obj.get("dataset", path.stem)), text=text,
                published=date.fromisoformat(obj["date"]) if obj.get("date") else None,
                events=_fold_compound(_fold_reciprocal(events)),
                document_level=any(e.scheme in ("KAIROS", "MUC-4") for e in events)
                or obj.get("dataset") in ("wikievents", "muc4"),
                category=meta.get("category"), line=line_no,
            )
