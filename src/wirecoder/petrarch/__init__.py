"""PETRARCH-2 dictionaries in wirecoder: load, check and code with them (docs/petrarch.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .check import Problem, check_dictionaries
from .coder import Coding, Options, PetrarchCoder
from .dictionaries import Dictionaries, load_dictionaries

PACKAGED = ("validate", "phoenix")


def packaged_dictionaries(name: str) -> Path:
    """Folder of a dictionary set shipped with wirecoder: ``validate`` (PETRARCH-2's unit-test
    dictionaries) or ``phoenix`` (CAMEO.2.0 verbs with the Phoenix actors, agents, discards, issues)."""
    if name not in PACKAGED:
        raise ValueError(f"unknown packaged dictionary set {name!r}; choose one of {', '.join(PACKAGED)}")
    return Path(str(resources.files("wirecoder").joinpath("data", "petrarch", name)))


def load_packaged(name: str) -> Dictionaries:
    """A shipped set, loaded. The Phoenix files are PETRARCH-2's own, bad lines included: they are
    passed over (`Dictionaries.skipped`; `wirecoder dictionaries check` lists them)."""
    return load_dictionaries(packaged_dictionaries(name), strict=name == "validate")


__all__ = ["Coding", "Dictionaries", "Options", "PetrarchCoder", "Problem", "check_dictionaries",
           "load_dictionaries", "load_packaged", "packaged_dictionaries"]
