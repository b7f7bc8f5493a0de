"""Report sentences in plain words, from a lexicon kept as data (``data/plain_terms.yaml``).

A radiology sentence is rewritten phrase by phrase: "Borderline cardiomegaly." becomes
"Borderline enlarged heart."; "No acute cardiopulmonary process." becomes "Nothing urgent
was seen in the heart or lungs."; "There is a focal opacity in the left lower lobe."
becomes "There is a hazy area in the left lower part of the lung.". Nothing is added but
the plain words of the phrases found, so every number, side and hedge of the source stays;
:mod:`rag.tasks.faithful` checks that independently before a plain sentence is used.

The rewrite is deterministic: the longest matching phrase wins, left to right; a plain
phrase's own article ("a hazy area") is dropped after a determiner or a modifier
("a focal opacity" -> "a hazy area", "mild cardiomegaly" -> "mild enlarged heart"), and
"a"/"an" agree with the word that follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data" / "plain_terms.yaml"
LANGUAGES = ("en", "fr")
_ARTICLES = {"en": ("a ", "an ", "the "), "fr": ("un ", "une ", "le ", "la ", "les ", "des ",
                                                 "du ")}
# After these words a plain phrase keeps its own article ("There is a hazy area"); after
# any other word (a determiner, "mild", "focal") it loses it.
_KEEP_ARTICLE = {
    "en": frozenset({"", "is", "are", "was", "were", "of", "with", "shows", "show", "showed",
                     "and", "or", "for", "represent", "represents", "be", "demonstrates",
                     "demonstrate", "suggests", "suggest", "suggesting", "there", "seen",
                     "identified", "to", "as", "without", "but", "also", "likely",
                     "possibly", "probably", "may", "could", "might", "in", "on", "at"}),
    "fr": frozenset({"", "est", "sont", "et", "ou", "avec", "montre", "il", "y", "a",
                     "pour", "évoque", "en", "dans", "sur", "probablement", "possiblement"}),
}


@dataclass(frozen=True)
class Entry:
    """One lexicon entry in one language: report phrases -> plain words."""

    index: int
    language: str
    patterns: tuple[re.Pattern[str], ...]
    plain: str


@dataclass(frozen=True)
class Lexicon:
    entries: dict[str, tuple[Entry, ...]]  # by language
    hedges: dict[str, tuple[str, ...]]
    certain: dict[str, tuple[str, ...]]
    negations: dict[str, tuple[str, ...]]
    laterality: dict[str, dict[str, tuple[str, ...]]]  # side -> language -> words
    findings: dict[str, tuple[str, ...]]


def _compile(pattern: str) -> re.Pattern[str]:
    body = re.sub(r" +", r"\\s+", pattern.strip())
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.IGNORECASE)


def _words(data: dict[str, Any], key: str) -> dict[str, tuple[str, ...]]:
    block = data.get(key) or {}
    return {lang: tuple(str(w).lower() for w in block.get(lang, ())) for lang in LANGUAGES}


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of ``data/plain_terms.yaml``, compiled once."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    entries: dict[str, list[Entry]] = {lang: [] for lang in LANGUAGES}
    for i, raw in enumerate(data["terms"]):
        for lang in LANGUAGES:
            pats, plain = raw.get(lang) or [], raw.get(f"plain_{lang}")
            if pats and plain:
                entries[lang].append(Entry(i, lang, tuple(_compile(p) for p in pats), plain))
    sides = {side: {lang: tuple(w.lower() for w in words.get(lang, ()))
                    for lang in LANGUAGES}
             for side, words in (data.get("laterality") or {}).items()}
    return Lexicon(
        entries={k: tuple(v) for k, v in entries.items()},
        hedges=_words(data, "hedges"), certain=_words(data, "certain"),
        negations=_words(data, "negations"), laterality=sides,
        findings=_words(data, "findings"),
    )


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entry: Entry


def matches(sentence: str, language: str, lex: Lexicon | None = None) -> list[Match]:
    """The lexicon phrases in ``sentence``, left to right; the longest wins an overlap."""
    lex = lex or lexicon()
    found = [Match(m.start(), m.end(), e) for e in lex.entries.get(language, ())
             for p in e.patterns for m in p.finditer(sentence)]
    found.sort(key=lambda m: (-(m.end - m.start), m.start))
    kept: list[Match] = []
    for m in found:
        if all(m.end <= k.start or m.start >= k.end for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


@dataclass(frozen=True)
class Plain:
    source: str
    text: str
    used: tuple[Entry, ...]  # the entries whose plain words the text carries

    @property
    def changed(self) -> bool:
        return self.text != self.source


def _previous_word(text: str) -> str:
    words = re.findall(r"[\w'’-]+", text)
    return words[-1].lower() if words else ""


def _article_agreement(text: str) -> str:
    def fix(m: re.Match[str]) -> str:
        article, word = m.group(1), m.group(2)
        wanted = "an" if word[0].lower() in "aeiou" else "a"
        if article[0].isupper():
            wanted = wanted.capitalize()
        return f"{wanted} {word}"

    return re.sub(r"\b([Aa]n?) ([A-Za-z][\w-]*)", fix, text)


def rewrite(sentence: str, language: str = "en", lex: Lexicon | None = None) -> Plain:
    """``sentence`` (a report sentence in ``language``) in plain words."""
    lang = language if language in LANGUAGES else "en"
    lex = lex or lexicon()
    found = matches(sentence, lang, lex)
    out: list[str] = []
    pos = 0
    for m in found:
        before = sentence[pos:m.start]
        out.append(before)
        plain = m.entry.plain
        prev = _previous_word("".join(out))
        article = next((a for a in _ARTICLES[lang] if plain.lower().startswith(a)), None)
        if article and prev not in _KEEP_ARTICLE[lang]:
            plain = plain[len(article):]
        if m.start == 0 or not "".join(out).strip():
            plain = plain[:1].upper() + plain[1:]
        out.append(plain)
        pos = m.end
    out.append(sentence[pos:])
    text = "".join(out)
    if lang == "en":
        text = _article_agreement(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = text[:1].upper() + text[1:]
    return Plain(sentence, text, tuple(m.entry for m in found))


__all__ = ["Entry", "Lexicon", "Plain", "lexicon", "matches", "rewrite"]
