"""Report boilerplate: what a lab or radiology report prints that is not about the person.

Copyright lines, addresses, phone and fax numbers, page furniture ("Page 1 of 3",
"Seq # 0000"), lab director and CLIA lines, confidentiality notices and "electronically
signed" lines are part of the page, so they are part of the chunk a citation quotes. They
are never quoted: an answer citing a LabCorp PDF quotes its result rows, not its
"©2004-16 Laboratory Corporation of America" line.

The patterns are data (``lexicon/boilerplate.yaml``), one rule per kind, each tested. Two
uses:

- :func:`is_boilerplate` tells a composer that a sentence or line may not be quoted
  (``rag.answering.compose`` filters its candidates with it);
- :func:`document_quote` is the default quote of a document record: its lab result rows
  when it has any (the values and ranges a sentence cites), else its text without the
  boilerplate lines around it. ``CitationBuilder.record`` uses it when no quote is given.

This module imports nothing of the answer pipeline, so ``rag.answering`` may import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from indexes.facts import StoredRecord
from ingest.labs import extract_labs

DATA = Path(__file__).resolve().parent / "lexicon" / "boilerplate.yaml"
_DASHES = str.maketrans({"−": "-", "–": "-", "—": "-", "\u00a0": " ", "\u2009": " "})


@dataclass(frozen=True)
class Rule:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    whole: bool = False  # the pattern must cover the whole line

    def matches(self, text: str) -> bool:
        if self.whole:
            return any(p.fullmatch(text) for p in self.patterns)
        return any(p.search(text) for p in self.patterns)


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    """The rules of ``lexicon/boilerplate.yaml``, compiled once."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    out: list[Rule] = []
    for raw in data["rules"]:
        flags = 0 if raw.get("case_sensitive") else re.IGNORECASE
        out.append(Rule(str(raw["name"]),
                        tuple(re.compile(p, flags | re.MULTILINE) for p in raw["patterns"]),
                        bool(raw.get("whole", False))))
    return tuple(out)


def _normal(text: str) -> str:
    return " ".join(text.translate(_DASHES).split())


def boilerplate_rule(text: str) -> str | None:
    """The name of the first rule ``text`` (a line or a sentence) matches, or None."""
    line = _normal(text)
    if not line:
        return None
    return next((r.name for r in rules() if r.matches(line)), None)


def is_boilerplate(text: str) -> bool:
    """Whether ``text`` is report boilerplate, never to be quoted. Text of several lines
    is boilerplate when any of its lines is."""
    return any(boilerplate_rule(line) for line in text.splitlines() if line.strip())


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group(0).strip()]


def content_runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of consecutive lines that are not boilerplate."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    for a, b in [*_lines(text), (-1, -1)]:
        good = a >= 0 and boilerplate_rule(text[a:b]) is None
        if good:
            start = a if start is None else start
            end = b
        elif start is not None:
            runs.append((start, end))
            start = None
    return runs


def lab_rows(text: str) -> tuple[int, int] | None:
    """(start, end) of the block of lab result rows in ``text`` (with the interval lines
    printed under a row), as ``ingest.labs`` reads them; None without rows."""
    found = extract_labs(text)
    if not found:
        return None
    return min(r.start for r in found), max(r.end for r in found)


def document_quote(rec: StoredRecord) -> str:
    """What a citation of a document record quotes by default: its lab rows, else its
    longest run of lines free of boilerplate, else (a chunk of boilerplate alone, which
    no composer quotes for content) its text. Always an exact part of ``rec.text``."""
    rows = lab_rows(rec.text)
    if rows is not None:
        a, b = rows
        return rec.text[a:b].strip()
    runs = content_runs(rec.text)
    if not runs:
        return rec.text
    a, b = max(runs, key=lambda r: (r[1] - r[0], -r[0]))
    return rec.text[a:b].strip()


def default_quote(rec: StoredRecord) -> str:
    """The default quote of a record: :func:`document_quote` for documents, the whole
    text (generated from coded fields) for FHIR, C-CDA and wellness records."""
    return document_quote(rec) if rec.source_type == "document" else rec.text


__all__ = ["boilerplate_rule", "content_runs", "default_quote", "document_quote",
           "is_boilerplate", "lab_rows", "rules"]
