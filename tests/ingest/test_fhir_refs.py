"""Reference data at ingest: encounters name their practitioners, organisation and
location; claims carry their payer and the member's share (issue 15).

Practitioner, Organization and Location stay out of the chunk index, but every way a
bundle points at them resolves: ``Type/id``, ``urn:uuid:``, conditional
``Type?identifier=system|value`` (URL-encoded too) and display-only references.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ingest.fhir import ResourceStream, parse_fhir
from rag.core.types import Item, ParseResult
from tests.fakes.clinic_bundle import NPI, clinic_bundle


def _items(category: str) -> dict[str, tuple[Item, str]]:
    """Resource id -> (item, chunk text) of the clinic bundle's items of a category."""
    result = parse_fhir(json.dumps(clinic_bundle()).encode(), "clinic.json")
    return {r.provenance.resource_id or "": (it, r.text)
            for r in result.records for it in r.items if it.category == category}


@pytest.mark.parametrize(("encounter", "how", "practitioner", "organization"), [
    ("e1", "Practitioner/id", "Dr. Ann Lee", "Riverside Clinic"),
    ("e2", "conditional identifier", "Dr. Ann Lee", "Riverside Clinic"),
    ("e3", "URL-encoded conditional identifier", "Dr. Omar Diaz", "City Hospital"),
    ("e4", "urn:uuid full URL", "Dr. Ann Lee", "Riverside Clinic"),
    ("e6", "display only", "Dr. Ann Lee", "Riverside Clinic"),
])
def test_encounter_names_its_practitioner_and_organisation(
    encounter: str, how: str, practitioner: str, organization: str
) -> None:
    item, text = _items("encounter")[encounter]
    assert item.detail["practitioners"] == [practitioner], how
    assert item.detail["organization"] == organization, how
    assert practitioner in text and organization in text  # a citation quote can show it


def test_encounter_keeps_type_class_and_location() -> None:
    item, text = _items("encounter")["e3"]
    assert item.detail["type"] == "Emergency room admission"
    assert item.detail["class"] == "EMER"
    assert item.detail["location"] == "City Hospital Emergency Department"
    assert "City Hospital Emergency Department" in text


def test_reference_resources_stay_out_of_the_index() -> None:
    result = parse_fhir(json.dumps(clinic_bundle()).encode(), "clinic.json")
    types = {r.provenance.resource_type for r in result.records}
    assert not types & {"Practitioner", "Organization", "Location"}
    assert result.skipped == 5


@pytest.mark.parametrize(("eob", "payer", "member", "plan", "billed", "lines"), [
    # CARIN codes; the second line has no allowed amount, so it is not a claim line
    ("eob-1", "Acme Health", 20.0, 130.0, 200.0, 1),
    # deductible + coinsurance are both the member's share
    ("eob-2", "Acme Health", 400.0, 400.0, 1000.0, 1),
    # Blue Button codes; the payer comes from the contained Coverage
    ("eob-3", "Medicare", 20.0, 80.0, 120.0, 1),
])
def test_eob_carries_payer_and_member_share(
    eob: str, payer: str, member: float, plan: float, billed: float, lines: int
) -> None:
    item, text = _items("eob")[eob]
    assert item.detail["payer"] == payer
    assert item.detail["member_share"] == member
    assert item.detail["plan_paid"] == plan
    assert item.detail["billed"] == billed
    assert len(item.detail["lines"]) == lines
    assert f"member share {member:.2f} USD" in text


def test_eob_points_at_the_claim_it_adjudicates_and_a_claim_names_its_payer() -> None:
    assert _items("eob")["eob-1"][0].detail["claim"] == "cl-1"
    claim = _items("claim")["cl-1"][0]
    assert claim.detail["payer"] == "Acme Health"
    assert claim.detail["member_share"] is None  # a Claim states no adjudication
    assert claim.detail["billed"] == 250.0


def test_streamed_resources_resolve_conditional_references() -> None:
    """Bulk NDJSON: a Practitioner seen earlier in the stream names later encounters."""
    bundle = clinic_bundle()
    by_id: dict[str, Any] = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    stream = ResourceStream("bulk.ndjson", "0" * 64)
    result = ParseResult()
    for rid in ("pr-lee", "org-riverside", "e2"):
        stream.parse(by_id[rid], result)
    item = result.records[-1].items[0]
    assert item.detail["practitioners"] == ["Dr. Ann Lee"]
    assert item.detail["organization"] == "Riverside Clinic"
    assert NPI in by_id["e2"]["participant"][0]["individual"]["reference"]
