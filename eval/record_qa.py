"""Record question answering on the Synthea patients: does ``Service.ask`` state the right
value, date or list items from a person's own records, and cite the record that holds them?

Expected answers are computed here from each bundle's JSON with plain code, never through the
pipeline (no parser, planner or facts store), then written with the same formatting helpers
the answers use (``rag.core.types.human_number``, ``rag.answering.compose.human_unit``
and ``human_date``), so a correct answer contains every expected string verbatim. Questions
are templates filled at run time with names and years read from the JSON; no dataset text
lives in the repository.

Kinds of case (planner intent in brackets):

- ``latest_value`` [value]: the latest result of a lab or vital the patient has (A1c, total
  cholesterol, LDL, glucose, creatinine, weight, BMI, blood pressure, heart rate). Latest =
  latest ``effectiveDateTime`` instant. Expected: value + unit, the day.
- ``value_in_year`` [trend]: "What was my weight in 2015?": every result of that year (each
  value and day), the year with most results (at most 10, what one answer lists; ties: the
  later year). Two measurements per patient, rotating; also every measurement with two
  different results at the same instant, asked for that year (both must be listed).
- ``allergies`` / ``medications`` / ``conditions`` [list]: active items only (allergy and
  condition ``clinicalStatus`` active, or recurrence/relapse for conditions; MedicationRequest
  ``status`` active). One line per distinct name: its name and the day of its latest active
  record. Names that are only inactive/stopped/resolved must *not* appear (``expect_none``).
- ``vaccines`` [list]: completed immunizations, each distinct vaccine with its latest dose day.
- ``flu_shot`` [list]: "When did I last get the flu shot?": the latest influenza dose.
- ``last_procedure`` [check_item]: "When was my last colonoscopy?" for a distinctive word of
  the patient's procedure names: the day of the latest one and its name.
- ``on_drug`` [check_item]: "Am I on metformin?" for an active medication: its name, its
  prescription day and the word "active".

Pass rule: every ``expect_all`` string is in the answer (case-insensitive), no
``expect_none`` string is, and the citations hold: every group of ``cite_groups`` has at
least one id cited as a *record* citation (lists: one group per expected item, so every
item's resource must be cited; a trend: one group per value). A group holds several ids
when equivalent records tie (same name and day, or the same value at the same instant).
Without groups, one of ``expect_resource_ids`` (the union of the groups) must be cited.
The answer's intent is reported but does not decide a pass.

Not generated, because no single answer is right: a latest value where two observations
share the latest instant with different values (Synthea writes some panels twice).

    python -m eval.record_qa                      # real embedder, all patients
    python -m eval.record_qa --fake --max-patients 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shlex
import shutil
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.plots import bar_chart
from rag.answering.compose import human_date, human_unit
from rag.answering.sensitive import is_sensitive
from rag.core.types import human_number

if TYPE_CHECKING:
    from rag.service import Service

Json = dict[str, Any]

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "synthea_fhir_r4" / "bundles"
DEFAULT_OUT = ROOT / "eval" / "reports" / "record_qa.md"
TREND_SHOWN = 10  # most results one trend answer lists; years with more are not asked
PER_PATIENT = 2  # at most this many procedure / drug / year cases per patient
LANG = "en"

__all__ = [
    "MEASURES",
    "Case",
    "CaseResult",
    "Entry",
    "Measure",
    "Point",
    "build_cases",
    "cases_for_bundle",
    "drug_word",
    "entries",
    "judge",
    "main",
    "observation_points",
    "quantity_text",
    "render_report",
    "resources",
    "run_cases",
]


# ------------------------------------------------------------------ cases


@dataclass
class Case:
    patient_file: str  # path of the patient's bundle
    user: str  # vault user id: the bundle's file stem
    intent: str  # the planner intent of a correct route
    question: str
    expect_all: list[str]  # substrings the answer must contain (case-insensitive)
    expect_resource_ids: set[str]  # ids of the records that hold the answer
    kind: str
    cite_groups: list[frozenset[str]] = field(default_factory=list)  # each: one id cited
    expect_none: list[str] = field(default_factory=list)  # substrings it must not contain
    facts: list[tuple[str, str]] = field(default_factory=list)  # (value text, ISO day)


@dataclass(frozen=True)
class Measure:
    key: str
    codes: frozenset[str]  # LOINC codes that mean this measurement
    question: str  # the latest-value question
    year_question: str  # with {year}
    blood_pressure: bool = False


MEASURES: tuple[Measure, ...] = (
    Measure("hba1c", frozenset({"4548-4", "17856-6"}), "What was my last A1c?",
            "What was my A1c in {year}?"),
    Measure("total_cholesterol", frozenset({"2093-3"}), "What's my latest cholesterol?",
            "What was my cholesterol in {year}?"),
    Measure("ldl", frozenset({"18262-6", "13457-7", "2089-1"}), "What was my most recent LDL?",
            "What was my LDL in {year}?"),
    Measure("glucose", frozenset({"2339-0", "2345-7", "41653-7", "32016-8"}),
            "What was my last blood sugar?", "What was my blood sugar in {year}?"),
    Measure("creatinine", frozenset({"38483-4", "2160-0", "14682-9"}),
            "What was my latest creatinine?", "What was my creatinine in {year}?"),
    Measure("weight", frozenset({"29463-7", "3141-9"}), "What is my most recent weight?",
            "What was my weight in {year}?"),
    Measure("bmi", frozenset({"39156-5"}), "What is my current BMI?",
            "What was my BMI in {year}?"),
    Measure("blood_pressure", frozenset({"85354-9", "55284-4"}),
            "What was my blood pressure at my last visit?",
            "What was my blood pressure in {year}?", blood_pressure=True),
    Measure("heart_rate", frozenset({"8867-4"}), "What was my last pulse?",
            "What was my heart rate in {year}?"),
)
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"

# Words a person would use for a procedure, as they appear in procedure names.
PROCEDURE_WORDS: tuple[tuple[str, str], ...] = (
    ("colonoscopy", "colonoscopy"),
    ("spirometry", "spirometry"),
    ("x-ray", "X-ray"),
    ("cardioversion", "cardioversion"),
    ("prostatectomy", "prostatectomy"),
    ("polypectomy", "polypectomy"),
    ("appendectomy", "appendectomy"),
    ("echocardiogram", "echocardiogram"),
    ("mammogram", "mammogram"),
    ("biopsy", "biopsy"),
    ("intubation", "intubation"),
    ("ultrasound", "ultrasound"),
)
# Words of medication names that say nothing about the drug (forms, salts, units).
DRUG_FILLER = frozenset(
    {
        "oral", "tablet", "tablets", "capsule", "capsules", "solution", "injection",
        "injectable", "extended", "release", "hour", "chewable", "inhaler", "inhalant",
        "metered", "dose", "powder", "actuat", "auto-injector", "prefilled", "syringe",
        "suspension", "transdermal", "patch", "mucosal", "spray", "human", "sodium",
        "potassium", "calcium", "hydrochloride", "acetate", "sulfate", "succinate",
        "bitartrate", "maleate", "propionate", "vaginal", "ring", "regular", "isophane",
        "product", "containing", "topical", "cream", "ointment", "drops", "free", "delayed",
        "film", "coated", "disintegrating", "medication",
    }
)
FLU_CVX = frozenset(
    {"15", "16", "88", "111", "135", "140", "141", "144", "149", "150", "151", "153", "155",
     "158", "161", "166", "168", "171", "185", "186", "197", "205"}
)
ACTIVE_CONDITION = frozenset({"active", "recurrence", "relapse"})
NOT_REAL = frozenset({"entered-in-error", "refuted"})


def _fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in norm if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z][a-z-]{3,}", _fold(text))


def _concept_name(concept: Any) -> str | None:
    """A CodeableConcept as people read it: its text, else a coding's display, else a code."""
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    for key in ("display", "code"):
        for coding in codings:
            if coding.get(key):
                return str(coding[key])
    return None


def _codes(concept: Any) -> set[str]:
    if not isinstance(concept, dict):
        return set()
    return {str(c["code"]) for c in concept.get("coding") or [] if isinstance(c, dict)
            and c.get("code")}


def _status(concept: Any) -> str | None:
    """A status that is a code or a CodeableConcept, as a lower-case code."""
    if isinstance(concept, str):
        return concept.lower()
    codes = sorted(_codes(concept))
    if codes:
        return codes[0].lower()
    name = _concept_name(concept)
    return name.lower() if name else None


def _instant(value: str) -> dt.datetime:
    """A FHIR date/dateTime/instant as an aware datetime (dates: midnight UTC)."""
    text = value.strip().replace("Z", "+00:00")
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def resources(bundle: Json) -> list[tuple[Json, str]]:
    """(resource, id) of every entry; an entry without ``id`` takes its ``urn:uuid:`` fullUrl."""
    out: list[tuple[Json, str]] = []
    for entry in bundle.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            continue
        if res["resourceType"] == "Bundle":
            out.extend(resources(res))
            continue
        full_url = str(entry.get("fullUrl") or "")
        rid = res.get("id") or (full_url.removeprefix("urn:uuid:") if full_url else "")
        if rid:
            out.append((res, str(rid)))
    return out


# ------------------------------------------------------------------ values


@dataclass(frozen=True)
class Point:
    rid: str
    instant: dt.datetime
    day: str  # the record's own calendar day, as answers show it
    text: str  # the value as an answer states it: "80.3 kg", "120/80 mmHg"


def quantity_text(q: Any) -> str | None:
    if not isinstance(q, dict) or q.get("value") is None:
        return None
    unit = q.get("unit") or q.get("code")
    return f"{human_number(float(q['value']))} {human_unit(unit)}".strip()


def _bp_text(obs: Json) -> str | None:
    values: dict[str, tuple[float, str | None]] = {}
    for comp in obs.get("component") or []:
        q = comp.get("valueQuantity") if isinstance(comp, dict) else None
        if not isinstance(q, dict) or q.get("value") is None:
            continue
        for code in _codes(comp.get("code")):
            values[code] = (float(q["value"]), q.get("unit") or q.get("code"))
    if SYSTOLIC not in values or DIASTOLIC not in values:
        return None
    (s, unit), (d, _) = values[SYSTOLIC], values[DIASTOLIC]
    return f"{human_number(s)}/{human_number(d)} {human_unit(unit) or 'mmHg'}"


def observation_points(items: Iterable[tuple[Json, str]], measure: Measure) -> list[Point]:
    """Every usable result of ``measure``, oldest first."""
    points: list[Point] = []
    for res, rid in items:
        if res["resourceType"] != "Observation" or res.get("status") in NOT_REAL:
            continue
        if not _codes(res.get("code")) & measure.codes:
            continue
        when = (
            res.get("effectiveDateTime")
            or (res.get("effectivePeriod") or {}).get("start")
            or res.get("effectiveInstant")
            or res.get("issued")
        )
        if not isinstance(when, str) or not re.match(r"\d{4}-\d{2}-\d{2}", when):
            continue
        text = _bp_text(res) if measure.blood_pressure else quantity_text(res.get("valueQuantity"))
        if text is None:
            continue
        points.append(Point(rid, _instant(when), when[:10], text))
    points.sort(key=lambda p: (p.instant, p.rid))
    return points


def _latest_case(path: Path, measure: Measure, points: list[Point]) -> Case | None:
    last = points[-1]
    tied = [p for p in points if p.instant == last.instant]
    if len({p.text for p in tied}) > 1:
        return None  # two different results at the same instant: no single right answer
    group = frozenset(p.rid for p in tied)
    return Case(
        patient_file=str(path),
        user=path.stem,
        intent="value",
        question=measure.question,
        expect_all=[last.text, human_date(last.day, LANG)],
        expect_resource_ids=set(group),
        kind="latest_value",
        cite_groups=[group],
        facts=[(last.text, last.day)],
    )


def _has_tie(points: list[Point]) -> bool:
    texts: dict[dt.datetime, set[str]] = defaultdict(set)
    for p in points:
        texts[p.instant].add(p.text)
    return any(len(t) > 1 for t in texts.values())


def _year_case(path: Path, measure: Measure, points: list[Point]) -> Case | None:
    """The year with most results (ties: the later); a year with a same-instant tie first."""
    by_year: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        by_year[p.day[:4]].append(p)
    fitting = [
        (_has_tie(ps), len(ps), year) for year, ps in by_year.items() if len(ps) <= TREND_SHOWN
    ]
    if not fitting:
        return None
    *_, year = max(fitting)
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for p in by_year[year]:
        groups[(p.day, p.text)].add(p.rid)
    expect = _unique(s for day, text in groups for s in (text, human_date(day, LANG)))
    return Case(
        patient_file=str(path),
        user=path.stem,
        intent="trend",
        question=measure.year_question.format(year=year),
        expect_all=expect,
        expect_resource_ids={rid for ids in groups.values() for rid in ids},
        kind="value_in_year",
        cite_groups=[frozenset(ids) for ids in groups.values()],
        facts=[(text, day) for day, text in groups],
    )


# ------------------------------------------------------------------ items


@dataclass(frozen=True)
class Entry:
    category: str
    rid: str
    name: str
    day: str | None
    active: bool
    codes: frozenset[str] = frozenset()


def _day(value: Any) -> str | None:
    if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def _medication_name(res: Json, by_ref: dict[str, Json]) -> str | None:
    name = _concept_name(res.get("medicationCodeableConcept"))
    if name:
        return name
    ref = res.get("medicationReference")
    if isinstance(ref, dict):
        target = by_ref.get(str(ref.get("reference")))
        if target is not None:
            return _concept_name(target.get("code"))
        return str(ref["display"]) if ref.get("display") else None
    return None


def entries(items: Sequence[tuple[Json, str]]) -> list[Entry]:
    """Allergies, medications, conditions, immunizations and procedures, with whether each
    counts as current (active / completed)."""
    by_ref: dict[str, Json] = {}
    for res, rid in items:
        by_ref[f"{res['resourceType']}/{rid}"] = res
        by_ref[f"urn:uuid:{rid}"] = res
    out: list[Entry] = []
    for res, rid in items:
        rtype = res["resourceType"]
        verification = _status(res.get("verificationStatus"))
        if verification in NOT_REAL or res.get("status") == "entered-in-error":
            continue
        if rtype == "AllergyIntolerance":
            name = _concept_name(res.get("code"))
            day = _day(res.get("recordedDate")) or _day(res.get("onsetDateTime"))
            active = _status(res.get("clinicalStatus")) == "active"
            out.append(Entry("allergy", rid, name or "", day, active))
        elif rtype == "MedicationRequest":
            name = _medication_name(res, by_ref)
            day = _day(res.get("authoredOn"))
            out.append(Entry("medication", rid, name or "", day, res.get("status") == "active"))
        elif rtype == "Condition":
            name = _concept_name(res.get("code"))
            day = (
                _day(res.get("onsetDateTime"))
                or _day((res.get("onsetPeriod") or {}).get("start"))
                or _day(res.get("recordedDate"))
            )
            active = _status(res.get("clinicalStatus")) in ACTIVE_CONDITION
            out.append(Entry("condition", rid, name or "", day, active))
        elif rtype == "Immunization":
            name = _concept_name(res.get("vaccineCode"))
            day = _day(res.get("occurrenceDateTime"))
            codes = frozenset(_codes(res.get("vaccineCode")))
            done = res.get("status") == "completed"
            out.append(Entry("immunization", rid, name or "", day, done, codes))
        elif rtype == "Procedure":
            name = _concept_name(res.get("code"))
            day = _day(res.get("performedDateTime")) or _day(
                (res.get("performedPeriod") or {}).get("start")
            )
            done = res.get("status") not in {"not-done", "entered-in-error"}
            out.append(Entry("procedure", rid, name or "", day, done))
    return [e for e in out if e.name]


def _unique(strings: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for s in strings:
        if s and s.lower() not in {k.lower() for k in seen}:
            seen[s] = None
    return list(seen)


def _latest_by_name(active: list[Entry]) -> list[tuple[str, str | None, frozenset[str]]]:
    """(name, latest day, ids of that name on that day) per distinct name, by name."""
    by_name: dict[str, list[Entry]] = defaultdict(list)
    for e in active:
        by_name[_fold(e.name)].append(e)
    out: list[tuple[str, str | None, frozenset[str]]] = []
    for key in sorted(by_name):
        group = by_name[key]
        latest = max((e.day or "" for e in group), default="")
        chosen = [e for e in group if (e.day or "") == latest]
        out.append((chosen[0].name, latest or None, frozenset(e.rid for e in chosen)))
    return out


LIST_QUESTIONS: dict[str, tuple[str, str]] = {
    "allergy": ("allergies", "What am I allergic to?"),
    "medication": ("medications", "What medications am I taking?"),
    "condition": ("conditions", "What medical conditions are in my records?"),
    "immunization": ("vaccines", "What vaccines have I had?"),
}


def _list_case(path: Path, category: str, all_entries: list[Entry]) -> Case | None:
    # Issue 15's rule: a generic list names no record of a sensitive category
    # (reproductive and sexual health, mental health, substance use, HIV); those appear
    # only when asked for directly. The categories are the product's policy data.
    mine = [e for e in all_entries if e.category == category and not is_sensitive(e.name)]
    hidden = sorted({e.name for e in all_entries
                     if e.category == category and e.active and is_sensitive(e.name)})
    active = [e for e in mine if e.active]
    if not active:
        return None
    kind, question = LIST_QUESTIONS[category]
    lines = _latest_by_name(active)
    expect = _unique(
        s for name, day, _ in lines for s in (name, human_date(day, LANG) if day else "")
    )
    active_names = [_fold(name) for name, _, _ in lines]
    gone = sorted({e.name for e in mine if not e.active})
    none = [n for n in gone if not any(_fold(n) in a for a in active_names)] + hidden
    groups = [ids for _, _, ids in lines]
    return Case(
        patient_file=str(path),
        user=path.stem,
        intent="list",
        question=question,
        expect_all=expect,
        expect_resource_ids={rid for ids in groups for rid in ids},
        kind=kind,
        cite_groups=groups,
        expect_none=none,
    )


def _is_flu(e: Entry) -> bool:
    return bool(e.codes & FLU_CVX) or "influenza" in _fold(e.name)


def _flu_case(path: Path, all_entries: list[Entry]) -> Case | None:
    flu = [e for e in all_entries if e.category == "immunization" and e.active and e.day]
    flu = [e for e in flu if _is_flu(e)]
    if not flu:
        return None
    latest = max(e.day or "" for e in flu)
    chosen = [e for e in flu if e.day == latest]
    group = frozenset(e.rid for e in chosen)
    return Case(
        patient_file=str(path),
        user=path.stem,
        intent="list",
        question="When did I last get the flu shot?",
        expect_all=_unique([*(e.name for e in chosen), human_date(latest, LANG)]),
        expect_resource_ids=set(group),
        kind="flu_shot",
        cite_groups=[group],
    )


def _other_words(all_entries: list[Entry], category: str) -> set[str]:
    return {w for e in all_entries if e.category != category for w in _words(e.name)}


def _procedure_cases(path: Path, all_entries: list[Entry]) -> list[Case]:
    procs = [e for e in all_entries if e.category == "procedure" and e.active and e.day]
    elsewhere = _other_words(all_entries, "procedure")
    cases: list[Case] = []
    for word, spoken in PROCEDURE_WORDS:
        if len(cases) >= PER_PATIENT or word in elsewhere:
            continue
        hits = [e for e in procs if word in _words(e.name)]
        if not hits:
            continue
        latest = max(e.day or "" for e in hits)
        chosen = [e for e in hits if e.day == latest]
        group = frozenset(e.rid for e in chosen)
        cases.append(
            Case(
                patient_file=str(path),
                user=path.stem,
                intent="check_item",
                question=f"When was my last {spoken}?",
                expect_all=_unique([human_date(latest, LANG), *sorted(e.name for e in chosen)]),
                expect_resource_ids=set(group),
                kind="last_procedure",
                cite_groups=[group],
            )
        )
    return cases


def drug_word(name: str) -> str | None:
    """The word a person would say for a medication: its first word that names the drug."""
    for word in _words(name):
        if word not in DRUG_FILLER and word.replace("-", "").isalpha():
            return word
    return None


def _drug_cases(path: Path, all_entries: list[Entry]) -> list[Case]:
    active = [e for e in all_entries if e.category == "medication" and e.active]
    elsewhere = _other_words(all_entries, "medication")
    lines = sorted(_latest_by_name(active), key=lambda x: (x[1] or "", x[0]), reverse=True)
    cases: list[Case] = []
    used: set[str] = set()
    for name, day, ids in lines:
        word = drug_word(name)
        if len(cases) >= PER_PATIENT or word is None or word in elsewhere or word in used:
            continue
        used.add(word)
        cases.append(
            Case(
                patient_file=str(path),
                user=path.stem,
                intent="check_item",
                question=f"Am I on {word}?",
                expect_all=_unique([name, human_date(day, LANG) if day else "", "active"]),
                expect_resource_ids=set(ids),
                kind="on_drug",
                cite_groups=[ids],
            )
        )
    return cases


def cases_for_bundle(path: Path, index: int = 0) -> list[Case]:
    """Every case for one patient; ``index`` rotates which measurements get a year case."""
    bundle = json.loads(path.read_text(encoding="utf-8"))
    items = resources(bundle)
    cases: list[Case] = []
    measured: list[tuple[Measure, list[Point]]] = []
    for measure in MEASURES:
        points = observation_points(items, measure)
        if not points:
            continue
        measured.append((measure, points))
        latest = _latest_case(path, measure, points)
        if latest is not None:
            cases.append(latest)
    # two measurements per patient get a year question, rotating over patients; so does
    # every measurement with two different results at one instant (the year lists both)
    picks = {measured[(index + k) % len(measured)][0].key for k in (0, 3)} if measured else set()
    picks |= {m.key for m, points in measured if _has_tie(points)}
    for measure, points in measured:
        if measure.key in picks:
            year = _year_case(path, measure, points)
            if year is not None:
                cases.append(year)
    all_entries = entries(items)
    for category in LIST_QUESTIONS:
        listed = _list_case(path, category, all_entries)
        if listed is not None:
            cases.append(listed)
    flu = _flu_case(path, all_entries)
    if flu is not None:
        cases.append(flu)
    cases.extend(_procedure_cases(path, all_entries))
    cases.extend(_drug_cases(path, all_entries))
    return cases


def build_cases(bundle_dir: Path, max_patients: int | None = None) -> list[Case]:
    """Cases for every ``*.json`` bundle in ``bundle_dir`` (sorted by name), or the first
    ``max_patients`` of them."""
    files = sorted(bundle_dir.glob("*.json"))
    if max_patients is not None:
        files = files[:max_patients]
    out: list[Case] = []
    for index, path in enumerate(files):
        out.extend(cases_for_bundle(path, index))
    return out


# ------------------------------------------------------------------ running


@dataclass
class CaseResult:
    case: Case
    passed: bool
    answer: str
    intent: str | None
    cited: list[str]  # resource ids of the record citations, in marker order
    missing: list[str]  # expected strings not in the answer
    unexpected: list[str]  # expect_none strings found in the answer
    uncited: list[list[str]]  # citation groups with no id cited
    seconds: float


# A SNOMED display's semantic tag is not part of the name a person reads: "Plain chest
# X-ray (procedure)" is named "plain chest X-ray" in an answer.
_SEMANTIC_TAG = re.compile(r"\s*\((?:disorder|finding|procedure|situation|substance|"
                           r"qualifier value|morphologic abnormality|regime/therapy|"
                           r"observable entity|body structure)\)\s*$", re.IGNORECASE)
_PAST_MARK = re.compile(r"\b(?:inactive|resolved|stopped|no longer|in the past|marked)\b")


def _plain(expected: str) -> str:
    return _SEMANTIC_TAG.sub("", expected).strip() or expected


def _named_as_current(name: str, low: str) -> bool:
    """``name`` is in the answer, in a sentence that does not say it is past or inactive
    (a list may mention an inactive allergy, said as such)."""
    return any(name in s and not _PAST_MARK.search(s) for s in re.split(r"(?<=[.!?])\s+", low))


def judge(case: Case, answer: str, cited: Sequence[str]) -> tuple[list[str], list[str],
                                                                   list[list[str]]]:
    """(missing strings, unexpected strings, uncited groups) of one answer."""
    low = answer.lower()
    missing = [s for s in case.expect_all if _plain(s).lower() not in low]
    unexpected = [s for s in case.expect_none if _named_as_current(_plain(s).lower(), low)]
    got = set(cited)
    groups = case.cite_groups or ([frozenset(case.expect_resource_ids)]
                                  if case.expect_resource_ids else [])
    uncited = [sorted(g) for g in groups if not g & got]
    return missing, unexpected, uncited


def run_cases(service: Service, cases: Sequence[Case]) -> dict[str, Any]:
    """Ingest each patient into its own vault (user = file stem), ask every question and
    judge the answers. Returns accuracy overall and per kind, the failures and every result."""
    started = time.perf_counter()
    ingested: dict[str, str] = {}
    for case in cases:
        if case.user in ingested:
            continue
        summary = service.ingest(case.user, [Path(case.patient_file)])
        statuses = {f.status for f in summary.files}
        ingested[case.user] = ",".join(sorted(statuses))
    ingest_seconds = time.perf_counter() - started
    results: list[CaseResult] = []
    for case in cases:
        t = time.perf_counter()
        ans = service.ask(case.user, case.question)
        seconds = time.perf_counter() - t
        cited = [
            c.source.resource_id
            for c in ans.citations
            if c.kind == "record" and c.source.resource_id is not None
        ]
        missing, unexpected, uncited = judge(case, ans.answer, cited)
        results.append(
            CaseResult(
                case=case,
                passed=not missing and not unexpected and not uncited,
                answer=ans.answer,
                intent=ans.intent,
                cited=cited,
                missing=missing,
                unexpected=unexpected,
                uncited=uncited,
                seconds=seconds,
            )
        )
    per_kind: dict[str, dict[str, float]] = {}
    for kind in sorted({r.case.kind for r in results}):
        mine = [r for r in results if r.case.kind == kind]
        ok = sum(r.passed for r in mine)
        per_kind[kind] = {"cases": len(mine), "passed": ok, "accuracy": ok / len(mine)}
    passed = sum(r.passed for r in results)
    failures = [
        {
            "user": r.case.user,
            "kind": r.case.kind,
            "question": r.case.question,
            "expected": r.case.expect_all,
            "missing": r.missing,
            "unexpected": r.unexpected,
            "uncited": r.uncited,
            "intent": r.intent,
            "got": r.answer if len(r.answer) <= 600 else r.answer[:600] + " …",
        }
        for r in results
        if not r.passed
    ]
    ask_times = sorted(r.seconds for r in results)
    return {
        "cases": len(results),
        "passed": passed,
        "accuracy": passed / len(results) if results else 0.0,
        "per_kind": per_kind,
        "failures": failures,
        "results": results,
        "patients": len(ingested),
        "ingest": ingested,
        "ingest_seconds": ingest_seconds,
        "ask_p50_ms": 1000 * ask_times[len(ask_times) // 2] if ask_times else 0.0,
        "intent_mismatches": sum(r.intent != r.case.intent for r in results),
    }


# ------------------------------------------------------------------ report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_report(summary: dict[str, Any], *, command: str, embedder: str, data: str) -> str:
    lines = [
        "# Record question answering (Synthea FHIR R4 patients)",
        "",
        f"Command: `{command}`. Embedder: {embedder}. Data: `{data}`.",
        "",
        "Each patient's bundle is ingested into its own vault; every question is asked through "
        "`Service.ask`. Expected answers are computed from the bundle JSON by "
        "`eval/record_qa.py` (not by the pipeline). A case passes when the answer contains "
        "every expected string (value + unit, day, item names), none of the names that must "
        "be left out (inactive/stopped/resolved items), and cites the record(s) holding the "
        "answer: lists must cite every item, trends every value.",
        "",
        f"**Accuracy: {summary['passed']}/{summary['cases']} = {summary['accuracy']:.1%}** "
        f"over {summary['patients']} patients "
        f"(ingest {summary['ingest_seconds']:.0f} s, ask p50 {summary['ask_p50_ms']:.0f} ms; "
        f"answers whose intent differs from the expected route: "
        f"{summary['intent_mismatches']}).",
        "",
        "| kind | cases | passed | accuracy |",
        "|---|---|---|---|",
    ]
    for kind, row in summary["per_kind"].items():
        lines.append(
            f"| {kind} | {int(row['cases'])} | {int(row['passed'])} | {row['accuracy']:.1%} |"
        )
    lines += ["", "## Failures", ""]
    if not summary["failures"]:
        lines.append("None.")
    for f in summary["failures"]:
        lines += [
            f"- **{_cell(f['question'])}** ({f['kind']}, `{f['user']}`, intent {f['intent']})",
            f"  - expected: {_cell('; '.join(f['expected']))}",
        ]
        if f["missing"]:
            lines.append(f"  - missing: {_cell('; '.join(f['missing']))}")
        if f["unexpected"]:
            lines.append(f"  - must not appear: {_cell('; '.join(f['unexpected']))}")
        if f["uncited"]:
            groups = "; ".join("/".join(g) for g in f["uncited"])
            lines.append(f"  - not cited: {_cell(groups)}")
        lines.append(f"  - got: {_cell(f['got'])}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of bundles")
    parser.add_argument("--max-patients", type=int, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Markdown report")
    parser.add_argument("--fake", action="store_true", help="fake hash embedder (fast)")
    args = parser.parse_args(argv)

    from rag.core.settings import EmbeddingSettings, Settings
    from rag.embedder import Embedder, FakeEmbedder, SentenceTransformerEmbedder
    from rag.service import Service

    cases = build_cases(args.data, args.max_patients)
    if not cases:
        print(f"no cases: no usable bundles in {args.data}", file=sys.stderr)
        return 2
    embedder: Embedder
    if args.fake:
        emb_settings = EmbeddingSettings.model_validate(
            {"backend": "fake", "model_id": "fake-hash-bow"}
        )
        embedder = FakeEmbedder()
    else:
        emb_settings = EmbeddingSettings.model_validate({})
        embedder = SentenceTransformerEmbedder(emb_settings)
    tmp = Path(tempfile.mkdtemp(prefix="healthrag-record-qa-"))
    try:
        settings = Settings.model_validate({"data_dir": tmp, "embedding": emb_settings})
        service = Service(settings, embedder=embedder)
        try:
            service.ensure_starter_knowledge()
            summary = run_cases(service, cases)
        finally:
            service.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    shown = ["python", "-m", "eval.record_qa", *(argv if argv is not None else sys.argv[1:])]
    try:
        data = str(args.data.resolve().relative_to(ROOT.parent))
        data = f"../{data}"
    except ValueError:
        data = str(args.data)
    report = render_report(
        summary,
        command=shlex.join(shown),
        embedder=f"{embedder.model_id} ({'fake' if args.fake else 'sentence-transformers'})",
        data=data,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    png = args.out.with_suffix(".png")
    per_kind = sorted(summary["per_kind"].items())
    bar_chart(png, "Record QA accuracy per question kind", [k for k, _ in per_kind],
              [100 * v["passed"] / v["cases"] for _, v in per_kind], xlabel="accuracy (%)",
              reference=95, reference_label="target 95 %", xmax=105)
    report += f"\n![accuracy per kind]({png.name})\n"
    args.out.write_text(report, encoding="utf-8")
    kinds = ", ".join(f"{k} {v['accuracy']:.0%}" for k, v in summary["per_kind"].items())
    print(f"{summary['passed']}/{summary['cases']} = {summary['accuracy']:.1%} ({kinds})")
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

