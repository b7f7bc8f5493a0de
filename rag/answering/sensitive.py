"""Sensitive records: reproductive and sexual health, HIV, mental health, substance use.

A generic question ("what was my last procedure?", "list my conditions") must not put a
termination of pregnancy or a psychiatric admission on the screen: such records appear
only when the question names them. What counts as sensitive is data
(``lexicon/sensitive.yaml``, English and French stems plus codes), so reviewers can
read and extend it without touching code. A concept the resolver marked ``sensitive``
counts too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from rag.core.text import fold

LEXICON = Path(__file__).parent / "lexicon" / "sensitive.yaml"


@dataclass(frozen=True)
class SensitiveLexicon:
    pattern: re.Pattern[str]
    codes: dict[str, str]  # code -> category
    category_of: dict[str, str]  # stem -> category, for reports

    def category(self, name: str, code: str | None = None) -> str | None:
        """The sensitive category of a record's name or code, or None."""
        if code and code in self.codes:
            return self.codes[code]
        m = self.pattern.search(f" {fold(name)} ")
        return self.category_of.get(m.group(1)) if m else None

    def sensitive(self, name: str, code: str | None = None) -> bool:
        return self.category(name, code) is not None


@lru_cache(maxsize=2)
def lexicon(path: Path = LEXICON) -> SensitiveLexicon:
    """The lexicon, read once. Stems match at a word start (``hiv`` in "HIV test", not in
    "archive"); longer stems are tried first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    category_of: dict[str, str] = {}
    codes: dict[str, str] = {}
    for name, spec in data["categories"].items():
        for stem in [*(spec.get("stems_en") or []), *(spec.get("stems_fr") or [])]:
            category_of.setdefault(fold(stem), name)
        codes.update({str(c): name for c in spec.get("codes") or []})
    stems = sorted(category_of, key=len, reverse=True)
    pattern = re.compile(r"(?<![a-z0-9])(" + "|".join(re.escape(s) for s in stems) + ")")
    return SensitiveLexicon(pattern, codes, category_of)


def is_sensitive(name: str, code: str | None = None) -> bool:
    """Whether a record of this name (or code) belongs to a sensitive category."""
    return lexicon().sensitive(name, code)
