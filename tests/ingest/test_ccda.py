"""C-CDA ingest: real HL7 examples counted independently, synthetic edge cases, XML attacks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import pytest

from ingest.base import Source, source_from_bytes
from ingest.ccda import is_ccda, parse_ccda
from ingest.fhir import parse_fhir
from rag.core.errors import EmptyInput, IngestError, InvalidContent, UnsupportedFormat
from rag.core.settings import IngestSettings
from rag.core.types import ParseResult
from tests.conftest import SHARED, shared_path

XML_DIR = SHARED / "ccda_examples" / "xml"
V3 = "{urn:hl7-org:v3}"


def _example_files() -> list[str]:
    if not XML_DIR.exists():
        return ["<absent>"]
    return sorted(
        p.relative_to(XML_DIR).as_posix() for p in XML_DIR.rglob("*") if p.suffix.lower() == ".xml"
    )


def _root_name(path: Path) -> str | None:
    """The local name of the root element, by the standard library (None: not XML)."""
    try:
        return ET.parse(path).getroot().tag.rsplit("}", 1)[-1]
    except ET.ParseError:
        return None


FILES = _example_files()
DOCUMENTS = [f for f in FILES if f == "<absent>" or _root_name(XML_DIR / f) == "ClinicalDocument"]
SECTIONS = [f for f in FILES if f != "<absent>" and _root_name(XML_DIR / f) == "section"]


def _example(rel: str) -> Path:
    return shared_path("ccda_examples", "xml", *rel.split("/"))


def _parse_path(path: Path, settings: IngestSettings | None = None) -> ParseResult:
    return parse_ccda(Source.from_path(path), settings or IngestSettings())


def _parse_bytes(data: bytes, tmp_path: Path, chunk_chars: int = 1200) -> ParseResult:
    src = source_from_bytes(data, "doc.xml", tmp_path / "up")
    return parse_ccda(src, IngestSettings(chunk_chars=chunk_chars))


# ------------------------------------------------------------------ independent counts

SECTION = "2.16.840.1.113883.10.20.22.2."
KINDS = {  # key segment -> (LOINC section code, section template roots)
    "problems": ("11450-4", {SECTION + "5", SECTION + "5.1"}),
    "medications": ("10160-0", {SECTION + "1", SECTION + "1.1"}),
    "allergies": ("48765-2", {SECTION + "6", SECTION + "6.1"}),
    "results": ("30954-2", {SECTION + "3", SECTION + "3.1"}),
    "vital-signs": ("8716-3", {SECTION + "4", SECTION + "4.1"}),
    "immunizations": ("11369-6", {SECTION + "2", SECTION + "2.1"}),
}
PROBLEM_OBS = "2.16.840.1.113883.10.20.22.4.4"
ALLERGY_OBS = "2.16.840.1.113883.10.20.22.4.7"


def _local(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _kids(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c) == name]


def _not_negated(el: ET.Element) -> bool:
    return el.get("negationInd", "").lower() != "true"


def _templated(el: ET.Element, root: str) -> bool:
    return any(_local(t) == "templateId" and t.get("root") == root for t in el)


def _section_kind(section: ET.Element) -> str | None:
    code = next((c.get("code") for c in _kids(section, "code")), None)
    roots = {t.get("root") for t in _kids(section, "templateId")}
    for kind, (loinc, templates) in KINDS.items():
        if code == loinc or roots & templates:
            return kind
    return None


def _expected_counts(path: Path) -> Counter[str]:
    """Entries per kind, straight from the XML with ElementTree (not the parser)."""
    counts: Counter[str] = Counter()
    root = ET.parse(path).getroot()
    sections = [root] if _local(root) == "section" else []
    sections += [s for s in root.iter() if _local(s) == "section" and s is not root]
    for section in sections:
        kind = _section_kind(section)
        if kind is None or section.get("nullFlavor"):
            continue
        for entry in _kids(section, "entry"):
            if kind == "problems":
                counts[kind] += sum(
                    1 for o in entry.iter() if _local(o) == "observation"
                    and _templated(o, PROBLEM_OBS) and _not_negated(o)
                )
            elif kind == "allergies":
                counts[kind] += sum(
                    1 for o in entry.iter() if _local(o) == "observation"
                    and _templated(o, ALLERGY_OBS) and _not_negated(o)
                )
            elif kind in {"medications", "immunizations"}:
                counts[kind] += sum(
                    1 for sa in _kids(entry, "substanceAdministration") if _not_negated(sa)
                )
            else:
                observations = _kids(entry, "observation") + [
                    o for org in _kids(entry, "organizer") for comp in _kids(org, "component")
                    for o in _kids(comp, "observation")
                ]
                counts[kind] += sum(1 for o in observations if _not_negated(o))
    return counts


PARSED_AS = {
    "problems": ("item", "condition"),
    "medications": ("item", "medication"),
    "allergies": ("item", "allergy"),
    "immunizations": ("item", "immunization"),
    "results": ("measurement", "laboratory"),
    "vital-signs": ("measurement", "vital-signs"),
}


def _parsed_counts(result: ParseResult) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rec in result.records:
        segment = rec.key.split("/")[2]
        for kind, (what, category) in PARSED_AS.items():
            if not re.fullmatch(rf"{kind}(-\d+)?", segment):
                continue
            if what == "item":
                counts[kind] += sum(1 for i in rec.items if i.category == category)
            else:
                counts[kind] += sum(1 for m in rec.measurements if m.category == category)
    return counts


@pytest.mark.shared
@pytest.mark.parametrize("rel", FILES)
def test_every_example_parses_or_raises_an_ingest_error(rel: str) -> None:
    path = _example(rel)
    try:
        result = _parse_path(path)
    except IngestError as exc:
        assert exc.message.startswith(path.name)
        return
    assert result.records
    assert len({r.key for r in result.records}) == len(result.records)


@pytest.mark.shared
@pytest.mark.parametrize("rel", DOCUMENTS)
def test_clinical_documents_ingest_with_independent_counts(rel: str) -> None:
    path = _example(rel)
    result = _parse_path(path)
    assert _parsed_counts(result) == _expected_counts(path)
    kinds = Counter(r.key.split("/")[2] for r in result.records)
    assert kinds["document"] == 1
    for rec in result.records:
        assert rec.text.strip()
        assert rec.provenance.source_type == "document"
        assert rec.provenance.resource_id
        assert rec.key.startswith(f"ccda/{rec.provenance.file_hash[:12]}/")


@pytest.mark.shared
@pytest.mark.parametrize("rel", SECTIONS)
def test_lone_sections_parse_with_independent_counts(rel: str) -> None:
    path = _example(rel)
    expected = _expected_counts(path)
    try:
        result = _parse_path(path)
    except EmptyInput:
        assert sum(expected.values()) == 0  # only a section with nothing to read is refused
        return
    assert _parsed_counts(result) == expected


@pytest.mark.shared
def test_the_examples_cover_every_kind() -> None:
    """Guards the count tests against a data folder where nothing is ever counted."""
    total: Counter[str] = Counter()
    for rel in DOCUMENTS:
        total += _expected_counts(_example(rel))
    assert set(total) == set(KINDS)
    assert len(DOCUMENTS) == 25


@pytest.mark.shared
def test_result_values_ranges_and_flags_match_the_xml() -> None:
    path = _example("Documents/CCD/CCD_1/CCD.XML")
    expected = set()
    for obs in ET.parse(path).getroot().iter(f"{V3}observation"):
        code, value = obs.find(f"{V3}code"), obs.find(f"{V3}value")
        rng = obs.find(f"{V3}referenceRange/{V3}observationRange/{V3}value")
        interp = obs.find(f"{V3}interpretationCode")
        if code is None or value is None or rng is None or value.get("unit") is None:
            continue
        low, high = rng.find(f"{V3}low"), rng.find(f"{V3}high")
        assert low is not None and high is not None and interp is not None
        expected.add((code.get("code"), float(value.get("value", "nan")), value.get("unit"),
                      float(low.get("value", "nan")), float(high.get("value", "nan")),
                      interp.get("code")))
    got = {
        (m.code, m.value, m.unit, m.ref_low, m.ref_high, m.interpretation)
        for r in _parse_path(path).records for m in r.measurements if m.category == "laboratory"
    }
    assert expected and expected <= got
    assert all(m[0] and re.fullmatch(r"\d+-\d", m[0]) for m in got)


@pytest.mark.shared
def test_narrative_sections_become_text_records() -> None:
    path = _example("Documents/Discharge_Summary/Discharge_Summary.xml")
    records = _parse_path(path).records
    course = [r for r in records if r.key.split("/")[2] == "hospital-course"]
    assert course and (course[0].provenance.resource_type or "").lower() == "hospital course"
    raw = ET.parse(path).getroot()
    section = next(s for s in raw.iter(f"{V3}section")
                   if (c := s.find(f"{V3}code")) is not None and c.get("code") == "8648-8")
    words = " ".join(" ".join(section.find(f"{V3}text").itertext()).split())  # type: ignore[union-attr]
    assert words[:40] in " ".join(" ".join(r.text for r in course).split())


# ------------------------------------------------------------------ synthetic documents


def _doc(*sections: str, xmlns: str = ' xmlns="urn:hl7-org:v3"') -> bytes:
    body = "".join(f"<component>{s}</component>" for s in sections)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<ClinicalDocument{xmlns} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<id root="1.2.3" extension="doc1"/><code code="34133-9" codeSystem="2.16.840.1.113883.6.1"'
        ' displayName="Summary of episode note"/><title>Test summary</title>'
        '<effectiveTime value="20240105"/>'
        "<recordTarget><patientRole><id root="
        '"9.9" extension="p1"/><patient><name><given>Ada</given><family>Test</family></name>'
        '<administrativeGenderCode code="F"/><birthTime value="19800102"/></patient>'
        "</patientRole></recordTarget>"
        f"<component><structuredBody>{body}</structuredBody></component></ClinicalDocument>"
    ).encode()


RESULTS = """<section><code code="30954-2" codeSystem="2.16.840.1.113883.6.1"/>
<title>RESULTS</title>
<text><table><tr><td ID="r1">Ferritin, serum</td><td ID="rr1">women 15-150 ng/mL</td></tr>
<tr><td ID="r2">Glucose comment</td><td ID="v2">see note: fasting sample</td></tr></table></text>
<entry><organizer classCode="BATTERY" moodCode="EVN"><id root="org-1"/>
<code code="24323-8" codeSystem="2.16.840.1.113883.6.1" displayName="Metabolic panel"/>
<effectiveTime value="20240102"/>
<component><observation classCode="OBS" moodCode="EVN"><id root="obs-1" extension="a"/>
 <code code="2276-4" codeSystem="2.16.840.1.113883.6.1"><originalText><reference value="#r1"/>
 </originalText></code><statusCode code="completed"/><effectiveTime value="202401020830"/>
 <value xsi:type="PQ" value="12" unit="ng/mL"/><interpretationCode code="L"/>
 <referenceRange><observationRange><text><reference value="#rr1"/></text>
 <value xsi:type="IVL_PQ"><low value="15" unit="ng/mL"/><high value="150" unit="ng/mL"/>
 </value></observationRange></referenceRange></observation></component>
<component><observation classCode="OBS" moodCode="EVN"><id root="obs-2"/>
 <code code="2345-7" codeSystem="2.16.840.1.113883.6.1" displayName="Glucose"/>
 <value xsi:type="PQ" nullFlavor="UNK"/></observation></component>
<component><observation classCode="OBS" moodCode="EVN">
 <code code="X-1" codeSystem="1.2.3.4" displayName="Urine colour"/>
 <value xsi:type="ST">amber</value></observation></component>
<component><observation classCode="OBS" moodCode="EVN">
 <code code="2093-3" codeSystem="2.16.840.1.113883.6.1" displayName="Cholesterol"/>
 <value xsi:type="PQ" value="5.2"/></observation></component>
</organizer></entry></section>"""

VITALS = """<section><code code="8716-3" codeSystem="2.16.840.1.113883.6.1"/><title>Vitals</title>
<entry><organizer classCode="CLUSTER" moodCode="EVN"><effectiveTime value="20240105"/>
<component><observation classCode="OBS" moodCode="EVN"><id root="bp-s"/>
 <code code="8480-6" codeSystem="2.16.840.1.113883.6.1" displayName="Systolic blood pressure"/>
 <effectiveTime value="20240105"/><value xsi:type="PQ" value="138" unit="mm[Hg]"/></observation>
</component><component><observation classCode="OBS" moodCode="EVN"><id root="bp-d"/>
 <code code="8462-4" codeSystem="2.16.840.1.113883.6.1" displayName="Diastolic blood pressure"/>
 <effectiveTime value="20240105"/><value xsi:type="PQ" value="88" unit="mm[Hg]"/></observation>
</component></organizer></entry></section>"""

ALLERGIES = """<section><code code="48765-2" codeSystem="2.16.840.1.113883.6.1"/>
<title>Allergies</title>
<entry><act classCode="ACT" moodCode="EVN"><statusCode code="active"/><entryRelationship>
<observation classCode="OBS" moodCode="EVN"><templateId root="2.16.840.1.113883.10.20.22.4.7"/>
 <id root="al-1"/><effectiveTime><low value="20150103"/></effectiveTime>
 <value xsi:type="CD" code="416098002" displayName="Drug allergy"/>
 <participant typeCode="CSM"><participantRole><playingEntity>
 <code code="7980" codeSystem="2.16.840.1.113883.6.88" displayName="Penicillin G"/>
 </playingEntity></participantRole></participant>
 <entryRelationship typeCode="MFST"><observation classCode="OBS" moodCode="EVN">
 <templateId root="2.16.840.1.113883.10.20.22.4.9"/><value xsi:type="CD" displayName="Hives"/>
 </observation></entryRelationship></observation></entryRelationship></act></entry>
<entry><act classCode="ACT" moodCode="EVN"><entryRelationship>
<observation classCode="OBS" moodCode="EVN" negationInd="true">
 <templateId root="2.16.840.1.113883.10.20.22.4.7"/>
 <value xsi:type="CD" code="419199007" displayName="Allergy to substance"/>
 <participant typeCode="CSM"><participantRole><playingEntity><code nullFlavor="NA"/>
 </playingEntity></participantRole></participant></observation></entryRelationship></act>
</entry></section>"""

COURSE_WORDS = [f"Day {n}: walked further, pain controlled, diet advanced." for n in range(60)]
COURSE = (
    '<section><code code="8648-8" codeSystem="2.16.840.1.113883.6.1"/><title>HOSPITAL COURSE'
    "</title><text>" + "".join(f"<paragraph>{w}</paragraph>" for w in COURSE_WORDS)
    + "</text></section>"
)


def test_results_handle_references_nullflavors_text_values_and_missing_units(
    tmp_path: Path,
) -> None:
    result = _parse_bytes(_doc(RESULTS), tmp_path)
    by_code = {m.code: m for r in result.records for m in r.measurements}
    ferritin = by_code["2276-4"]
    assert ferritin.display == "Ferritin, serum"  # from the narrative via originalText
    assert (ferritin.value, ferritin.unit, ferritin.ref_low, ferritin.ref_high) == (
        12.0, "ng/mL", 15.0, 150.0)
    assert ferritin.ref_text == "women 15-150 ng/mL"
    assert ferritin.interpretation == "L"
    assert ferritin.effective == "2024-01-02"
    assert ferritin.code_system == "http://loinc.org"
    assert by_code["2345-7"].value is None and by_code["2345-7"].value_text is None
    assert by_code["X-1"].value_text == "amber" and by_code["X-1"].code_system == "urn:oid:1.2.3.4"
    assert by_code["2093-3"].value == 5.2 and by_code["2093-3"].unit is None
    texts = {r.provenance.resource_id: r.text for r in result.records}
    assert texts["obs-1:a"].startswith("Ferritin, serum 12 ng/mL on 2024-01-02 (reference 15–150")
    assert "low" in texts["obs-1:a"]
    assert "Glucose no value" in texts["obs-2"]


def test_blood_pressure_pairs_like_the_fhir_panel(tmp_path: Path) -> None:
    ccda = [m for r in _parse_bytes(_doc(VITALS), tmp_path).records for m in r.measurements]
    bp = {
        "resourceType": "Observation", "id": "bp", "status": "final",
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9",
                             "display": "Blood pressure panel"}]},
        "effectiveDateTime": "2024-01-05",
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": c,
                                  "display": d}]}, "valueQuantity": {"value": v,
                                                                     "unit": "mm[Hg]"}}
            for c, d, v in [("8480-6", "Systolic blood pressure", 138),
                            ("8462-4", "Diastolic blood pressure", 88)]
        ],
    }
    import json

    fhir = [m for r in parse_fhir(json.dumps(bp).encode(), "bp.json").records
            for m in r.measurements]
    assert [astuple(m) for m in ccda] == [astuple(m) for m in fhir]
    records = _parse_bytes(_doc(VITALS), tmp_path).records
    assert any("Blood pressure 138/88 mm[Hg] on 2024-01-05" in r.text for r in records)


def test_negated_allergy_is_text_only(tmp_path: Path) -> None:
    result = _parse_bytes(_doc(ALLERGIES), tmp_path)
    items = [i for r in result.records for i in r.items if i.category == "allergy"]
    assert [(i.name, i.status, i.date, i.code) for i in items] == [
        ("Penicillin G", "active", "2015-01-03", "7980")]
    assert items[0].detail["reactions"] == ["Hives"]
    assert any("no known allergies" in r.text.lower() for r in result.records)


def test_narrative_only_sections_are_chunked(tmp_path: Path) -> None:
    result = _parse_bytes(_doc(COURSE), tmp_path, chunk_chars=400)
    course = [r for r in result.records if "/hospital-course/" in r.key]
    assert len(course) > 3
    assert all(len(r.text) < 400 + 60 for r in course)
    joined = " ".join(r.text for r in course)
    assert all(w in joined for w in COURSE_WORDS)
    assert course[0].provenance.span is not None


def test_header_gives_document_and_patient(tmp_path: Path) -> None:
    result = _parse_bytes(_doc(COURSE), tmp_path)
    items = {i.category: i for r in result.records for i in r.items}
    assert (items["patient"].name, items["patient"].date) == ("Ada Test", "1980-01-02")
    assert items["patient"].detail["gender"] == "female"
    assert (items["document"].name, items["document"].date) == ("Test summary", "2024-01-05")
    ids = {r.provenance.resource_type: r.provenance.resource_id for r in result.records}
    assert ids["ClinicalDocument"] == "1.2.3:doc1"


def test_same_bytes_same_records(tmp_path: Path) -> None:
    data = _doc(RESULTS, VITALS, ALLERGIES, COURSE)
    one, two = _parse_bytes(data, tmp_path / "a"), _parse_bytes(data, tmp_path / "b")
    assert [(r.key, r.text, r.provenance) for r in one.records] == [
        (r.key, r.text, r.provenance) for r in two.records]


def test_document_without_namespace_is_read(tmp_path: Path) -> None:
    result = _parse_bytes(_doc(VITALS, xmlns=""), tmp_path)
    assert sum(len(r.measurements) for r in result.records) == 2


# ------------------------------------------------------------------ refusals and attacks


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"   \n", EmptyInput),
        (b"<ClinicalDocument xmlns='urn:hl7-org:v3'><title>x</title>", InvalidContent),
        (b"<a/><b/>", InvalidContent),
        (b"<section><value xsi:type='CD'/></section>", InvalidContent),  # undeclared prefix
        (b"<entry xmlns='urn:hl7-org:v3'/>", UnsupportedFormat),
        (b"<ClinicalDocument xmlns='urn:other'/>", UnsupportedFormat),
        (b"<ClinicalDocument xmlns='urn:hl7-org:v3'/>", None),  # parses: a document record
    ],
)
def test_refusals_are_typed(data: bytes, error: type[IngestError] | None, tmp_path: Path) -> None:
    if error is None:
        assert _parse_bytes(data, tmp_path).records
        return
    with pytest.raises(error) as info:
        _parse_bytes(data, tmp_path)
    assert info.value.message.startswith("doc.xml:")


def test_external_entity_is_refused_and_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    canary = "CANARY-7f3a9c-do-not-leak"
    secret.write_text(canary)
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&x;</title></ClinicalDocument>'
    )
    for data in (xxe.encode(), xxe.replace('"1.0"?', '"1.0" encoding="UTF-16"?').encode("utf-16")):
        assert is_ccda(data)  # it looks like one, so the C-CDA parser is the one to refuse it
        with pytest.raises(InvalidContent) as info:
            _parse_bytes(data, tmp_path)
        assert canary not in info.value.message


def test_billion_laughs_is_refused(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    data = (f"<!DOCTYPE ClinicalDocument [{entities}]>"
            '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&a9;</title></ClinicalDocument>')
    with pytest.raises(InvalidContent):
        _parse_bytes(data.encode(), tmp_path)


def test_deep_nesting_does_not_crash(tmp_path: Path) -> None:
    deep = "<content>" * 5000 + "deep text" + "</content>" * 5000
    section = f"<section><title>Notes</title><text>{deep}</text></section>"
    result = _parse_bytes(_doc(section), tmp_path)
    assert any("deep text" in r.text for r in result.records)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<?xml version="1.0"?>\n<?xml-stylesheet href="x.xsl"?>\n<!-- c -->\n'
         b'<ClinicalDocument xmlns="urn:hl7-org:v3">', True),
        (b"\xef\xbb\xbf<ClinicalDocument xmlns='urn:hl7-org:v3' xmlns:sdtc='urn:hl7-org:sdtc'>",
         True),
        ('<ClinicalDocument xmlns="urn:hl7-org:v3">'.encode("utf-16"), True),
        (b'<section xmlns="urn:hl7-org:v3"><title>x</title>', True),
        (b"<section><templateId root='2.16.840.1.113883.10.20.22.2.5.1'/>", True),
        (b"<section><title>chapter</title>", False),
        (b'<?xml version="1.0"?><HealthData locale="en_US">', False),
        (b'{"resourceType": "Bundle"}', False),
        (b"<html><body>ClinicalDocument urn:hl7-org:v3</body></html>", False),
        (b"<?a?>" * 1600 + b"<foo", False),  # crafted prolog: must not backtrack for ages
        (b"<!--x-->" * 1000 + b'<section xmlns="urn:hl7-org:v3">', True),
    ],
)
def test_detection(head: bytes, expected: bool) -> None:
    assert is_ccda(head) is expected


@pytest.mark.shared
def test_detection_on_real_documents() -> None:
    for rel in DOCUMENTS:
        assert is_ccda(_example(rel).read_bytes()[:8192]), rel
