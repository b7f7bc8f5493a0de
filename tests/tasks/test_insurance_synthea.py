"""On Synthea patients (../shared/data, skipped when absent): spending and the replay agree
with a plain-JSON recomputation of the contract's rules from the raw bundle, to the cent,
for every year, the default window and the quieter and busier scenario years; and the
citations are exactly the EOBs with counted lines in the period."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ingest.fhir_refs import claim_detail
from rag.tasks.plans import parse_plans
from tests.conftest import SHARED

BUNDLES = sorted((SHARED / "synthea_fhir_r4" / "bundles").glob("*.json"))
PLANS = {"plans": [
    {"id": "silver", "name": "Silver", "premium_monthly": 455, "deductible": 3000,
     "coinsurance": 0.2, "oop_max": 8000, "preventive_free": True},
    {"id": "bronze", "name": "Bronze", "premium_monthly": 300, "deductible": 7000,
     "coinsurance": 0.4, "oop_max": 9000, "preventive_free": False},
    {"id": "tight", "name": "Tight max", "premium_monthly": 520, "deductible": 500,
     "coinsurance": 0.3, "oop_max": 600, "preventive_free": True},
]}
pytestmark = [pytest.mark.shared, pytest.mark.slow]


def _code(adj: dict[str, Any]) -> str:
    return adj["category"]["coding"][0]["code"].rsplit("/", 1)[-1]


def plain_lines(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """The contract's claim lines, read straight from the bundle's JSON."""
    out = []
    for entry in bundle["entry"]:
        eob = entry["resource"]
        if eob["resourceType"] != "ExplanationOfBenefit":
            continue
        for item in eob.get("item", []):
            money = {_code(a): a["amount"]["value"] for a in item.get("adjudication", [])
                     if "amount" in a}
            if "line_alowd_chrg_amt" not in money and "eligible" not in money:
                continue
            day = (item.get("servicedPeriod", {}).get("start") or item.get("servicedDate")
                   or eob["billablePeriod"]["start"])[:10]
            cvx = any(c["system"] == "http://hl7.org/fhir/sid/cvx"
                      for c in item["productOrService"]["coding"])
            out.append({
                "eob": eob["id"], "seq": item["sequence"], "date": day, "cvx": cvx,
                "billed": money.get("line_sbmtd_chrg_amt", money.get("submitted", 0)),
                "allowed": money.get("line_alowd_chrg_amt", money.get("eligible", 0)),
                "plan": money.get("line_prvdr_pmt_amt", money.get("paidtoprovider", 0)),
                "member": money.get("line_coinsrnc_amt", 0)
                + money.get("line_bene_ptb_ddctbl_amt", 0)})
    return out


def plain_replay(plan: dict[str, Any], lines: list[dict[str, Any]], start: str, end: str
                 ) -> float:
    """The contract's replay, written out plainly (no copays in these plans)."""
    open_ded, paid = plan["deductible"], 0.0
    for ln in sorted((ln for ln in lines if start <= ln["date"] <= end),
                     key=lambda ln: (ln["date"], ln["eob"], ln["seq"])):
        if ln["cvx"] and plan["preventive_free"]:
            continue
        ded = min(open_ded, ln["allowed"])
        open_ded -= ded
        paid = min(paid + ded + plan["coinsurance"] * (ln["allowed"] - ded), plan["oop_max"])
    return paid


@pytest.mark.parametrize("path", BUNDLES or [pytest.param(None, marks=pytest.mark.skip(
    reason="../shared/data/synthea_fhir_r4 is not available"))], ids=lambda p: p and p.stem[:20])
def test_synthea_spending_and_replay_match_the_plain_recomputation(
        service: Any, path: Path | None) -> None:
    assert path is not None
    bundle = json.loads(path.read_text(encoding="utf-8"))
    lines = plain_lines(bundle)
    if not lines:
        pytest.skip("no adjudicated claim line in this patient")
    assert service.ingest("syn", [path]).ok
    book = service.insurance.book("syn")
    assert len(book.lines) == len(lines)
    for year in sorted({int(ln["date"][:4]) for ln in lines}):
        mine = [ln for ln in lines if ln["date"].startswith(str(year))]
        out = service.insurance.spending("syn", year)
        for key, field in (("billed", "billed"), ("allowed", "allowed"),
                           ("plan_paid", "plan"), ("you_paid", "member")):
            assert out[key] == pytest.approx(sum(ln[field] for ln in mine), abs=0.006), key
        assert [c["source"]["resource_id"] for c in out["citations"]] == list(
            dict.fromkeys(ln["eob"] for ln in sorted(mine, key=lambda ln: (
                ln["date"], ln["eob"], ln["seq"]))))
    out = service.insurance.compare("syn", parse_plans(PLANS))
    latest = dt.date.fromisoformat(max(ln["date"] for ln in lines))
    start = (latest.replace(year=latest.year - 1) + dt.timedelta(days=1)).isoformat()
    assert out["window"] == {"from": start, "to": latest.isoformat()}
    periods = [(start, latest.isoformat(), {p["id"]: p["out_of_pocket"] for p in out["plans"]})]
    for sc in out["scenarios"][1:]:
        periods.append((sc["window"]["from"], sc["window"]["to"],
                        {p["id"]: p["out_of_pocket"] for p in sc["plans"]}))
    for first, last, oop in periods:
        for plan in PLANS["plans"]:
            assert oop[plan["id"]] == pytest.approx(plain_replay(plan, lines, first, last),
                                                    abs=0.006), (first, plan["id"])
    totals = {p["id"]: p["total"] for p in out["plans"]}
    assert out["cheapest"] == min(totals, key=lambda k: totals[k])
    cited = {c["source"]["resource_id"] for c in out["citations"]}
    assert cited == {ln["eob"] for ln in lines if start <= ln["date"] <= latest.isoformat()}


@pytest.mark.parametrize("path", BUNDLES[:3], ids=lambda p: p.stem[:20])
def test_synthea_lines_agree_with_ingests_claim_detail(path: Path) -> None:
    """One reading of the adjudication: the task's lines and ingest's claim facts."""
    from rag.tasks.claim_categories import category_table
    from rag.tasks.claims import _Context, lines_of

    bundle = json.loads(path.read_text(encoding="utf-8"))

    class Refs:
        def resolve(self, ref: Any) -> Any:
            return None

        def ref_display(self, ref: Any) -> Any:
            return (ref or {}).get("display")

    class Rec:
        resource_id = "x"
        chunk_id = "c"

    ctx = _Context(category_table(), {})
    for entry in bundle["entry"]:
        eob = entry["resource"]
        if eob["resourceType"] != "ExplanationOfBenefit":
            continue
        detail = claim_detail(eob, Refs(), eob["billablePeriod"]["start"][:10])
        mine = [ln for ln in lines_of(eob, Rec(), {}, ctx) if ln.counted]  # type: ignore[arg-type]
        assert [ln.date for ln in mine] == [ln["date"] for ln in detail["lines"]]
        for key, attr in (("allowed", "allowed"), ("plan_paid", "plan_paid"),
                          ("member_share", "member_share")):
            values = [getattr(ln, attr) for ln in mine if getattr(ln, attr) is not None]
            if detail[key] is None:
                assert not values
            else:
                # ingest rounds each line to the cent before adding: half a cent a line
                assert sum(values) == pytest.approx(detail[key], abs=0.005 * len(mine) + 1e-6)
