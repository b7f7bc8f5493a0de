"""The insurance contract over HTTP and the CLI: shapes, the hand-worked comparison, bad
input (422 / exit 1 with one line), a person without claims (404 with the generic offer),
and the comparison answer for chat."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from rag.tasks.insurance_answers import compare_answer
from rag.tasks.plans import parse_plans
from tests.tasks.insurance_support import BRONZE, PLANS, SILVER, load_pat, write_bundle
from tests.test_cli import run

# The window: the 12 months that end at the latest claim line (2019-10-01). By hand:
# Silver: office visit copay 30; panel 40 to the deductible; vaccine free; ER copay 400
#         -> out of pocket 470, premiums 12 x 455 = 5460, total 5930.
# Bronze: every line to the deductible (100 + 40 + 140.52 + 800) -> 1080.52,
#         premiums 3600, total 4680.52: the cheapest, by 1249.48.
WINDOW = {"from": "2018-10-02", "to": "2019-10-01"}
EXPECTED = {"silver": (5460.0, 470.0, 5930.0), "bronze": (3600.0, 1080.52, 4680.52)}


@pytest.fixture
def pat(service: Any, tmp_path: Path) -> Any:
    return load_pat(service, tmp_path)


@pytest.fixture
def client(pat: Any) -> Iterator[TestClient]:
    with TestClient(create_app(pat.settings, service=pat)) as c:
        yield c


def _auth(service: Any, user: str = "pat", role: str = "patient") -> dict[str, str]:
    return {"Authorization": f"Bearer {service.tokens.create(user, role)[0]}"}


def _check_comparison(out: dict[str, Any]) -> None:
    assert out["window"] == WINDOW
    assert {p["id"]: (p["premiums"], p["out_of_pocket"], p["total"])
            for p in out["plans"]} == EXPECTED
    assert out["cheapest"] == "bronze" and out["difference"] == 1249.48
    assert [(c["source"]["resource_type"], c["source"]["resource_id"])
            for c in out["citations"]] == [("ExplanationOfBenefit", "eob-carin-2019"),
                                           ("ExplanationOfBenefit", "eob-bb-2019")]
    silver = next(p for p in out["plans"] if p["id"] == "silver")
    assert silver["by_category"]["emergency"] == {"lines": 1, "allowed": 800.0,
                                                  "out_of_pocket": 400.0}
    assert silver["deductible_met_on"] is None and silver["oop_max_met_on"] is None
    assert [s["name"] for s in out["scenarios"]] == ["actual", "quieter", "busier"]
    assert any("not advice" in c for c in out["caveats"])
    assert any("formular" in c for c in out["caveats"])
    assert any("network" in c for c in out["caveats"])


def test_http_compare(client: TestClient, pat: Any) -> None:
    r = client.post("/v1/insurance/compare", json={**PLANS, "user": "someone-else"},
                    headers=_auth(pat))
    assert r.status_code == 200, r.text
    _check_comparison(r.json())


def test_http_compare_with_a_window_and_a_csv(client: TestClient, pat: Any) -> None:
    csv = ("id,name,premium_monthly,deductible,oop_max,coinsurance,Emergency Room Services\n"
           "x,X,100,0,500,10%,$400 Copay after deductible\n")
    r = client.post("/v1/insurance/compare", headers=_auth(pat),
                    json={"csv": csv, "from": "2018-01-01", "to": "2018-12-31"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["window"] == {"from": "2018-01-01", "to": "2018-12-31"}
    (plan,) = out["plans"]
    # 2018: the inpatient line, allowed 4000: 10% coinsurance = 400; capped? no (500).
    assert (plan["premiums"], plan["out_of_pocket"], plan["total"]) == (1200.0, 400.0, 1600.0)
    assert [c["source"]["resource_id"] for c in out["citations"]] == ["eob-carin-2018"]


@pytest.mark.parametrize(("body", "code", "where"), [
    ({"plans": [{**SILVER, "coinsurance": 2}]}, "invalid_plan", "plans[0] (id 'silver')"),
    ({"plans": [{**SILVER, "deductible": -1}]}, "invalid_plan", "'deductible' is negative"),
    ({"plans": [{k: v for k, v in SILVER.items() if k != "name"}]}, "invalid_plan",
     "missing field 'name'"),
    ({"csv": "id,name,premium_monthly,deductible,oop_max,coinsurance,Specialist Visit\n"
             "a,A,1,2,3,0.1,lots\n"}, "invalid_plan", "csv row 2, column 'Specialist Visit'"),
    ({}, "invalid_plan", "missing field 'plans'"),
    ({**PLANS, "from": "2019-05-01", "to": "2019-01-01"}, "invalid_period", "after"),
    ({**PLANS, "from": "not a date"}, "invalid_request", "from"),
])
def test_http_bad_input_is_422(client: TestClient, pat: Any, body: dict[str, Any], code: str,
                               where: str) -> None:
    r = client.post("/v1/insurance/compare", json=body, headers=_auth(pat))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code and where in r.json()["error"]["message"]


def test_http_no_claims_is_404_with_the_generic_comparison(client: TestClient, pat: Any
                                                           ) -> None:
    r = client.post("/v1/insurance/compare", json=PLANS, headers=_auth(pat, "nobody"))
    assert r.status_code == 404
    body = r.json()
    assert body["error"]["code"] == "no_claims"
    assert [p["name"] for p in body["generic"]["profiles"]] == ["low", "medium", "high"]
    high = body["generic"]["profiles"][2]
    assert {p["id"] for p in high["plans"]} == {"silver", "bronze"} and high["cheapest"]
    r = client.post("/v1/insurance/compare", json={**PLANS, "generic": True},
                    headers=_auth(pat, "nobody"))
    assert r.status_code == 200 and len(r.json()["profiles"]) == 3
    r = client.get("/v1/insurance/spending", params={"year": 2019},
                   headers=_auth(pat, "nobody"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "no_claims"


def test_http_spending_and_roles(client: TestClient, pat: Any) -> None:
    r = client.get("/v1/insurance/spending", params={"year": 2019}, headers=_auth(pat))
    assert r.status_code == 200
    out = r.json()
    assert {"year", "billed", "allowed", "plan_paid", "you_paid", "claims",
            "citations"} <= set(out)
    assert (out["you_paid"], out["claims"]) == (413.1, 2)
    for role in ("clinician", "curator", "admin"):
        r = client.post("/v1/insurance/compare", json=PLANS, headers=_auth(pat, "x", role))
        assert r.status_code == 403
    assert client.post("/v1/insurance/compare", json=PLANS).status_code == 401
    r = client.get("/v1/insurance/spending", params={"year": 99999}, headers=_auth(pat))
    assert r.status_code == 422


def test_compare_answer_leads_with_the_cheapest_and_the_difference(pat: Any) -> None:
    from guardrails.verify import verify

    facts = pat.vaults.open("pat").facts
    ans = compare_answer(facts, parse_plans(PLANS))
    assert ans.sentences[0] == (
        "From 2 October 2018 to 1 October 2019, Bronze 7000 would have cost you the least: "
        "4680.52 USD in all (3600.00 USD in premiums and 1080.52 USD out of pocket), "
        "1249.48 USD less than Silver 3000 [1][2].")
    assert "Silver 3000 would have cost 5930.00 USD" in ans.text
    assert "not advice" in ans.text
    verdict = verify(ans.sentences, {c.marker: c.quote for c in ans.citations},
                     derived=ans.derived)
    assert not verdict.removed, verdict.removed
    assert ans.data["cheapest"] == "bronze"
    assert compare_answer(facts, []).text.startswith("I don't have the plans")
    empty = pat.vaults.open("nobody").facts
    assert compare_answer(empty, parse_plans({"plans": [BRONZE]})).text.startswith(
        "I don't see any insurance claim")


def test_cli_spending_and_compare(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bundle = write_bundle(tmp_path / "claims.json")
    assert run(["ingest", "--user", "pat", str(bundle)], data).returncode == 0
    r = run(["insurance", "spending", "--user", "pat", "--year", "2019", "--json"], data)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["year"], out["billed"], out["allowed"], out["plan_paid"], out["you_paid"],
            out["claims"]) == (2019, 1250.52, 1080.52, 667.42, 413.1, 2)
    plans = tmp_path / "plans.json"
    plans.write_text(json.dumps(PLANS))
    r = run(["insurance", "compare", "--user", "pat", "--plans", str(plans), "--json"], data)
    assert r.returncode == 0, r.stderr
    _check_comparison(json.loads(r.stdout))
    r = run(["insurance", "compare", "--user", "pat", "--plans", str(plans)], data)
    assert r.returncode == 0 and "cheapest" in r.stdout and "Bronze 7000" in r.stdout
    # bad input: exit 1, one line naming the plan and the field
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"plans": [{**SILVER, "coinsurance": 1.2}]}))
    r = run(["insurance", "compare", "--user", "pat", "--plans", str(bad), "--json"], data)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip().splitlines() == [
        "error: bad.json: plans[0] (id 'silver'): 'coinsurance' must be between 0 and 1, "
        "got 1.2"]
    # no claims: exit 1, one line offering the generic comparison
    r = run(["insurance", "compare", "--user", "nobody", "--plans", str(plans), "--json"], data)
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1
    assert "no adjudicated claim" in r.stderr and "--generic" in r.stderr
    r = run(["insurance", "compare", "--generic", "--plans", str(plans), "--json"], data)
    assert r.returncode == 0 and len(json.loads(r.stdout)["profiles"]) == 3
