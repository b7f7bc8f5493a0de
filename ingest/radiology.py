"""Radiology reports split into their sections.

Radiologists write to a fixed skeleton: why the study was done (indication or
history), what it is compared with, how it was done, what was seen (findings) and
the conclusion (impression). Patients ask about the impression most, so each
section becomes its own record, titled e.g. "Chest X-ray report — Impression", and
a citation quotes the section rather than a page cut at an arbitrary length.

A heading counts only at the start of a line (``IMPRESSION:``, ``Impression:``, or
the word alone on its line), so "impression" inside a sentence of a discharge
summary does not split anything.
"""

from __future__ import annotations

import itertools
import re

SECTIONS: dict[str, str] = {
    # printed heading (lower case) -> canonical section
    "indication": "indication", "indications": "indication",
    "clinical indication": "indication", "history": "indication",
    "clinical history": "indication", "reason for exam": "indication",
    "reason for examination": "indication", "reason for study": "indication",
    "clinical information": "indication",
    "comparison": "comparison", "comparisons": "comparison", "prior studies": "comparison",
    "technique": "technique", "procedure": "technique", "examination": "technique",
    "findings": "findings", "finding": "findings", "report": "findings",
    "impression": "impression", "impressions": "impression", "conclusion": "impression",
    "conclusions": "impression", "summary": "impression",
}
_ORDERED = sorted(SECTIONS, key=len, reverse=True)
# "HEADING:" anywhere at a line start, or an upper-case "HEADING" alone on its line.
_HEADING = re.compile(
    r"^[ \t]*(?:(?P<colon>" + "|".join(re.escape(h) for h in _ORDERED) + r")[ \t]*:"
    r"|(?P<alone>" + "|".join(re.escape(h.upper()) for h in _ORDERED) + r")[ \t]*$)",
    re.IGNORECASE | re.MULTILINE,
)
_CORE = frozenset({"comparison", "technique", "findings", "impression"})

_MODALITIES: tuple[tuple[str, str], ...] = (
    (r"\b(?:ct|cat scan|computed tomography)\b", "CT"),
    (r"\b(?:mri|magnetic resonance)\b", "MRI"),
    (r"\b(?:ultrasound|sonograph\w*|doppler|echograph\w*)\b", "Ultrasound"),
    (r"\bmammogra\w*\b", "Mammography"),
    (r"\b(?:x-?rays?|xr|radiograph\w*|cxr|\d\s*v|\d\s*views?|two\s*(?:\(2\)\s*)?views?"
     r"|(?:pa|ap|frontal)\s*(?:and|/|&)?\s*lat(?:eral)?)\b", "X-ray"),
)


def _headings(text: str) -> list[tuple[str, int, int]]:
    """(canonical section, heading start, content start) for each heading line."""
    found = []
    for m in _HEADING.finditer(text):
        word = (m.group("colon") or m.group("alone") or "").lower()
        if m.group("alone") and m.group("alone") != m.group("alone").upper():
            continue  # a bare heading must be written in capitals
        found.append((SECTIONS[word], m.start(), m.end()))
    return found


def split_report(text: str) -> list[tuple[str, int, int]]:
    """Sections as ``(section, start, end)``: offsets of each section's content in
    ``text``, surrounding whitespace excluded. Empty sections are left out; text
    before the first heading becomes a ``header`` section."""
    heads = _headings(text)
    out: list[tuple[str, int, int]] = []
    bounds = [(None, 0, 0), *heads, (None, len(text), len(text))]
    for (name, _, content), (_, next_head, _) in itertools.pairwise(bounds):
        start, end = content, next_head
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            out.append((name or "header", start, end))
    return out


def is_radiology_report(text: str) -> bool:
    """At least two of comparison, technique, findings and impression, as headings."""
    names = {name for name, _, _ in _headings(text)}
    return len(names & _CORE) >= 2 and bool(names & {"findings", "impression"})


def report_title(text: str) -> str:
    """A title from the report's own words: "Chest X-ray report", "CT report", ...

    The modality is read from the exam line (text before the first heading) and the
    technique section only: findings and comparisons often mention other studies
    ("compared with the CT of 2019").
    """
    exam = " ".join(
        text[a:b] for name, a, b in split_report(text) if name in ("header", "technique")
    ).lower()
    modality = next((label for pattern, label in _MODALITIES if re.search(pattern, exam)), None)
    folded = text.lower()
    chest = re.search(r"\b(?:chest|thorax|thoracic|lungs?)\b", folded) is not None
    if modality == "X-ray" and chest:
        return "Chest X-ray report"
    if modality:
        return f"{modality} report"
    # No modality named: say what we know.
    return "Chest imaging report" if chest else "Radiology report"
