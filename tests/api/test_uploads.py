"""The upload path: raw and multipart bodies, kinds detected from content, background jobs
with progress that only their owner can read, caps before reading, idempotency."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app


@pytest.fixture
def client(service: Any) -> Iterator[TestClient]:
    with TestClient(create_app(service.settings, service=service)) as c:
        yield c


def _auth(service: Any, user: str) -> dict[str, str]:
    token, _ = service.tokens.create(user, "patient")
    return {"Authorization": f"Bearer {token}"}


def _bundle(n: int, start: int = 0) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {
            "resourceType": "Observation", "id": f"o{i}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2345-7",
                                 "display": "Glucose"}]},
            "effectiveDateTime": f"2024-01-{1 + i % 28:02d}",
            "valueQuantity": {"value": 80 + i % 40, "unit": "mg/dL"}}}
        for i in range(start, start + n)]}).encode()


def _csv() -> bytes:
    return "".join(["date,metric,value,unit\n"] + [
        f"2024-03-{d:02d},steps,{5000 + 100 * d},count\n" for d in range(1, 31)]).encode()


def _work_files(service: Any, user: str) -> list[Path]:
    work = service.vaults.open(user).work
    return sorted(work.rglob("*")) if work.exists() else []


def test_raw_body_upload_detects_the_kind_from_content(client: TestClient, service: Any) -> None:
    h = _auth(service, "ann")
    # Named .txt, but it is a CSV export: the content decides.
    r = client.post("/v1/records?name=export.txt", content=_csv(), headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["files"][0]["kind"] == "csv"
    assert body["records"] > 0
    vault = service.vaults.open("ann")
    steps = vault.facts.measurements(codes=["41950-7"])
    assert sorted(m.m.value for m in steps) == [5000.0 + 100 * d for d in range(1, 31)]
    assert _work_files(service, "ann") == []


def test_multipart_upload_of_several_kinds(client: TestClient, service: Any) -> None:
    h = _auth(service, "bob")
    r = client.post("/v1/records", headers=h, files=[
        ("files", ("labs.json", _bundle(3), "application/json")),
        ("files", ("steps.csv", _csv(), "text/csv")),
    ])
    assert r.status_code == 200, r.text
    assert sorted(f["kind"] for f in r.json()["files"]) == ["csv", "fhir"]


def test_same_file_twice_is_unchanged(client: TestClient, service: Any) -> None:
    h = _auth(service, "cat")
    first = client.post("/v1/records?name=a.json", content=_bundle(5), headers=h).json()
    again = client.post("/v1/records?name=again.json", content=_bundle(5), headers=h).json()
    assert first["files"][0]["status"] == "ingested"
    assert again["files"][0]["status"] == "unchanged" and again["unchanged"] == 1
    assert service.vaults.open("cat").facts.count("sources") == 1


def test_large_upload_runs_as_a_job_only_its_owner_can_read(client: TestClient,
                                                             service: Any) -> None:
    service.settings.ingest.background_bytes = 1000
    h = _auth(service, "dan")
    r = client.post("/v1/records?name=big.json", content=_bundle(300), headers=h)
    assert r.status_code == 202, r.text
    job_url = r.json()["status_url"]
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(job_url, headers=h).json()
        seen.append(state)
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert seen[-1]["status"] == "done", seen[-1]
    assert seen[-1]["result"]["records"] == 300 and seen[-1]["percent"] == 100.0
    assert service.vaults.open("dan").facts.count("records") == 300
    other = client.get(job_url, headers=_auth(service, "eve"))
    assert other.status_code == 404
    assert "result" not in other.text
    assert _work_files(service, "dan") == []


def test_background_can_be_forced_for_a_small_file(client: TestClient, service: Any) -> None:
    h = _auth(service, "fay")
    r = client.post("/v1/records?name=a.json&background=true", content=_bundle(2), headers=h)
    assert r.status_code == 202
    job = service.jobs.wait(r.json()["job"]["id"])
    assert job.state == "done" and job.result["records"] == 2


def test_failed_job_reports_a_typed_error(client: TestClient, service: Any) -> None:
    h = _auth(service, "gus")
    r = client.post("/v1/records?name=x.csv&background=true", content=b"\x00\x01\xff" * 500,
                    headers=h)
    job = service.jobs.wait(r.json()["job"]["id"])
    assert job.state == "done"
    assert job.result["documents"] == 0
    assert job.result["errors"][0]["code"] == "unsupported_format"


def test_forget_cancels_jobs_and_removes_spooled_files(client: TestClient,
                                                       service: Any) -> None:
    h = _auth(service, "hal")
    r = client.post("/v1/records?name=a.json&background=true", content=_bundle(50), headers=h)
    job_id = r.json()["job"]["id"]
    client.delete("/v1/me", headers=h)
    assert client.get(f"/v1/jobs/{job_id}", headers=h).status_code == 401  # token revoked
    assert client.get(f"/v1/jobs/{job_id}", headers=_auth(service, "hal")).status_code == 404
    time.sleep(0.2)
    assert not service.vaults.open("hal").exists or \
        service.vaults.open("hal").facts.count("records") in (0, 50)


def test_announced_oversize_is_413_before_any_byte_is_read(client: TestClient,
                                                          service: Any) -> None:
    service.settings.ingest.max_upload_bytes = 1000
    r = client.post("/v1/records?name=a.json", content=b"{" + b" " * 5000 + b"}",
                    headers=_auth(service, "ivy"))
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


def test_chunked_oversize_is_413_and_leaves_no_spooled_file(client: TestClient,
                                                           service: Any) -> None:
    service.settings.ingest.max_upload_bytes = 10_000
    h = _auth(service, "jay")

    def body() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 1000

    r = client.post("/v1/records?name=a.json", content=body(), headers=h)
    assert r.status_code == 413, r.text
    assert _work_files(service, "jay") == []


@pytest.mark.parametrize(("name", "payload", "status", "code"), [
    ("data.csv", bytes(range(256)) * 20, 415, "unsupported_format"),
    ("labs.json", b"this is not json", 422, "invalid_content"),
    ("export.xml", b"<?xml version='1.0'?><Unknown/>", 415, "unsupported_format"),
    ("empty.csv", b"   \n", 422, "empty_input"),
])
def test_bad_uploads_are_typed_4xx(client: TestClient, service: Any, name: str, payload: bytes,
                                   status: int, code: str) -> None:
    r = client.post(f"/v1/records?name={name}", content=payload,
                    headers=_auth(service, "kim"))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert _work_files(service, "kim") == []
