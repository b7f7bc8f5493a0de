"""The claim-category mapping table (``data/claim_categories.yaml``), read once.

A claim line's category is what plans write their cost sharing for: preventive, office
visit, emergency, inpatient, pharmacy, lab or imaging, other. The YAML file documents the
order in which its rules are tried; the first that matches decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

CATEGORIES = ("preventive", "office_visit", "emergency", "inpatient", "pharmacy",
              "lab_imaging", "other")
DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CategoryTable:
    vaccine_systems: frozenset[str]
    systems: dict[str, str]  # system -> category for every code of it
    codes: dict[tuple[str, str], str]
    ranges: list[tuple[str, str, str, str]]  # system, low, high, category
    keywords: list[tuple[str, tuple[str, ...]]]
    claim_types: dict[str, str]
    encounter_types: dict[str, str]
    encounter_classes: dict[str, str]
    places: dict[str, str]

    def categorize(self, codings: list[tuple[str, str]], display: str, claim_type: str | None,
                   encounter: tuple[str | None, list[str]], place: str | None) -> str:
        for system, code in codings:
            found = self.codes.get((system, code)) or self.systems.get(system)
            if found:
                return found
            for rsys, low, high, category in self.ranges:
                if rsys == system and len(code) == len(low) and low <= code <= high:
                    return category
        text = f" {display.lower()} "
        for category, words in self.keywords:
            if any(w in text for w in words):
                return category
        cls, types = encounter
        for found in (self.claim_types.get(claim_type or ""),
                      *(self.encounter_types.get(t) for t in types),
                      self.encounter_classes.get(cls or ""), self.places.get(place or "")):
            if found:
                return found
        return "other"


@lru_cache(maxsize=1)
def category_table() -> CategoryTable:
    data = yaml.safe_load((DATA / "claim_categories.yaml").read_text(encoding="utf-8"))
    systems: dict[str, str] = {}
    codes: dict[tuple[str, str], str] = {}
    ranges: list[tuple[str, str, str, str]] = []
    for rule in data["codes"]:
        if "category" in rule:
            systems[rule["system"]] = rule["category"]
        for code, category in (rule.get("codes") or {}).items():
            codes[(rule["system"], str(code))] = category
        for category, low, high in rule.get("ranges") or []:
            ranges.append((rule["system"], str(low), str(high), category))
    table = CategoryTable(
        vaccine_systems=frozenset(data["vaccine_systems"]), systems=systems, codes=codes,
        ranges=ranges,
        keywords=[(c, tuple(str(w).lower() for w in words)) for c, words in data["keywords"]],
        claim_types={str(k): v for k, v in data["claim_types"].items()},
        encounter_types={str(k): v for k, v in data["encounter_types"].items()},
        encounter_classes={str(k): v for k, v in data["encounter_classes"].items()},
        places={str(k): v for k, v in data["places_of_service"].items()})
    used = {*systems.values(), *codes.values(), *(r[3] for r in ranges),
            *(c for c, _ in table.keywords), *table.claim_types.values(),
            *table.encounter_types.values(), *table.encounter_classes.values(),
            *table.places.values()}
    if not used <= set(CATEGORIES):
        raise ValueError(f"claim_categories.yaml names unknown categories {used - set(CATEGORIES)}")
    return table
