"""Specific exception types. Each carries a code and, where useful, a next step.

The CLI turns them into one-line messages on stderr; library code only raises them.
"""

from __future__ import annotations


class WirecoderError(Exception):
    """Base class. `code` is stable and documented in docs/errors.md."""

    code = "W000"

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = f"{self.source}:{self.line}: " if self.line else f"{self.source}: "
        tail = f" ({self.hint})" if self.hint else ""
        return f"[{self.code}] {where}{self.message}{tail}"


class InputError(WirecoderError):
    """An input document cannot be read or is not an article."""

    code = "W100"


class DataFileError(WirecoderError):
    """A knowledge or lexicon data file is malformed (names the file and line)."""

    code = "W200"


class ModelError(WirecoderError):
    """The NLP model is missing or incompatible."""

    code = "W300"


class StoreError(WirecoderError):
    """The event store cannot be opened or written."""

    code = "W400"


class StoreBusyError(StoreError):
    """Another process holds the store's file lock."""

    code = "W401"


class StoreDamagedError(StoreError):
    """The store file is not a readable DuckDB database or a table in it cannot be read."""

    code = "W402"


class StoreReadOnlyError(StoreError):
    """The store (or its folder) cannot be written: permissions or a read-only file system."""

    code = "W403"


class StoreFullError(StoreError):
    """The disk holding the store or the temporary folder is full."""

    code = "W404"
