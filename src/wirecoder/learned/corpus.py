"""Labelled sentences for training and measuring the learned detector (docs/training.md).

Two line formats are read, one JSON object per line:

* the training form: ``{"id", "text", "events": [{"type", "mode", "cameo", "trigger", "actor", "recipient",
  "factuality", "source"}], "negative"}``, spans given as exact substrings of ``text`` (``trigger_nth`` etc.
  pick a later occurrence) or as ``[start, end]`` character offsets;
* the conformance form (``conformance/README.upstream.md``): ``{"id", "text", "events": [{"code", "scheme"}]}``,
  typed through the CAMEO->PLOVER table; such events carry no trigger span.

Every problem raises `DataFileError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataFileError
from ..gold import plover_type, plover_type_name
from ..schema import PLOVER_TYPES

SPAN_FIELDS = ("trigger", "actor", "recipient", "source")
FACTUALITY = ("asserted", "negated", "hypothetical", "intended", "proposed")
# Share of records held out as the dev split, chosen by a hash of the record id (stable across runs).
DEV_PERCENT = 15


@dataclass(frozen=True)
class LabelledEvent:
    event_type: str
    mode: str | None = None
    cameo: str | None = None
    trigger: tuple[int, int] | None = None
    actor: tuple[int, int] | None = None
    recipient: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    factuality: str = "asserted"


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    text: str
    events: tuple[LabelledEvent, ...]
    negative: str | None = None
    meta: dict = field(default_factory=dict, compare=False)
    origin: str = ""  # file:line

    @property
    def split(self) -> str:
        digest = hashlib.sha1(self.id.encode("utf-8")).digest()
        return "dev" if digest[0] * 100 // 256 < DEV_PERCENT else "train"


def _span(value, nth, text: str, name: str, where: tuple[str, int]) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        start, end = value
        if not 0 <= start < end <= len(text):
            raise DataFileError(f"{name} offsets {value} fall outside the text", source=where[0], line=where[1])
        return start, end
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(f"{name} must be a substring of text or [start, end]", source=where[0], line=where[1])
    if nth is not None and (not isinstance(nth, int) or nth < 1):
        raise DataFileError(f"{name}_nth must be a positive integer", source=where[0], line=where[1])
    start = -1
    for _ in range(nth or 1):
        start = text.find(value, start + 1)
        if start < 0:
            raise DataFileError(f"{name} {value!r} does not occur {nth or 1} time(s) in text",
                                source=where[0], line=where[1])
    return start, start + len(value)


def _event(obj, text: str, where: tuple[str, int]) -> LabelledEvent:
    if not isinstance(obj, dict):
        raise DataFileError("each event must be an object", source=where[0], line=where[1])
    if "type" not in obj and "code" in obj:
        # conformance form: a coded event without spans
        scheme = obj.get("scheme") or "CAMEO"
        code = str(obj.get("code") or "")
        event_type = plover_type(scheme, code) if code else None
        if event_type is None:
            raise DataFileError(f"event code {code!r} ({scheme}) has no PLOVER type", source=where[0],
                                line=where[1])
        return LabelledEvent(event_type, cameo=code if scheme == "CAMEO" else None)
    raw_type = obj.get("type")
    event_type = plover_type_name(raw_type) if isinstance(raw_type, str) else None
    if event_type is None:
        raise DataFileError(f"unknown event type {raw_type!r}; expected one of {', '.join(PLOVER_TYPES)}",
                            source=where[0], line=where[1])
    factuality = obj.get("factuality") or "asserted"
    if factuality not in FACTUALITY:
        raise DataFileError(f"factuality {factuality!r} is not one of {', '.join(FACTUALITY)}",
                            source=where[0], line=where[1])
    cameo = obj.get("cameo")
    if cameo is not None and not (isinstance(cameo, str) and cameo.isdigit() and 2 <= len(cameo) <= 4):
        raise DataFileError(f"cameo {cameo!r} is not a 2-4 digit code string", source=where[0], line=where[1])
    mode = obj.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise DataFileError("mode must be a string or null", source=where[0], line=where[1])
    spans = {name: _span(obj.get(name), obj.get(f"{name}_nth"), text, name, where) for name in SPAN_FIELDS}
    return LabelledEvent(event_type, mode=mode, cameo=cameo, factuality=factuality, **spans)


def parse_record(line: str, where: tuple[str, int]) -> LabelledSentence:
    try:
        obj = json.loads(line)
    except ValueError as exc:
        raise DataFileError(f"not valid JSON: {exc}", source=where[0], line=where[1]) from exc
    if not isinstance(obj, dict):
        raise DataFileError("each line must be a JSON object", source=where[0], line=where[1])
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DataFileError("text must be a non-empty string", source=where[0], line=where[1])
    events = obj.get("events")
    if events is None:
        events = []
    if not isinstance(events, list):
        raise DataFileError("events must be a list", source=where[0], line=where[1])
    meta = {k: obj[k] for k in ("style", "region", "provenance") if k in obj}
    return LabelledSentence(
        id=str(obj.get("id") or f"{Path(where[0]).stem}:{where[1]}"), text=text,
        events=tuple(_event(e, text, where) for e in events), negative=obj.get("negative"), meta=meta,
        origin=f"{where[0]}:{where[1]}",
    )


def read_labelled(paths: Iterable[str | Path]) -> Iterator[LabelledSentence]:
    """Records of labelled JSONL files (or folders of them), in order; ids must be unique."""
    seen: dict[str, str] = {}
    for path in _files(paths):
        try:
            handle = path.open(encoding="utf-8")
        except OSError as exc:
            raise DataFileError(f"cannot open: {exc.strerror}", source=str(path)) from exc
        with handle:
            try:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    record = parse_record(line, (str(path), number))
                    if record.id in seen:
                        raise DataFileError(f"duplicate id {record.id!r} (first at {seen[record.id]})",
                                            source=str(path), line=number)
                    seen[record.id] = record.origin
                    yield record
            except UnicodeDecodeError as exc:
                raise DataFileError("not UTF-8 text", source=str(path)) from exc


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.jsonl")))
        elif p.exists():
            out.append(p)
        else:
            raise DataFileError("no such file or folder", source=str(p))
    if not out:
        raise DataFileError("no labelled .jsonl files found", source=", ".join(map(str, paths)))
    return out
