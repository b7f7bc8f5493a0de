"""The reports a person can ask to have explained, newest first.

A **report** is what a lab or an imaging department sends back:

- a FHIR ``DiagnosticReport`` with its result Observations (a lipid panel, a CBC), or
  with report text when it is an imaging report (category RAD, CT, MR, US ...; a clinical
  note filed as a DiagnosticReport is not a result);
- an ingested lab document (PDF, scan, DOCX ...) holding lab rows (``ingest/labs.py``);
- an ingested radiology report (``ingest/radiology.py``: one record per section);
- lab results from one file and day that no report groups (C-CDA results, standalone
  FHIR Observations).

:func:`find_reports` lists them newest first by the date they carry (collection date,
report date), else the day they were ingested. :func:`latest_reports` is what "explain my
results" explains: the newest report, and when it is a lab report, the other lab reports
of the same day (one blood draw gives a lipid panel and a CBC). Vital signs, wellness data
and surveys are never results here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from indexes.facts import FactsStore, StoredRecord
from ingest.labs import extract_labs, find_report_date, parse_date
from ingest.radiology import is_radiology_report, split_report
from rag.answering.planner import TimeWindow
from rag.answering.trends import Point, dedupe, series_points
from rag.core.text import fold

Kind = Literal["lab", "imaging"]
RESULT_CATEGORIES_EXCLUDED = ("wellness", "vital-signs", "survey", "social-history", "exam",
                              "activity", "imaging")
# HL7 v2-0074 diagnostic service sections that are imaging, and imaging LOINC report codes
IMAGING_SECTIONS = frozenset({"RAD", "CT", "MR", "US", "NMR", "NMS", "XRC", "CUS", "RX",
                              "VUS", "OUS", "IMG", "MAM", "CTH"})
IMAGING_CODES = frozenset({"18748-4", "18726-0", "24627-2", "36643-5", "30746-2"})
_IMAGING_WORDS = re.compile(
    r"\b(?:x-?rays?|radiograph\w*|ct|cat scan|mri|ultrasound|sonogra\w*|echograph\w*|"
    r"mammogra\w*|imaging|radiolog\w*|scanner|irm|echographie|radiographi\w*|radio)\b")
_SECTION_TITLE = re.compile(r" — (Header|Indication|Comparison|Technique|Findings|Impression)$")
EXPLAINED_SECTIONS = ("findings", "impression")


@dataclass(frozen=True)
class Section:
    """A part of a report's text: which section, the record holding it and where."""

    name: str  # findings, impression, header, ... ("text" for an unstructured report)
    record: StoredRecord
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.record.text[self.start:self.end]


@dataclass(frozen=True)
class Report:
    kind: Kind
    title: str
    day: str | None  # ISO day the report carries (collection or report date), if any
    records: tuple[StoredRecord, ...]  # the report's own records, in order
    result_chunks: frozenset[str] = frozenset()  # chunks holding its lab results
    codes: tuple[str, ...] = ()  # the report's own codes (a DiagnosticReport's LOINC)
    order: tuple[str, ...] = ()  # result chunk ids in the order the report lists them
    ingested_at: float = 0.0

    @property
    def when(self) -> str:
        """The day it sorts by: its own date, else the day it was ingested."""
        if self.day:
            return self.day
        return dt.datetime.fromtimestamp(self.ingested_at, dt.UTC).date().isoformat()

    @property
    def sort_key(self) -> tuple[str, float]:
        return (self.when, self.ingested_at)


# ---------------------------------------------------------------- reading the vault


def _rows(facts: FactsStore, sql: str, keys: Sequence[str]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for i in range(0, len(keys), 500):
        part = list(keys[i:i + 500])
        marks = ",".join("?" * len(part))
        out.extend(tuple(r) for r in facts.read(sql.format(marks=marks), part))
    return out


def _lab_chunks(facts: FactsStore) -> dict[str, list[tuple[str, str | None]]]:
    """chunk id -> [(code, effective)] of every lab-like measurement."""
    excluded = ",".join("?" * len(RESULT_CATEGORIES_EXCLUDED))
    rows = facts.read(
        "SELECT r.chunk_id, m.code, m.effective FROM measurements m "
        "JOIN records r ON r.key = m.record_key "
        f"WHERE COALESCE(m.category, '') NOT IN ({excluded})", RESULT_CATEGORIES_EXCLUDED)
    out: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for chunk, code, effective in rows:
        out[chunk].append((code, effective))
    return out


def _ref_id(reference: str) -> str:
    for prefix in ("urn:uuid:", "urn:oid:"):
        if reference.startswith(prefix):
            return reference[len(prefix):]
    return reference.rsplit("/", 1)[-1]


def _codings(concept: object) -> list[dict[str, object]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def is_imaging_words(text: str) -> bool:
    """Whether ``text`` names imaging ("chest x-ray", "CT", "radio", "échographie")."""
    return bool(_IMAGING_WORDS.search(fold(text)))


def _is_imaging(raw: dict[str, Any], title: str) -> bool:
    categories = raw.get("category") or []
    sections = {str(c.get("code", "")).upper()
                for cat in (categories if isinstance(categories, list) else [])
                for c in _codings(cat)}
    codes = {str(c.get("code", "")) for c in _codings(raw.get("code"))}
    return bool(sections & IMAGING_SECTIONS or codes & IMAGING_CODES
                or _IMAGING_WORDS.search(fold(title)))


def _diagnostic_reports(facts: FactsStore, labs: dict[str, list[tuple[str, str | None]]],
                        ) -> list[Report]:
    items = facts.items("report")
    if not items:
        return []
    heads = facts.records_by_chunks(sorted({i.chunk_id for i in items}))
    observations = {rid: chunk for chunk, rid in facts.read(
        "SELECT chunk_id, resource_id FROM records WHERE resource_type = 'Observation'")}
    out: list[Report] = []
    for item in items:
        head = heads.get(item.chunk_id)
        if head is None or head.resource_type != "DiagnosticReport" or not head.raw:
            continue
        raw = head.raw
        refs = [r.get("reference") for r in raw.get("result") or [] if isinstance(r, dict)]
        chunks = [observations[_ref_id(r)] for r in refs
                  if isinstance(r, str) and _ref_id(r) in observations]
        chunks = [c for c in chunks if c in labs]
        codes = tuple(str(c.get("code")) for c in _codings(raw.get("code")) if c.get("code"))
        title = item.item.name
        parts = _report_records(facts, head)
        day = (item.item.date or "")[:10] or None
        if chunks:
            out.append(Report("lab", title, day, parts, frozenset(chunks), codes,
                              tuple(dict.fromkeys(chunks)), head.ingested_at))
        elif _is_imaging(raw, title) and _has_report_text(parts):
            out.append(Report("imaging", title, day, parts, codes=codes,
                              ingested_at=head.ingested_at))
    return out


def _report_records(facts: FactsStore, head: StoredRecord) -> tuple[StoredRecord, ...]:
    rows = facts.read("SELECT chunk_id FROM records WHERE resource_type = ? AND "
                      "resource_id = ? AND file_hash = ?",
                      (head.resource_type, head.resource_id, head.file_hash))
    recs = facts.records_by_chunks([r[0] for r in rows]) or {head.chunk_id: head}
    return tuple(sorted(recs.values(), key=lambda r: (len(r.key), r.key)))


def _has_report_text(records: Iterable[StoredRecord]) -> bool:
    return any(s.name != "header" for s in fhir_sections(records))


def _documents(facts: FactsStore, labs: dict[str, list[tuple[str, str | None]]],
               ) -> list[Report]:
    rows = facts.read("SELECT chunk_id, file_hash FROM records WHERE source_type = 'document'")
    by_file: dict[str, list[str]] = defaultdict(list)
    for chunk, file_hash in rows:
        by_file[file_hash].append(chunk)
    out: list[Report] = []
    for chunks in by_file.values():
        recs = facts.records_by_chunks(chunks)
        ordered = tuple(sorted(recs.values(), key=lambda r: (r.page or 0, r.span or (0, 0))))
        if not ordered:
            continue
        first = ordered[0]
        lab = [c for c in chunks if c in labs]
        if lab:
            days = sorted({(e or "")[:10] for c in lab for _, e in labs[c] if e})
            order = tuple(r.chunk_id for r in ordered if r.chunk_id in labs)
            out.append(Report("lab", first.source_file, days[-1] if days else None, ordered,
                              frozenset(lab), (), order, first.ingested_at))
            continue
        if any(_SECTION_TITLE.search(r.title) for r in ordered):
            text = "\n".join(r.text for r in ordered)
            title = _SECTION_TITLE.sub("", first.title)
            head = text[:400]
            day = find_report_date(text) or parse_date(head)
            out.append(Report("imaging", title, day, ordered, ingested_at=first.ingested_at))
    return out


def _loose_labs(facts: FactsStore, labs: dict[str, list[tuple[str, str | None]]],
                grouped: set[str]) -> list[Report]:
    """Lab results no report groups: one report per source file and day."""
    rest = [c for c in labs if c not in grouped]
    if not rest:
        return []
    recs = facts.records_by_chunks(rest)
    groups: dict[tuple[str, str], list[StoredRecord]] = defaultdict(list)
    for chunk, rec in recs.items():
        if rec.source_type == "document":
            continue
        for day in {(e or "")[:10] for _, e in labs[chunk] if e}:
            groups[(rec.file_hash, day)].append(rec)
    out: list[Report] = []
    for (_, day), members in groups.items():
        members.sort(key=lambda r: r.key)
        chunks = tuple(r.chunk_id for r in members)
        out.append(Report("lab", "", day, tuple(members), frozenset(chunks), (), chunks,
                          max(r.ingested_at for r in members)))
    return out


def find_reports(facts: FactsStore) -> list[Report]:
    """Every explainable report in the vault, newest first."""
    labs = _lab_chunks(facts)
    found = _diagnostic_reports(facts, labs)
    grouped = {c for r in found for c in r.result_chunks}
    documents = _documents(facts, labs)
    grouped |= {c for r in documents for c in r.result_chunks}
    found += documents + _loose_labs(facts, labs, grouped)
    return sorted(found, key=lambda r: r.sort_key, reverse=True)


def latest_reports(reports: Sequence[Report]) -> list[Report]:
    """The newest report, with the other lab reports of its day when it is a lab report."""
    if not reports:
        return []
    newest = reports[0]
    if newest.kind != "lab":
        return [newest]
    return [r for r in reports if r.kind == "lab" and r.when == newest.when]


def matching(reports: Sequence[Report], codes: Iterable[str], names: Iterable[str],
             ) -> list[Report]:
    """Reports with one of ``codes``, or whose title holds one of ``names``, newest first."""
    wanted = set(codes)
    folded = [fold(n) for n in names if n and len(n) >= 3]
    return [r for r in reports if wanted & set(r.codes)
            or any(n in fold(r.title) for n in folded)]


# ---------------------------------------------------------------- contents


def result_points(facts: FactsStore, report: Report) -> list[Point]:
    """The report's lab results, in the order it lists them (one per test)."""
    if not report.result_chunks:
        return []
    codes = sorted({code for (code,) in _rows(
        facts, "SELECT DISTINCT m.code FROM measurements m JOIN records r "
               "ON r.key = m.record_key WHERE r.chunk_id IN ({marks})",
        sorted(report.result_chunks))})
    found = [m for m in facts.measurements(codes=codes) if m.chunk_id in report.result_chunks]
    records = facts.records_by_chunks(sorted({m.chunk_id for m in found}))
    pts = [p for p in series_points(found, records, TimeWindow(), False)
           if p.value is not None or p.text]
    if report.day and report.kind == "lab":
        same_day = [p for p in pts if p.day == report.day]
        pts = same_day or pts
    rank = {c: i for i, c in enumerate(report.order)}
    rows = {(rec.chunk_id, r.loinc): r.start for rec in records.values()
            if rec.source_type == "document" for r in extract_labs(rec.text)}
    pts = dedupe(pts)
    pts.sort(key=lambda p: (rank.get(p.record.chunk_id, len(rank)), p.record.chunk_id,
                            rows.get((p.record.chunk_id, p.code or ""), 0)))
    return pts


def fhir_sections(records: Iterable[StoredRecord]) -> list[Section]:
    """Sections of report text in FHIR records; the generated "Report: ..." line is the
    header, never explained."""
    out: list[Section] = []
    for rec in records:
        text = rec.text
        offset = 0
        if text.startswith("Report:"):
            cut = text.find("\n")
            if cut < 0:  # no report text: the conclusion, when there is one, is the impression
                m = re.search(r"\. Conclusion: (.+?)\.?$", text)
                if m:
                    out.append(Section("impression", rec, m.start(1), m.end(1)))
                continue
            offset = cut + 1
        elif rec.resource_type == "DiagnosticReport" and ": " in text[:200]:
            # a later part: "Report: X (part 2): ..." carries its title first
            m = re.match(r"Report: [^\n]*?\(part \d+\): ", text)
            offset = m.end() if m else 0
        body = text[offset:]
        parts = split_report(body) if is_radiology_report(body) else [("text", 0, len(body))]
        out.extend(Section(name, rec, offset + a, offset + b) for name, a, b in parts)
    return out


def report_sections(report: Report) -> list[Section]:
    """The sections of an imaging report that an explanation goes through: findings and
    impression when it has them, else all of its text but the header."""
    if any(r.source_type == "document" for r in report.records):
        secs = []
        for rec in report.records:
            m = _SECTION_TITLE.search(rec.title)
            name = m.group(1).lower() if m else "text"
            secs.append(Section(name, rec, 0, len(rec.text)))
    else:
        secs = fhir_sections(report.records)
    chosen = [s for s in secs if s.name in EXPLAINED_SECTIONS]
    return chosen or [s for s in secs if s.name not in {"header", "indication", "comparison",
                                                       "technique"}]


__all__ = ["Report", "Section", "find_reports", "is_imaging_words", "latest_reports", "matching",
           "report_sections", "result_points"]
