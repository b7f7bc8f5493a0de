"""Clinician shares: granted, listed and revoked by the patient; read-only for the clinician;
no share, expired or revoked is one indistinguishable 404; every read audited with the
clinician as actor; deleted by ``forget``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app

CANARY = "Quillon482canary"


def _bundle(rid: str, text: str) -> bytes:
    return json.dumps({
        "resourceType": "Observation", "id": rid, "status": "final",
        "code": {"text": "Ferritin", "coding": [{"system": "http://loinc.org",
                                                "code": "2276-4"}]},
        "effectiveDateTime": "2025-01-01", "valueQuantity": {"value": 40, "unit": "ng/mL"},
        "note": [{"text": text}]}).encode()


@pytest.fixture
def env(service: Any, tmp_path: Path) -> Any:
    for user, text in (("pat-7f3c", f"{CANARY} finding"), ("bob", "ordinary finding")):
        path = tmp_path / f"{user}.json"
        path.write_bytes(_bundle(f"obs-{user}", text))
        assert service.ingest(user, [path]).ok
    tokens = {u: service.tokens.create(u, r)[0] for u, r in (
        ("pat-7f3c", "patient"), ("bob", "patient"), ("drc", "clinician"),
        ("drx", "clinician"))}
    with TestClient(create_app(service.settings, service=service)) as client:
        yield client, {u: {"Authorization": f"Bearer {t}"} for u, t in tokens.items()}


def _ask(client: TestClient, headers: dict[str, str], patient: str) -> Any:
    return client.post(f"/v1/patients/{patient}/answer", headers=headers,
                       json={"question": "What is my ferritin?"})


def test_share_lifecycle_and_audit(service: Any, env: Any) -> None:
    client, h = env
    assert _ask(client, h["drc"], "pat-7f3c").status_code == 404  # before any share
    r = client.post("/v1/shares", headers=h["pat-7f3c"],
                    json={"clinician": "drc", "expires_in_days": 7})
    assert r.status_code == 201, r.text
    share = r.json()
    assert share["status"] == "active" and share["scope"] == "read"
    assert 6.9 * 86400 < share["expires_at"] - share["created_at"] <= 7 * 86400
    assert [s["clinician"] for s in client.get("/v1/shares", headers=h["pat-7f3c"])
            .json()["shares"]] == ["drc"]
    mine = client.get("/v1/shared-with-me", headers=h["drc"]).json()["shares"]
    assert [s["patient"] for s in mine] == ["pat-7f3c"]
    # The clinician reads: answer, citation, trends, verify page.
    r = _ask(client, h["drc"], "pat-7f3c")
    assert r.status_code == 200
    cids = [c["id"] for c in r.json()["citations"] if c["kind"] == "record"]
    assert cids
    r = client.get(f"/v1/patients/pat-7f3c/citations/{cids[0]}", headers=h["drc"])
    assert r.status_code == 200 and CANARY in r.text
    r = client.get("/v1/patients/pat-7f3c/trends", headers=h["drc"],
                   params={"metric": "ferritin"})
    assert r.status_code == 200 and r.json()["points"]
    r = client.get(f"/v1/patients/pat-7f3c/verify/{cids[0]}", headers=h["drc"])
    assert r.status_code == 200 and CANARY in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]
    # The patient sees who read: one entry per clinician read, actor = the clinician.
    entries = client.get("/v1/me/audit", headers=h["pat-7f3c"]).json()["entries"]
    by_drc = [e for e in entries if e["actor"] == "clinician:drc"]
    assert sorted(e["via"] for e in by_drc) == ["answer", "citation", "trends", "verify"]
    assert all(e["share"] == share["share_id"] for e in by_drc)
    assert cids[0] in next(e for e in by_drc if e["via"] == "citation")["resources"]
    # ... and only those: the verify page is not logged a second time as an anonymous link
    assert not [e for e in entries if e["actor"] == "verify-link"]
    # Revoke: the very next read is a 404, and the share lists as revoked.
    r = client.delete(f"/v1/shares/{share['share_id']}", headers=h["pat-7f3c"])
    assert r.status_code == 200
    assert _ask(client, h["drc"], "pat-7f3c").status_code == 404
    assert client.get(f"/v1/patients/pat-7f3c/citations/{cids[0]}",
                      headers=h["drc"]).status_code == 404
    assert client.get("/v1/shares", headers=h["pat-7f3c"]).json()["shares"][0][
        "status"] == "revoked"
    assert client.delete(f"/v1/shares/{share['share_id']}",
                         headers=h["pat-7f3c"]).status_code == 404


def test_no_share_expired_revoked_and_unknown_look_the_same(service: Any, env: Any) -> None:
    client, h = env
    service.shares.create("pat-7f3c", "drc", expires_in_days=1)
    assert _ask(client, h["drc"], "pat-7f3c").status_code == 200
    real_clock = service.shares.clock
    service.shares.clock = lambda: real_clock() + 2 * 86400  # two days later: expired
    expired = _ask(client, h["drc"], "pat-7f3c")
    service.shares.clock = real_clock
    unshared = _ask(client, h["drx"], "pat-7f3c")  # a clinician without a share
    unknown = _ask(client, h["drc"], "nobody-at-all")  # a patient that does not exist
    other = _ask(client, h["drc"], "bob")  # a patient who shared with no one
    bodies = {json.dumps(r.json(), sort_keys=True) for r in (expired, unshared, unknown, other)}
    assert {r.status_code for r in (expired, unshared, unknown, other)} == {404}
    assert len(bodies) == 1 and CANARY not in bodies.pop()


def test_clinician_is_read_only_and_identity_comes_from_token(service: Any, env: Any) -> None:
    client, h = env
    service.shares.create("pat-7f3c", "drc", expires_in_days=7)
    before = service.documents("pat-7f3c")
    hdr = {**h["drc"], "X-Healthrag-Patient": "pat-7f3c"}
    assert client.post("/v1/records", headers=hdr, params={"name": "x.json"},
                       content=_bundle("obs-x", "injected")).status_code == 403
    assert client.delete(f"/v1/records/{before[0]['document_id']}",
                         headers=hdr).status_code == 403
    assert client.delete("/v1/me", headers=hdr).status_code == 403
    assert client.post("/v1/answer", headers=hdr,
                       json={"question": "ferritin", "user": "pat-7f3c"}).status_code == 403
    assert client.post("/v1/shares", headers=hdr, json={"clinician": "drx"}).status_code == 403
    assert service.documents("pat-7f3c") == before
    # A patient token cannot use the clinician routes on someone else, even with a share
    # naming its user id the other way round.
    service.shares.create("bob", "pat-7f3c", expires_in_days=7)
    assert _ask(client, h["pat-7f3c"], "bob").status_code == 403


@pytest.mark.parametrize("body", [
    {"clinician": "pat-7f3c"},  # oneself
    {"clinician": "drc", "expires_in_days": 0},
    {"clinician": "drc", "expires_in_days": 366},
    {"clinician": "drc", "scope": "write"},
    {"clinician": ""},
    {"clinician": "drc", "patient": "bob"},  # no field names another patient
])
def test_bad_share_requests_are_422(env: Any, body: dict[str, Any]) -> None:
    client, h = env
    r = client.post("/v1/shares", headers=h["pat-7f3c"], json=body)
    assert r.status_code == 422 and "error" in r.json()


def test_patient_cannot_revoke_another_patients_share(service: Any, env: Any) -> None:
    client, h = env
    share = service.shares.create("pat-7f3c", "drc", expires_in_days=7)
    assert client.delete(f"/v1/shares/{share.share_id}", headers=h["bob"]).status_code == 404
    assert service.shares.active("pat-7f3c", "drc") is not None


def test_forget_deletes_the_patients_shares(service: Any, env: Any) -> None:
    client, h = env
    service.shares.create("pat-7f3c", "drc", expires_in_days=7)
    service.shares.create("bob", "pat-7f3c", expires_in_days=7)  # named as clinician too
    service.shares.create("bob", "drc", expires_in_days=7)
    assert client.delete("/v1/me", headers=h["pat-7f3c"]).status_code == 200
    assert _ask(client, h["drc"], "pat-7f3c").status_code == 404
    assert service.shares.for_patient("pat-7f3c") == []
    assert [s.clinician for s in service.shares.for_patient("bob")] == ["drc"]
    raw = (service.settings.data_dir / "shares.sqlite").read_bytes()
    assert b"pat-7f3c" not in raw  # secure_delete overwrote the rows
