"""Judge one Answer JSON (``{"answer": "… [1]", "citations": [...]}``) against an expected
answer from :mod:`eval.understanding.expected`.

``judge(expected, answer) -> (correct, reason)``. The rules, the same for every product:

- **Numbers** are read from the text with citation markers and dates taken out, in both
  ``6.1`` and ``6,1`` forms (and ``1,234.56``, ``1 234,56``, ``1.234,56``); a value matches
  within ``max(0.051, 0.6 %)`` (unit conversions 2 %, amounts half a dollar).
- **Dates** are found in any of: ``2019-04-02``, ``2 April 2019``, ``April 2, 2019``,
  ``2 avril 2019``, ``1er avril 2019``, abbreviated months, ``02/04/2019`` (read both ways).
- **Yes/no** must be the first word: Yes/No/Oui/Non.
- **Absent** must say it was not found (EN or FR), cite at most one record and mention at most
  one date: an answer that lists other values instead is wrong.
- **Lists** must name every expected item; an item that must not be there (stopped,
  resolved) fails the answer unless its sentence marks it as past.
- Every positive answer must cite at least one record (``kind == "record"``).
- A chunk dump ("Here is what I found in your records…") is wrong whatever it contains; so is
  an answer to a one-fact question that mentions more than 4 dates or cites more than 5
  records (a count of n: n + 1 and n + 2).

``judge(..., lenient=True)`` is a diagnostic, not the score: a yes/no answer also passes
when it does not open with Yes/No but is plainly right (expected No: it says not found, or
marks the item stopped/resolved; expected Yes: it names the item and cites it).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from eval.understanding.expected import Json, fold

MONTHS: dict[str, int] = {}
for _i, _names in enumerate([
    ("january", "jan", "janvier", "janv"), ("february", "feb", "fevrier", "fevr", "fev"),
    ("march", "mar", "mars"), ("april", "apr", "avril", "avr"), ("may", "mai"),
    ("june", "jun", "juin"), ("july", "jul", "juillet", "juil"),
    ("august", "aug", "aout"), ("september", "sep", "sept", "septembre"),
    ("october", "oct", "octobre"), ("november", "nov", "novembre"),
    ("december", "dec", "decembre"),
], start=1):
    for _n in _names:
        MONTHS[_n] = _i
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE_PATTERNS = [
    ("ymd", re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")),
    ("dmy_word", re.compile(
        rf"(?<!\d)(\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b\.?,?\s+(\d{{4}})\b")),
    ("mdy_word", re.compile(
        rf"\b({_MONTH})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")),
    ("numeric", re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)")),
]
MARKER = re.compile(r"\[\d+\]")
SIMPLE_NUMBER = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?")
GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[,. ]\d{3})+(?:[.,]\d{1,2})?(?![\d])")
DUMP_OPENINGS = ("here is what i found in your records", "here's what i found in your records",
                 "here is what i found", "voici ce que j'ai trouve")
NOT_FOUND = re.compile(
    r"\bnot (?:find|found|see|seeing|have|locate|listed|recorded|documented|available|present"
    r"|in your|on file|any)\b"
    r"|\bno (?:record|result|data|information|mention|entr|measurement|test|reading|value"
    r"|documented|known|allerg|medication|condition|active|current|such|imaging|scan|mri"
    r"|vaccin|immuni)"
    r"|\bnothing\b|\bnone\b|\bcould ?n[o']?t find|\bcan[' ]?n?o?t find|\bunable to find"
    r"|\bdo(?:n't| not) (?:see|have)|\bthere (?:is|are|was|were) no\b|\bis(?:n't| not) any"
    r"|\bare(?:n't| not) any|\bno .{0,40}\b(?:in|on) (?:your|the) (?:record|file|chart)"
    r"|pas trouve|\baucune?\b|\brien\b|ne figure|n'apparai|n'ai pas|\bpas de\b|\bpas d'"
    r"|ne trouve|ne contient|introuvable|n'y a pas|ne vois pas|n'existe pas")
PAST = re.compile(
    r"\b(?:stopped|ended|discontinued|resolved|inactive|past|previous|previously|former"
    r"|formerly|no longer|history of|was active|expired|arrete|termine|ancien|anciens|resolu"
    r"|gueri|plus actif|interrompu)\b")
NUMBER_WORDS = {
    "zero": 0, "once": 1, "two": 2, "twice": 2, "deux": 2, "three": 3, "trois": 3,
    "four": 4, "quatre": 4, "five": 5, "cinq": 5, "six": 6, "seven": 7, "sept": 7, "eight": 8,
    "huit": 8, "nine": 9, "neuf": 9, "ten": 10, "dix": 10, "eleven": 11, "onze": 11,
    "twelve": 12, "douze": 12,
}
# Words that are counts only before a visit noun ("one visit", "une consultation").
COUNTED = re.compile(
    r"\b(one|a single|un|une|une seule|un seul|no|aucune?)\s+(?:\w+\s+)?(?:visits?|encounters?"
    r"|appointments?|times?|consultations?|visites?|rendez-vous|fois)\b")
SINGLE_FACT = {"value", "date", "count", "yesno", "amount", "names_any"}


def plain(text: str) -> str:
    """Lower case, accents and typographic quotes/spaces normalised; punctuation kept."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def find_dates(text: str) -> list[tuple[dt.date, int, int]]:
    """Every date written in ``text`` (already :func:`plain`), with its span; a numeric
    day/month date that reads both ways yields both."""
    out: list[tuple[dt.date, int, int]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            g = m.groups()
            triples: list[tuple[int, int, int]]
            if kind == "ymd":
                triples = [(int(g[0]), int(g[1]), int(g[2]))]
            elif kind == "dmy_word":
                triples = [(int(g[2]), MONTHS[g[1]], int(g[0]))]
            elif kind == "mdy_word":
                triples = [(int(g[2]), MONTHS[g[0]], int(g[1]))]
            else:
                triples = [(int(g[2]), int(g[1]), int(g[0])), (int(g[2]), int(g[0]), int(g[1]))]
            found = False
            for y, mo, d in triples:
                try:
                    out.append((dt.date(y, mo, d), m.start(), m.end()))
                    found = True
                except ValueError:
                    continue
            if found:
                taken.append((m.start(), m.end()))
    return out


def _without(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    return "".join(chars)


def numbers(text: str) -> set[float]:
    """Every reading of every number in ``text`` (already :func:`plain`), dates and
    citation markers left out."""
    text = MARKER.sub(" ", text)
    text = _without(text, [(a, b) for _, a, b in find_dates(text)])
    out: set[float] = set()
    for m in SIMPLE_NUMBER.finditer(text):
        tok = m.group()
        out.add(float(tok.replace(",", ".")))
        if re.fullmatch(r"\d{1,3},\d{3}", tok):
            out.add(float(tok.replace(",", "")))
    for m in GROUPED_NUMBER.finditer(text):
        tok = m.group()
        dec = re.search(r"[.,](\d{1,2})$", tok)
        body = tok[: dec.start()] if dec else tok
        value = float(re.sub(r"[,. ]", "", body) + (f".{dec.group(1)}" if dec else ""))
        out.add(value)
    return out


def integers(text: str) -> set[int]:
    text = MARKER.sub(" ", text)
    text = _without(text, [(a, b) for _, a, b in find_dates(text)])
    out = {int(m.group()) for m in re.finditer(r"(?<![\d.,])\d+(?![\d]|[.,]\d)", text)}
    out |= {NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text) if w in NUMBER_WORDS}
    out |= {0 if m.group(1) in {"no", "aucun", "aucune"} else 1
            for m in COUNTED.finditer(text)}
    return out


def _close(found: Iterable[float], target: float, rel: float, floor: float) -> bool:
    tol = max(floor, abs(target) * rel)
    return any(abs(x - target) <= tol + 1e-9 for x in found)


def _has_name(folded_answer: str, name: str) -> bool:
    needle = fold(name)
    if not needle:
        return False
    return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?:s|es)?(?![a-z0-9])",
                     folded_answer) is not None


def _has_unit(text: str, words: Sequence[str]) -> bool:
    for w in words:
        w = plain(w)
        if w[:1].isalnum():
            if re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text):
                return True
        elif w in text:
            return True
    return False


def _first_word(text: str) -> str:
    m = re.match(r"[\W_\d]*([a-z]+)", text)
    return m.group(1) if m else ""


def _record_citations(answer: Json) -> list[Json]:
    cites = answer.get("citations") or []
    return [c for c in cites if isinstance(c, dict) and c.get("kind") == "record"]


def _segments(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;!?])\s+|\n+", text) if s.strip()]


def _check_value(exp: Json, nums: set[float], dates: set[dt.date], text: str,
                 ) -> str | None:
    rel = float(exp.get("tolerance", 0.006))
    targets = [exp["value"], *exp.get("alt_values", [])]
    if not any(_close(nums, float(t), rel, 0.051) for t in targets):
        return f"missing value {_show(exp['value'])}"
    for extra in exp.get("also", []):
        if not _close(nums, float(extra), rel, 0.051):
            return f"missing value {_show(extra)}"
    if dt.date.fromisoformat(exp["date"]) not in dates:
        return f"missing date {exp['date']}"
    if exp.get("unit_words") and not _has_unit(text, exp["unit_words"]):
        return f"missing unit {exp['unit']}"
    return None


def _check_series(exp: Json, nums: set[float], dates: set[dt.date]) -> str | None:
    points = exp["points"]
    latest = points[-1]
    if exp["need"] == "all":
        for p in points:
            if not _close(nums, float(p["value"]), 0.006, 0.051) or not all(
                    _close(nums, float(a), 0.006, 0.051) for a in p.get("also", [])):
                return f"missing {_show(p['value'])} of {p['date']}"
        return None
    if not _close(nums, float(latest["value"]), 0.006, 0.051):
        return f"missing latest value {_show(latest['value'])}"
    if dt.date.fromisoformat(latest["date"]) not in dates:
        return f"missing latest date {latest['date']}"
    others = [p for p in points[:-1]
              if abs(float(p["value"]) - float(latest["value"])) > 0.051]
    if others and not any(_close(nums, float(p["value"]), 0.006, 0.051) for p in others):
        return "only the latest value, no history"
    return None


def _show(v: Any) -> str:
    return f"{float(v):.4g}" if isinstance(v, int | float) else str(v)


def _lenient_yesno(expected: Json, raw: str, text: str, records: Sequence[Json]) -> bool:
    if _first_word(text) in {"yes", "oui", "no", "non"}:
        return False  # it did open with yes/no: the strict verdict stands
    if not expected["yes"]:
        return bool(NOT_FOUND.search(text) or PAST.search(text) or "status: stopped" in text)
    named = any(_has_name(fold(raw), n) for n in expected.get("names", []))
    return named and bool(records) and not NOT_FOUND.search(text)


def judge(expected: Json, answer: Json, lenient: bool = False) -> tuple[bool, str]:
    """(correct, reason) for one answer; ``reason`` says what was missing or wrong."""
    if not isinstance(answer, dict) or answer.get("error") or not isinstance(
            answer.get("answer"), str):
        why = answer.get("error") if isinstance(answer, dict) else answer
        return False, f"no answer: {str(why)[:120]}"
    raw = answer["answer"]
    text = plain(raw)
    folded = fold(raw)
    kind = expected["kind"]
    records = _record_citations(answer)
    found = find_dates(text)
    dates = {d for d, _, _ in found}
    stripped = text.lstrip(" *#>-_\n")
    if stripped.startswith(DUMP_OPENINGS):
        return False, "chunk dump"
    key = "names_any" if kind == "names" and "any_of" in expected else kind
    if key in SINGLE_FACT:
        allowed = max(4, int(expected.get("n", 0)) + 1)
        if len(dates) > allowed or len(records) > allowed + 1:
            return False, f"lists many items ({len(dates)} dates, {len(records)} records)"

    if kind == "absent":
        if not NOT_FOUND.search(text):
            return False, "does not say it is not in the records"
        if len(records) > 1 or len(dates) > 1:
            return False, f"lists other values ({len(records)} records, {len(dates)} dates)"
        return True, "ok"

    if kind == "yesno":
        if lenient and _lenient_yesno(expected, raw, text, records):
            return True, "ok (lenient)"
        first = _first_word(text)
        if first not in {"yes", "no", "oui", "non"}:
            return False, f"does not start with yes/no ({first or 'empty'!r})"
        said_yes = first in {"yes", "oui"}
        if said_yes != bool(expected["yes"]):
            return False, f"said {first}, expected {'yes' if expected['yes'] else 'no'}"
        if said_yes and not records:
            return False, "no record cited"
        return True, "ok"

    if not records:
        return False, "no record cited"
    nums = numbers(text)
    problem: str | None = None
    if kind == "value":
        problem = _check_value(expected, nums, dates, text)
    elif kind == "series":
        problem = _check_series(expected, nums, dates)
    elif kind == "date":
        if dt.date.fromisoformat(expected["date"]) not in dates:
            problem = f"missing date {expected['date']}"
    elif kind == "count":
        if int(expected["n"]) not in integers(text):
            problem = f"missing count {expected['n']}"
    elif kind == "amount":
        targets = [expected["value"], *expected.get("alt_values", [])]
        if not any(_close(nums, float(t), 0.0005, 0.51) for t in targets):
            problem = f"missing amount {expected['value']:.2f}"
    elif kind == "names":
        if "any_of" in expected and not any(_has_name(folded, n) for n in expected["any_of"]):
            problem = f"missing {expected['any_of'][0]!r}"
        for group in expected.get("all_of", []):
            if not any(_has_name(folded, n) for n in group):
                problem = f"missing item {group[0]!r}"
                break
        if problem is None:
            for name in expected.get("none_of", []):
                for seg in _segments(raw):
                    if _has_name(fold(seg), name) and not PAST.search(plain(seg)):
                        problem = f"lists inactive item {name!r}"
                        break
                if problem:
                    break
    else:
        raise ValueError(f"unknown expected kind {kind!r}")
    return (False, problem) if problem else (True, "ok")


def describe(expected: Json) -> str:
    """A short human form of an expected answer, for reports."""
    kind = expected["kind"]
    if kind == "value":
        extra = "/" + "/".join(_show(a) for a in expected.get("also", []))
        return (f"{_show(expected['value'])}{extra if expected.get('also') else ''} "
                f"{expected.get('unit', '')} on {expected['date']}")
    if kind == "series":
        pts = expected["points"]
        return f"{len(pts)} results, latest {_show(pts[-1]['value'])} on {pts[-1]['date']}"
    if kind == "yesno":
        return ("yes" if expected["yes"] else "no") + (
            f" ({expected['state']})" if expected.get("state") else "")
    if kind == "count":
        return f"{expected['n']} in {expected.get('year')}"
    if kind == "date":
        return str(expected["date"])
    if kind == "amount":
        return f"{expected['value']:.2f} {expected.get('currency', '')}"
    if kind == "names":
        if "any_of" in expected:
            return "one of " + ", ".join(expected["any_of"][:3])
        return "; ".join(g[0] for g in expected["all_of"])
    return "not in the records"


__all__ = ["describe", "find_dates", "integers", "judge", "numbers", "plain"]
