"""CAMEO codes (names, Goldstein scores) and the CAMEO -> PLOVER mapping, loaded from packaged data."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

from .errors import DataFileError
from .schema import PLOVER_TYPES

# PLOVER type -> quad class (1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict),
# used when no CAMEO code is known.
PLOVER_QUAD = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "REQUEST": 1,
    "CONCEDE": 2, "COOPERATE": 2, "AID": 2, "RETREAT": 2,
    "ACCUSE": 3, "REJECT": 3, "THREATEN": 3, "PROTEST": 3,
    "SANCTION": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}


@dataclass(frozen=True)
class CameoCode:
    code: str
    name: str
    root: str
    goldstein: float


@dataclass(frozen=True)
class PloverMapping:
    event_type: str
    mode: str | None
    context: tuple[str, ...]


def _data_text(name: str) -> str:
    return resources.files("wirecoder").joinpath("data", name).read_text(encoding="utf-8")


def event_type_of(cameo: str | None) -> str | None:
    """The PLOVER type of a CAMEO code, or None (no code, or a code PLOVER drops such as statements)."""
    mapping = plover_for(cameo) if cameo else None
    return mapping.event_type if mapping else None


def quad_class_of(cameo: str) -> int:
    """Standard CAMEO quad class from the root code."""
    root = int(cameo[:2])
    if root <= 5:
        return 1
    if root <= 8:
        return 2
    if root <= 13:
        return 3
    return 4


@functools.lru_cache(maxsize=1)
def cameo_codes() -> dict[str, CameoCode]:
    name = "cameo_codes.csv"
    codes: dict[str, CameoCode] = {}
    reader = csv.DictReader(io.StringIO(_data_text(name)))
    for line, row in enumerate(reader, start=2):
        try:
            codes[row["code"]] = CameoCode(row["code"], row["name"], row["root_code"], float(row["goldstein"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise DataFileError(f"bad CAMEO row: {exc}", source=name, line=line) from exc
    return codes


_TABLE_LINE = re.compile(r"^(?P<code>\d{2,4}):\s*(?P<body>[^#]*)")


def _parse_table(name: str, text: str) -> dict[str, PloverMapping]:
    out: dict[str, PloverMapping] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#") or set(line.strip()) == {"~"}:
            continue
        m = _TABLE_LINE.match(line)
        if not m:
            raise DataFileError(f"cannot parse mapping line {line!r}", source=name, line=line_no)
        parts = [p.strip() for p in m.group("body").split(",")]
        event_type = parts[0]
        if event_type not in PLOVER_TYPES:
            raise DataFileError(f"unknown PLOVER type {event_type!r}", source=name, line=line_no)
        mode = parts[1] if len(parts) > 1 and parts[1] else None
        context = tuple(c.strip() for c in parts[2].split(";") if c.strip()) if len(parts) > 2 else ()
        out.setdefault(m.group("code"), PloverMapping(event_type, mode, context))
    return out


def _parse_supplement(name: str, text: str) -> dict[str, PloverMapping]:
    out: dict[str, PloverMapping] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 2 or cols[1] not in PLOVER_TYPES:
            raise DataFileError(f"expected CAMEO<TAB>PLOVER_TYPE..., got {line!r}", source=name, line=line_no)
        mode = cols[2].strip() or None if len(cols) > 2 else None
        context = (cols[3].strip(),) if len(cols) > 3 and cols[3].strip() else ()
        out[cols[0].strip()] = PloverMapping(cols[1], mode, context)
    return out


@functools.lru_cache(maxsize=1)
def cameo_to_plover_table() -> dict[str, PloverMapping]:
    table = _parse_table("CAMEO2PLOVER-2021.txt", _data_text("CAMEO2PLOVER-2021.txt"))
    supplement = _parse_supplement("cameo2plover_supplement.tsv", _data_text("cameo2plover_supplement.tsv"))
    overrides = _parse_supplement("cameo2plover_overrides.tsv", _data_text("cameo2plover_overrides.tsv"))
    return {**supplement, **table, **overrides}


def plover_for(cameo: str) -> PloverMapping | None:
    """PLOVER type/mode/context for a CAMEO code, falling back to its parent codes."""
    table = cameo_to_plover_table()
    code = cameo
    while code:
        if code in table:
            return table[code]
        code = code[:-1] if len(code) > 2 else ""
    return None


def goldstein(cameo: str) -> float:
    codes = cameo_codes()
    code = cameo
    while code:
        if code in codes:
            return codes[code].goldstein
        code = code[:-1]
    return 0.0


# The CAMEO code an event of a PLOVER type gets when nothing more specific is known (a learned event
# whose trigger word has no lexicon row or training example of that type).
DEFAULT_CAMEO = {
    "AGREE": "030", "CONSULT": "040", "SUPPORT": "050", "CONCEDE": "080", "COOPERATE": "060", "AID": "070",
    "RETREAT": "087", "REQUEST": "100", "ACCUSE": "110", "REJECT": "120", "THREATEN": "130", "PROTEST": "140",
    "SANCTION": "160", "MOBILIZE": "150", "COERCE": "170", "ASSAULT": "190",
}
