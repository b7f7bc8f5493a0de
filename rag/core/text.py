"""The one text normaliser, and language detection, for every package.

Matching in healthrag reads folded text: lower case, no accents, typographic quotes as
ASCII apostrophes, ligatures spelled out (``œ`` → ``oe``). Two levels:

- :func:`fold` keeps every other character, so word lists, regular expressions and
  vocabulary phrases can be folded on both sides and compared.
- :func:`fold_words` also turns dashes and hyphens into spaces and keeps one space between
  words, for rules that read a message word by word (triage, request checks).

:func:`fold_spans` and :func:`fold_words_spans` return the folded text with a map from
each folded position back to the original one, for callers that report spans in the
user's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Folded", "detect_language", "fold", "fold_spans", "fold_words", "fold_words_spans"]

# Characters folded to something other than their NFKD base, lower-cased.
_QUOTES = {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"}
_LETTERS = {"\u0153": "oe", "\u0152": "oe", "\u00e6": "ae", "\u00c6": "ae", "\u00df": "ss"}
_SPACES = {"\u00a0": " ", "\u202f": " ", "\t": " ", "\r": "\n"}
_DASHES = {"\u2013": " ", "\u2014": " ", "\u2010": " ", "\u2011": " ", "-": " "}
_CHAR_MAP = {**_QUOTES, **_LETTERS, **_SPACES}


@dataclass(frozen=True)
class Folded:
    text: str
    index: list[int]  # folded position -> original position


def _fold_char(ch: str, table: dict[str, str]) -> str:
    rep = table.get(ch)
    if rep is None:
        decomposed = unicodedata.normalize("NFKD", ch)
        rep = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return rep


def fold_spans(text: str) -> Folded:
    """:func:`fold` with a map back to ``text`` positions."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch, _CHAR_MAP):
            out.append(c)
            index.append(i)
    return Folded("".join(out), index)


def fold(text: str) -> str:
    """Lower case, no accents, ASCII apostrophes, ligatures spelled out
    ("L’Échographie" -> "l'echographie")."""
    return "".join(_fold_char(ch, _CHAR_MAP) for ch in text)


_WORD_MAP = {**_CHAR_MAP, **_DASHES}


def fold_words_spans(text: str) -> Folded:
    """:func:`fold_words` with a map back to ``text`` positions."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch, _WORD_MAP):
            if c == " " and (not out or out[-1] in " \n"):
                continue
            if c == "\n" and out and out[-1] == " ":
                out[-1] = "\n"
                index[-1] = i
                continue
            out.append(c)
            index.append(i)
    return Folded("".join(out), index)


def fold_words(text: str) -> str:
    """:func:`fold`, with dashes and hyphens as spaces and one space between words
    ("Mal  à la tête—depuis" -> "mal a la tete depuis")."""
    return fold_words_spans(text).text


# ---------------------------------------------------------------- language

# Function words and frequent words of patients' messages, folded. SMS spellings count:
# "chui", "jsp", "jvoudrais", "g" (j'ai) are French however they are spelled.
_FR_WORDS = frozenset(
    """
    je j'ai j il elle on nous vous mon ma mes ton ta tes son sa ses le la les l des du
    de d est c'est suis es sont ai as a-t-il pas ne n plus une un avec pour dans sur qui
    que qu quel quelle quels quelles quoi comment pourquoi combien quand depuis et mais
    ou au aux ce cette ces se me m moi toi lui leur y en tres peux peut puis dois doit
    fait faire avoir etre mal douleur fievre fils fille bebe mari femme pere mere
    dernier derniere derniers dernieres taux prise medicaments medicament vaccins vaccin
    ordonnance est-ce qu'est-ce ai-je suis-je chui jsp jvoudrais jveux jpeux jsuis g stp
    svp pk bonjour merci ya ca cela aussi encore deja jamais rien tout tous toute toutes
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
_EN_WORDS = frozenset(
    """
    i i'm im i've ive i'd my me mine you your he she his her him it it's its we our they
    their the a an and or but of in on at to for from with without by is are was were be
    been am have has had do does did don't dont can can't cant could should would will
    what whats what's which who when where why how this that these those since last not
    no any some feel pain baby son daughter wife husband mom mum dad he's she's there
    please thanks hi hello just like much many times ever still
    """.split()  # noqa: SIM905 (a word list reads better as prose)
)
_ACCENTS = re.compile(r"[éèêàùçôîëïâû]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def detect_language(text: str) -> str:
    """``"fr"`` or ``"en"``: French function words and accents against English ones."""
    folded = fold_words(text)
    words = _WORD.findall(folded)
    fr = sum(w in _FR_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    # An elided word ("j'ai", "l'hôpital", "qu'il") is French however the rest is spelled.
    fr += sum(1 for w in words if re.match(r"(?:j|l|d|qu|n|m|s|c|t)'", w) and w not in _EN_WORDS)
    fr += 2 * len(_ACCENTS.findall(text.lower()))
    return "fr" if fr > en else "en"
