"""Operations over the facts store: one test per operation, on typed results.

Queries are built directly; the vaults are the hand-written clinic bundle and the demo
patient, ingested through the real pipeline (fake embedder). Each case names the issue 15
item it covers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from indexes.facts import FactsStore
from rag.answering.operations import run
from rag.answering.results import CareTeam, Count, Items, Payer, Presence, Spending, Values, Visit
from tests.fakes.clinic_bundle import EXPECTED
from tests.rag.ops_support import (
    LAST_VISIT,
    clinic_file,
    concept,
    demo_files,
    query,
    vault,
    year,
)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactsStore]:
    tmp = tmp_path_factory.mktemp("clinic")
    with vault(tmp, clinic_file(tmp)) as facts:
        yield facts


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FactsStore]:
    with vault(tmp_path_factory.mktemp("demo"), *demo_files()) as facts:
        yield facts


def _ids(facts: FactsStore, chunk_ids: tuple[str, ...]) -> list[str | None]:
    records = facts.records_by_chunks(list(chunk_ids))
    return [records[c].resource_id for c in chunk_ids]


# ---------------------------------------------------------------- count


@pytest.mark.parametrize(("why", "q", "n", "ids"), [
    ("visits in 2019", query("count", "encounter", window=year(2019)), 3, ["e2", "e3", "e4"]),
    ("'see a doctor' does not narrow", query(
        "count", "encounter", concept("encounter", "see a doctor", in_vault=False),
        window=year(2019)), 3, ["e2", "e3", "e4"]),
    ("by type", query("count", "encounter", etype="emergency"), 1, ["e3"]),
    ("a type named by a concept", query("count", "encounter", concept("encounter", "er")),
     1, ["e3"]),
    ("all time", query("count", "encounter"), 6, None),
])
def test_count_of_encounters(clinic: FactsStore, why: str, q: object, n: int,
                             ids: list[str] | None) -> None:
    result = run(q, clinic)  # type: ignore[arg-type]  # parametrized Query
    part = result.payload
    assert isinstance(part, Count), why
    assert part.n == n == len(result.cite), why
    if ids:
        assert _ids(clinic, result.cite) == ids, why


# ---------------------------------------------------------------- visits and care team


def test_last_visit_with_practitioner_and_organisation(clinic: FactsStore) -> None:
    result = run(query("when", "encounter"), clinic)
    part = result.payload
    assert isinstance(part, Visit)
    assert part.fact.date == EXPECTED["last_visit"]
    assert part.practitioners == ("Dr. Ann Lee",)
    assert part.organization == "Riverside Clinic"
    assert part.reasons == ("Hypertension",)
    assert _ids(clinic, result.cite) == ["e6"]


def test_who_did_i_see_last_and_the_visit_before(clinic: FactsStore) -> None:
    last = run(query("who", "practitioner", window=LAST_VISIT), clinic).payload
    before = run(query("who", "practitioner", window=LAST_VISIT, back=1), clinic).payload
    assert isinstance(last, Visit) and isinstance(before, Visit)
    assert last.practitioners == ("Dr. Ann Lee",)
    assert before.fact.date == "2021-03-03" and before.follow_up


def test_care_team_ranks_by_visits_then_recency(clinic: FactsStore) -> None:
    result = run(query("who", "practitioner", concept("practitioner", "doctor"),
                       question="who is my doctor"), clinic)
    team = result.payload
    assert isinstance(team, CareTeam)
    first, second = team.members
    assert (first.name, first.visits, first.last, first.organization) == (
        "Dr. Ann Lee", 5, "2022-04-04", "Riverside Clinic")
    assert (second.name, second.visits, second.organization) == (
        "Dr. Omar Diaz", 1, "City Hospital")


# ---------------------------------------------------------------- exists


@pytest.mark.parametrize(("why", "category", "c", "status", "verdict", "looked"), [
    ("active hypertension", "condition", concept("condition", "hypertension", "Hypertension",
                                                  names=("Hypertension",)), "any", "yes", 3),
    ("no shingles vaccine", "immunization", concept("immunization", "shingles vaccine",
                                                     in_vault=False), "any", "no", 3),
    ("no peanut allergy", "allergy", concept("allergy", "peanuts", in_vault=False), "any",
     "no", 2),
    ("inactive allergy", "allergy", concept("allergy", "latex", "Latex", names=("Latex",)),
     "any", "not_now", 2),
    ("resolved, asked about the past", "condition", concept("condition", "bronchitis"),
     "inactive", "past", 3),
    ("stopped medication, asked 'still'", "medication", concept("medication", "simvastatin"),
     "active", "not_now", 2),
    ("current medication", "medication", concept("medication", "lisinopril"), "active",
     "yes", 2),
])
def test_exists(clinic: FactsStore, why: str, category: str, c: object, status: str,
                verdict: str, looked: int) -> None:
    result = run(query("exists", category, c, status=status), clinic)  # type: ignore[arg-type]
    part = result.payload
    assert isinstance(part, Presence), why
    assert part.verdict == verdict, why
    assert result.looked_at.records == looked, why
    assert bool(result.cite) == (verdict != "no"), why


# ---------------------------------------------------------------- latest, list, history of items


def test_last_procedure_is_the_latest_not_sensitive_one(clinic: FactsStore) -> None:
    part = run(query("latest", "procedure"), clinic).payload
    assert isinstance(part, Items) and part.single
    assert [f.item.name for f in part.facts] == ["Colonoscopy"]
    asked = run(query("latest", "procedure", concept("procedure", "termination of pregnancy",
                                                     sensitive=True)), clinic).payload
    assert isinstance(asked, Items)
    assert [f.item.name for f in asked.facts] == ["Induced termination of pregnancy"]


@pytest.mark.parametrize(("category", "names", "hidden"), [
    ("procedure", ["Colonoscopy", "Appendectomy"], 2),
    ("condition", ["Hypertension"], 1),  # resolved bronchitis is not current either
    ("allergy", ["Penicillin", "Latex"], 0),  # inactive allergies are listed, said as such
])
def test_lists_hold_back_sensitive_items(clinic: FactsStore, category: str, names: list[str],
                                         hidden: int) -> None:
    part = run(query("list", category), clinic).payload  # type: ignore[arg-type]
    assert isinstance(part, Items)
    assert [f.item.name for f in part.facts] == names
    assert part.hidden == hidden


def test_history_of_items_has_no_default_window(clinic: FactsStore) -> None:
    part = run(query("history", "immunization"), clinic).payload
    assert isinstance(part, Items)
    assert [f.date for f in part.facts] == ["2020-10-01", "2019-10-01", "2018-05-01"]


# ---------------------------------------------------------------- values


def test_weight_at_last_visit_is_one_value(clinic: FactsStore) -> None:
    weight = concept("observation", "weight")
    at_visit = run(query("latest", "observation", weight, window=LAST_VISIT), clinic).payload
    latest = run(query("latest", "observation", weight), clinic).payload
    assert isinstance(at_visit, Values) and isinstance(latest, Values)
    assert at_visit.shown is not None and at_visit.shown.value == 82.5
    assert at_visit.before is None and len(at_visit.points) == 1
    assert latest.shown is not None and latest.shown.value == 81
    assert latest.before is not None and latest.before.value == 82.5


def test_history_of_values_is_complete_and_ordered(clinic: FactsStore) -> None:
    part = run(query("history", "observation", concept("observation", "weight")), clinic).payload
    assert isinstance(part, Values) and part.history
    assert [p.day for p in part.points] == ["2019-11-20", "2022-04-04", "2023-01-15"]


def test_previous_item_reference_steps_back(clinic: FactsStore) -> None:
    part = run(query("latest", "observation", concept("observation", "hba1c"), back=1),
               clinic).payload
    assert isinstance(part, Values) and part.follow_up
    assert part.shown is not None and part.shown.value == 6.1
    assert part.before is None


def test_unit_asked_for_is_kept_when_a_factor_is_known(demo: FactsStore) -> None:
    sleep = concept("observation", "sleep_total", "sleep")
    part = run(query("latest", "observation", sleep, unit="minutes"), demo).payload
    assert isinstance(part, Values) and part.unit == "minutes"
    assert part.shown is not None and part.shown.unit == "h"
    odd = run(query("latest", "observation", sleep, unit="kg"), demo).payload
    assert isinstance(odd, Values) and odd.unit is None  # no factor: recorded unit


def test_absent_value_says_what_was_looked_at(clinic: FactsStore) -> None:
    result = run(query("latest", "observation", concept("observation", "vitamin_d",
                                                        in_vault=False)), clinic)
    assert result.status == "absent" and not result.cite
    assert result.looked_at.names == ("vitamin_d",)
    assert result.looked_at.records == 2  # the kinds of results the vault holds


# ---------------------------------------------------------------- money and insurer


def test_claims_sum_per_year(clinic: FactsStore) -> None:
    result = run(query("sum", "claim", window=year(2019), question="how much did I pay"),
                 clinic)
    part = result.payload
    assert isinstance(part, Spending)
    assert (part.billed, part.plan_paid, part.member_share) == (1200.0, 530.0, 420.0)
    assert part.allowed == 950.0 and part.lines == 2 and part.focus == "member"
    assert _ids(clinic, result.cite) == ["eob-1", "eob-2"]


def test_insurer_is_the_latest_payer(clinic: FactsStore) -> None:
    part = run(query("who", "organization", concept("organization", "insurer"),
                     question="who is my insurer"), clinic).payload
    assert isinstance(part, Payer)
    assert part.name == "Medicare"
    assert [name for name, _ in part.others] == ["Acme Health"]


def test_demo_insurer_and_spending(demo: FactsStore) -> None:
    payer = run(query("who", "claim", question="who is my insurer"), demo).payload
    spent = run(query("sum", "claim", window=year(2026)), demo).payload
    assert isinstance(payer, Payer) and payer.name == "Evergreen Mutual Health Plan"
    assert isinstance(spent, Spending) and spent.member_share == 50.0


# ---------------------------------------------------------------- nothing to run


@pytest.mark.parametrize(("q", "status"), [
    (query("latest", "observation"), "unresolved"),  # no subject: ask which one
    (query("exists", "allergy"), "unresolved"),
    (query("trend", "observation", concept("observation", "weight")), "unsupported"),
    (query("other", "none"), "unresolved"),
])
def test_queries_without_an_operation_over_facts(clinic: FactsStore, q: object,
                                                 status: str) -> None:
    result = run(q, clinic)  # type: ignore[arg-type]
    assert result.status == status and not result.cite
