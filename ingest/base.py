"""What every source parser looks like.

A parser turns the bytes of one file into :class:`~rag.types.Record` objects with
provenance, plus the issues it met. It must not touch storage: the caller writes
the records only when the whole file parsed, so a failed file leaves nothing behind.
"""

from __future__ import annotations

from typing import Protocol

from rag.types import ParseResult


class Parser(Protocol):
    def __call__(self, data: bytes, source_file: str) -> ParseResult:
        """Parse one file. Raises an :class:`~rag.errors.IngestError` if it can't be used."""
        ...
