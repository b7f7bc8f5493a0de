"""Domain types shared by every package.

Lower packages (``ingest``, ``indexes``, ``guardrails``) may import :mod:`rag.core`,
never the pipeline.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

SourceType = Literal["fhir", "document", "wellness", "knowledge"]
TriageLevel = Literal["none", "urgent", "emergency", "crisis"]
#: The form of a conversation id (``conv_`` and 24 hex digits).
CONVERSATION_ID = re.compile(r"^conv_[0-9a-f]{24}$")


# Month names as written in answers, and every spelling read back -> month number.
MONTH_NAMES: dict[str, list[str]] = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
}
MONTH_NUMBERS: dict[str, int] = {
    **{name.lower(): i + 1 for names in MONTH_NAMES.values() for i, name in enumerate(names)},
    "fevrier": 2, "aout": 8, "decembre": 12,
}


def stable_id(*parts: str, prefix: str = "", length: int = 20) -> str:
    """A short, stable, content-derived id."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:length]
    return f"{prefix}{digest}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_hash(text: str) -> str:
    """The key of a text in the embedding cache."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Provenance:
    """Where a record came from."""

    source_file: str
    file_hash: str
    source_type: SourceType
    resource_type: str | None = None
    resource_id: str | None = None
    version: str | None = None
    page: int | None = None
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Measurement:
    """A typed observation value (lab, vital, score): the only source of numbers."""

    code_system: str
    code: str
    display: str
    value: float | None
    unit: str | None
    value_text: str | None
    effective: str | None  # ISO date or datetime
    ref_low: float | None = None
    ref_high: float | None = None
    ref_text: str | None = None
    interpretation: str | None = None  # H, L, N, A, HH, LL ...
    category: str | None = None  # laboratory, vital-signs, survey ...
    component_of: str | None = None  # parent code for components (blood pressure)


@dataclass(frozen=True)
class Item:
    """A typed list entry: medication, condition, allergy, immunization, ..."""

    category: str  # medication, condition, allergy, immunization, procedure, encounter, ...
    name: str
    status: str | None
    date: str | None  # the date that matters most (onset, authored, occurrence)
    code: str | None = None
    code_system: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Record:
    """One source unit (a FHIR resource, a document section) turned into text and facts."""

    key: str  # stable within a vault, e.g. "Observation/abc"
    text: str  # the readable chunk text that citations quote
    provenance: Provenance
    title: str
    measurements: tuple[Measurement, ...] = ()
    items: tuple[Item, ...] = ()
    raw: dict[str, Any] | None = None  # the FHIR resource JSON, for the citation page
    flags: tuple[str, ...] = ()  # e.g. ("prompt_injection",)


@dataclass(frozen=True)
class ParseIssue:
    """A part of a source that could not be used, and why."""

    source_file: str
    reason: str
    resource_type: str | None = None
    resource_id: str | None = None


@dataclass
class ParseResult:
    records: list[Record] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    skipped: int = 0  # resources deliberately not indexed (e.g. Organization), counted


@dataclass(frozen=True)
class KnowledgeSection:
    doc_id: str
    version: str
    title: str
    heading: str
    text: str
    source: str
    url: str | None
    language: str
    reviewed_by: str
    tags: tuple[str, ...] = ()


# ---------------------------------------------------------------- answers


class CitationSource(BaseModel):
    type: SourceType
    resource_type: str | None = None
    resource_id: str | None = None
    version: str | None = None
    document_id: str | None = None
    title: str | None = None
    page: int | None = None
    url: str | None = None
    source_file: str | None = None
    file_hash: str | None = None


class Citation(BaseModel):
    marker: int
    id: str
    kind: Literal["record", "knowledge"]
    source: CitationSource
    quote: str
    url: str | None = None  # opens the citation: quote, full chunk, FHIR JSON, provenance


class Safety(BaseModel):
    triage: TriageLevel = "none"
    flags: list[str] = Field(default_factory=list)
    emergency_numbers: list[str] = Field(default_factory=list)
    rule: str | None = None


class Answer(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    safety: Safety = Field(default_factory=Safety)
    language: str = "en"
    intent: str | None = None
    composer: str = "extractive"
    model: str | None = None  # the LLM model when the LLM composer wrote the answer
    fallback_reason: str | None = None  # why the LLM answer was not used, when it wasn't
    kb_version: str | None = None
    config_hash: str | None = None
    conversation_id: str | None = None  # where the turn was kept; None for temporary chats


def human_number(value: float) -> str:
    """Round a measured value for people: 189.3 -> "189", 73.56 -> "73.6", 0.943 -> "0.94".

    Ingest renders chunk text with it and composers render answers with it, so every
    number in an answer appears verbatim in the cited quote.
    """
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text
