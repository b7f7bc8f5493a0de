"""What every source parser looks like.

A parser turns one file into :class:`~rag.core.types.Record` objects with provenance,
plus the issues it met. It must not touch storage: the caller writes the records
only when the whole file parsed, so a failed file leaves nothing behind.

Parsers get a :class:`Source`: the file already on disk (an upload is spooled to a
temporary file first), its hash and its size. Small kinds read it whole with
:meth:`Source.read_bytes`; large kinds (Apple Health XML, zips) stream it with
:meth:`Source.open` and report progress through :meth:`Source.advance`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from rag.core.errors import InvalidContent, TooLarge
from rag.core.settings import IngestSettings
from rag.core.types import ParseResult, sha256_bytes

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)

MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects a JSON source may have. FHIR resources nest a few
dozen levels at most; far deeper input only exhausts the parsers' recursion."""


def load_json(data: bytes | str, where: str) -> Any:
    """``json.loads`` for untrusted sources: nesting deeper than :data:`MAX_JSON_DEPTH` is
    :class:`InvalidContent` (``json_too_deep``), never a RecursionError in a later step.
    Malformed JSON still raises ``json.JSONDecodeError`` / ``UnicodeDecodeError``."""
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise _too_deep(where) from exc
    if json_depth(value) > MAX_JSON_DEPTH:
        raise _too_deep(where)
    return value


def _too_deep(where: str) -> InvalidContent:
    return InvalidContent(f"{where}: JSON nested more than {MAX_JSON_DEPTH} levels deep",
                          code="json_too_deep")


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node \
            if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:  # past the cap the answer is known: stop descending
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


@dataclass
class Source:
    """One file to ingest."""

    path: Path
    name: str  # the name the person gave the file (never used to pick the parser alone)
    file_hash: str
    size: int
    progress: Progress | None = field(default=None, repr=False)

    @classmethod
    def from_path(cls, path: Path, name: str | None = None, *,
                  progress: Progress | None = None) -> Source:
        import hashlib

        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return cls(path, name or path.name, digest.hexdigest(), path.stat().st_size, progress)

    def head(self, n: int = 8192) -> bytes:
        with self.path.open("rb") as fh:
            return fh.read(n)

    def read_bytes(self, cap: int | None = None) -> bytes:
        """The whole file; ``cap`` refuses files a non-streaming parser should not load."""
        if cap is not None and self.size > cap:
            raise TooLarge(f"{self.name}: {self.size} bytes is over the {cap}-byte cap")
        return self.path.read_bytes()

    def open(self) -> BinaryIO:
        return self.path.open("rb")

    def advance(self, done: int) -> None:
        if self.progress is not None:
            self.progress(done, self.size)


def source_from_bytes(data: bytes, name: str, directory: Path) -> Source:
    """Write ``data`` to a file under ``directory`` (tests, small uploads) and wrap it."""
    directory.mkdir(parents=True, exist_ok=True)
    digest = sha256_bytes(data)
    path = directory / f"{digest}.part"
    path.write_bytes(data)
    return Source(path, name, digest, len(data))


class Parser(Protocol):
    def __call__(self, source: Source, settings: IngestSettings) -> ParseResult:
        """Parse one file. Raises an :class:`~rag.core.errors.IngestError` if it can't be used."""
        ...
