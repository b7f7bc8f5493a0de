"""Lab results read from the text of a report: one line, one test.

A lab report prints each result as a row: test name, value, flag, unit, reference
interval (in a few orders, e.g. LabCorp ``name value flag units interval`` and Quest
``name value interval units``). PDF text, DOCX tables rendered as ``a | b | c`` and
HTML tables all reduce to such lines, so one line reader serves every format.

The reader is deliberately strict, because a wrong number is worse than a missing
one: a line yields a result only when

- the text before the value is *entirely* a lab test name of the project vocabulary
  (``rag/core/terms.yaml``), give or take qualifiers such as ``, Serum``;
- everything after the name is a value followed only by a flag, a known unit, a
  reference interval (and LabCorp's two-digit lab code), in one of the usual orders;
- a numeric value comes with a unit, an interval or a flag.

Prose ("her glucose was 95 yesterday"), radiology measurements and addresses fail
these rules and yield nothing. Values stay as printed (``value_text`` keeps ``<0.5``
and ``Negative``), units are normalised to UCUM and names mapped to LOINC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from rag.core.terms import Term, vocabulary
from rag.core.text import fold
from rag.core.types import MONTH_NUMBERS, Measurement

LOINC = "http://loinc.org"
MAX_LINE_CHARS = 200  # a longer line is prose, not a result row
MAX_NAME_CHARS = 60

# Printed unit (folded: lower case, µ -> u) -> UCUM.  Vocabulary units follow UCUM too
# (``m[IU]/L``, ``10*3/uL``), so facts from documents and from FHIR line up.
UNIT_MAP: dict[str, str] = {
    "mg/dl": "mg/dL", "g/dl": "g/dL", "g/l": "g/L", "mg/l": "mg/L", "ug/l": "ug/L",
    "ng/dl": "ng/dL", "ng/ml": "ng/mL", "pg/ml": "pg/mL", "ng/l": "ng/L", "mg/g": "mg/g",
    "mg/mmol": "mg/mmol", "mmol/l": "mmol/L", "umol/l": "umol/L", "nmol/l": "nmol/L",
    "pmol/l": "pmol/L", "mmol/mol": "mmol/mol", "meq/l": "meq/L", "mval/l": "meq/L",
    "ug/dl": "ug/dL", "mcg/dl": "ug/dL", "ug/ml": "ug/mL", "mcg/ml": "ug/mL", "%": "%",
    "u/l": "U/L", "iu/l": "U/L", "ui/l": "U/L", "u/ml": "U/mL", "ku/l": "k[IU]/L",
    "kiu/l": "k[IU]/L", "kua/l": "k[IU]/L", "iu/ml": "[IU]/mL", "ui/ml": "[IU]/mL",
    "miu/l": "m[IU]/L", "mui/l": "m[IU]/L", "uiu/ml": "m[IU]/L", "miu/ml": "m[IU]/mL",
    "x10e3/ul": "10*3/uL", "x10^3/ul": "10*3/uL", "10^3/ul": "10*3/uL", "10e3/ul": "10*3/uL",
    "10*3/ul": "10*3/uL", "x10(3)/ul": "10*3/uL", "k/ul": "10*3/uL", "thou/ul": "10*3/uL",
    "10^3/mm3": "10*3/uL", "x10e6/ul": "10*6/uL", "x10^6/ul": "10*6/uL", "10^6/ul": "10*6/uL",
    "10e6/ul": "10*6/uL", "10*6/ul": "10*6/uL", "x10(6)/ul": "10*6/uL", "m/ul": "10*6/uL",
    "mil/ul": "10*6/uL", "10^6/mm3": "10*6/uL", "10^9/l": "10*9/L", "x10^9/l": "10*9/L",
    "x10e9/l": "10*9/L", "10^12/l": "10*12/L", "x10^12/l": "10*12/L",
    "x10e12/l": "10*12/L", "fl": "fL", "pg": "pg", "s": "s", "sec": "s", "seconds": "s",
    "ml/min/1.73m2": "mL/min/{1.73_m2}", "ml/min/1.73 m2": "mL/min/{1.73_m2}",
    "ml/min/1.73m^2": "mL/min/{1.73_m2}", "ml/min/1,73m2": "mL/min/{1.73_m2}",
    "ml/min": "mL/min", "mm/h": "mm/h", "mm/hr": "mm/h", "titer": "{titer}",
    "ratio": "{ratio}", "mosm/kg": "mosm/kg",
}
_UNIT_ALTERNATION = "|".join(
    re.escape(u).replace("u", "[uµμ]") for u in sorted(UNIT_MAP, key=len, reverse=True)
)

# A code more specific than the term's first LOINC code, when the unit says so.
LOINC_BY_UNIT: dict[tuple[str, str], str] = {
    ("glucose", "mmol/L"): "15074-8",
    ("total_cholesterol", "mmol/L"): "14647-2",
    ("triglycerides", "mmol/L"): "14927-8",
    ("creatinine", "umol/L"): "14682-9",
    ("hba1c", "mmol/mol"): "59261-8",
    ("hemoglobin", "mmol/L"): "59260-0",
    ("calcium", "mmol/L"): "2000-8",
    ("neutrophils", "%"): "770-8",  # Neutrophils/100 leukocytes in Blood
    ("lymphocytes", "%"): "736-9",  # Lymphocytes/100 leukocytes in Blood
}

# Printed names the vocabulary lacks, mapped to its keys.  Keep this list short: new
# synonyms belong in terms.yaml.
EXTRA_NAMES: dict[str, str] = {
    "lymphs": "lymphocytes", "neutrophils absolute": "neutrophils",
    "lymphocytes absolute": "lymphocytes", "lymphs absolute": "lymphocytes",
    "alkaline phosphatase s": "alp", "protein total": "total_protein",
    "urea nitrogen": "bun", "bun": "bun", "ag ratio": "albumin_globulin_ratio",
    "glucose fasting": "glucose", "specific gravity urine": "urine_specific_gravity",
    "ph urine": "urine_ph", "tsh 3rd generation": "tsh", "vitamin d 25 hydroxy": "vitamin_d",
    "vitamin d 25 oh": "vitamin_d", "vitamin d3 25 hydroxy": "vitamin_d",
    "globulin total": "globulin",
}

# Vocabulary "lab" terms that are not laboratory tests (a report's measurements).
NOT_LAB_TESTS = frozenset({"polyp_size", "fev1_fvc"})

# Trailing words that qualify a test name without changing what it measures.
_QUALIFIERS = frozenset({
    "serum", "plasma", "blood", "whole", "s", "p", "sp", "ser", "bld", "calc", "calculated",
    "cal", "auto", "automated", "level", "result", "quant", "quantitative", "ifa", "nih",
    "test", "absolute", "abs", "measured", "ia", "eia",
})
# Never qualifiers: words that change the test ("urine", "free", "direct", "total").

_QUALITATIVE = (
    r"non[- ]?reactive|reactive|not detected|detected|negative|positive|trace|"
    r"indeterminate|equivocal|borderline|absent|present|n[ée]gatif|positif"
)
_NUM = r"\d+(?:[.,]\d+)?"
_FLAG = r"HH|LL|H\*?|L\*?|A|High|Low|Abnormal|Critical|\*{1,2}|\(H\)|\(L\)|\[H\]|\[L\]"
_SEP = r"[ \t]+"
_RANGE = (
    rf"[(\[]?(?:(?P<lo>{_NUM})\s*(?:-|–|—|to|à)\s*(?P<hi>{_NUM})"
    rf"|(?P<op>[<>]=?|≤|≥)\s*(?P<lim>{_NUM})"
    rf"|(?P<titer>[<>]?\s*1:\d+)"
    rf"|(?P<qref>{_QUALITATIVE}))[)\]]?"
)
_REST = re.compile(
    rf"^{_SEP}(?:(?P<cmp>[<>]=?|≤|≥)\s?(?P<num>{_NUM})|(?P<num2>{_NUM})|(?P<qual>{_QUALITATIVE})"
    rf"|(?P<titerv>1:\d+))"
    rf"(?:\s*(?P<flag1>{_FLAG})(?![\w/]))?"
    rf"(?:\s*(?P<unit1>{_UNIT_ALTERNATION})(?![\w/^]))?"
    rf"(?:{_SEP}(?P<flag2>{_FLAG})(?![\w/]))?"
    rf"(?:{_SEP}(?P<range>{_RANGE}))?"
    rf"(?:{_SEP}(?P<unit2>{_UNIT_ALTERNATION})(?![\w/^]))?"
    rf"(?:{_SEP}(?P<flag3>{_FLAG})(?![\w/]))?"
    rf"(?:{_SEP}\d{{2}})?"  # LabCorp's performing-lab code column
    r"\s*$",
    re.IGNORECASE,
)
_FLAGS: dict[str, str] = {
    "h": "H", "h*": "H", "(h)": "H", "[h]": "H", "high": "H", "l": "L", "l*": "L",
    "(l)": "L", "[l]": "L", "low": "L", "hh": "HH", "ll": "LL", "a": "A", "abnormal": "A",
    "*": "A", "**": "A", "critical": "A",
}
_RANGE_LINE = re.compile(rf"^\s*(?:{_QUALITATIVE})\s+[<>]?\s*(?:1:\d+|{_NUM})\s*$", re.I)

# ------------------------------------------------------------------ dates

_MONTHS = {
    **MONTH_NUMBERS,
    **{m: i + 1 for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])},
    "sept": 9, "févr": 2, "fevr": 2, "janv": 1, "avr": 4, "juil": 7, "déc": 12,
}
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DATE = re.compile(
    r"(?<![\d/.-])(?:"
    r"(?P<y1>\d{4})[-/.](?P<m1>\d{1,2})[-/.](?P<d1>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y2>\d{4}|\d{2})"
    rf"|(?P<d3>\d{{1,2}})(?:er)?[\s-]+(?P<m3>{_MONTH_RE})\.?[\s-]+(?P<y3>\d{{4}})"
    rf"|(?P<m4>{_MONTH_RE})\.?\s+(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y4>\d{{4}})"
    r")(?![\d/])",
    re.IGNORECASE,
)
# Labels in priority order: when the specimen was taken beats when it was reported.
_DATE_LABELS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"(?:date\s+(?:and\s+time\s+)?collected|collection\s+date|date\s+of\s+collection"
        r"|specimen\s+collected|collected(?:\s+on)?|date\s+de\s+pr[ée]l[èe]vement"
        r"|pr[ée]lev[ée]\s+le)",
        r"(?:date\s+of\s+service|service\s+date)",
        r"(?:date\s+(?:and\s+time\s+)?reported|report\s+date|reported(?:\s+on)?"
        r"|date\s+du\s+compte[- ]rendu)",
    )
)
_LABEL_WINDOW_LINES = 8  # a label in a header table may sit a few lines above its value


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO ``YYYY-MM-DD``; US month-first when ambiguous."""
    for m in _DATE.finditer(text):
        iso = _match_to_iso(m)
        if iso:
            return iso
    return None


def _match_to_iso(m: re.Match[str]) -> str | None:
    g = m.groupdict()
    try:
        if g["y1"]:
            y, mo, d = int(g["y1"]), int(g["m1"]), int(g["d1"])
        elif g["y2"]:
            a, b, y = int(g["a"]), int(g["b"]), int(g["y2"])
            if len(g["y2"]) == 2:
                y += 2000 if y < 70 else 1900
            # Dots are European (day first); slashes are US unless the first part > 12.
            day_first = g["sep"] == "." or a > 12
            mo, d = (b, a) if day_first else (a, b)
        elif g["y3"]:
            y, mo, d = int(g["y3"]), _MONTHS[g["m3"].lower()], int(g["d3"])
        else:
            y, mo, d = int(g["y4"]), _MONTHS[g["m4"].lower()], int(g["d4"])
        return date(y, mo, d).isoformat()
    except (ValueError, KeyError):
        return None


def find_report_date(text: str) -> str | None:
    """The collection date of a report (else date of service, else report date).

    The date is the first one on the label's line after the label, or else the first
    date in the few lines below it (header tables print labels above values).
    """
    lines = text.splitlines()
    for label in _DATE_LABELS:
        for i, line in enumerate(lines):
            m = label.search(line)
            if not m:
                continue
            found = parse_date(line[m.end():])
            if found:
                return found
            for below in lines[i + 1 : i + 1 + _LABEL_WINDOW_LINES]:
                found = parse_date(below)
                if found:
                    return found
    return None


# ------------------------------------------------------------------ names


@dataclass(frozen=True)
class LabResult:
    """One result row, with offsets of its line in the text it was read from."""

    name: str  # as printed
    term: Term
    loinc: str
    value: float | None
    value_text: str | None
    unit: str | None  # UCUM
    unit_printed: str | None
    ref_low: float | None
    ref_high: float | None
    ref_text: str | None
    flag: str | None
    effective: str | None
    start: int
    end: int

    def measurement(self) -> Measurement:
        return Measurement(
            code_system=LOINC,
            code=self.loinc,
            display=self.term.display_en,
            value=self.value,
            unit=self.unit,
            value_text=self.value_text,
            effective=self.effective,
            ref_low=self.ref_low,
            ref_high=self.ref_high,
            ref_text=self.ref_text,
            interpretation=self.flag,
            category="laboratory",
        )


def _lab_names() -> dict[str, str]:
    names: dict[str, str] = {}
    vocab = vocabulary()
    for term in vocab.terms.values():
        if term.kind != "lab" or not term.loinc or term.key in NOT_LAB_TESTS:
            continue
        for name in (*term.synonyms, term.display_en, term.display_fr,
                     term.key.replace("_", " ")):
            key = _normalise_name(name)
            if len(key) >= 2:
                names.setdefault(key, term.key)
    for name, key in EXTRA_NAMES.items():
        names.setdefault(_normalise_name(name), key)
    return names


_NAMES: dict[str, str] | None = None


def _normalise_name(name: str) -> str:
    text = fold(name).replace("-", " ")
    text = re.sub(r"[,:;()\[\]]", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def lab_term(name: str) -> Term | None:
    """The vocabulary lab term a printed test name denotes, or None when not sure."""
    global _NAMES
    if _NAMES is None:
        _NAMES = _lab_names()
    if len(name) > MAX_NAME_CHARS:
        return None
    vocab = vocabulary()
    candidates = [_normalise_name(name)]
    without_parens = _normalise_name(re.sub(r"\([^)]*\)", " ", name))
    candidates.append(without_parens)
    for candidate in candidates:
        words = candidate.split()
        while words:
            key = _NAMES.get(" ".join(words))
            if key:
                return vocab.terms[key]
            if words[-1] not in _QUALIFIERS:
                break
            words = words[:-1]
    return None


def normalise_unit(printed: str | None) -> str | None:
    """The UCUM form of a printed unit, or None when unknown."""
    if not printed:
        return None
    folded = printed.strip().lower().replace("µ", "u").replace("μ", "u")
    return UNIT_MAP.get(folded)


def loinc_for(term: Term, unit: str | None) -> str:
    return LOINC_BY_UNIT.get((term.key, unit or ""), term.loinc[0])


def _number(text: str) -> float:
    # A comma is a decimal mark ("5,6" in French reports) unless it groups thousands.
    if re.fullmatch(r"[1-9]\d{0,2}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


# ------------------------------------------------------------------ lines


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for line in text.splitlines(keepends=True):
        yield start, start + len(line.rstrip("\r\n"))
        start += len(line)


def _read_line(line: str) -> tuple[str, Term, re.Match[str]] | None:
    # Table cells arrive as "a | b | c"; bars and tabs are separators like spaces.
    clean = line.replace("|", " ").replace("\t", " ").replace("\u00a0", " ")
    lead = len(clean) - len(clean.lstrip(" -•*·"))
    body = clean[lead:]
    for boundary in re.finditer(r"[ ]+", body):
        name = body[: boundary.start()]
        if len(name) > MAX_NAME_CHARS:
            return None
        rest = _REST.match(body[boundary.start():])
        if not rest:
            continue
        term = lab_term(name)
        if term is None:
            continue
        return name.strip(), term, rest
    return None


def _result(name: str, term: Term, m: re.Match[str], effective: str | None,
            start: int, end: int) -> LabResult | None:
    g = m.groupdict()
    flags = [f for f in (g["flag1"], g["flag2"], g["flag3"]) if f]
    units = [u for u in (g["unit1"], g["unit2"]) if u]
    if len(flags) > 1 or len(units) > 1:
        return None  # two flags or two units: not a row we understand
    unit_printed = units[0] if units else None
    unit = normalise_unit(unit_printed)
    value: float | None = None
    value_text: str | None = None
    if g["num2"]:
        value = _number(g["num2"])
    elif g["num"]:
        value_text = f"{g['cmp']}{g['num']}"
    elif g["titerv"]:
        value_text = g["titerv"]
    else:
        value_text = g["qual"]
    if value is not None and not (unit or g["range"] or flags):
        return None  # a bare number after a name is not enough
    ref_low = ref_high = None
    ref_text = g["range"].strip("()[] ") if g["range"] else None
    if g["lo"] and g["hi"]:
        ref_low, ref_high = _number(g["lo"]), _number(g["hi"])
    elif g["lim"]:
        limit = _number(g["lim"])
        ref_low, ref_high = (None, limit) if g["op"] in ("<", "<=", "≤") else (limit, None)
    flag = _FLAGS.get(flags[0].lower()) if flags else None
    return LabResult(
        name=name, term=term, loinc=loinc_for(term, unit), value=value, value_text=value_text,
        unit=unit, unit_printed=unit_printed, ref_low=ref_low, ref_high=ref_high,
        ref_text=ref_text, flag=flag, effective=effective, start=start, end=end,
    )


def extract_labs(text: str, *, effective: str | None = None) -> list[LabResult]:
    """Every result row in ``text``.

    ``effective`` is the report date when the caller knows it (a date found on an
    earlier page); a collection date printed in ``text`` itself wins.
    """
    when = find_report_date(text) or effective
    results: list[LabResult] = []
    spans = list(_lines(text))
    for i, (start, end) in enumerate(spans):
        line = text[start:end]
        if len(line) > MAX_LINE_CHARS or not any(c.isdigit() or c.isalpha() for c in line):
            continue
        read = _read_line(line)
        if read is None:
            continue
        result = _result(*read, when, start, end)
        if result is None:
            continue
        if result.ref_text is None:
            result = _with_interval_lines(result, text, spans[i + 1 :])
        results.append(result)
    return results


def _with_interval_lines(result: LabResult, text: str,
                         below: list[tuple[int, int]]) -> LabResult:
    """Attach an interval printed on the lines below (``Negative <1:80`` ...)."""
    parts: list[str] = []
    end = result.end
    for start, stop in below[:6]:
        line = text[start:stop]
        if not _RANGE_LINE.match(line):
            break
        parts.append(" ".join(line.split()))
        end = stop
    if not parts:
        return result
    return replace(result, ref_text="; ".join(parts), end=end)


def mapped_tests() -> list[Term]:
    """The lab terms this reader can map (the vocabulary's lab terms with a LOINC code)."""
    return [
        t for t in vocabulary().terms.values()
        if t.kind == "lab" and t.loinc and t.key not in NOT_LAB_TESTS
    ]
