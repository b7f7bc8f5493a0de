"""The lab and vital-sign vocabulary (``rag/core/terms.yaml``): names in English and
French mapped to canonical keys and LOINC codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from rag.core.text import fold

TERMS_FILE = Path(__file__).parent / "terms.yaml"


@dataclass(frozen=True)
class Term:
    key: str
    kind: str
    display_en: str
    display_fr: str
    loinc: tuple[str, ...]
    unit: str
    synonyms: tuple[str, ...]

    def display(self, language: str) -> str:
        return self.display_fr if language == "fr" else self.display_en


class Vocabulary:
    def __init__(self, terms: list[Term]) -> None:
        self.terms = {t.key: t for t in terms}
        self.by_loinc = {code: t for t in terms for code in t.loinc}
        phrases: dict[str, str] = {}
        for t in terms:
            for name in (*t.synonyms, t.display_en, t.display_fr, t.key.replace("_", " ")):
                folded = fold(name).strip()
                if len(folded) >= 3:
                    phrases.setdefault(folded, t.key)
        # Longest phrases first so "ldl cholesterol" wins over "cholesterol".
        ordered = sorted(phrases, key=len, reverse=True)
        self._phrases = phrases
        self._pattern = re.compile(
            r"(?<![\w])(" + "|".join(re.escape(p) for p in ordered) + r")(?![\w])"
        )

    def find(self, question: str) -> list[Term]:
        """Terms named in the question, in order of appearance, without overlaps."""
        found: list[Term] = []
        for m in self._pattern.finditer(fold(question)):
            term = self.terms[self._phrases[m.group(1)]]
            if term not in found:
                found.append(term)
        return found


@lru_cache(maxsize=1)
def vocabulary(path: Path = TERMS_FILE) -> Vocabulary:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms = [
        Term(
            key=t["key"],
            kind=t["kind"],
            display_en=t["display_en"],
            display_fr=t["display_fr"],
            loinc=tuple(t.get("loinc") or ()),
            unit=str(t.get("unit") or ""),
            synonyms=tuple([*(t.get("synonyms_en") or []), *(t.get("synonyms_fr") or [])]),
        )
        for t in data["terms"]
    ]
    return Vocabulary(terms)
