"""Operations on real Synthea bundles, expectations computed from the bundle JSON.

Skips cleanly without ``../shared/data``. Three patients keep it quick with the fake
embedder: visit counts per year, the last visit's date and practitioner, the care team's
first member, and a sensitive visit reason that a generic answer does not say.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from rag.answering.operations import run
from rag.answering.results import CareTeam, Count, Visit
from tests.conftest import shared_path
from tests.rag.ops_support import answer, query, vault, year

PATIENTS = ("Blaine_Schroeder", "Dirk_Kuhlman", "Jorge_Brekke")


def _bundle(prefix: str) -> Path:
    folder = shared_path("synthea_fhir_r4", "bundles")
    return next(folder.glob(f"{prefix}_*.json"))


def _encounters(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Encounter"]


def _name(practitioner: dict[str, Any]) -> str:
    n = practitioner["name"][0]
    return " ".join([*n.get("prefix", []), *n.get("given", []), n.get("family", "")]).strip()


@pytest.mark.parametrize("prefix", PATIENTS)
def test_counts_last_visit_and_care_team_match_the_bundle(
    prefix: str, tmp_path: Path
) -> None:
    path = _bundle(prefix)
    encounters = _encounters(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    people = {e["fullUrl"]: _name(e["resource"]) for e in doc["entry"]
              if e["resource"]["resourceType"] == "Practitioner"}
    per_year = Counter(e["period"]["start"][:4] for e in encounters)
    last = max(encounters, key=lambda e: e["period"]["start"])
    seen = Counter(people[p["individual"]["reference"]] for e in encounters
                   for p in e.get("participant", []))
    with vault(tmp_path, path) as facts:
        for y, n in per_year.most_common(3):
            part = run(query("count", "encounter", window=year(int(y))), facts).payload
            assert isinstance(part, Count) and part.n == n, y
        visit = run(query("when", "encounter"), facts).payload
        assert isinstance(visit, Visit)
        assert visit.fact.date == last["period"]["start"][:10]
        assert list(visit.practitioners) == [
            people[p["individual"]["reference"]] for p in last.get("participant", [])]
        team = run(query("who", "practitioner"), facts).payload
        assert isinstance(team, CareTeam)
        assert (team.members[0].name, team.members[0].visits) == seen.most_common(1)[0]


def test_a_sensitive_visit_reason_is_not_said(tmp_path: Path) -> None:
    """This patient's last visit was for an attention deficit disorder (mental health)."""
    with vault(tmp_path, _bundle("Jorge_Brekke")) as facts:
        result = run(query("when", "encounter"), facts)
        text, citations, removed = answer(result)
    assert not removed
    assert "attention" not in text.lower() and "attention" not in citations[0].quote.lower()
    assert text.startswith("Your last visit was on 9 November 2020 with Dr.")
