"""The record question-answering evaluation: its expectations on a tiny hand-made bundle
(fast), then the whole run on the Synthea patients with the real embedder (slow)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.record_qa import Case, build_cases, cases_for_bundle, judge, run_cases
from rag.answering.compose import human_unit
from rag.core.types import human_number
from tests.conftest import shared_path

LOINC = "http://loinc.org"


# ------------------------------------------------------------------ a tiny bundle


def _concept(code: str, display: str, system: str = LOINC) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _status(code: str, system: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _obs(rid: str | None, code: str, name: str, when: str, value: float, unit: str,
         ) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": _concept(code, name),
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org"},
    }
    if rid is not None:
        res["id"] = rid
    return res


def _bp(rid: str, when: str, sys_: float, dia: float) -> dict[str, Any]:
    comp = [
        {"code": _concept(code, name), "valueQuantity": {"value": v, "unit": "mm[Hg]"}}
        for code, name, v in (("8462-4", "Diastolic", dia), ("8480-6", "Systolic", sys_))
    ]
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "code": _concept("55284-4", "Blood Pressure"), "effectiveDateTime": when,
            "component": comp}


ALLERGY = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
CONDITION = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _allergy(rid: str, name: str, status: str, when: str) -> dict[str, Any]:
    return {"resourceType": "AllergyIntolerance", "id": rid, "patient": {"reference": "p"},
            "clinicalStatus": _status(status, ALLERGY), "code": _concept("1", name, "sct"),
            "recordedDate": when}


def _med(rid: str, name: str, status: str, when: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": status,
            "intent": "order", "subject": {"reference": "p"},
            "medicationCodeableConcept": _concept("2", name, "rxnorm"), "authoredOn": when}


def _cond(rid: str, name: str, status: str, when: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "subject": {"reference": "p"},
            "clinicalStatus": _status(status, CONDITION), "code": _concept("3", name, "sct"),
            "onsetDateTime": when, "recordedDate": when}


def _imm(rid: str, cvx: str, name: str, when: str) -> dict[str, Any]:
    return {"resourceType": "Immunization", "id": rid, "status": "completed",
            "patient": {"reference": "p"}, "occurrenceDateTime": when,
            "vaccineCode": _concept(cvx, name, "http://hl7.org/fhir/sid/cvx")}


def _proc(rid: str, name: str, when: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": rid, "status": "completed",
            "subject": {"reference": "p"}, "code": _concept("4", name, "sct"),
            "performedPeriod": {"start": when, "end": when}}


TINY: list[dict[str, Any]] = [
    {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1970-01-01"},
    # weight: the latest is the later of two results on one day, and has no id (fullUrl)
    _obs("w1", "29463-7", "Body Weight", "2019-03-01T10:00:00+00:00", 70.0, "kg"),
    _obs("w2", "29463-7", "Body Weight", "2020-05-02T08:00:00+00:00", 72.34, "kg"),
    _obs(None, "29463-7", "Body Weight", "2020-05-02T09:30:00+00:00", 73.0, "kg"),
    # A1c: two different results at one instant: no latest case, a year case with both
    _obs("a1", "4548-4", "Hemoglobin A1c", "2018-01-05T10:00:00+00:00", 6.1, "%"),
    _obs("a2", "4548-4", "Hemoglobin A1c", "2018-01-05T10:00:00+00:00", 6.4, "%"),
    # cholesterol: the same result twice at one instant: either record may be cited
    _obs("c1", "2093-3", "Total Cholesterol", "2017-06-01T10:00:00+00:00", 189.3, "mg/dL"),
    _obs("c2", "2093-3", "Total Cholesterol", "2017-06-01T10:00:00+00:00", 189.3, "mg/dL"),
    _obs("c0", "2093-3", "Total Cholesterol", "2016-06-01T10:00:00+00:00", 201.0, "mg/dL"),
    _bp("bp1", "2020-05-02T08:00:00+00:00", 121.0, 79.6),
    _bp("bp0", "2019-03-01T10:00:00+00:00", 130.0, 85.0),
    _allergy("al1", "Allergy to peanuts", "active", "2001-02-03"),
    _allergy("al2", "Allergy to soya", "inactive", "2002-02-03"),
    _med("m1", "Metformin 500 MG Oral Tablet", "active", "2020-01-01T00:00:00+00:00"),
    _med("m0", "Metformin 500 MG Oral Tablet", "stopped", "2018-01-01T00:00:00+00:00"),
    _med("m2", "Ibuprofen 200 MG Oral Tablet", "stopped", "2019-01-01T00:00:00+00:00"),
    _cond("k1", "Diabetes", "active", "2010-04-05T00:00:00+00:00"),
    _cond("k2", "Viral sinusitis (disorder)", "resolved", "2012-04-05T00:00:00+00:00"),
    _cond("k3", "Tubal pregnancy", "resolved", "1990-01-01T00:00:00+00:00"),
    _cond("k4", "Tubal pregnancy", "active", "1995-06-07T00:00:00+00:00"),
    _imm("i1", "140", "Influenza, seasonal, injectable, preservative free", "2019-10-01"),
    _imm("i2", "140", "Influenza, seasonal, injectable, preservative free", "2020-10-01"),
    _imm("i3", "113", "Td (adult) preservative free", "2015-03-03"),
    _proc("pr1", "Colonoscopy", "2015-01-01T00:00:00+00:00"),
    _proc("pr2", "Colonoscopy", "2018-08-08T00:00:00+00:00"),
    _proc("pr3", "Upper arm X-ray", "2016-02-02T00:00:00+00:00"),
]
NO_ID_UUID = "9b2f8c1e-0000-4000-8000-00000000000a"


@pytest.fixture
def tiny_cases(tmp_path: Path) -> list[Case]:
    entries = []
    for n, res in enumerate(TINY):
        uuid = res.get("id") and f"00000000-0000-4000-8000-{n:012d}"
        entries.append({"fullUrl": f"urn:uuid:{uuid or NO_ID_UUID}", "resource": res})
    path = tmp_path / "tiny_patient.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "transaction",
                                "entry": entries}))
    # index 2 rotates the year questions onto weight and cholesterol (plus the A1c tie)
    return cases_for_bundle(path, index=2)


# kind, question, expect_all, expect_none, cite groups
EXPECTED: list[tuple[str, str, list[str], list[str], list[set[str]]]] = [
    ("latest_value", "What is my most recent weight?", ["73 kg", "2 May 2020"], [],
     [{NO_ID_UUID}]),
    ("latest_value", "What's my latest cholesterol?", ["189 mg/dL", "1 June 2017"], [],
     [{"c1", "c2"}]),
    ("latest_value", "What was my blood pressure at my last visit?",
     ["121/79.6 mmHg", "2 May 2020"], [], [{"bp1"}]),
    ("value_in_year", "What was my weight in 2020?", ["72.3 kg", "2 May 2020", "73 kg"], [],
     [{"w2"}, {NO_ID_UUID}]),
    ("value_in_year", "What was my cholesterol in 2017?", ["189 mg/dL", "1 June 2017"], [],
     [{"c1", "c2"}]),
    ("value_in_year", "What was my A1c in 2018?", ["6.1 %", "5 January 2018", "6.4 %"], [],
     [{"a1"}, {"a2"}]),
    ("allergies", "What am I allergic to?", ["Allergy to peanuts", "3 February 2001"],
     ["Allergy to soya"], [{"al1"}]),
    ("medications", "What medications am I taking?",
     ["Metformin 500 MG Oral Tablet", "1 January 2020"], ["Ibuprofen 200 MG Oral Tablet"],
     [{"m1"}]),
    ("conditions", "What medical conditions are in my records?",
     ["Diabetes", "5 April 2010"],  # issue 15: a generic list hides sensitive records
     ["Viral sinusitis (disorder)", "Tubal pregnancy"], [{"k1"}]),
    ("vaccines", "What vaccines have I had?",
     ["Influenza, seasonal, injectable, preservative free", "1 October 2020",
      "Td (adult) preservative free", "3 March 2015"], [], [{"i2"}, {"i3"}]),
    ("flu_shot", "When did I last get the flu shot?",
     ["Influenza, seasonal, injectable, preservative free", "1 October 2020"], [], [{"i2"}]),
    ("last_procedure", "When was my last colonoscopy?", ["8 August 2018", "Colonoscopy"], [],
     [{"pr2"}]),
    ("last_procedure", "When was my last X-ray?", ["2 February 2016", "Upper arm X-ray"], [],
     [{"pr3"}]),
    ("on_drug", "Am I on metformin?",
     ["Metformin 500 MG Oral Tablet", "1 January 2020", "active"], [], [{"m1"}]),
]


@pytest.mark.parametrize(("kind", "question", "expect_all", "expect_none", "groups"), EXPECTED,
                         ids=[row[1] for row in EXPECTED])
def test_build_cases_expectations(tiny_cases: list[Case], kind: str, question: str,
                                  expect_all: list[str], expect_none: list[str],
                                  groups: list[set[str]]) -> None:
    found = [c for c in tiny_cases if c.question == question]
    assert len(found) == 1, [c.question for c in tiny_cases]
    case = found[0]
    assert case.kind == kind
    assert case.user == "tiny_patient"
    assert sorted(case.expect_all) == sorted(expect_all)
    assert case.expect_none == expect_none
    assert sorted(map(sorted, case.cite_groups)) == sorted(map(sorted, groups))
    assert case.expect_resource_ids == set().union(*groups)
    if kind in {"latest_value", "value_in_year"}:
        assert {text for text, _ in case.facts} <= set(expect_all)
        assert all(len(day) == 10 and day[4] == "-" for _, day in case.facts)


def test_build_cases_leaves_out_what_has_no_single_answer(tiny_cases: list[Case]) -> None:
    questions = {c.question for c in tiny_cases}
    assert len(tiny_cases) == len(EXPECTED)
    assert "What was my last A1c?" not in questions  # 6.1 % and 6.4 % at the same instant
    assert not any("soya" in s.lower() for c in tiny_cases for s in c.expect_all)
    assert not any("ibuprofen" in c.question.lower() for c in tiny_cases)  # stopped


@pytest.mark.parametrize(
    ("answer", "cited", "ok"),
    [
        ("Allergy to peanuts (recorded 3 February 2001) [1].", ["al1"], True),
        ("allergy TO PEANUTS (recorded 3 february 2001) [1].", ["al1"], True),
        ("Allergy to peanuts (recorded 3 February 2001) [1].", [], False),
        ("Allergy to peanuts (recorded 3 February 2001), Allergy to soya [1].", ["al1"], False),
        ("Allergy to peanuts [1].", ["al1"], False),
    ],
)
def test_judge(tiny_cases: list[Case], answer: str, cited: list[str], ok: bool) -> None:
    case = next(c for c in tiny_cases if c.kind == "allergies")
    missing, unexpected, uncited = judge(case, answer, cited)
    assert (not missing and not unexpected and not uncited) is ok


# ------------------------------------------------------------------ the real run


def _stated(resource: dict[str, Any]) -> tuple[str, str] | None:
    """(value as an answer states it, day) of an Observation, computed from its JSON."""
    day = str(resource.get("effectiveDateTime", ""))[:10]
    if "valueQuantity" in resource:
        q = resource["valueQuantity"]
        return f"{human_number(q['value'])} {human_unit(q.get('unit'))}".strip(), day
    comps = {c["code"]["coding"][0]["code"]: c["valueQuantity"]
             for c in resource.get("component") or [] if "valueQuantity" in c}
    if "8480-6" in comps and "8462-4" in comps:
        s, d = comps["8480-6"], comps["8462-4"]
        unit = human_unit(s.get("unit")) or "mmHg"
        return f"{human_number(s['value'])}/{human_number(d['value'])} {unit}", day
    return None


@pytest.mark.slow
@pytest.mark.shared
def test_record_qa_on_synthea(tmp_path: Path, real_embedder: Any) -> None:
    from rag.core.settings import Settings
    from rag.service import Service

    bundles = shared_path("synthea_fhir_r4", "bundles")
    cases = build_cases(bundles)
    assert len(cases) >= 30
    assert len({c.kind for c in cases}) >= 6
    assert len({c.user for c in cases}) >= 8

    service = Service(Settings(data_dir=tmp_path / "data"), embedder=real_embedder)
    try:
        service.ensure_starter_knowledge()
        summary = run_cases(service, cases)
    finally:
        service.close()

    by_file: dict[str, dict[str, dict[str, Any]]] = {}
    for result in summary["results"]:
        if not result.passed:
            continue
        case = result.case
        if case.patient_file not in by_file:
            bundle = json.loads(Path(case.patient_file).read_text())
            by_file[case.patient_file] = {
                e["resource"].get("id") or e["fullUrl"].removeprefix("urn:uuid:"): e["resource"]
                for e in bundle["entry"]
            }
        held = by_file[case.patient_file]
        # every record cited is one of this patient's resources
        assert set(result.cited) <= set(held), (case.question, case.user)
        # every expected value is held by a record the answer cites
        for fact in case.facts:
            holders = [rid for rid in result.cited if _stated(held[rid]) == fact]
            assert holders, (case.question, case.user, fact, result.answer)

    failures = "\n".join(
        f"{f['kind']} | {f['user']} | {f['question']} | missing {f['missing']} | "
        f"unexpected {f['unexpected']} | uncited {f['uncited']} | got: {f['got'][:300]}"
        for f in summary["failures"]
    )
    assert summary["accuracy"] >= 0.95, f"accuracy {summary['accuracy']:.3f}\n{failures}"
