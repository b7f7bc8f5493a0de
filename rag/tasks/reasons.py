"""Appointment reasons -> what a packet shows first (``data/reasons.yaml``).

A reason is matched by its words (English and French stems at a word start), never by
a model, so the same reason always steers the packet the same way. Several entries may
match; their concepts are merged in the order matched. Lab codes stand for their whole
term in the vocabulary (``rag/core/terms.yaml``), so an A1c stored under another LOINC
code still counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rag.core.terms import vocabulary
from rag.core.text import detect_language, fold

REASONS_FILE = Path(__file__).parent / "data" / "reasons.yaml"


@dataclass(frozen=True)
class Exam:
    key: str
    name_en: str
    name_fr: str
    stems: tuple[str, ...]

    def name(self, language: str) -> str:
        return self.name_fr if language == "fr" else self.name_en


@dataclass(frozen=True)
class ReasonSpec:
    key: str
    title_en: str
    title_fr: str
    words_en: tuple[str, ...]
    words_fr: tuple[str, ...]
    labs: tuple[str, ...]  # every LOINC code, in the order shown (terms expanded)
    vitals: tuple[str, ...]
    conditions: tuple[str, ...]
    condition_words: tuple[str, ...]
    medications: dict[str, tuple[str, ...]]  # class -> ingredient stems
    exams: tuple[Exam, ...]
    wellness: tuple[str, ...]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Focus:
    """What a reason matched: the entries (first one leads) and the packet's language."""

    reason: str | None
    specs: tuple[ReasonSpec, ...] = ()
    language: str = "en"
    lab_rank: dict[str, int] = field(default_factory=dict)  # LOINC -> position

    @property
    def matched(self) -> bool:
        return bool(self.specs)

    def titles(self) -> list[str]:
        return [s.title_fr if self.language == "fr" else s.title_en for s in self.specs]

    def vitals(self) -> list[str]:
        return _merged(s.vitals for s in self.specs)

    def wellness(self) -> list[str]:
        return _merged(s.wellness for s in self.specs)

    def order(self) -> list[str]:
        return _merged(s.order for s in self.specs)

    def exams(self) -> list[Exam]:
        seen: dict[str, Exam] = {}
        for spec in self.specs:
            for exam in spec.exams:
                seen.setdefault(exam.key, exam)
        return list(seen.values())

    def condition(self, name: str, code: str | None) -> bool:
        """A related problem, by SNOMED code or a stem of its name."""
        if code and any(code in s.conditions for s in self.specs):
            return True
        return any(has_stem(name, s.condition_words) for s in self.specs)

    def medication_class(self, name: str) -> str | None:
        """The class of a related medication, or None."""
        for spec in self.specs:
            for cls, stems in spec.medications.items():
                if has_stem(name, stems):
                    return cls
        return None

    def lab(self, code: str) -> int | None:
        """The position of a related lab (lower comes first), or None."""
        return self.lab_rank.get(code)


def _merged(groups: Any) -> list[str]:
    out: list[str] = []
    for group in groups:
        out.extend(x for x in group if x not in out)
    return out


def _stem_pattern(stems: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = sorted({fold(s).strip() for s in stems if s.strip()}, key=len, reverse=True)
    if not folded:
        return None
    return re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(s) for s in folded) + ")")


@lru_cache(maxsize=512)
def _compiled(stems: tuple[str, ...]) -> re.Pattern[str] | None:
    return _stem_pattern(stems)


def has_stem(text: str, stems: tuple[str, ...]) -> bool:
    """Whether a folded stem starts a word of ``text``."""
    pattern = _compiled(stems)
    return bool(pattern and pattern.search(fold(text)))


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def _expand(codes: tuple[str, ...]) -> tuple[str, ...]:
    """Each LOINC code with every code of its term, in order, each once."""
    vocab = vocabulary()
    out: list[str] = []
    for code in codes:
        term = vocab.by_loinc.get(code)
        for c in (code, *(term.loinc if term else ())):
            if c not in out:
                out.append(c)
    return tuple(out)


@lru_cache(maxsize=2)
def load_reasons(path: Path = REASONS_FILE) -> tuple[ReasonSpec, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs: list[ReasonSpec] = []
    for key, spec in data["reasons"].items():
        specs.append(ReasonSpec(
            key=key, title_en=spec["title_en"], title_fr=spec["title_fr"],
            words_en=_tuple(spec.get("words_en")), words_fr=_tuple(spec.get("words_fr")),
            labs=_expand(_tuple(spec.get("labs"))), vitals=_tuple(spec.get("vitals")),
            conditions=_tuple(spec.get("conditions")),
            condition_words=_tuple(spec.get("condition_words")),
            medications={str(k): _tuple(v) for k, v in (spec.get("medications") or {}).items()},
            exams=tuple(Exam(e["key"], e["name_en"], e["name_fr"], _tuple(e["stems"]))
                        for e in spec.get("exams") or ()),
            wellness=_tuple(spec.get("wellness")), order=_tuple(spec.get("order")),
        ))
    return tuple(specs)


def _first_hit(text: str, stems: tuple[str, ...]) -> int | None:
    pattern = _compiled(stems)
    m = pattern.search(text) if pattern else None
    return m.start() if m else None


def match_reason(reason: str | None, default_language: str = "en") -> Focus:
    """The entries a reason names, in the order they appear in it, and the language:
    French when the reason reads as French or only French words matched."""
    if not reason or not reason.strip():
        return Focus(None, (), default_language)
    folded = f" {fold(reason)} "
    hits: list[tuple[int, ReasonSpec]] = []
    en_hit = fr_hit = False
    for spec in load_reasons():
        en, fr = _first_hit(folded, spec.words_en), _first_hit(folded, spec.words_fr)
        en_hit |= en is not None
        fr_hit |= fr is not None
        where = min(x for x in (en, fr, 10**6) if x is not None)
        if where < 10**6:
            hits.append((where, spec))
    specs = tuple(s for _, s in sorted(hits, key=lambda h: h[0]))
    language = "fr" if detect_language(reason) == "fr" or (fr_hit and not en_hit) else (
        "en" if en_hit else default_language)
    rank: dict[str, int] = {}
    for spec in specs:
        for code in spec.labs:
            rank.setdefault(code, len(rank))
    return Focus(reason.strip(), specs, language, rank)
