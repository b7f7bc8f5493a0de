"""A small vault for the understanding tests: a real FactsStore in a temporary folder,
holding the names and codes of a Synthea-like patient (with the record's own misspelling
"Simvistatin"). Nothing here is copied from an evaluation set."""

from __future__ import annotations

from pathlib import Path

from indexes.facts import FactsStore
from rag.core.types import Item, Measurement, Provenance, Record

_PROV = Provenance(source_file="test.json", file_hash="h0", source_type="fhir")

# (LOINC, display, value, unit, date)
MEASUREMENTS = [
    ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 6.1, "%", "2024-03-02"),
    ("2339-0", "Glucose [Mass/volume] in Blood", 101.0, "mg/dL", "2024-03-02"),
    ("33914-3", "Glomerular filtration rate/1.73 sq M.predicted", 78.0, "mL/min", "2024-03-02"),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", 1.0, "mg/dL", "2024-03-02"),
    ("29463-7", "Body Weight", 81.2, "kg", "2024-03-02"),
    ("8302-2", "Body Height", 176.0, "cm", "2024-03-02"),
    ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma", 120.0, "mg/dL",
     "2024-03-02"),
    ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", 50.0, "mg/dL",
     "2024-03-02"),
]

# (category, name, status, date, code, detail)
ITEMS = [
    ("condition", "Essential hypertension (disorder)", "active", "2012-03-12", "59621000", {}),
    ("condition", "Diabetes mellitus type 2 (disorder)", "active", "2015-06-01", "44054006", {}),
    ("condition", "Acute bronchitis (disorder)", "resolved", "2019-01-10", "10509002", {}),
    ("medication", "Simvistatin 10 MG Oral Tablet", "active", "2016-02-01", "314231", {}),
    ("medication", "lisinopril 10 MG Oral Tablet", "active", "2012-03-12", "314076", {}),
    ("medication", "Acetaminophen 325 MG Oral Tablet", "stopped", "2019-01-10", "313782", {}),
    ("allergy", "Allergy to peanuts", "active", "2010-05-12", "91935009", {}),
    ("immunization", "Td (adult) preservative free", "completed", "2021-04-01", "113", {}),
    ("immunization", "Influenza, seasonal, injectable, preservative free", "completed",
     "2023-10-01", "140", {}),
    ("procedure", "Termination of pregnancy", "completed", "2014-02-02", "714812005", {}),
    ("encounter", "Encounter for check up", "finished", "2024-03-02", None, {"class": "AMB"}),
    ("encounter", "Emergency room admission", "finished", "2022-07-08", None,
     {"class": "EMER"}),
]


def build_vault(folder: Path) -> FactsStore:
    """Write the records above into a fresh facts store and return it (open)."""
    facts = FactsStore(folder / "facts.sqlite")
    with facts.transaction() as db:
        for i, (code, display, value, unit, day) in enumerate(MEASUREMENTS):
            m = Measurement("http://loinc.org", code, display, value, unit, None, day)
            rec = Record(f"Observation/{i}", f"{display} {value} {unit}", _PROV, display,
                         measurements=(m,))
            FactsStore.write_record(db, rec, f"c_obs_{i}", f"h_obs_{i}")
        for i, (category, name, status, day, item_code, detail) in enumerate(ITEMS):
            item = Item(category, name, status, day, item_code, "system", detail)
            rec = Record(f"Item/{i}", name, _PROV, name, items=(item,))
            FactsStore.write_record(db, rec, f"c_item_{i}", f"h_item_{i}")
    return facts
