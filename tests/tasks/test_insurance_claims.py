"""Claim lines and spending on a hand-made bundle with CARIN and Blue Button adjudications
(every figure worked out by hand in tests/tasks/insurance_support.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest import fhir_refs
from rag.answering.citations import CitationBuilder
from rag.core.errors import NoClaims
from rag.tasks.claim_categories import category_table
from rag.tasks.claims import (
    ALLOWED_ORDER,
    INGEST_CODES,
    MEMBER_ORDER,
    PLAN_ORDER,
    SUBMITTED_ORDER,
)
from rag.tasks.insurance import spending
from rag.tasks.insurance_answers import spending_answer
from tests.tasks.insurance_support import load_pat


@pytest.fixture
def pat(service: Any, tmp_path: Path) -> Any:
    return load_pat(service, tmp_path)


def test_the_adjudication_codes_are_ingests() -> None:
    assert set(SUBMITTED_ORDER) == INGEST_CODES["submitted"] == fhir_refs.SUBMITTED
    assert set(ALLOWED_ORDER) == fhir_refs.ALLOWED
    assert set(PLAN_ORDER) == fhir_refs.PLAN
    assert {c for codes in MEMBER_ORDER.values() for c in codes} == fhir_refs.MEMBER


def test_claim_lines_of_the_bundle(pat: Any) -> None:
    book = pat.insurance.book("pat")
    got = [(ln.resource_id, ln.sequence, ln.date, ln.category, ln.vaccine, ln.allowed)
           for ln in book.lines]
    assert got == [
        ("eob-carin-2018", 1, "2018-06-01", "inpatient", False, 4000.0),
        ("eob-carin-2019", 1, "2019-03-05", "office_visit", False, 100.0),
        ("eob-carin-2019", 2, "2019-03-05", "lab_imaging", False, 40.0),
        ("eob-bb-2019", 2, "2019-10-01", "preventive", True, 140.52),
        ("eob-bb-2019", 3, "2019-10-01", "emergency", False, 800.0),
    ]
    inpatient = book.lines[0]
    assert inpatient.submitted == 5000  # written under two codes, counted once
    assert (inpatient.deductible, inpatient.coinsurance, inpatient.plan_paid) == (
        1000, 600, 2400)
    office = book.lines[1]
    assert (office.copay, office.member_share, office.provider, office.payer) == (
        25, 25, "Dr. Ann Lee", "Acme Health")
    assert book.lines[3].coverage == "private"  # the EOB's contained Coverage
    # The pharmacy Claim has no EOB: billed only; the adjudicated Claim is not repeated.
    assert [(ln.resource_id, ln.category, ln.submitted) for ln in book.unadjudicated] == [
        ("claim-rx-2019", "pharmacy", 255.0)]


@pytest.mark.parametrize(("codings", "display", "claim_type", "encounter", "place", "want"), [
    ([("http://hl7.org/fhir/sid/cvx", "140")], "Flu", None, (None, []), None, "preventive"),
    ([("http://www.ama-assn.org/go/cpt", "99396")], "Preventive visit", None, (None, []),
     None, "preventive"),
    ([("http://www.ama-assn.org/go/cpt", "99284")], "ED visit", None, (None, []), None,
     "emergency"),
    ([("http://www.ama-assn.org/go/cpt", "71046")], "Chest", None, (None, []), None,
     "lab_imaging"),
    ([("http://loinc.org", "4548-4")], "A1c", None, (None, []), None, "lab_imaging"),
    ([("http://snomed.info/sct", "1")], "Plain chest X-ray", None, (None, []), None,
     "lab_imaging"),
    ([("http://snomed.info/sct", "1")], "Depression screening", None, (None, []), None,
     "preventive"),
    ([("http://snomed.info/sct", "1")], "Anything", "pharmacy", ("AMB", []), None,
     "pharmacy"),
    ([("http://snomed.info/sct", "1")], "Suture open wound", None, ("AMB", ["50849002"]),
     None, "emergency"),
    ([("http://snomed.info/sct", "1")], "Suture open wound", None, ("IMP", []), None,
     "inpatient"),
    ([("http://snomed.info/sct", "1")], "Cardioversion", None, ("AMB", ["185349003"]), None,
     "office_visit"),
    ([("http://snomed.info/sct", "1")], "Cardioversion", None, (None, []), "23", "emergency"),
    ([("http://snomed.info/sct", "1")], "Cardioversion", None, (None, []), None, "other"),
])
def test_the_category_table(codings: list[tuple[str, str]], display: str,
                            claim_type: str | None, encounter: tuple[str | None, list[str]],
                            place: str | None, want: str) -> None:
    assert category_table().categorize(codings, display, claim_type, encounter, place) == want


def test_spending_2019_by_hand(pat: Any) -> None:
    out = pat.insurance.spending("pat", 2019)
    assert {k: out[k] for k in ("year", "billed", "allowed", "plan_paid", "you_paid",
                                "claims")} == {
        "year": 2019, "billed": 1250.52, "allowed": 1080.52, "plan_paid": 667.42,
        "you_paid": 413.1, "claims": 2}
    assert out["member_share"] == {"deductible": 240.0, "coinsurance": 148.1, "copay": 25.0}
    assert {c: (r["allowed"], r["you_paid"]) for c, r in out["by_category"].items()} == {
        "preventive": (140.52, 28.1), "office_visit": (100.0, 25.0),
        "emergency": (800.0, 320.0), "lab_imaging": (40.0, 40.0)}
    assert [(p["provider"], p["allowed"]) for p in out["by_provider"]] == [
        ("Riverside Hospital", 940.52), ("Dr. Ann Lee", 140.0)]
    assert out["unadjudicated"] == {"claims": 1, "billed": 255.0}
    cited = [(c["source"]["resource_type"], c["source"]["resource_id"])
             for c in out["citations"]]
    assert cited == [("ExplanationOfBenefit", "eob-carin-2019"),
                     ("ExplanationOfBenefit", "eob-bb-2019")]
    assert all(c["kind"] == "record" and c["quote"] and c["id"] for c in out["citations"])


def test_spending_citations_match_answer_citations(pat: Any) -> None:
    """The same citation objects as an Answer: they open with GET /v1/citations/{id}."""
    out = pat.insurance.spending("pat", 2018)
    assert (out["billed"], out["allowed"], out["plan_paid"], out["you_paid"]) == (
        5000.0, 4000.0, 2400.0, 1600.0)
    vault = pat.vaults.open("pat")
    rec = vault.facts.record_by_chunk(out["citations"][0]["id"])
    assert rec is not None and rec.resource_id == "eob-carin-2018"
    assert out["citations"][0]["quote"] == rec.text


def test_a_year_without_claims_is_zero(pat: Any) -> None:
    out = pat.insurance.spending("pat", 2005)
    assert (out["claims"], out["allowed"], out["citations"]) == (0, 0.0, [])
    assert out["years_with_claims"] == [2018, 2019]


def test_a_person_without_claims_is_told_so(service: Any) -> None:
    with pytest.raises(NoClaims, match="no adjudicated claim"):
        service.insurance.spending("nobody", 2019)


def test_the_audit_trail_names_the_cited_eobs(pat: Any) -> None:
    out = pat.insurance.spending("pat", 2019)
    entries = [e for e in pat.audit.for_vault(pat.vaults.vault_id("pat"))
               if e.get("what") == "insurance"]
    assert entries and entries[-1]["resources"] == [c["id"] for c in out["citations"]]


def test_spending_answer_cites_and_declares_every_figure(pat: Any) -> None:
    from guardrails.verify import verify

    facts = pat.vaults.open("pat").facts
    ans = spending_answer(facts, 2019)
    assert ans.sentences[0] == (
        "In 2019, your claims were billed 1250.52 USD; your plan allowed 1080.52 USD and "
        "paid 667.42 USD, and your share was 413.10 USD, over 2 claims [1][2].")
    assert "emergency care: 320.00 USD" in ans.text
    quotes = {c.marker: c.quote for c in ans.citations}
    verdict = verify(ans.sentences, quotes, derived=ans.derived)
    assert not verdict.removed, verdict.removed
    assert ans.as_answer().citations[0].source.resource_id == "eob-carin-2019"
    fr = spending_answer(facts, 2019, lang="fr")
    assert fr.text.startswith("En 2019, vos soins ont été facturés 1250.52 USD")
    assert spending_answer(facts, 2005).text.startswith("I don't see any claim for 2005")


def test_spending_uses_the_builder_it_is_given(pat: Any) -> None:
    book = pat.insurance.book("pat")
    cites = CitationBuilder(public_url="https://h.example")
    out = spending(book, 2019, cites)
    assert out["citations"][0]["url"].startswith("https://h.example/v1/citations/")
