"""What this person's vault names: every measured code with its display, and every item
name and code per category, read once from the facts store.

The resolver maps a question onto *these* names and codes, so "am I still on simvastatin"
finds the record's "Simvistatin 10 MG Oral Tablet", and "have I had the shingles vaccine"
can say no when nothing here matches. The snapshot holds names and codes only (no values,
no dates): it is cheap to build and safe to keep for the length of a request.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from indexes.facts import FactsStore
from rag.answering.matching import significant
from rag.answering.query import CATEGORIES, Category
from rag.answering.sensitive import is_sensitive
from rag.core.terms import vocabulary
from rag.core.text import fold

__all__ = ["VaultEntry", "VaultTerms"]

# Item categories of the facts store read as query categories ("eob" lines are claims).
_ITEM_CATEGORIES: dict[str, Category] = {
    **{c: c for c in CATEGORIES if c not in {"observation", "none"}},
    "eob": "claim",
}


@dataclass(frozen=True)
class VaultEntry:
    """One distinct name in the vault (all items or measurements that carry it)."""

    category: Category
    name: str  # as the record spells it
    codes: frozenset[str]
    tokens: tuple[str, ...]  # significant folded tokens of the name
    key: str  # vocabulary key for a measured code, else the folded name
    sensitive: bool = False
    classes: frozenset[str] = frozenset()  # encounter classes (AMB, EMER ...)


@dataclass
class VaultTerms:
    """The vault's names and codes, by category."""

    entries: list[VaultEntry] = field(default_factory=list)
    codes: dict[str, list[VaultEntry]] = field(default_factory=lambda: defaultdict(list))
    by_token: dict[str, list[VaultEntry]] = field(default_factory=lambda: defaultdict(list))
    counts: dict[Category, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, entry: VaultEntry, count: int = 1) -> None:
        self.entries.append(entry)
        for code in entry.codes:
            self.codes[code].append(entry)
        for tok in set(entry.tokens):
            self.by_token[tok].append(entry)
        self.counts[entry.category] += count

    def has(self, category: Category) -> bool:
        return self.counts.get(category, 0) > 0

    def in_category(self, category: Category) -> list[VaultEntry]:
        return [e for e in self.entries if e.category == category]

    @classmethod
    def empty(cls) -> VaultTerms:
        return cls()

    @classmethod
    def of(cls, facts: FactsStore) -> VaultTerms:
        """Read the snapshot: one query for measured codes, one per item category."""
        terms = cls()
        vocab = vocabulary()
        for code, display, count in facts.measurement_codes():
            term = vocab.by_loinc.get(code)
            key = term.key if term else fold(display).strip()
            # A code the lab vocabulary knows is found through its phrases (typos
            # included); only unknown codes are matched by the words of their display.
            tokens = () if term else tuple(significant(_clean_display(display)))
            terms.add(VaultEntry("observation", display, frozenset({code}), tokens, key,
                                 is_sensitive(display, code)), count)
        for stored, category in _ITEM_CATEGORIES.items():
            _add_items(terms, category, ((s.item.name, s.item.code, s.item.detail)
                                         for s in facts.items(stored)))
        return terms


_SPECIMEN = re.compile(r"\s+(?:in|by|from)\s+(?:serum|plasma|blood|urine|body|arterial|venous|"
                       r"capillary|specimen|stool|saliva)\b.*$", re.IGNORECASE)


def _clean_display(display: str) -> str:
    """A LOINC long name without its bracketed property and specimen ("Ferritin [Mass/
    volume] in Serum or Plasma" -> "Ferritin"), so its filler words never match."""
    return _SPECIMEN.sub("", display.split("[", 1)[0]).strip()


def _add_items(terms: VaultTerms, category: Category,
               rows: Iterable[tuple[str, str | None, dict[str, object]]]) -> None:
    names: dict[str, tuple[str, set[str], set[str], int]] = {}
    for name, code, detail in rows:
        key = fold(name).strip()
        spelled, codes, classes, n = names.get(key, (name, set(), set(), 0))
        if code:
            codes.add(code)
        cls = detail.get("class") if isinstance(detail, dict) else None
        if isinstance(cls, str) and cls:
            classes.add(cls.upper())
        names[key] = (spelled, codes, classes, n + 1)
    for key, (spelled, codes, classes, n) in names.items():
        sensitive = is_sensitive(spelled) or any(is_sensitive(spelled, c) for c in codes)
        terms.add(VaultEntry(category, spelled, frozenset(codes), tuple(significant(spelled)),
                             key, sensitive, frozenset(classes)), n)
