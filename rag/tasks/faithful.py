"""Does a plain-language sentence say what its report sentence says, and nothing more?

A plain sentence (from :mod:`rag.tasks.plain`, or from any other writer such as an LLM) is
rejected when, against the source sentence it explains, it

- **adds a finding**: a clinical word (the lexicon's ``findings`` list, or any word of a
  plain phrase of the lexicon) that is neither in the source nor among the plain words
  of a phrase found in the source: "opacity" may become "a hazy area", never "pneumonia";
- **adds a number** (digits or number words) that the source does not state;
- **adds or changes a side**: left, right, both sides/bilateral;
- **changes the certainty**: a strong-certainty word ("definitely", "confirmed", "rules
  out") the source lacks; a hedge dropped ("possible opacity" -> "a hazy area") or added;
  a negation added or dropped ("no sign of" when the source says "possible").

The word classes live in ``data/plain_terms.yaml`` (English and French). The check is
deliberately strict: a rejected sentence is quoted as written instead, which is always
faithful.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.verify import facts_of
from rag.core.text import fold
from rag.tasks.plain import Lexicon, lexicon, matches

_NUMBER_WORDS = {
    "en": {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
           "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "single": "1",
           "twice": "2", "half": "0.5", "dozen": "12"},
    "fr": {"zéro": "0", "un": "1", "une": "1", "deux": "2", "trois": "3", "quatre": "4",
           "cinq": "5", "six": "6", "sept": "7", "huit": "8", "neuf": "9", "dix": "10",
           "moitié": "0.5", "douzaine": "12"},
}
_STOP = frozenset({
    "the", "a", "an", "of", "in", "on", "at", "is", "are", "was", "were", "and", "or", "there",
    "this", "that", "these", "those", "with", "to", "be", "been", "it", "its", "as", "by",
    "for", "from", "seen", "looks", "look", "le", "la", "les", "un", "une", "des", "du", "de",
    "d", "l", "et", "ou", "est", "sont", "dans", "au", "aux", "en", "il", "y", "vu",
})


@dataclass(frozen=True)
class Check:
    ok: bool
    reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def _text(s: str) -> str:
    return " " + " ".join(re.findall(r"[\w'’-]+", fold(s).replace("’", "'"))) + " "


def _has(text: str, phrase: str) -> bool:
    """Whole-word (or whole-phrase) occurrence of a folded ``phrase`` in ``text``."""
    p = " ".join(re.findall(r"[\w'’-]+", fold(phrase).replace("’", "'")))
    return bool(p) and f" {p} " in text


def _stem(word: str) -> str:
    w = fold(word)
    for suffix in ("ies", "es", "s"):
        if len(w) > 4 and w.endswith(suffix):
            return w[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return w


def _numbers(sentence: str, language: str, lex: Lexicon) -> set[str]:
    numbers, dates = facts_of(sentence)
    text = _text(sentence)
    for words_by_lang in lex.laterality.values():  # "des deux côtés" is a side, not a count
        for phrase in words_by_lang.get(language, ()):
            if " " in phrase.strip():
                text = text.replace(_text(phrase), " ")
    words = set(text.split())
    table = _NUMBER_WORDS.get(language, _NUMBER_WORDS["en"])
    # French "un"/"une" are articles far more often than numbers
    skip = {"un", "une"} if language == "fr" else set()
    spelled = {fold(k): v for k, v in table.items() if fold(k) not in skip}
    return numbers | dates | {spelled[w] for w in words if w in spelled}


def _sides(text: str, lex: Lexicon, language: str) -> set[str]:
    found = set()
    for side, words in lex.laterality.items():
        if any(_has(text, w) for w in words.get(language, ())):
            found.add(side)
    return found


def _any(text: str, phrases: tuple[str, ...]) -> str | None:
    return next((p for p in phrases if _has(text, p)), None)


def _clinical_words(lex: Lexicon, language: str) -> set[str]:
    """Stems of the words a plain sentence may not bring in on its own."""
    words = {_stem(w) for phrase in lex.findings.get(language, ())
             for w in re.findall(r"[\w'’-]+", phrase)}
    for entry in lex.entries.get(language, ()):
        words |= {_stem(w) for w in re.findall(r"[\w'’-]+", entry.plain)}
    sides = [w for words in lex.laterality.values() for w in words.get(language, ())]
    control = {*lex.hedges.get(language, ()), *lex.certain.get(language, ()),
               *lex.negations.get(language, ()), *sides}
    control_words = {_stem(w) for p in control for w in re.findall(r"[\w'’-]+", p)}
    return {w for w in words if w not in _STOP and w not in control_words and len(w) > 1}


def check(source: str, plain: str, *, language: str = "en",
          lex: Lexicon | None = None) -> Check:
    """Whether ``plain`` faithfully explains ``source`` (both in ``language``)."""
    lex = lex or lexicon()
    lang = language if language in ("en", "fr") else "en"
    src, out = _text(source), _text(plain)
    reasons: list[str] = []

    added = sorted(_numbers(plain, lang, lex) - _numbers(source, lang, lex))
    if added:
        reasons.append(f"adds a number: {added[0]}")

    src_sides, out_sides = _sides(src, lex, lang), _sides(out, lex, lang)
    if out_sides - src_sides:
        reasons.append(f"adds a side: {sorted(out_sides - src_sides)[0]}")
    elif src_sides - out_sides:
        reasons.append(f"drops a side: {sorted(src_sides - out_sides)[0]}")

    certain = [p for p in lex.certain.get(lang, ()) if _has(out, p) and not _has(src, p)]
    if certain:
        reasons.append(f"adds certainty: {certain[0]!r}")
    src_hedge, out_hedge = _any(src, lex.hedges[lang]), _any(out, lex.hedges[lang])
    if src_hedge and not out_hedge:
        reasons.append(f"drops the hedge {src_hedge!r}")
    elif out_hedge and not src_hedge:
        reasons.append(f"adds the hedge {out_hedge!r}")
    src_neg, out_neg = _any(src, lex.negations[lang]), _any(out, lex.negations[lang])
    if out_neg and not src_neg:
        reasons.append(f"adds a negation: {out_neg!r}")
    elif src_neg and not out_neg:
        reasons.append(f"drops the negation {src_neg!r}")

    licensed = {_stem(w) for w in re.findall(r"[\w'’-]+", fold(source))}
    for m in matches(source, lang, lex):
        licensed |= {_stem(w) for w in re.findall(r"[\w'’-]+", fold(m.entry.plain))}
    clinical = _clinical_words(lex, lang)
    new = [w for w in re.findall(r"[\w'’-]+", fold(plain))
           if _stem(w) in clinical and _stem(w) not in licensed]
    if new:
        reasons.append(f"adds a finding: {new[0]!r}")
    return Check(not reasons, tuple(reasons))


__all__ = ["Check", "check"]
