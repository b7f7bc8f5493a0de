"""The output verifier: run on every composed answer, whichever composer wrote it.

Checks, per sentence:
- every ``[n]`` marker refers to a provided citation;
- every number and date is grounded: it appears in a quote the sentence cites, or is
  a count the composer computed from cited records (``computed``), or is a statistic
  the composer's code derived from cited facts (``derived``: a mean, a slope, a period's
  first day) *and* the sentence cites one of the citations it was derived from;
- no diagnosis phrasing ("you have X");
- every sentence that states a medical fact carries a marker. A medical-fact sentence
  names something clinical or gives a measurement or a date (:func:`states_medical_fact`);
  connective and safety sentences need no citation: "I couldn't find ...", "Here is what
  I found", referrals to a clinician, the disclaimer, upload hints (:func:`connective`).
  Bare numbers are covered by the grounding rule above whatever the sentence says.
Sentences that fail are removed and reported with the reason. The disclaimer is removed
too when no cited sentence is left: it qualifies facts, it is not an answer by itself.

``derived`` is declared by code, never by a model: an LLM-written sentence is verified
with what its own composer declares (the LLM composer declares nothing derived), so a
number that is neither quoted nor declared is still rejected.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from guardrails.quarantine import MEASUREMENT, clinical_anchor
from guardrails.requests import banned_phrases
from rag.core.types import MONTH_NUMBERS

MARKER = re.compile(r"\[(\d+)\]")
_NUMBER = re.compile(r"(?<![\w.,*-])(\d+(?:[.,]\d+)?)(?![\w*]|[.,]\d)")
_MONTHS = MONTH_NUMBERS
_HUMAN_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(_MONTHS) + r")\s+((?:19|20)\d\d)\b", re.IGNORECASE
)
_ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)(?:T[\d:.+\-Z]*)?")


# The short disclaimer (see rag.answering.compose for when it is added). It lives here so that the
# verifier recognises it without importing the composer.
DISCLAIMER: dict[str, str] = {
    "en": "Your clinician can tell you what this means for you, and whether anything should "
    "change.",
    "fr": "Votre médecin peut vous dire ce que cela signifie pour vous, et si quelque chose "
    "doit changer.",
}
_CONNECTIVE = re.compile(
    r"^\W*(?:I\s+(?:couldn['’]t|could\s+not|can['’]t|cannot|don['’]t|do\s+not|didn['’]t|"
    r"did\s+not|have\s+not|haven['’]t)\b|I\s+can\s+help\b|Here\s+is\s+what\b|In\s+general\b"
    r"|Only\s+the\b|If\s+you\s+(?:have|use)\b|Part\s+of\s+one\s+document\b|That\s+question\b"
    r"|Je\s+(?:n['’]ai|ne\s+peux|peux\s+r[ée]pondre)\b|Voici\s+ce\s+que\b|En\s+g[ée]n[ée]ral\b"
    r"|Seul(?:e|s|es)?\s+les?\b|Si\s+vous\s+(?:avez|utilisez)\b|Une\s+partie\s+d['’]un\b"
    r"|Cette\s+question\b)",
    re.IGNORECASE,
)
_REFERRAL = re.compile(
    r"\b(?:talk|speak|ask|contact|see|call|discuss|consult|check)\w*\s+(?:\w+\s+){0,3}?"
    r"(?:your\s+|a\s+|the\s+)?(?:clinician|doctor|physician|pharmacist|nurse|care\s+team|GP)\b"
    r"|\b(?:clinician|doctor|physician|pharmacist)\s+(?:can|will|could)\s+(?:tell|help|explain)"
    r"|\b(?:parle[rz]?|demande[rz]?|consulte[rz]?|contacte[rz]?)\b[^.]{0,40}\b(?:m[ée]decin|"
    r"pharmacien)|\bm[ée]decin\s+peut\s+vous\b",
    re.IGNORECASE,
)

# A clarifying question asks which thing the person means and states nothing: "Which
# result do you mean: your A1c or your glucose?". Only these openers, and only questions.
_CLARIFYING = re.compile(
    r"^\W*(?:Which\s+(?:\w+\s+){0,2}do\s+you\s+mean\b|(?:Do|Did)\s+you\s+mean\b"
    r"|(?:Quel|Quelle|Quels|Quelles|Lequel|Laquelle)\s+(?:\w+\s+){0,2}voulez-vous\s+dire\b"
    r"|Voulez-vous\s+dire\b|Vous\s+voulez\s+dire\b)[^.!]*\?$",
    re.IGNORECASE,
)


def is_disclaimer(sentence: str) -> bool:
    return " ".join(sentence.split()) in DISCLAIMER.values()


def connective(sentence: str) -> bool:
    """A sentence that links, qualifies or refers instead of stating a medical fact: a
    search outcome ("I couldn't find ..."), an introduction, an upload hint, a notice, a
    referral to a clinician, the disclaimer. Never one with a measurement or a date."""
    if MEASUREMENT.search(sentence) or facts_of(sentence)[1]:
        return False
    return bool(is_disclaimer(sentence) or _CONNECTIVE.search(sentence)
                or _REFERRAL.search(sentence) or _CLARIFYING.search(sentence.strip()))


def states_medical_fact(sentence: str) -> bool:
    """A sentence naming something clinical, a measurement or a date, unless it is
    :func:`connective`: the sentences that must cite their source."""
    if connective(sentence):
        return False
    return bool(clinical_anchor(sentence) or facts_of(sentence)[1])


@dataclass
class Verdict:
    kept: list[str] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason)

    @property
    def ok(self) -> bool:
        return not self.removed


def _norm_number(text: str) -> str:
    text = text.replace(",", ".")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.lstrip("0") or "0" if "." not in text else text


def facts_of(text: str) -> tuple[set[str], set[str]]:
    """(numbers, ISO dates) stated in a text; dates are not also counted as numbers."""
    dates: set[str] = set()

    def _iso(m: re.Match[str]) -> str:
        dates.add(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
        return " "

    def _human(m: re.Match[str]) -> str:
        month = _MONTHS[m.group(2).lower()]
        dates.add(f"{m.group(3)}-{month:02d}-{int(m.group(1)):02d}")
        return " "

    rest = _ISO_DATE.sub(_iso, text)
    rest = _HUMAN_DATE.sub(_human, rest)
    rest = MARKER.sub(" ", rest)
    # A range written "0.57-1.00" states both bounds (a minus sign glued to a number,
    # "-3", is not split off: it is not a range).
    rest = re.sub(r"(?<=\d)[-–](?=\d)", " – ", rest)
    numbers = {_norm_number(n) for n in _NUMBER.findall(rest)}
    return numbers, dates


def verify(
    sentences: Iterable[str],
    quotes: dict[int, str],
    *,
    computed: Iterable[str] = (),
    allowed_numbers: Iterable[str] = (),
    derived: Mapping[str, Collection[int]] | None = None,
) -> Verdict:
    """Check each sentence against the quotes it cites (marker -> quote).

    ``derived`` maps a number (as written) or an ISO date to the markers of the facts it
    was computed from; it grounds a sentence that cites at least one of them."""
    verdict = Verdict()
    extra = {_norm_number(c) for c in (*computed, *allowed_numbers)}
    from_facts: dict[str, set[int]] = {}
    for key, markers in (derived or {}).items():
        norm = key if _ISO_DATE.fullmatch(key) else _norm_number(key)
        from_facts.setdefault(norm, set()).update(markers)
    quote_facts = {m: facts_of(q) for m, q in quotes.items()}
    for sentence in sentences:
        markers = [int(m) for m in MARKER.findall(sentence)]
        unknown = [m for m in markers if m not in quotes]
        if unknown:
            verdict.removed.append((sentence, f"unknown citation [{unknown[0]}]"))
            continue
        banned = banned_phrases(sentence)
        if banned:
            verdict.removed.append((sentence, f"diagnosis wording: {banned[0]!r}"))
            continue
        numbers, dates = facts_of(sentence)
        cited_numbers: set[str] = set(extra)
        cited_dates: set[str] = set()
        for m in markers:
            n, d = quote_facts[m]
            cited_numbers |= n
            cited_dates |= d
        cited = set(markers)
        for key, sources in from_facts.items():
            if sources & cited:
                (cited_dates if _ISO_DATE.fullmatch(key) else cited_numbers).add(key)
        missing = sorted(numbers - cited_numbers)
        missing_dates = sorted(dates - cited_dates)
        if missing:
            verdict.removed.append((sentence, f"ungrounded number {missing[0]}"))
            continue
        if missing_dates:
            verdict.removed.append((sentence, f"ungrounded date {missing_dates[0]}"))
            continue
        if not markers and states_medical_fact(sentence):
            verdict.removed.append((sentence, "uncited medical fact"))
            continue
        verdict.kept.append(sentence)
    if not any(MARKER.search(s) for s in verdict.kept):
        for sentence in [s for s in verdict.kept if is_disclaimer(s)]:
            verdict.kept.remove(sentence)
            verdict.removed.append((sentence, "disclaimer without a cited fact"))
    return verdict
