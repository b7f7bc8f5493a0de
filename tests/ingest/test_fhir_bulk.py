"""FHIR bulk NDJSON: the same records as the bundle path, streamed, with per-line issues."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from ingest.base import Source, source_from_bytes
from ingest.fhir import parse_fhir
from ingest.fhir_bulk import is_ndjson, parse_ndjson
from rag.core.errors import EmptyInput, InvalidContent
from rag.core.settings import IngestSettings
from rag.core.types import ParseResult
from tests.conftest import SHARED, shared_path

BUNDLES = SHARED / "synthea_fhir_r4" / "bundles"
BUNDLE_NAMES = sorted(p.name for p in BUNDLES.glob("*.json")) if BUNDLES.exists() else ["-"]

A1C = {
    "resourceType": "Observation", "id": "obs-a1c", "status": "final",
    "category": [{"coding": [{"code": "laboratory"}]}],
    "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4",
                         "display": "Hemoglobin A1c"}]},
    "effectiveDateTime": "2023-04-02", "valueQuantity": {"value": 6.8, "unit": "%"},
}
ALLERGY = {
    "resourceType": "AllergyIntolerance", "id": "al1", "patient": {"reference": "Patient/p1"},
    "code": {"text": "Penicillin"}, "recordedDate": "2015-01-03",
}


def _line(resource: dict[str, Any]) -> bytes:
    return json.dumps(resource).encode()


def _parse(data: bytes, tmp_path: Path, name: str = "Observation.ndjson") -> ParseResult:
    return parse_ndjson(source_from_bytes(data, name, tmp_path / "up"), IngestSettings())


def _split(bundle: Path, out: Path) -> list[Path]:
    """One NDJSON file per resource type, as ``$export`` writes them; each resource takes
    its id from the bundle's fullUrl when it has none (bulk resources always carry one)."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for entry in json.loads(bundle.read_bytes())["entry"]:
        resource = dict(entry["resource"])
        resource.setdefault("id", str(entry.get("fullUrl", "")).removeprefix("urn:uuid:"))
        by_type[resource["resourceType"]].append(json.dumps(resource))
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for rtype, lines in sorted(by_type.items()):
        path = out / f"{rtype}.ndjson"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def _summary(results: list[ParseResult]) -> tuple[Counter[str], Counter[str], Counter[str], int]:
    keys: Counter[str] = Counter()
    measurements: Counter[str] = Counter()
    items: Counter[str] = Counter()
    skipped = 0
    for result in results:
        skipped += result.skipped
        for rec in result.records:
            keys[f"{rec.key}|{rec.provenance.resource_type}|{rec.provenance.resource_id}"] += 1
            measurements.update(f"{m.category}|{m.code}" for m in rec.measurements)
            items.update(i.category for i in rec.items)
    return keys, measurements, items, skipped


@pytest.mark.shared
@pytest.mark.parametrize("name", BUNDLE_NAMES)
def test_split_bundle_gives_the_same_records_as_the_bundle(name: str, tmp_path: Path) -> None:
    bundle = shared_path("synthea_fhir_r4", "bundles", name)
    expected = parse_fhir(bundle.read_bytes(), bundle.name)
    parts = _split(bundle, tmp_path / "export")
    results = [parse_ndjson(Source.from_path(p), IngestSettings()) for p in parts]
    assert all(not r.issues for r in results)
    assert _summary(results) == _summary([expected])
    resources = len(json.loads(bundle.read_bytes())["entry"])
    assert sum(len(r.records) + r.skipped for r in results) == resources


def test_bad_line_in_the_middle_is_an_issue_and_the_rest_go_in(tmp_path: Path) -> None:
    invalid = {"resourceType": "Observation", "id": "bad", "status": "final",
               "code": {"text": "x"}, "effectiveDateTime": "yesterday"}
    data = b"\n".join([_line(A1C), b"{not json", b"[1, 2]", _line(invalid), _line(ALLERGY)])
    result = _parse(data + b"\n", tmp_path)
    assert [r.key for r in result.records] == ["Observation/obs-a1c", "AllergyIntolerance/al1"]
    reasons = [i.reason for i in result.issues]
    assert [r.split(":")[0] for r in reasons] == ["line 2", "line 3", "line 4"]
    assert "not valid JSON" in reasons[0]
    assert "invalid Observation" in reasons[2]
    assert result.issues[2].resource_id == "bad"


@pytest.mark.parametrize(
    "layout",
    [
        pytest.param(lambda a, b: b"\n\n" + a + b"\n\n\n" + b + b"\n\n", id="blank-lines"),
        pytest.param(lambda a, b: a + b"\r\n" + b + b"\r\n", id="crlf"),
        pytest.param(lambda a, b: b"\xef\xbb\xbf" + a + b"\n" + b, id="bom-no-final-newline"),
    ],
)
def test_layouts_that_must_not_matter(layout: Any, tmp_path: Path) -> None:
    data = layout(_line(A1C), _line(ALLERGY))
    assert is_ndjson(data)
    result = _parse(data, tmp_path)
    assert not result.issues
    assert [r.key for r in result.records] == ["Observation/obs-a1c", "AllergyIntolerance/al1"]
    assert result.records[0].measurements[0].value == 6.8


def test_progress_reaches_the_file_size(tmp_path: Path) -> None:
    data = b"\n".join(_line({**A1C, "id": f"o{n}"}) for n in range(50))
    src = source_from_bytes(data, "Observation.ndjson", tmp_path / "up")
    seen: list[tuple[int, int]] = []
    src.progress = lambda done, total: seen.append((done, total))
    result = parse_ndjson(src, IngestSettings())
    assert len(result.records) == 50
    assert seen and seen[-1] == (len(data), len(data))


def test_streamed_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = source_from_bytes(_line(A1C) + b"\n" + _line(ALLERGY), "x.ndjson", tmp_path / "up")

    def refuse(cap: int | None = None) -> bytes:
        raise AssertionError("NDJSON must be streamed with Source.open()")

    monkeypatch.setattr(src, "read_bytes", refuse)
    assert len(parse_ndjson(src, IngestSettings()).records) == 2


def test_reference_resources_seen_earlier_resolve(tmp_path: Path) -> None:
    med = {"resourceType": "Medication", "id": "m1",
           "code": {"coding": [{"display": "Metformin 500 MG"}]}}
    request = {"resourceType": "MedicationRequest", "id": "mr1", "status": "active",
               "intent": "order", "subject": {"reference": "Patient/p1"},
               "medicationReference": {"reference": "Medication/m1"}}
    result = _parse(_line(med) + b"\n" + _line(request), tmp_path)
    assert result.skipped == 1
    assert result.records[0].items[0].name == "Metformin 500 MG"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"\n\n  \r\n", EmptyInput),
        (b"hello\nworld\n", InvalidContent),
        (b'{"a": 1}\n{"b": 2}\n', InvalidContent),
        (b'{"resourceType": "Observation", "status": "final"}\n', InvalidContent),  # invalid
    ],
)
def test_files_without_any_resource_are_refused(data: bytes, error: type[Exception],
                                                tmp_path: Path) -> None:
    with pytest.raises(error) as info:
        _parse(data, tmp_path, name="x.ndjson")
    assert str(info.value).startswith("x.ndjson:")


def test_garbage_file_is_refused_early(tmp_path: Path) -> None:
    data = b"not json\n" * 10_000 + _line(A1C)
    with pytest.raises(InvalidContent, match="first 100 lines"):
        _parse(data, tmp_path)


def test_issue_list_is_capped(tmp_path: Path) -> None:
    data = _line(A1C) + b"\n" + b"{oops\n" * 1500
    result = _parse(data, tmp_path)
    assert len(result.issues) == 1001
    assert result.issues[-1].reason == "500 more lines with problems not listed"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (_line(A1C) + b"\n" + _line(ALLERGY), True),
        (b"\xef\xbb\xbf" + _line(A1C) + b"\r\n{", True),
        (_line(A1C), False),  # one JSON object: the FHIR parser's
        (_line(A1C) + b"\n", False),
        (json.dumps(A1C, indent=2).encode(), False),
        (b'{"a": 1}\n{"b": 2}', False),
        (_line(A1C) + b"\nnot json", False),
        (_line(A1C)[:20], False),  # first line cut by the head
    ],
)
def test_detection(head: bytes, expected: bool) -> None:
    assert is_ndjson(head) is expected


def test_overlong_line_is_skipped_not_buffered(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.fhir_bulk as bulk

    monkeypatch.setattr(bulk, "MAX_LINE_BYTES", 1000)
    huge = _line({**A1C, "id": "big", "note": [{"text": "x" * 5000}]})
    data = b"\n".join([_line(A1C), huge, _line(ALLERGY)])
    result = _parse(data, tmp_path)
    assert [r.key for r in result.records] == ["Observation/obs-a1c", "AllergyIntolerance/al1"]
    assert [i.reason for i in result.issues] == ["line 2: longer than 1000 bytes; not read"]
