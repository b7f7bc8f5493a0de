"""Plans: the contract's JSON file, QHP cost-sharing strings (a test per form), the
QHP-shaped CSV, and bad input that names the row and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rag.core.errors import InvalidPlan
from rag.tasks.plan_files import load_plans, parse_plans_csv
from rag.tasks.plans import CostShare, parse_cost_share, parse_plans
from tests.tasks.insurance_support import PLANS, SILVER


@pytest.mark.parametrize(("text", "want"), [
    ("$30 Copay after deductible", CostShare("copay", 30, "after")),
    ("$30 Copay before deductible", CostShare("copay", 30, "none")),
    ("$30 Copay with deductible", CostShare("copay", 30, "with")),
    ("$30 Copay", CostShare("copay", 30, "none")),
    ("$30", CostShare("copay", 30, "none")),
    ("$1,250.50 Copay per Stay after deductible", CostShare("copay", 1250.5, "after")),
    ("$250 Copay per Day", CostShare("copay", 250, "none")),
    ("20% Coinsurance after deductible", CostShare("coinsurance", 0.2, "after")),
    ("20% Coinsurance", CostShare("coinsurance", 0.2, "none")),
    ("20%", CostShare("coinsurance", 0.2, "none")),
    ("12.5% coinsurance AFTER DEDUCTIBLE", CostShare("coinsurance", 0.125, "after")),
    ("No Charge", CostShare("free", 0, "none")),
    ("No Charge after deductible", CostShare("free", 0, "after")),
    ("$0", CostShare("free", 0, "none")),
    ("$0 Copay after deductible", CostShare("free", 0, "after")),
    ("0%", CostShare("free", 0, "none")),
    ("0% Coinsurance after deductible", CostShare("free", 0, "after")),
    ("Not Covered", CostShare("not_covered", 0, "none")),
    ("Not Applicable", None),
    ("", None),
])
def test_qhp_cost_sharing_strings(text: str, want: CostShare | None) -> None:
    got = parse_cost_share(text)
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert (got.kind, got.amount, got.deductible) == pytest.approx(
            (want.kind, want.amount, want.deductible))
        assert got.text == text.strip()


@pytest.mark.parametrize(("text", "why"), [
    ("twenty dollars", "cannot read cost sharing"),
    ("$30 Coinsurance", "a dollar amount is a copay"),
    ("20% Copay", "a percentage is a coinsurance"),
    ("150% Coinsurance", "between 0 and 1"),
    ("$30 Copay after deductible before deductible", "cannot read"),
    ("$30 Copay plus tax", "cannot read"),
])
def test_unreadable_cost_sharing_names_the_cell(text: str, why: str) -> None:
    with pytest.raises(InvalidPlan, match=why) as info:
        parse_cost_share(text, "plans.csv row 3, column 'Specialist Visit'")
    assert info.value.message.startswith("plans.csv row 3, column 'Specialist Visit': ")


def test_the_contract_plan_file() -> None:
    silver, bronze = parse_plans(PLANS)
    assert (silver.id, silver.name, silver.premium_monthly, silver.deductible,
            silver.coinsurance, silver.oop_max, silver.preventive_free) == (
        "silver", "Silver 3000", 455, 3000, 0.2, 8000, True)
    assert silver.copays == {"office_visit": 30, "emergency": 400}
    assert silver.share("emergency") == CostShare("copay", 400, "none", "$400 copay")
    assert silver.share("lab_imaging").kind == "coinsurance"
    assert bronze.copays == {}


@pytest.mark.parametrize(("change", "message"), [
    ({"premium_monthly": -1}, "plans[0] (id 'silver'): 'premium_monthly' is negative (-1)"),
    ({"deductible": -3000}, "plans[0] (id 'silver'): 'deductible' is negative"),
    ({"coinsurance": 1.5}, "'coinsurance' must be between 0 and 1, got 1.5"),
    ({"coinsurance": -0.1}, "'coinsurance' is negative"),
    ({"deductible": None}, "plans[0] (id 'silver'): missing field 'deductible'"),
    ({"oop_max": "8000"}, "'oop_max' must be a number"),
    ({"oop_max": True}, "'oop_max' must be a number"),
    ({"oop_max": 10**400}, "'oop_max' is too large"),
    ({"preventive_free": "yes"}, "'preventive_free' must be true or false"),
    ({"copays": {"dental": 30}}, "'copays.dental' is not a category"),
    ({"copays": {"office_visit": -30}}, "'copays.office_visit' is negative"),
    ({"copays": [30]}, "'copays' must be an object"),
    ({"id": ""}, "plans[0]: 'id' must be a non-empty string"),
])
def test_a_bad_plan_names_the_plan_and_the_field(change: dict[str, Any], message: str) -> None:
    plan = {**SILVER, **change}
    with pytest.raises(InvalidPlan) as info:
        parse_plans({"plans": [plan]})
    assert message in info.value.message
    assert info.value.status == 422 and info.value.code == "invalid_plan"


def test_a_missing_field_in_the_second_plan() -> None:
    second = {k: v for k, v in SILVER.items() if k != "oop_max"} | {"id": "gold"}
    with pytest.raises(InvalidPlan, match=r"plans\[1\] \(id 'gold'\): missing field 'oop_max'"):
        parse_plans({"plans": [SILVER, second]})


@pytest.mark.parametrize(("data", "message"), [
    ({}, "missing field 'plans'"), ({"plans": []}, "non-empty list"),
    ([SILVER], "missing field 'plans'"), ({"plans": [1]}, "a plan must be an object"),
    ({"plans": [SILVER, SILVER]}, "duplicate plan id 'silver'"),
])
def test_a_bad_plan_file(data: Any, message: str) -> None:
    with pytest.raises(InvalidPlan, match=message):
        parse_plans(data)


QHP_CSV = (
    "PlanId,PlanMarketingName,Premium Adult Individual Age 40,TEHBDedInnTier1Individual,"
    "TEHBInnTier1IndividualMOOP,Coinsurance,Primary Care Visit to Treat an Injury or Illness,"
    "Specialist Visit,Emergency Room Services,Generic Drugs,"
    "Preventive Care/Screening/Immunization\n"
    '11111AA0010001,Silver Select,$455.00,"$3,000","$8,000",20% Coinsurance after deductible,'
    '$30 Copay,$60 Copay after deductible,$400 Copay with deductible,$10,No Charge\n'
    '22222BB0020002,Bronze Basic,300,"$7,000 per person | $14,000 per group",$9000,40%,'
    "Not Applicable,No Charge after deductible,50% Coinsurance after deductible,Not Covered,"
    "$0\n"
)


def test_the_qhp_shaped_csv() -> None:
    silver, bronze = parse_plans_csv(QHP_CSV.encode())
    assert (silver.id, silver.name, silver.premium_monthly, silver.deductible, silver.oop_max,
            silver.coinsurance, silver.preventive_free) == (
        "11111AA0010001", "Silver Select", 455, 3000, 8000, 0.2, True)
    assert silver.share("office_visit") == CostShare("copay", 30, "none", "$30 Copay")
    assert silver.share("emergency").deductible == "with"
    assert silver.share("pharmacy").amount == 10 and silver.copays == {
        "office_visit": 30, "pharmacy": 10}
    assert (bronze.deductible, bronze.oop_max, bronze.coinsurance) == (7000, 9000, 0.4)
    # "Not Applicable" for primary care: the specialist column gives the office visit rule
    assert bronze.share("office_visit") == CostShare("free", 0, "after",
                                                     "No Charge after deductible")
    assert bronze.share("pharmacy").kind == "not_covered" and bronze.preventive_free
    assert bronze.source == "plans.csv row 3"


def test_csv_with_semicolons_and_a_bom() -> None:
    text = "\ufeffid;name;premium_monthly;deductible;oop_max;coinsurance\np;P;1;2;3;0.1\n"
    (p,) = parse_plans_csv(text.encode("utf-8"))
    assert (p.id, p.premium_monthly, p.deductible, p.oop_max, p.coinsurance) == (
        "p", 1, 2, 3, 0.1)


@pytest.mark.parametrize(("row", "message"), [
    ("q,Q,$455,$-5,$8000,20%", "plans.csv row 3, column 'deductible': 'deductible' is negative"),
    ("q,Q,$455,$5,$8000,150%", "plans.csv row 3, column 'coinsurance': 'coinsurance' must be "
     "between 0 and 1"),
    ("q,Q,$455,$5,,20%", "plans.csv row 3, column 'oop_max': missing value for 'oop_max'"),
    ("q,Q,lots,$5,$8000,20%", "plans.csv row 3, column 'premium_monthly': 'premium_monthly' "
     "is not an amount"),
    ("q,Q,$455,$5,$8000,20%,thirty", "plans.csv row 3, column 'Specialist Visit': cannot read"),
])
def test_a_bad_csv_row_names_the_row_and_the_column(row: str, message: str) -> None:
    header = "id,name,premium_monthly,deductible,oop_max,coinsurance,Specialist Visit\n"
    text = header + "p,P,1,2,3,0.1,$5\n" + row + "\n"
    with pytest.raises(InvalidPlan) as info:
        parse_plans_csv(text)
    assert message in info.value.message


def test_a_csv_without_a_required_column() -> None:
    with pytest.raises(InvalidPlan, match=r"plans\.csv row 1: missing column 'deductible'"):
        parse_plans_csv("id,name,premium_monthly,oop_max,coinsurance\np,P,1,3,0.1\n")


def test_load_plans_tells_json_from_csv(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"plans": [' + str(SILVER).replace("'", '"')
                                     .replace("True", "true") + "]}")
    (tmp_path / "p.csv").write_text(QHP_CSV)
    (tmp_path / "bad.json").write_text("{oops")
    assert load_plans(tmp_path / "p.json")[0].id == "silver"
    assert len(load_plans(tmp_path / "p.csv")) == 2
    with pytest.raises(InvalidPlan, match=r"bad\.json: not valid JSON"):
        load_plans(tmp_path / "bad.json")
    with pytest.raises(InvalidPlan, match="cannot read the plans file"):
        load_plans(tmp_path / "missing.json")
