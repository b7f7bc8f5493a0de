"""A small hand-written FHIR R4 transaction Bundle for operation and rendering tests.

One invented patient seen at two places by two clinicians, written the ways real
exports write references: ``Practitioner/id``, ``urn:uuid:`` full URLs, conditional
``Practitioner?identifier=system|value`` references and display-only ones. It holds what
issue 15's questions need and the demo patient lacks: visits in 2019, a resolved and an
inactive entry, sensitive records (a termination of pregnancy, a prenatal visit, a
depression diagnosis), no shingles vaccine, no peanut allergy, a weight at the last
visit that is not the latest weight, and claims adjudicated in CARIN and Blue Button
codes. Every figure tests rely on is stated in :data:`EXPECTED`.
"""

from __future__ import annotations

import uuid
from typing import Any

NPI = "http://hl7.org/fhir/sid/us-npi"
ORG_IDS = "https://example.org/org-ids"
CARIN = "http://terminology.hl7.org/CodeSystem/adjudication"
BB = "https://bluebutton.cms.gov/resources/variables/"

EXPECTED = {
    "visits_2019": 3,
    "last_visit": "2022-04-04",
    "billed_2019": "1200.00", "plan_2019": "530.00", "member_2019": "420.00",
    "weight_at_last_visit": "82.5", "weight_latest": "81",
}


def urn(rid: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, rid)}"


def _concept(text: str, code: str | None = None) -> dict[str, Any]:
    coding = [{"system": "http://snomed.info/sct", "code": code, "display": text}] if code else []
    return {"coding": coding, "text": text} if coding else {"text": text}


def _status(code: str) -> dict[str, Any]:
    return {"coding": [{"code": code}]}


def _practitioners() -> list[dict[str, Any]]:
    return [
        {"resourceType": "Practitioner", "id": "pr-lee",
         "identifier": [{"system": NPI, "value": "1111"}],
         "name": [{"prefix": ["Dr."], "given": ["Ann"], "family": "Lee"}]},
        {"resourceType": "Practitioner", "id": "pr-diaz",
         "identifier": [{"system": NPI, "value": "2222"}],
         "name": [{"prefix": ["Dr."], "given": ["Omar"], "family": "Diaz"}]},
        {"resourceType": "Organization", "id": "org-riverside", "name": "Riverside Clinic",
         "identifier": [{"system": ORG_IDS, "value": "riverside"}]},
        {"resourceType": "Organization", "id": "org-city", "name": "City Hospital"},
        {"resourceType": "Location", "id": "loc-er", "name": "City Hospital Emergency Department",
         "identifier": [{"system": ORG_IDS, "value": "city-er"}]},
    ]


def _encounter(rid: str, day: str, cls: str, kind: str, who: dict[str, Any],
               org: dict[str, Any], reason: str | None = None,
               location: dict[str, Any] | None = None) -> dict[str, Any]:
    enc: dict[str, Any] = {
        "resourceType": "Encounter", "id": rid, "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls},
        "type": [_concept(kind)], "subject": {"reference": "Patient/p1"},
        "participant": [{"individual": who}],
        "period": {"start": f"{day}T10:00:00Z", "end": f"{day}T10:30:00Z"},
        "serviceProvider": org,
    }
    if reason:
        enc["reasonCode"] = [_concept(reason)]
    if location:
        enc["location"] = [{"location": location}]
    return enc


def _encounters() -> list[dict[str, Any]]:
    lee_npi = {"reference": f"Practitioner?identifier={NPI}|1111"}
    riverside = {"reference": f"Organization?identifier={ORG_IDS}|riverside"}
    return [
        _encounter("e1", "2018-05-01", "AMB", "Encounter for check up",
                   {"reference": "Practitioner/pr-lee"},
                   {"reference": "Organization/org-riverside"}),
        _encounter("e2", "2019-02-10", "AMB", "Encounter for symptom", lee_npi, riverside,
                   "Acute bronchitis"),
        _encounter("e3", "2019-06-15", "EMER", "Emergency room admission",
                   {"reference": f"Practitioner?identifier={NPI}%7C2222"},
                   {"reference": "Organization/org-city"}, "Laceration of forearm",
                   {"reference": f"Location?identifier={ORG_IDS}|city-er"}),
        _encounter("e4", "2019-11-20", "AMB", "Encounter for check up",
                   {"reference": urn("pr-lee")}, riverside),
        _encounter("e5", "2021-03-03", "AMB", "Prenatal visit", lee_npi, riverside),
        _encounter("e6", "2022-04-04", "AMB", "Follow-up encounter", {"display": "Dr. Ann Lee"},
                   {"display": "Riverside Clinic"}, "Hypertension"),
    ]


def _clinical() -> list[dict[str, Any]]:
    subject = {"reference": "Patient/p1"}

    def condition(rid: str, name: str, status: str, onset: str, **extra: Any) -> dict[str, Any]:
        return {"resourceType": "Condition", "id": rid, "clinicalStatus": _status(status),
                "code": _concept(name), "subject": subject, "onsetDateTime": onset, **extra}

    def allergy(rid: str, name: str, status: str, recorded: str) -> dict[str, Any]:
        return {"resourceType": "AllergyIntolerance", "id": rid, "patient": subject,
                "clinicalStatus": _status(status), "code": _concept(name),
                "recordedDate": recorded}

    def vaccine(rid: str, name: str, day: str) -> dict[str, Any]:
        return {"resourceType": "Immunization", "id": rid, "status": "completed",
                "vaccineCode": _concept(name), "patient": subject, "occurrenceDateTime": day}

    def procedure(rid: str, name: str, day: str, code: str | None = None) -> dict[str, Any]:
        return {"resourceType": "Procedure", "id": rid, "status": "completed",
                "code": _concept(name, code), "subject": subject, "performedDateTime": day}

    def medication(rid: str, name: str, status: str, day: str) -> dict[str, Any]:
        return {"resourceType": "MedicationRequest", "id": rid, "status": status,
                "intent": "order", "medicationCodeableConcept": _concept(name),
                "subject": subject, "authoredOn": day}

    def observation(rid: str, code: str, name: str, value: float, unit: str, day: str
                    ) -> dict[str, Any]:
        return {"resourceType": "Observation", "id": rid, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code,
                                     "display": name}], "text": name},
                "subject": subject, "effectiveDateTime": f"{day}T10:05:00Z",
                "valueQuantity": {"value": value, "unit": unit}}

    return [
        condition("c-htn", "Hypertension", "active", "2012-03-12"),
        condition("c-bronch", "Acute bronchitis", "resolved", "2019-02-10",
                  abatementDateTime="2019-03-01"),
        condition("c-mdd", "Major depressive disorder", "active", "2020-01-05"),
        allergy("a-pen", "Penicillin", "active", "2015-01-03"),
        allergy("a-latex", "Latex", "inactive", "2010-06-01"),
        vaccine("i-flu19", "Influenza, seasonal, injectable", "2019-10-01"),
        vaccine("i-flu20", "Influenza, seasonal, injectable", "2020-10-01"),
        vaccine("i-tdap", "Tdap", "2018-05-01"),
        procedure("p-app", "Appendectomy", "2017-07-07"),
        procedure("p-colo", "Colonoscopy", "2021-09-09"),
        procedure("p-top", "Induced termination of pregnancy", "2022-02-02", "714812005"),
        procedure("p-dep", "Depression screening", "2020-01-05"),
        medication("m-lis", "Lisinopril 10 MG Oral Tablet", "active", "2012-03-12"),
        medication("m-sim", "Simvastatin 20 MG Oral Tablet", "stopped", "2015-04-01"),
        observation("o-w1", "29463-7", "Body weight", 80, "kg", "2019-11-20"),
        observation("o-w2", "29463-7", "Body weight", 82.5, "kg", "2022-04-04"),
        observation("o-w3", "29463-7", "Body weight", 81, "kg", "2023-01-15"),
        observation("o-a1", "4548-4", "Hemoglobin A1c", 6.1, "%", "2019-11-20"),
        observation("o-a2", "4548-4", "Hemoglobin A1c", 6.4, "%", "2022-04-04"),
    ]


def _adjudication(code: str, value: float, system: str = CARIN) -> dict[str, Any]:
    return {"category": {"coding": [{"system": system, "code": code}]},
            "amount": {"value": value, "currency": "USD"}}


def _eob(rid: str, day: str, lines: list[list[dict[str, Any]]], **extra: Any) -> dict[str, Any]:
    eob = {
        "resourceType": "ExplanationOfBenefit", "id": rid, "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type",
                             "code": "professional"}]},
        "use": "claim", "patient": {"reference": "Patient/p1"}, "created": f"{day}T12:00:00Z",
        "billablePeriod": {"start": day}, "provider": {"reference": "Organization/org-city"},
        "outcome": "complete", "insurance": [{"focal": True, "coverage": {"display": "plan"}}],
        "item": [{"sequence": n + 1, "productOrService": _concept(f"Service {n + 1}"),
                  "servicedDate": day, "adjudication": adj} for n, adj in enumerate(lines)],
    }
    return {**eob, **extra}


def _claims() -> list[dict[str, Any]]:
    acme = {"insurer": {"display": "Acme Health"}}
    return [
        {"resourceType": "Claim", "id": "cl-1", "status": "active", "use": "claim",
         "type": {"coding": [{"code": "professional"}]}, "patient": {"reference": "Patient/p1"},
         "created": "2019-02-10", "billablePeriod": {"start": "2019-02-10"},
         "provider": {"reference": "Organization/org-riverside"}, "priority": {"text": "normal"},
         "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "Acme Health"}}],
         "total": {"value": 250, "currency": "USD"}},
        _eob("eob-1", "2019-02-10", [
            [_adjudication("submitted", 200), _adjudication("eligible", 150),
             _adjudication("copay", 20), _adjudication("benefit", 130)],
            [_adjudication("submitted", 50)],  # no allowed amount: not a claim line
        ], claim={"reference": "Claim/cl-1"}, **acme),
        _eob("eob-2", "2019-06-15", [
            [_adjudication("submitted", 1000), _adjudication("eligible", 800),
             _adjudication("deductible", 300), _adjudication("coinsurance", 100),
             _adjudication("paidtoprovider", 400)],
        ], **acme),
        _eob("eob-3", "2022-04-04", [
            [_adjudication(f"{BB}line_sbmtd_chrg_amt", 120, BB),
             _adjudication(f"{BB}line_alowd_chrg_amt", 100, BB),
             _adjudication(f"{BB}line_coinsrnc_amt", 20, BB),
             _adjudication(f"{BB}line_prvdr_pmt_amt", 80, BB)],
        ], contained=[{"resourceType": "Coverage", "id": "cov", "status": "active",
                       "beneficiary": {"reference": "Patient/p1"},
                       "payor": [{"display": "Medicare"}]}],
            # an insurer that names nothing: the payer comes from the contained Coverage
            insurer={"reference": "Organization/unknown-payer"},
            insurance=[{"focal": True, "coverage": {"reference": "#cov"}}]),
    ]


def clinic_bundle() -> dict[str, Any]:
    """The Bundle as a JSON-ready dict."""
    resources = [
        {"resourceType": "Patient", "id": "p1", "name": [{"given": ["Sam"], "family": "Rivera"}],
         "gender": "female", "birthDate": "1985-04-02"},
        *_practitioners(), *_encounters(), *_clinical(), *_claims(),
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": urn(r["id"]), "resource": r,
         "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
        for r in resources
    ]}
