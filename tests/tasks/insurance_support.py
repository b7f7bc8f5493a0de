"""Shared by the insurance tests: a hand-made bundle whose claims use both CARIN Blue Button
v2 adjudication codes and the Blue Button variables Synthea writes, with every expected
figure worked out by hand below, and the contract's example plans.

The bundle (person "pat"):

- EOB ``eob-carin-2019`` (CARIN, servicedDate 2019-03-05, Dr. Ann Lee):
  1. CPT 99213 office visit: submitted 150, eligible 100, copay 25, benefit 75;
  2. CPT 80053 metabolic panel: submitted 60, eligible 40, deductible 40, paidtoprovider 0;
  3. CPT 99000 handling: submitted 20, no eligible amount -> not counted.
- EOB ``eob-bb-2019`` (Blue Button, servicedPeriod 2019-10-01, billablePeriod 2019-09-01,
  for an emergency encounter):
  1. the encounter line, no adjudication -> not counted;
  2. CVX 140 flu vaccine: submitted = allowed 140.52, coinsurance 28.104, paid 112.416;
  3. SNOMED "Suture open wound": submitted 900, allowed 800, deductible 200,
     coinsurance 120, paid 480 (category from the EMER encounter).
- EOB ``eob-carin-2018`` (CARIN, billablePeriod 2018-06-01 only, no service date):
  CPT 99223 inpatient care: submitted 5000 (also written as ``line_sbmtd_chrg_amt``: one
  amount, counted once), eligible 4000, deductible 1000, coinsurance 600, paid 2400.
- Claim ``claim-rx-2019`` (pharmacy, no EOB): total 255 on 2019-05-01 -> unadjudicated.
- Claim ``claim-carin-2019``, adjudicated by ``eob-carin-2019`` -> not counted twice.

2019: billed 1250.52, allowed 1080.52, plan paid 667.416, you paid 413.104, 2 claims.
2018: billed 5000, allowed 4000, plan paid 2400, you paid 1600, 1 claim.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CARIN = "http://terminology.hl7.org/CodeSystem/adjudication"
CARIN_BB = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
BB = "https://bluebutton.cms.gov/resources/codesystem/adjudication"
BB_VAR = "https://bluebutton.cms.gov/resources/variables/"
CPT = "http://www.ama-assn.org/go/cpt"

SILVER = {"id": "silver", "name": "Silver 3000", "premium_monthly": 455, "deductible": 3000,
          "coinsurance": 0.2, "oop_max": 8000, "preventive_free": True,
          "copays": {"office_visit": 30, "emergency": 400}}
BRONZE = {"id": "bronze", "name": "Bronze 7000", "premium_monthly": 300, "deductible": 7000,
          "coinsurance": 0.4, "oop_max": 9000, "preventive_free": False}
PLANS = {"plans": [SILVER, BRONZE]}


def carin(code: str, value: float, system: str = CARIN) -> dict[str, Any]:
    return {"category": {"coding": [{"system": system, "code": code}]},
            "amount": {"value": value, "currency": "USD"}}


def bb(var: str, value: float) -> dict[str, Any]:
    return {"category": {"coding": [{"system": BB, "code": BB_VAR + var}]},
            "amount": {"value": value, "currency": "USD"}}


def _service(system: str, code: str, text: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": text}], "text": text}


def bundle() -> dict[str, Any]:
    patient = {"reference": "urn:uuid:pat-1"}
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": "pat-1", "name": [{"family": "Test"}]},
        {"resourceType": "Coverage", "id": "cov-1", "status": "active",
         "type": {"text": "PPO"}, "beneficiary": patient,
         "payor": [{"display": "Acme Health"}]},
        {"resourceType": "Encounter", "id": "enc-er", "status": "finished",
         "class": {"code": "EMER"}, "subject": patient,
         "type": [{"coding": [{"system": "http://snomed.info/sct", "code": "50849002",
                               "display": "Emergency room admission"}]}],
         "period": {"start": "2019-10-01T10:00:00Z"}},
        {"resourceType": "ExplanationOfBenefit", "id": "eob-carin-2019", "status": "active",
         "type": {"coding": [{"code": "professional"}]}, "use": "claim", "patient": patient,
         "billablePeriod": {"start": "2019-03-05"}, "insurer": {"display": "Acme Health"},
         "provider": {"display": "Dr. Ann Lee"}, "outcome": "complete",
         "claim": {"reference": "Claim/claim-carin-2019"},
         "insurance": [{"focal": True, "coverage": {"reference": "Coverage/cov-1"}}],
         "item": [
             {"sequence": 1, "productOrService": _service(CPT, "99213", "Office visit"),
              "servicedDate": "2019-03-05",
              "adjudication": [carin("submitted", 150), carin("eligible", 100),
                               carin("copay", 25), carin("benefit", 75)]},
             {"sequence": 2,
              "productOrService": _service(CPT, "80053", "Comprehensive metabolic panel"),
              "servicedDate": "2019-03-05",
              "adjudication": [carin("submitted", 60), carin("eligible", 40),
                               carin("deductible", 40),
                               carin("paidtoprovider", 0, CARIN_BB)]},
             {"sequence": 3, "productOrService": _service(CPT, "99000", "Specimen handling"),
              "servicedDate": "2019-03-05", "adjudication": [carin("submitted", 20)]},
         ]},
        {"resourceType": "Claim", "id": "claim-carin-2019", "status": "active",
         "type": {"coding": [{"code": "professional"}]}, "use": "claim", "patient": patient,
         "billablePeriod": {"start": "2019-03-05"}, "provider": {"display": "Dr. Ann Lee"},
         "total": {"value": 230, "currency": "USD"},
         "item": [{"sequence": 1, "productOrService": _service(CPT, "99213", "Office visit"),
                   "net": {"value": 150, "currency": "USD"}}]},
        {"resourceType": "ExplanationOfBenefit", "id": "eob-bb-2019", "status": "active",
         "type": {"coding": [{"code": "institutional"}]}, "use": "claim", "patient": patient,
         "billablePeriod": {"start": "2019-09-01T00:00:00Z", "end": "2020-09-01T00:00:00Z"},
         "insurer": {"display": "Acme Health"}, "provider": {"display": "Riverside Hospital"},
         "outcome": "complete",
         "contained": [{"resourceType": "Coverage", "id": "coverage", "status": "active",
                        "type": {"text": "private"}, "beneficiary": patient,
                        "payor": [{"display": "private"}]}],
         "insurance": [{"focal": True, "coverage": {"reference": "#coverage"}}],
         "item": [
             {"sequence": 1,
              "productOrService": _service("http://snomed.info/sct", "50849002",
                                           "Emergency room admission"),
              "servicedPeriod": {"start": "2019-10-01T10:00:00-05:00"},
              "encounter": [{"reference": "urn:uuid:enc-er"}]},
             {"sequence": 2,
              "productOrService": _service("http://hl7.org/fhir/sid/cvx", "140",
                                           "Influenza, seasonal, injectable"),
              "servicedPeriod": {"start": "2019-10-01T10:00:00-05:00"},
              "adjudication": [bb("line_coinsrnc_amt", 28.104), bb("line_prvdr_pmt_amt", 112.416),
                               bb("line_sbmtd_chrg_amt", 140.52),
                               bb("line_alowd_chrg_amt", 140.52),
                               bb("line_bene_ptb_ddctbl_amt", 0), bb("line_prcsg_ind_cd", 0)]},
             {"sequence": 3,
              "productOrService": _service("http://snomed.info/sct", "288086009",
                                           "Suture open wound"),
              "servicedPeriod": {"start": "2019-10-01T10:00:00-05:00"},
              "adjudication": [bb("line_coinsrnc_amt", 120), bb("line_prvdr_pmt_amt", 480),
                               bb("line_sbmtd_chrg_amt", 900), bb("line_alowd_chrg_amt", 800),
                               bb("line_bene_ptb_ddctbl_amt", 200)]},
         ]},
        {"resourceType": "ExplanationOfBenefit", "id": "eob-carin-2018", "status": "active",
         "type": {"coding": [{"code": "institutional"}]}, "use": "claim", "patient": patient,
         "billablePeriod": {"start": "2018-06-01"}, "insurer": {"display": "Acme Health"},
         "provider": {"display": "Riverside Hospital"}, "outcome": "complete",
         "item": [{"sequence": 1,
                   "productOrService": _service(CPT, "99223", "Initial hospital care"),
                   "adjudication": [carin("submitted", 5000), bb("line_sbmtd_chrg_amt", 5000),
                                    carin("eligible", 4000), carin("deductible", 1000),
                                    carin("coinsurance", 600),
                                    carin("paidtoprovider", 2400, CARIN_BB)]}]},
        {"resourceType": "Claim", "id": "claim-rx-2019", "status": "active",
         "type": {"coding": [{"code": "pharmacy"}]}, "use": "claim", "patient": patient,
         "billablePeriod": {"start": "2019-05-01"}, "provider": {"display": "Corner Pharmacy"},
         "total": {"value": 255, "currency": "USD"},
         "item": [{"sequence": 1, "productOrService": {"text": "metformin 500 MG"}}]},
    ]
    for r in resources:  # what FHIR R4 requires of every Claim and EOB
        if r["resourceType"] in {"Claim", "ExplanationOfBenefit"}:
            r.setdefault("created", r["billablePeriod"]["start"][:10])
            r.setdefault("insurer", {"display": "Acme Health"})
            r.setdefault("insurance", [{"focal": True, "coverage": {"display": "Acme PPO"}}])
        if r["resourceType"] == "Claim":
            r.setdefault("priority", {"coding": [{"code": "normal"}]})
            for n, ins in enumerate(r["insurance"], start=1):
                ins.setdefault("sequence", n)
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}


def write_bundle(path: Path) -> Path:
    path.write_text(json.dumps(bundle()), encoding="utf-8")
    return path


def load_pat(service: Any, tmp_path: Path, user: str = "pat") -> Any:
    assert service.ingest(user, [write_bundle(tmp_path / "claims.json")]).ok
    return service
