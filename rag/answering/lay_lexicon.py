"""The lay lexicon (``lexicon/lay_terms.yaml``) and the lab vocabulary as one phrase index.

People say "sugar test", "the scale", "tetanus shot", "high blood pressure"; records say
"Hemoglobin A1c", "Body weight", "Td (adult)", "Hypertension". The lexicon maps phrases (EN
and FR, typos included) onto what they can mean in a record, most likely first; the lab
vocabulary (``rag/core/terms.yaml``) adds every lab and vital name it knows. Both become
:class:`Sense` lists under token tuples, so the resolver reads one index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from rag.answering.matching import tokenize
from rag.answering.query import CATEGORIES, Category
from rag.core.terms import Vocabulary, vocabulary
from rag.core.text import fold

__all__ = ["LAY_TERMS", "PhraseIndex", "Sense", "phrase_index"]

LAY_TERMS = Path(__file__).resolve().parent / "lexicon" / "lay_terms.yaml"


@dataclass(frozen=True)
class Sense:
    """One thing a phrase can mean in a record."""

    category: Category
    key: str  # a vocabulary key ("hba1c") when one fits, else the folded first name
    display: str
    codes: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    sensitive: bool = False
    encounter_class: str | None = None
    rank: int = 0  # 0 = the most likely meaning of its phrase


@dataclass
class PhraseIndex:
    """Token tuples -> senses, per language ("*" for phrases of both)."""

    by_lang: dict[str, dict[tuple[str, ...], list[Sense]]] = field(
        default_factory=lambda: defaultdict(dict))
    longest: int = 1

    def add(self, lang: str, phrase: str, senses: Iterable[Sense]) -> None:
        toks = tuple(t.text for t in tokenize(phrase))
        if not toks:
            return
        bucket = self.by_lang[lang].setdefault(toks, [])
        for s in senses:
            if all((s.category, s.key) != (o.category, o.key) for o in bucket):
                bucket.append(s)
        self.longest = max(self.longest, len(toks))

    def lookup(self, toks: tuple[str, ...], language: str) -> list[Sense]:
        """Senses of an exact phrase: the question's language first, then the other one
        for phrases of five letters or more (short ones like "vs" or "fe" differ by
        language). Where the lab vocabulary knows the phrase, its term is the one
        measurement meant."""
        own = self.by_lang.get(language, {}).get(toks, [])
        other_lang = "en" if language == "fr" else "fr"
        other = self.by_lang.get(other_lang, {}).get(toks, []) if len("".join(toks)) >= 5 else []
        shared = self.by_lang.get("*", {}).get(toks, [])
        if shared:  # the lab vocabulary is exact: "a1c" is A1c, not also glucose
            keys = {s.key for s in shared}
            own = [s for s in own if s.category != "observation" or s.key in keys]
            other = [s for s in other if s.category != "observation" or s.key in keys]
        out: list[Sense] = []
        for s in [*own, *shared, *other]:
            if all((s.category, s.key) != (o.category, o.key) for o in out):
                out.append(s)
        return out

    def phrases(self, language: str) -> Iterable[tuple[str, ...]]:
        for lang in (language, "*", "en" if language == "fr" else "fr"):
            yield from self.by_lang.get(lang, {})


def _category(value: object) -> Category | None:
    return next((c for c in CATEGORIES if c == value), None)


def _codes(raw: dict[str, object]) -> tuple[str, ...]:
    out: list[str] = []
    for system in ("loinc", "snomed", "rxnorm", "cvx"):
        values = raw.get(system) or []
        if isinstance(values, list):
            out.extend(str(v) for v in values)
    return tuple(dict.fromkeys(out))


def _key(category: Category, codes: tuple[str, ...], names: tuple[str, ...],
         vocab: Vocabulary) -> tuple[str, str]:
    """(key, display): the vocabulary term of an observation's codes when there is one,
    so operations find every LOINC code of that measurement; else the first name."""
    if category == "observation":
        term = next((vocab.by_loinc[c] for c in codes if c in vocab.by_loinc), None)
        if term is not None:
            return term.key, term.display_en
    first = names[0] if names else (codes[0] if codes else "")
    return fold(first).strip(), first


def _senses(entry: dict[str, object], vocab: Vocabulary) -> list[Sense]:
    sensitive = bool(entry.get("sensitive", False))
    out: list[Sense] = []
    raw_concepts = entry.get("concepts") or []
    for rank, raw in enumerate(raw_concepts if isinstance(raw_concepts, list) else []):
        category = _category(raw.get("category")) if isinstance(raw, dict) else None
        if category is None or not isinstance(raw, dict):
            continue
        names = tuple(str(n) for n in raw.get("names") or [])
        codes = _codes(raw)
        key, display = _key(category, codes, names, vocab)
        if not key:
            continue
        enc = raw.get("encounter_class")
        out.append(Sense(category, key, display, codes, names, sensitive,
                         str(enc) if enc else None, rank))
    return out


def _vocabulary_senses(index: PhraseIndex, vocab: Vocabulary) -> None:
    for term in vocab.terms.values():
        sense = Sense("observation", term.key, term.display_en, term.loinc,
                      (term.display_en,))
        for phrase in (*term.synonyms, term.display_en, term.display_fr,
                       term.key.replace("_", " ")):
            if len(fold(phrase).strip()) >= 3:
                index.add("*", phrase, [sense])


@lru_cache(maxsize=2)
def phrase_index(path: Path = LAY_TERMS) -> PhraseIndex:
    """The lexicon (when present) and the vocabulary, indexed once per process. A missing
    lexicon file leaves the vocabulary alone; a malformed one is a packaging bug."""
    vocab = vocabulary()
    index = PhraseIndex()
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        entries = data.get("entries", data.get("terms", [])) if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise ValueError(f"{path.name}: expected a list of entries")
        for entry in entries:
            if not isinstance(entry, dict):
                raise ValueError(f"{path.name}: an entry must be a mapping")
            senses = _senses(entry, vocab)
            for lang in ("en", "fr"):
                for phrase in entry.get(f"phrases_{lang}") or []:
                    index.add(lang, str(phrase), senses)
    _vocabulary_senses(index, vocab)
    return index
