"""FHIR bulk data (``$export``) NDJSON: one resource per line, often one type per file.

Exports can be far larger than memory, so the file is streamed line by line and
each line goes through the same builders as :func:`ingest.fhir.parse_fhir`
(:class:`ingest.fhir.ResourceStream`). A bad line is an issue naming its line
number; the others still go in. A file where no line is a FHIR resource is refused.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, BinaryIO

from ingest.base import MAX_JSON_DEPTH, Source, load_json
from ingest.fhir import ResourceStream
from rag.core.errors import EmptyInput, InvalidContent
from rag.core.settings import IngestSettings
from rag.core.types import ParseIssue, ParseResult

BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 1 << 20  # report progress about once per MiB read
MAX_ISSUES = 1000  # issues kept per file; the rest are counted in one closing issue
MAX_LINE_BYTES = 64 << 20  # one resource per line: longer lines are refused, not buffered
GIVE_UP_AFTER = 100  # leading non-empty lines that are not FHIR before the file is refused


def is_ndjson(head: bytes) -> bool:
    """True when the first non-empty line is a whole FHIR resource and a second line
    starts with ``{``. A single JSON object (even on one line) stays with the FHIR parser;
    a first line longer than ``head`` cannot be told apart and is not claimed."""
    lines = head.removeprefix(BOM).split(b"\n")
    lines = [line.strip() for line in lines]
    filled = [n for n, line in enumerate(lines) if line]
    if len(filled) < 2 or filled[0] == len(lines) - 1:
        return False
    first, _ = _decode(lines[filled[0]])
    return first is not None and lines[filled[1]].startswith(b"{")


def _decode(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """(resource, None) or (None, why the line is not a resource)."""
    try:
        value = load_json(line, "line")
    except InvalidContent:
        return None, f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__}, not a FHIR resource"
    if not isinstance(value.get("resourceType"), str):
        return None, "JSON without a FHIR resourceType"
    return value, None


class _Lines:
    """Counts what one file yields: resources read, lines refused, issues kept."""

    def __init__(self, source: Source, result: ParseResult) -> None:
        self.source = source
        self.result = result
        self.resources = 0
        self.bad = 0
        self.dropped = 0

    def issue(self, n: int, reason: str) -> None:
        self.add(ParseIssue(self.source.name, f"line {n}: {reason}"))

    def add(self, issue: ParseIssue) -> None:
        if len(self.result.issues) < MAX_ISSUES:
            self.result.issues.append(issue)
        else:
            self.dropped += 1


def parse_ndjson(source: Source, settings: IngestSettings) -> ParseResult:
    """Parse one NDJSON file of FHIR resources, streaming; see the module docstring."""
    result = ParseResult()
    stream = ResourceStream(source.name, source.file_hash, chunk_chars=settings.chunk_chars)
    lines = _Lines(source, result)
    done = reported = 0
    with source.open() as fh:
        for n, raw in enumerate(iter(lambda: fh.readline(MAX_LINE_BYTES + 1), b""), start=1):
            done += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                done += _skip_rest_of_line(fh)
                lines.bad += 1
                lines.issue(n, f"longer than {MAX_LINE_BYTES} bytes; not read")
                continue
            line = (raw.removeprefix(BOM) if n == 1 else raw).strip()
            if line:
                _line(n, line, stream, lines)
            if lines.resources == 0 and lines.bad >= GIVE_UP_AFTER:
                raise InvalidContent(
                    f"{source.name}: the first {GIVE_UP_AFTER} lines hold no FHIR resource "
                    f"({result.issues[0].reason})"
                )
            if done - reported >= PROGRESS_EVERY:
                source.advance(done)
                reported = done
    source.advance(done)
    if lines.dropped:
        result.issues.append(
            ParseIssue(source.name, f"{lines.dropped} more lines with problems not listed")
        )
    if lines.resources == 0:
        if lines.bad == 0:
            raise EmptyInput(f"{source.name}: the file is empty")
        raise InvalidContent(
            f"{source.name}: no line is a FHIR resource ({result.issues[0].reason})"
        )
    if not result.records and not result.skipped and result.issues:
        reasons = "; ".join(i.reason for i in result.issues[:3])
        raise InvalidContent(f"{source.name}: no valid FHIR resource ({reasons})")
    return result


def _skip_rest_of_line(fh: BinaryIO) -> int:
    skipped = 0
    while True:
        block = fh.readline(1 << 20)
        skipped += len(block)
        if not block or block.endswith(b"\n"):
            return skipped


def _line(n: int, line: bytes, stream: ResourceStream, lines: _Lines) -> None:
    resource, reason = _decode(line)
    if resource is None:
        lines.bad += 1
        lines.issue(n, reason or "not a FHIR resource")
        return
    lines.resources += 1
    entries: list[tuple[dict[str, Any], str | None]] = [(resource, None)]
    if resource["resourceType"] == "Bundle":  # not $export output, but cheap to accept
        entries = []
        for entry in resource.get("entry") or []:
            inner = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(inner, dict) and isinstance(inner.get("resourceType"), str):
                url = str(entry.get("fullUrl") or "")
                fallback = url.removeprefix("urn:uuid:") if url.startswith("urn:uuid:") else None
                entries.append((inner, fallback))
            else:
                lines.issue(n, "a Bundle entry without a resource")
    scratch = ParseResult()
    for res, fallback in entries:
        stream.parse(res, scratch, fallback)
    lines.result.records.extend(scratch.records)
    lines.result.skipped += scratch.skipped
    for issue in scratch.issues:
        lines.add(dataclasses.replace(issue, reason=f"line {n}: {issue.reason}"))
