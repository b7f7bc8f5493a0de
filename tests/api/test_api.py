"""The HTTP API through FastAPI's TestClient, with a fake embedder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app


@pytest.fixture
def client(demo_service: Any) -> Iterator[TestClient]:
    app = create_app(demo_service.settings, service=demo_service)
    with TestClient(app) as c:
        yield c


def _auth(service: Any, user: str = "alice") -> dict[str, str]:
    token, _ = service.tokens.create(user, "patient")
    return {"Authorization": f"Bearer {token}"}


def test_healthz_needs_no_token(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc",
                                    "Bearer hr_forged_token_value"])
def test_missing_or_bad_token_is_401(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    r = client.post("/v1/answer", json={"question": "What was my last A1c?"}, headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"


def test_revoked_token_is_401(client: TestClient, demo_service: Any) -> None:
    token, token_id = demo_service.tokens.create("alice")
    demo_service.tokens.revoke(token_id)
    r = client.post("/v1/answer", json={"question": "hi"},
                    headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_answer_has_the_contract_shape(client: TestClient, demo_service: Any) -> None:
    r = client.post("/v1/answer", json={"question": "What was my last A1c?"},
                    headers=_auth(demo_service))
    assert r.status_code == 200
    body = r.json()
    assert set(body) >= {"answer", "citations", "safety", "language"}
    c = body["citations"][0]
    assert set(c) >= {"marker", "id", "kind", "source", "quote"}
    assert c["source"]["type"] == "fhir" and c["source"]["resource_type"] == "Observation"
    assert body["safety"]["triage"] == "none"


def test_user_id_in_body_never_widens_access(client: TestClient, demo_service: Any) -> None:
    r = client.post("/v1/answer", json={"question": "What was my last A1c?", "user": "alice",
                                        "user_id": "alice"}, headers=_auth(demo_service, "bob"))
    assert r.status_code == 200
    assert not [c for c in r.json()["citations"] if c["kind"] == "record"]


def test_citation_opens_to_the_fhir_resource(client: TestClient, demo_service: Any) -> None:
    headers = _auth(demo_service)
    ans = client.post("/v1/answer", json={"question": "What was my last A1c?"},
                      headers=headers).json()
    cid = ans["citations"][0]["id"]
    r = client.get(f"/v1/citations/{cid}", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert ans["citations"][0]["quote"] in body["text"]
    assert body["resource"]["id"] == ans["citations"][0]["source"]["resource_id"]
    assert len(body["provenance"]["sha256"]) == 64
    # Another user cannot open it, and cannot tell it exists.
    other = client.get(f"/v1/citations/{cid}", headers=_auth(demo_service, "mallory"))
    assert other.status_code == 404


def test_knowledge_citation_opens_for_anyone(client: TestClient, demo_service: Any) -> None:
    ans = client.post("/v1/answer", json={"question": "What does a TSH test measure?"},
                      headers=_auth(demo_service)).json()
    kc = next(c for c in ans["citations"] if c["kind"] == "knowledge")
    r = client.get(f"/v1/citations/{kc['id']}", headers=_auth(demo_service, "someone"))
    assert r.status_code == 200 and kc["quote"] in r.json()["text"]


def test_upload_records(client: TestClient, demo_service: Any, tmp_path: Path) -> None:
    obs = {"resourceType": "Observation", "id": "up1", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "2276-4",
                                "display": "Ferritin"}]},
           "effectiveDateTime": "2025-01-02", "valueQuantity": {"value": 42, "unit": "ng/mL"}}
    headers = _auth(demo_service, "carol")
    r = client.post("/v1/records", headers=headers,
                    files=[("files", ("obs.json", json.dumps(obs).encode(), "application/json"))])
    assert r.status_code == 200, r.text
    assert r.json()["records"] == 1
    ans = client.post("/v1/answer", json={"question": "What is my ferritin?"},
                      headers=headers).json()
    assert "42 ng/mL" in ans["answer"]


@pytest.mark.parametrize(("payload", "status", "code"), [
    (b"not json", 422, "invalid_content"),
    (b'{"a": 1}', 415, "unsupported_format"),
    (b"", 422, "empty_input"),
])
def test_bad_uploads_are_4xx(client: TestClient, demo_service: Any, payload: bytes, status: int,
                             code: str) -> None:
    r = client.post("/v1/records", headers=_auth(demo_service, "dave"),
                    files=[("files", ("x.json", payload, "application/json"))])
    assert r.status_code == status
    assert r.json()["error"]["code"] == code


def test_oversized_request_is_413_before_reading(client: TestClient, demo_service: Any) -> None:
    demo_service.settings.ingest.max_upload_bytes = 1000
    try:
        r = client.post("/v1/records", headers=_auth(demo_service, "dave"),
                        files=[("files", ("x.json", b"{" + b" " * 5000 + b"}", "text/json"))])
        assert r.status_code == 413
    finally:
        demo_service.settings.ingest.max_upload_bytes = 100 * 1024 * 1024


def test_malformed_request_body_is_422_not_500(client: TestClient, demo_service: Any) -> None:
    r = client.post("/v1/answer", content=b"{not json", headers={
        **_auth(demo_service), "Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
