"""Expected answers computed straight from a raw Synthea FHIR R4 bundle, with plain ``json``.

Nothing here imports the product (no ingest, facts store, planner or formatter): the point is
an answer key that cannot share the product's bugs. Each expected answer is structured data
that :mod:`eval.understanding.score` matches against the answer text:

- ``{"kind": "value", "value": 6.1, "unit": "%", "date": "2019-04-02"}`` (blood pressure adds
  ``"also": [diastolic]``; unit questions add ``"unit_words"``; ties at the latest instant add
  ``"alt_values"``)
- ``{"kind": "series", "points": [{"value", "date"}...], "need": "all" | "latest+1"}``
- ``{"kind": "yesno", "yes": true}`` (conditions and drugs add the ``names`` that make it yes)
- ``{"kind": "count", "n": 4}``
- ``{"kind": "date", "date": "2019-04-02"}``
- ``{"kind": "names", "any_of": [...]}`` (one of them), or ``"all_of": [[alts]...]`` (every
  group) with ``"none_of"`` (names that must not appear: stopped or resolved items)
- ``{"kind": "amount", "value": 1234.56, "alt_values": [...], "currency": "USD"}``
- ``{"kind": "absent"}``

Every positive expectation also lists ``sources``: the ids of the resources that hold it.

FHIR semantics used:
- Condition: active = ``clinicalStatus`` active/recurrence/relapse, no ``abatement[x]``,
  ``verificationStatus`` not refuted/entered-in-error.
- MedicationRequest: active = ``status == "active"``.
- AllergyIntolerance: active = ``clinicalStatus`` active (absent counts as active), not
  refuted/entered-in-error.
- Immunization: ``status`` completed (or absent), ``vaccineCode`` CVX, ``occurrenceDateTime``.
- Observation: LOINC ``code`` (or component code), ``effectiveDateTime`` (else period start,
  else ``issued``); ``entered-in-error``/``cancelled`` are ignored.
- Encounter: ``period.start``; ``participant.individual`` → Practitioner (by fullUrl, by
  ``Type/id`` or ``Practitioner?identifier=system|value``, else the reference's display);
  ``serviceProvider`` → Organization likewise.
- Costs: ``ExplanationOfBenefit.total`` (submitted, else the first total) summed by the year of
  ``billablePeriod.start``; also accepted: the ``Claim.total`` sums (with and without pharmacy
  claims) by the year of ``Claim.billablePeriod.start``. Payer: the latest EOB's ``insurer``
  display (or its contained Coverage's payor display).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

Json = dict[str, Any]

QUESTIONS = Path(__file__).with_name("questions.yaml")
LOINC = "http://loinc.org"
CVX = "http://hl7.org/fhir/sid/cvx"
ACTIVE_CONDITION = {"active", "recurrence", "relapse"}
NOT_REAL = {"refuted", "entered-in-error"}
NOT_DONE = {"entered-in-error", "cancelled", "not-done"}
FR_ARTICLE = re.compile(
    r"^(?:de l'|de la |du |des |d'|l'|la |le |les |une |un |aux |au |à la |à l'|a la |a l')",
    re.IGNORECASE,
)


def load_vocab(path: Path = QUESTIONS) -> Json:
    """The ``vocab`` and ``types`` of questions.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "vocab" not in data or "types" not in data:
        raise ValueError(f"{path}: expected top-level 'vocab' and 'types'")
    return data


def fold(text: str) -> str:
    """Lower case, accents removed, anything but letters and digits turned into one space."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("œ", "oe").replace("æ", "ae")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def strip_article(name: str) -> str:
    return FR_ARTICLE.sub("", name.strip()).strip()


def clean_display(name: str) -> str:
    """A coded display without SNOMED's semantic tag: 'Anemia (disorder)' → 'Anemia'."""
    name = re.sub(r"\s*\((?:disorder|finding|situation|procedure|morphologic abnormality|"
                  r"body structure|the)\)\s*$", "", name.strip(), flags=re.IGNORECASE)
    return name.strip(" -")


def _day(value: str | None) -> str | None:
    if not value or len(value) < 10 or not re.match(r"\d{4}-\d{2}-\d{2}", value):
        return None
    return value[:10]


def _instant(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _codes(concept: Any, system: str | None = None) -> set[str]:
    if not isinstance(concept, dict):
        return set()
    return {str(c.get("code")) for c in concept.get("coding", []) or []
            if c.get("code") is not None and (system is None or c.get("system") == system)}


def _display(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    for coding in concept.get("coding", []) or []:
        if coding.get("display"):
            return str(coding["display"])
    return str(concept.get("text") or "")


def _status(concept: Any) -> str | None:
    codes = sorted(_codes(concept))
    return codes[0] if codes else None


# ------------------------------------------------------------------ facts from one bundle


@dataclass(frozen=True)
class Point:
    """One measurement: the value as recorded, its day and the resource holding it."""

    value: float
    unit: str
    day: str
    when: dt.datetime
    rid: str
    also: tuple[float, ...] = ()


@dataclass(frozen=True)
class Visit:
    rid: str
    when: dt.datetime
    day: str
    reasons: tuple[str, ...]
    types: tuple[str, ...]
    practitioners: tuple[tuple[str, ...], ...]  # one tuple of name forms per participant
    organization: str | None


@dataclass
class Record:
    """A patient's bundle, read with plain json, and the facts the questions need."""

    path: Path
    vocab: Json
    resources: list[Json] = field(default_factory=list)
    by_ref: dict[str, Json] = field(default_factory=dict)
    by_identifier: dict[tuple[str, str, str], Json] = field(default_factory=dict)
    _points: dict[str, list[Point]] = field(default_factory=dict, repr=False)
    _by_type: dict[str, list[Json]] = field(default_factory=dict, repr=False)
    _concepts: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path, vocab: Json | None = None) -> Record:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        rec = cls(path=path, vocab=(vocab or load_vocab())["vocab"])
        entries = bundle.get("entry", []) if bundle.get("resourceType") == "Bundle" else [
            {"resource": bundle}]
        for entry in entries:
            res = entry.get("resource")
            if not isinstance(res, dict):
                continue
            rtype = str(res.get("resourceType"))
            if not res.get("id") and str(entry.get("fullUrl", "")).startswith("urn:uuid:"):
                res = {**res, "id": str(entry["fullUrl"]).removeprefix("urn:uuid:")}
            rec.resources.append(res)
            rec._by_type.setdefault(rtype, []).append(res)
            if entry.get("fullUrl"):
                rec.by_ref[str(entry["fullUrl"])] = res
            if res.get("id"):
                rec.by_ref[f"{rtype}/{res['id']}"] = res
                rec.by_ref[f"urn:uuid:{res['id']}"] = res
            for ident in res.get("identifier", []) or []:
                if ident.get("value") is not None:
                    key = (rtype, str(ident.get("system", "")), str(ident["value"]))
                    rec.by_identifier[key] = res
        return rec

    # -------------------------------------------------------------- plumbing

    def of(self, rtype: str) -> list[Json]:
        return list(self._by_type.get(rtype, []))

    def resolve(self, ref: Any, rtype: str) -> Json | None:
        if not isinstance(ref, dict):
            return None
        target = str(ref.get("reference") or "")
        if target in self.by_ref:
            return self.by_ref[target]
        if target.startswith(f"{rtype}?identifier="):
            value = target.split("=", 1)[1]
            system, _, code = value.rpartition("|")
            hit = self.by_identifier.get((rtype, system, code))
            if hit is not None:
                return hit
            for (kind, _sys, val), res in self.by_identifier.items():
                if kind == rtype and val == code:
                    return res
        return None

    @cached_property
    def patient(self) -> Json:
        patients = self.of("Patient")
        if not patients:
            raise ValueError(f"{self.path}: no Patient resource")
        return patients[0]

    @property
    def patient_id(self) -> str:
        return str(self.patient.get("id"))

    @property
    def family(self) -> str:
        names = self.patient.get("name") or [{}]
        return str(names[0].get("family") or "")

    # -------------------------------------------------------------- measurements

    def points(self, measure: str) -> list[Point]:
        """Every result of a measurement, oldest first."""
        if measure not in self._points:
            self._points[measure] = self._read_points(measure)
        return self._points[measure]

    def _read_points(self, measure: str) -> list[Point]:
        spec = self.vocab["measures"][measure]
        loinc = set(spec["loinc"])
        comps: Mapping[str, str] | None = spec.get("components")
        out: list[Point] = []
        for obs in self.of("Observation"):
            if obs.get("status") in NOT_DONE:
                continue
            when_s = (obs.get("effectiveDateTime")
                      or (obs.get("effectivePeriod") or {}).get("start") or obs.get("issued"))
            when, day = _instant(when_s), _day(when_s)
            if when is None or day is None or not (_codes(obs.get("code"), LOINC) & loinc):
                continue
            if comps:
                vals: dict[str, float] = {}
                for comp in obs.get("component", []) or []:
                    q = comp.get("valueQuantity") or {}
                    for role, code in comps.items():
                        if code in _codes(comp.get("code")) and q.get("value") is not None:
                            vals[role] = float(q["value"])
                if "systolic" in vals and "diastolic" in vals:
                    out.append(Point(vals["systolic"], "mm[Hg]", day, when, str(obs["id"]),
                                     (vals["diastolic"],)))
                continue
            q = obs.get("valueQuantity") or {}
            if q.get("value") is None:
                continue
            out.append(Point(float(q["value"]), str(q.get("unit") or q.get("code") or ""),
                             day, when, str(obs["id"])))
        out.sort(key=lambda p: p.when)
        return out

    def measures_present(self, group: str | None = None) -> list[str]:
        return [m for m, spec in self.vocab["measures"].items()
                if (group is None or spec.get("group") == group) and self.points(m)]

    # -------------------------------------------------------------- conditions

    def _condition_is_active(self, cond: Json) -> bool:
        if any(k.startswith("abatement") for k in cond):
            return False
        if _status(cond.get("verificationStatus")) in NOT_REAL:
            return False
        return bool(_codes(cond.get("clinicalStatus")) & ACTIVE_CONDITION)

    def conditions(self, active: bool | None = None) -> list[Json]:
        return [c for c in self.of("Condition")
                if active is None or self._condition_is_active(c) == active]

    def condition_state(self, concept: str) -> str:
        """'active', 'resolved' (only inactive records), 'never', or 'ambiguous' (an active
        record of a code the concept says to avoid, e.g. prediabetes for 'diabetes')."""
        spec = self.vocab["conditions"][concept]
        codes, avoid = set(spec["snomed"]), set(spec.get("avoid", []))
        if any(_codes(c.get("code")) & avoid for c in self.conditions(active=True)):
            return "ambiguous"
        avoid_allergies = set(spec.get("avoid_allergies", []))
        if any(_codes(a.get("code")) & avoid_allergies and self._allergy_is_active(a)
               for a in self.of("AllergyIntolerance")):
            return "ambiguous"
        hits = [c for c in self.of("Condition") if _codes(c.get("code")) & codes]
        if any(self._condition_is_active(c) for c in hits):
            return "active"
        return "resolved" if hits else "never"

    # -------------------------------------------------------------- medications

    def _med_name(self, req: Json) -> str:
        if req.get("medicationCodeableConcept"):
            return _display(req["medicationCodeableConcept"])
        med = self.resolve(req.get("medicationReference"), "Medication")
        if med is not None:
            return _display(med.get("code"))
        return str((req.get("medicationReference") or {}).get("display") or "")

    def medications(self) -> list[tuple[str, str, str]]:
        """(name, status, id) of every MedicationRequest."""
        return [(self._med_name(r), str(r.get("status")), str(r.get("id")))
                for r in self.of("MedicationRequest")]

    def medication_state(self, key: str) -> str:
        """'active', 'stopped' (only non-active requests) or 'never'."""
        words = [fold(w) for w in self.vocab["medications"][key]["match"]]
        hits = [(n, s) for n, s, _ in self.medications() if any(w in fold(n) for w in words)]
        if any(s == "active" for _, s in hits):
            return "active"
        return "stopped" if hits else "never"

    # -------------------------------------------------------------- allergies

    def _allergy_is_active(self, res: Json) -> bool:
        if _status(res.get("verificationStatus")) in NOT_REAL:
            return False
        status = _status(res.get("clinicalStatus"))
        return status is None or status == "active"

    def allergen_state(self, key: str) -> str:
        """'active', 'inactive', 'never' or 'ambiguous' (an avoided neighbour is recorded)."""
        spec = self.vocab["allergens"][key]
        codes, avoid = set(spec["snomed"]), set(spec.get("avoid", []))
        words = [fold(w) for w in spec.get("keywords", [])]
        allergies = self.of("AllergyIntolerance")
        if any(_codes(a.get("code")) & avoid for a in allergies):
            return "ambiguous"
        hits = [a for a in allergies if _codes(a.get("code")) & codes
                or any(w in fold(_display(a.get("code"))) for w in words)]
        if any(self._allergy_is_active(a) for a in hits):
            return "active"
        return "inactive" if hits else "never"

    # -------------------------------------------------------------- immunizations

    def doses(self, vaccine: str) -> list[tuple[dt.datetime, str, str]]:
        cvx = set(self.vocab["vaccines"][vaccine]["cvx"])
        out = []
        for imm in self.of("Immunization"):
            if imm.get("status") not in (None, "completed"):
                continue
            codes = _codes(imm.get("vaccineCode"), CVX) or _codes(imm.get("vaccineCode"))
            when_s = imm.get("occurrenceDateTime")
            when, day = _instant(when_s), _day(when_s)
            if codes & cvx and when is not None and day is not None:
                out.append((when, day, str(imm["id"])))
        return sorted(out)

    # -------------------------------------------------------------- encounters

    def _practitioner_names(self, ref: Any) -> tuple[str, ...]:
        res = self.resolve(ref, "Practitioner")
        if res is None:
            display = str((ref or {}).get("display") or "") if isinstance(ref, dict) else ""
            return (display,) if display else ()
        name = (res.get("name") or [{}])[0]
        given = " ".join(name.get("given", []) or [])
        family = str(name.get("family") or "")
        text = str(name.get("text") or "")
        forms = [f"{given} {family}".strip(), f"dr {family}", f"doctor {family}",
                 f"docteur {family}"]
        if family and fold(family) != fold(self.family):
            forms.append(family)  # a family name alone, unless it is the patient's own
        if text:
            forms.append(text)
        return tuple(dict.fromkeys(f for f in forms if f.strip()))

    @cached_property
    def visits(self) -> list[Visit]:
        out = []
        for enc in self.of("Encounter"):
            start = (enc.get("period") or {}).get("start")
            when, day = _instant(start), _day(start)
            if when is None or day is None or enc.get("status") in NOT_DONE:
                continue
            org = self.resolve(enc.get("serviceProvider"), "Organization")
            org_name = (str(org.get("name")) if org is not None and org.get("name")
                        else (enc.get("serviceProvider") or {}).get("display"))
            out.append(Visit(
                rid=str(enc["id"]), when=when, day=day,
                reasons=tuple(_display(r) for r in enc.get("reasonCode", []) or []
                              if _display(r)),
                types=tuple(_display(t) for t in enc.get("type", []) or [] if _display(t)),
                practitioners=tuple(
                    names for p in enc.get("participant", []) or []
                    if (names := self._practitioner_names(p.get("individual")))),
                organization=str(org_name) if org_name else None,
            ))
        return sorted(out, key=lambda v: v.when)

    def last_visits(self) -> list[Visit]:
        """The latest encounter (several when they start at the same instant)."""
        if not self.visits:
            return []
        last = self.visits[-1].when
        return [v for v in self.visits if v.when == last]

    def encounter_years(self) -> Counter[int]:
        return Counter(v.when.year for v in self.visits)

    # -------------------------------------------------------------- claims

    @cached_property
    def eob_by_year(self) -> dict[int, tuple[float, list[str]]]:
        out: dict[int, tuple[float, list[str]]] = {}
        for eob in self.of("ExplanationOfBenefit"):
            when = _instant((eob.get("billablePeriod") or {}).get("start"))
            totals = eob.get("total", []) or []
            chosen = [t for t in totals if "submitted" in _codes(t.get("category"))] or totals
            if when is None or not chosen:
                continue
            value = float((chosen[0].get("amount") or {}).get("value") or 0.0)
            amount, ids = out.get(when.year, (0.0, []))
            out[when.year] = (amount + value, [*ids, str(eob["id"])])
        return out

    def claim_sums(self, year: int) -> list[float]:
        with_rx = without_rx = 0.0
        for claim in self.of("Claim"):
            when = _instant((claim.get("billablePeriod") or {}).get("start"))
            if when is None or when.year != year:
                continue
            value = float((claim.get("total") or {}).get("value") or 0.0)
            with_rx += value
            if "pharmacy" not in _codes(claim.get("type")):
                without_rx += value
        return [round(with_rx, 2), round(without_rx, 2)]

    def payers(self) -> list[tuple[dt.datetime, str, str]]:
        out = []
        for eob in self.of("ExplanationOfBenefit"):
            when = _instant((eob.get("billablePeriod") or {}).get("start"))
            name = (eob.get("insurer") or {}).get("display")
            if not name:
                for res in eob.get("contained", []) or []:
                    if res.get("resourceType") == "Coverage":
                        payor = (res.get("payor") or [{}])[0]
                        name = payor.get("display")
            if when is not None and name:
                out.append((when, str(name), str(eob["id"])))
        return sorted(out)

    # -------------------------------------------------------------- absent concepts

    def has_concept(self, concept: str) -> bool:
        """Any trace of a test, scan or wellness metric: its codes, an imaging modality, or a
        keyword in the display of an Observation, DiagnosticReport, Procedure or
        ImagingStudy (cheap and generous: a concept is 'absent' only when nothing matches)."""
        if concept not in self._concepts:
            self._concepts[concept] = self._find_concept(concept)
        return self._concepts[concept]

    def _find_concept(self, concept: str) -> bool:
        spec = self.vocab["absent_concepts"][concept]
        loinc, mods = set(spec.get("loinc", [])), set(spec.get("modalities", []))
        words = [fold(w) for w in spec.get("keywords", [])]
        for res in self.resources:
            rtype = res.get("resourceType")
            if rtype not in {"Observation", "DiagnosticReport", "Procedure", "ImagingStudy",
                             "Media", "DocumentReference"}:
                continue
            texts = [_display(res.get("code")), str((res.get("code") or {}).get("text", ""))]
            codes = _codes(res.get("code"))
            for comp in res.get("component", []) or []:
                codes |= _codes(comp.get("code"))
                texts.append(_display(comp.get("code")))
            if rtype == "ImagingStudy":
                for series in res.get("series", []) or []:
                    modality = series.get("modality") or {}
                    if modality.get("code") in mods:
                        return True
                    texts += [str(series.get("description", "")),
                              _display(series.get("bodySite"))]
                texts.append(str(res.get("description", "")))
            if codes & loinc:
                return True
            folded = " " + " ".join(fold(t) for t in texts if t) + " "
            if any(f" {w}" in folded for w in words):
                return True
        return False


# ------------------------------------------------------------------ expected answers


def _matching_alts(vocab_section: Mapping[str, Json], codes: set[str], key: str) -> list[str]:
    """Lay names (EN and FR, articles dropped) of vocab concepts sharing one of ``codes``."""
    out: list[str] = []
    for spec in vocab_section.values():
        if set(spec.get(key, [])) & codes:
            out += [strip_article(n) for n in [*spec.get("en", []), *spec.get("fr", [])]]
    return out


def _med_key(name: str) -> str:
    """The drug word of a prescription display: '24 HR Metformin hydrochloride 500 MG …' →
    'metformin'; 'Vitamin B 12 5 MG/ML …' → 'vitamin b 12'."""
    skip = {"hr", "ml", "mg", "actuat", "oral", "tablet", "day", "pack", "unt", "injection"}
    words = fold(name).split()
    for i, word in enumerate(words):
        if len(word) >= 4 and word.isalpha() and word not in skip:
            if word == "vitamin":
                return " ".join(words[i:i + 3])
            return word
    return fold(name)


def _dedupe(groups: Iterable[Sequence[str]]) -> list[list[str]]:
    seen: set[str] = set()
    out: list[list[str]] = []
    for group in groups:
        alts = [a for a in dict.fromkeys(group) if fold(a)]
        key = fold(alts[0]) if alts else ""
        if key and key not in seen:
            seen.add(key)
            out.append(alts)
    return out


def latest_value(rec: Record, measure: str) -> Json | None:
    points = rec.points(measure)
    if not points:
        return None
    last = points[-1].when
    tied = [p for p in points if p.when == last]
    head = tied[0]
    out: Json = {"kind": "value", "value": head.value, "unit": head.unit, "date": head.day,
                 "measure": measure, "sources": [p.rid for p in tied]}
    if head.also:
        out["also"] = list(head.also)
    alts = sorted({p.value for p in tied} - {head.value})
    if alts:
        out["alt_values"] = alts
    return out


def converted_value(rec: Record, conv: str) -> Json | None:
    spec = rec.vocab["conversions"][conv]
    base = latest_value(rec, spec["measure"])
    if base is None:
        return None
    factor, offset = float(spec["factor"]), float(spec.get("offset", 0.0))

    def convert(v: float) -> float:
        return round(v * factor + offset, 3)

    out: Json = {**base, "value": convert(base["value"]), "unit": spec["unit"],
                 "unit_words": list(spec["unit_words"]), "recorded": base["value"],
                 "recorded_unit": base["unit"], "tolerance": 0.02}
    if "alt_values" in base:
        out["alt_values"] = [convert(v) for v in base["alt_values"]]
    return out


def series(rec: Record, measure: str, year: int | None) -> Json | None:
    points = [p for p in rec.points(measure) if year is None or p.when.year == year]
    if not points:
        return None
    return {"kind": "series", "measure": measure, "year": year,
            "need": "all" if year is not None else "latest+1",
            "points": [{"value": p.value, "date": p.day, "also": list(p.also)}
                       for p in points],
            "sources": [p.rid for p in points]}


def condition_yesno(rec: Record, concept: str) -> Json | None:
    state = rec.condition_state(concept)
    if state == "ambiguous":
        return None
    spec = rec.vocab["conditions"][concept]
    hits = [c for c in rec.conditions(active=True) if _codes(c.get("code")) & set(spec["snomed"])]
    return {"kind": "yesno", "yes": state == "active", "state": state,
            "names": sorted({clean_display(_display(c.get("code"))) for c in hits}),
            "sources": [str(c["id"]) for c in hits]}


def medication_yesno(rec: Record, key: str) -> Json:
    words = [fold(w) for w in rec.vocab["medications"][key]["match"]]
    state = rec.medication_state(key)
    hits = [(n, i) for n, s, i in rec.medications()
            if s == "active" and any(w in fold(n) for w in words)]
    return {"kind": "yesno", "yes": state == "active", "state": state,
            "names": sorted({n for n, _ in hits}), "sources": [i for _, i in hits]}


def vaccine_or_allergen_yesno(rec: Record, slots: Mapping[str, str]) -> Json | None:
    if "vaccine" in slots:
        doses = rec.doses(slots["vaccine"])
        return {"kind": "yesno", "yes": bool(doses), "sources": [d[2] for d in doses]}
    state = rec.allergen_state(slots["allergen"])
    if state == "ambiguous":
        return None
    return {"kind": "yesno", "yes": state == "active", "state": state, "sources": []}


def allergy_list(rec: Record) -> Json:
    active: list[tuple[list[str], str]] = []
    inactive: list[tuple[list[str], str]] = []
    for res in rec.of("AllergyIntolerance"):
        name = clean_display(_display(res.get("code")))
        core = re.sub(r"(?i)^allergy to |\s*allergy$", "", name).strip()
        core = re.sub(r"\s*\(.*?\)\s*", " ", core).strip()
        alts = [name, core, *_matching_alts(rec.vocab["allergens"], _codes(res.get("code")),
                                            "snomed")]
        (active if rec._allergy_is_active(res) else inactive).append((alts, str(res["id"])))
    if not active:
        return {"kind": "absent", "what": "allergies"}
    groups = _dedupe(a for a, _ in active)
    active_keys = {fold(g[0]) for g in groups}
    return {"kind": "names", "all_of": groups,
            "none_of": [a[0] for a, _ in inactive if fold(a[0]) not in active_keys],
            "sources": [i for _, i in active]}


def medication_list(rec: Record) -> Json:
    active = [(n, i) for n, s, i in rec.medications() if s == "active"]
    if not active:
        return {"kind": "absent", "what": "medications"}
    groups = _dedupe([n, _med_key(n)] for n, _ in active)
    active_names = {fold(n) for n, _ in active}
    active_keys = {_med_key(n) for n, _ in active}
    stopped = sorted({n for n, s, _ in rec.medications() if s != "active"
                      and fold(n) not in active_names and _med_key(n) not in active_keys})
    return {"kind": "names", "all_of": groups, "none_of": stopped,
            "sources": [i for _, i in active]}


def condition_list(rec: Record) -> Json:
    active = rec.conditions(active=True)
    if not active:
        return {"kind": "absent", "what": "conditions"}
    groups = _dedupe(
        [clean_display(_display(c.get("code"))),
         *_matching_alts(rec.vocab["conditions"], _codes(c.get("code")), "snomed")]
        for c in active)
    active_codes = set().union(*(_codes(c.get("code")) for c in active))
    resolved = sorted({clean_display(_display(c.get("code")))
                       for c in rec.conditions(active=False)
                       if not _codes(c.get("code")) & active_codes})
    return {"kind": "names", "all_of": groups, "none_of": resolved,
            "sources": [str(c["id"]) for c in active]}


def encounter_count(rec: Record, year: int) -> Json:
    ids = [v.rid for v in rec.visits if v.when.year == year]
    return {"kind": "count", "n": len(ids), "year": year, "sources": ids}


def _reason_alts(visit: Visit) -> list[str]:
    out: list[str] = []
    for name in [*visit.reasons, *visit.types]:
        name = clean_display(name)
        out.append(name)
        core = re.sub(r"(?i)^encounter for\s+", "", name).strip(" '\"")
        if core and core != name:
            out.append(core)
    return list(dict.fromkeys(out))


def last_visit(rec: Record, field_: str) -> Json | None:
    last = rec.last_visits()
    if not last:
        return None
    ids = [v.rid for v in last]
    if field_ == "date":
        return {"kind": "date", "date": last[0].day, "sources": ids}
    if field_ == "reason":
        names = [a for v in last for a in _reason_alts(v)]
    elif field_ == "practitioner":
        names = [n for v in last for forms in v.practitioners for n in forms]
    else:
        names = [v.organization for v in last if v.organization]
    if not names:
        return None
    return {"kind": "names", "any_of": list(dict.fromkeys(names)), "date": last[0].day,
            "sources": ids}


def care_team(rec: Record) -> Json | None:
    """The practitioner of the latest encounter, the one seen most, or the one seen most in
    the last three years of records: any of them is a right answer to 'who is my doctor'."""
    if not rec.visits:
        return None
    names: list[str] = []
    for v in rec.last_visits():
        for forms in v.practitioners:
            names += forms
    horizon = rec.visits[-1].when - dt.timedelta(days=3 * 365)
    for pool in (rec.visits, [v for v in rec.visits if v.when >= horizon]):
        seen = Counter(forms for v in pool for forms in v.practitioners)
        if seen:
            top = max(seen.values())
            for forms, n in seen.items():
                if n == top:
                    names += forms
    if not names:
        return None
    return {"kind": "names", "any_of": list(dict.fromkeys(names)),
            "sources": [v.rid for v in rec.last_visits()]}


def immunization_date(rec: Record, vaccine: str) -> Json | None:
    doses = rec.doses(vaccine)
    if not doses:
        return None
    last = doses[-1][0]
    return {"kind": "date", "date": doses[-1][1], "vaccine": vaccine,
            "sources": [d[2] for d in doses if d[0] == last]}


def costs(rec: Record, year: int) -> Json | None:
    if year not in rec.eob_by_year:
        return None
    amount, ids = rec.eob_by_year[year]
    amount = round(amount, 2)
    alts = sorted({a for a in rec.claim_sums(year) if abs(a - amount) > 0.005})
    return {"kind": "amount", "value": amount, "alt_values": alts, "currency": "USD",
            "year": year, "sources": ids}


def payer(rec: Record) -> Json | None:
    payers = rec.payers()
    if not payers:
        return None
    last = payers[-1]
    horizon = last[0] - dt.timedelta(days=365)
    recent = Counter(name for when, name, _ in payers if when >= horizon)
    names = [last[1], *(n for n, c in recent.items() if c == max(recent.values()))]
    return {"kind": "names", "any_of": list(dict.fromkeys(names)), "sources": [last[2]]}


def absent(rec: Record, concept: str) -> Json | None:
    if rec.has_concept(concept):
        return None
    return {"kind": "absent", "concept": concept}


def expected_answer(rec: Record, qtype: str, slots: Mapping[str, str]) -> Json | None:
    """The expected answer for one question type and its slots, or ``None`` when the
    question does not apply to this patient (the generator then does not ask it)."""
    year = int(slots["year"]) if slots.get("year") else None
    if qtype == "latest_value":
        return latest_value(rec, slots["lab"])
    if qtype == "unit_value":
        return converted_value(rec, slots["conv"])
    if qtype == "history":
        return series(rec, slots["lab"], year)
    if qtype == "yesno_condition":
        return condition_yesno(rec, slots["condition"])
    if qtype == "yesno_medication":
        return medication_yesno(rec, slots["med"])
    if qtype == "yesno_absent":
        return vaccine_or_allergen_yesno(rec, slots)
    if qtype == "list_allergies":
        return allergy_list(rec)
    if qtype == "list_medications":
        return medication_list(rec)
    if qtype == "list_conditions":
        return condition_list(rec)
    if qtype == "encounter_count":
        return encounter_count(rec, year) if year is not None else None
    if qtype.startswith("last_visit_"):
        return last_visit(rec, qtype.removeprefix("last_visit_"))
    if qtype == "care_team":
        return care_team(rec)
    if qtype == "immunization_date":
        return immunization_date(rec, slots["vaccine"])
    if qtype == "costs_year":
        return costs(rec, year) if year is not None else None
    if qtype == "payer":
        return payer(rec)
    if qtype == "absent":
        return absent(rec, slots["concept"])
    raise ValueError(f"unknown question type {qtype!r}")
