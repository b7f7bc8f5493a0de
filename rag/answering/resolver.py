"""The concept resolver: what a question names, mapped onto this person's own vault.

Order of evidence, each step reading only the words the steps before left unclaimed:

1. codes typed in the question that the vault holds ("4548-4");
2. exact phrases of the lay lexicon and the lab vocabulary, longest first ("sugar test",
   "high blood pressure", "cholestrol");
3. the same phrases with a misspelling ("thyriod", "potassim"), one or two edits;
4. the vault's own names, whole ("Essential hypertension") or by their telling words,
   misspelt on either side ("simvastatin" finds the record's "Simvistatin 10 MG").

A phrase of the lexicon keeps the meanings this vault holds ("kidney function" -> eGFR and
creatinine when both are measured); when the vault holds none, the meanings come back with
``in_vault=False``, so "have I had the shingles vaccine?" can say no. When two things fit
equally, both come back and the renderer answers both or asks. Words that never name a
thing ("right", "now", "still", "medication") are never looked up as names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexes.facts import FactsStore
from rag.answering.lay_lexicon import PhraseIndex, Sense, phrase_index
from rag.answering.matching import Token, close, is_generic, tokenize
from rag.answering.query import Category, Concept
from rag.answering.vault_terms import VaultEntry, VaultTerms
from rag.core.terms import vocabulary
from rag.core.text import detect_language

__all__ = ["Resolver", "resolve"]

_CODE = re.compile(r"(?<![\w-])(\d{1,7}-\d|\d{5,18})(?![\w-])")
_FUZZY = 0.9  # score factor of a match through a misspelling


@dataclass
class _Mention:
    start: int  # token indices [start, end)
    end: int
    concepts: list[Concept]


def _span(tokens: Sequence[Token], start: int, end: int, question: str) -> str:
    return question[tokens[start].start:tokens[end - 1].end]


class Resolver:
    """Resolves concepts against a vault snapshot; the phrase index is read once."""

    def __init__(self, index: PhraseIndex | None = None) -> None:
        self.index = index or phrase_index()
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for lang in ("en", "fr", "*"):
            for toks in self.index.by_lang.get(lang, {}):
                if len(toks[0]) >= 5:
                    self._by_first.setdefault(toks[0][0], []).append(toks)

    def resolve(self, question: str, vault: VaultTerms | FactsStore | None = None, *,
                language: str = "en", prefer: Category | None = None) -> tuple[Concept, ...]:
        """The concepts ``question`` names, in the order it names them."""
        terms = vault if isinstance(vault, VaultTerms) else (
            VaultTerms.of(vault) if vault is not None else VaultTerms.empty())
        tokens = tokenize(question)
        taken = [False] * len(tokens)
        mentions = self._codes(question, tokens, taken, terms)
        mentions += self._phrases(question, tokens, taken, terms, language, prefer, False)
        mentions += self._phrases(question, tokens, taken, terms, language, prefer, True)
        # A phrase this vault holds nothing for gives its words back: the vault's own names
        # may still fit them, and what the record says wins over an absent lay meaning.
        soft = [m for m in mentions if not any(c.in_vault for c in m.concepts)]
        free = list(taken)
        for m in soft:
            free[m.start:m.end] = [False] * (m.end - m.start)
        named = self._vault_names(question, tokens, free, terms, prefer)
        mentions = [m for m in mentions if not (any(m is s for s in soft) and any(
            n.start < m.end and m.start < n.end for n in named))] + named
        out: list[Concept] = []
        for m in sorted(mentions, key=lambda m: m.start):
            for c in m.concepts:
                if all((c.category, c.key) != (o.category, o.key) for o in out):
                    out.append(c)
        return tuple(out)

    # ---------------------------------------------------------------- steps

    def _codes(self, question: str, tokens: list[Token], taken: list[bool],
               terms: VaultTerms) -> list[_Mention]:
        found: list[_Mention] = []
        for m in _CODE.finditer(question):
            entries = terms.codes.get(m.group(1), [])
            idx = [i for i, t in enumerate(tokens) if t.start >= m.start() and t.end <= m.end()]
            if entries and idx and not any(taken[i] for i in idx):
                for i in idx:
                    taken[i] = True
                found.append(_Mention(idx[0], idx[-1] + 1,
                                      [_from_entries(entries, m.group(1), 1.0)]))
        return found

    def _phrases(self, question: str, tokens: list[Token], taken: list[bool],
                 terms: VaultTerms, language: str, prefer: Category | None,
                 fuzzy: bool) -> list[_Mention]:
        found: list[_Mention] = []
        words = [t.text for t in tokens]
        for length in range(min(self.index.longest, len(tokens)), 0, -1):
            for start in range(len(tokens) - length + 1):
                end = start + length
                if any(taken[start:end]):
                    continue
                senses = (self._fuzzy(words[start:end], language) if fuzzy
                          else self._exact(tokens, start, end, question, language))
                if not senses or all(is_generic(w) for w in words[start:end]):
                    continue  # "allergies", "my vaccines": the category, not a thing in it
                phrase = _span(tokens, start, end, question)
                concepts = _ground(senses, terms, phrase, prefer, _FUZZY if fuzzy else 1.0)
                for i in range(start, end):
                    taken[i] = True
                found.append(_Mention(start, end, concepts))
        return found

    def _exact(self, tokens: list[Token], start: int, end: int, question: str,
               language: str) -> list[Sense]:
        toks = tuple(t.text for t in tokens[start:end])
        if len(toks) == 1 and len(toks[0]) <= 2:
            # "vs", "fe", "hb", "ef": abbreviations only when written in capitals or alone
            raw = question[tokens[start].start:tokens[start].end]
            if not raw.isupper() and len(tokens) > 4:
                return []
        return self.index.lookup(toks, language)

    def _fuzzy(self, words: list[str], language: str) -> list[Sense]:
        if len(words[0]) < 5 or is_generic(words[0]):
            return []
        for toks in self._by_first.get(words[0][0], []):
            if len(toks) == len(words) and all(close(a, b) for a, b in zip(words, toks,
                                                                           strict=True)):
                senses = self.index.lookup(toks, language)
                if senses:
                    return senses
        return []

    def _vault_names(self, question: str, tokens: list[Token], taken: list[bool],
                     terms: VaultTerms, prefer: Category | None) -> list[_Mention]:
        scored: dict[tuple[Category, frozenset[int]], list[tuple[VaultEntry, float]]] = {}
        for entry in terms.entries:
            if not entry.tokens:
                continue
            hits: dict[int, float] = {}
            for tok in entry.tokens:
                for i, t in enumerate(tokens):
                    if taken[i] or is_generic(t.text) or len(t.text) < 4 or t.text.isdigit():
                        continue
                    if t.text == tok:
                        hits[i] = max(hits.get(i, 0.0), 1.0)
                    elif close(t.text, tok):
                        hits[i] = max(hits.get(i, 0.0), _FUZZY)
            if hits:
                score = sum(hits.values()) / len(entry.tokens)
                scored.setdefault((entry.category, frozenset(hits)), []).append((entry, score))
        return _best_groups(scored, tokens, taken, question, prefer)


def _best_groups(scored: dict[tuple[Category, frozenset[int]], list[tuple[VaultEntry, float]]],
                 tokens: list[Token], taken: list[bool], question: str,
                 prefer: Category | None) -> list[_Mention]:
    """Per group of question words, the best-fitting vault names (ties all kept)."""
    groups = [(cat, idx, max(s for _, s in es), es) for (cat, idx), es in scored.items()]
    if prefer and any(cat == prefer for cat, *_ in groups):
        groups = [g for g in groups if g[0] == prefer]
    groups.sort(key=lambda g: (-g[2], min(g[1])))
    found: list[tuple[frozenset[int], float, _Mention]] = []
    for cat, idx, best, entries in groups:
        tie = next((m for i2, b2, m in found if i2 == idx and abs(b2 - best) < 1e-9), None)
        if tie is None and any(taken[i] for i in idx):
            continue  # these words already name something that fits better
        top = [e for e, s in entries if s >= best - 1e-9]
        phrase = " ".join(question[tokens[i].start:tokens[i].end] for i in sorted(idx))
        # Two names of one drug or condition are one concept; two measured codes are two.
        groups_of = [[e] for e in top] if cat == "observation" else [top]
        concepts = [_from_entries(g, phrase, best, cat) for g in groups_of]
        if tie is not None:
            tie.concepts.extend(concepts)  # two things fit equally: both come back
            continue
        for i in idx:
            taken[i] = True
        found.append((idx, best, _Mention(min(idx), max(idx) + 1, concepts)))
    return [m for _, _, m in found]


def _from_entries(entries: Sequence[VaultEntry], phrase: str, score: float,
                  category: Category | None = None) -> Concept:
    first = entries[0]
    shared = set(first.tokens).intersection(*(e.tokens for e in entries[1:]))
    key = first.key if len(entries) == 1 or not shared else sorted(shared)[0]
    return Concept(
        category=category or first.category,
        key=key,
        display=first.name,
        codes=tuple(sorted({c for e in entries for c in e.codes})),
        names=tuple(dict.fromkeys(e.name for e in entries)),
        phrase=phrase,
        in_vault=True,
        sensitive=any(e.sensitive for e in entries),
        score=score,
    )


def _matches(sense: Sense, entry: VaultEntry) -> bool:
    """The vault entry is what the sense means: a shared code, the same vocabulary key, a
    name of the sense inside the record's name, or the encounter class."""
    if entry.category != sense.category:
        return False
    codes = set(sense.codes)
    term = vocabulary().terms.get(sense.key) if sense.category == "observation" else None
    if term is not None:
        codes.update(term.loinc)
    if codes & entry.codes or entry.key == sense.key:
        return True
    if sense.encounter_class and sense.encounter_class.upper() in entry.classes:
        return True
    name_tokens = [t.text for t in tokenize(entry.name)]
    return any(_contains(name_tokens, [t.text for t in tokenize(n)]) for n in sense.names)


def _contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """``needle`` occurs in ``haystack`` as consecutive tokens, each the same word or a
    misspelling of it ("simvastatin" in "Simvistatin 10 MG Oral Tablet")."""
    n = len(needle)
    return n > 0 and any(all(close(a, b) for a, b in zip(haystack[i:i + n], needle, strict=True))
                         for i in range(len(haystack) - n + 1))


def _ground(senses: Sequence[Sense], terms: VaultTerms, phrase: str,
            prefer: Category | None, factor: float) -> list[Concept]:
    """Concepts for a phrase's senses: those the vault holds, else all of them, absent."""
    if prefer and any(s.category == prefer for s in senses):
        senses = [s for s in senses if s.category == prefer]
    present: list[Concept] = []
    for sense in senses:
        entries = [e for e in terms.entries if _matches(sense, e)]
        score = factor * (1.0 - 0.05 * sense.rank)
        if entries:
            present.append(_present(sense, entries, phrase, score))
        elif sense.category in {"claim", "practitioner", "organization"} and terms.has(
                sense.category):
            present.append(_absent(sense, phrase, score, in_vault=True))
    if present:
        return present
    return [_absent(s, phrase, factor * (1.0 - 0.05 * s.rank)) for s in senses]


def _present(sense: Sense, entries: Sequence[VaultEntry], phrase: str, score: float) -> Concept:
    return Concept(
        category=sense.category,
        key=sense.key,
        display=entries[0].name,
        codes=tuple(dict.fromkeys([*sorted({c for e in entries for c in e.codes}),
                                   *sense.codes])),
        names=tuple(dict.fromkeys(e.name for e in entries)),
        phrase=phrase,
        in_vault=True,
        sensitive=sense.sensitive or any(e.sensitive for e in entries),
        score=score,
    )


def _absent(sense: Sense, phrase: str, score: float, in_vault: bool = False) -> Concept:
    return Concept(
        category=sense.category, key=sense.key, display=phrase or sense.display,
        codes=sense.codes, names=sense.names, phrase=phrase, in_vault=in_vault,
        sensitive=sense.sensitive, score=score,
    )


_DEFAULT: list[Resolver] = []


def resolve(question: str, vault: VaultTerms | FactsStore | None = None, *,
            language: str | None = None, prefer: Category | None = None) -> tuple[Concept, ...]:
    """:meth:`Resolver.resolve` with the packaged lexicon (built on first use)."""
    if not _DEFAULT:
        _DEFAULT.append(Resolver())
    lang = language or detect_language(question)
    return _DEFAULT[0].resolve(question, vault, language=lang, prefer=prefer)
