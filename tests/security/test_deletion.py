"""Deletion is complete and verifiable: after DELETE /v1/me (or per-document deletion) a
byte scan of the whole data directory finds the canary nowhere: raw, lowercased, base64.

Run twice: with encryption at rest off (the scan first proves it can see the canary), and
on (the default), where the canary is never on disk in the clear, not even before."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings

CANARY = "Quorvexilant"


def _b64_forms(text: str) -> list[bytes]:
    """The canary as it appears inside any base64 text, whatever its alignment."""
    forms = []
    for pad in range(3):
        enc = base64.b64encode(b"x" * pad + text.encode())
        skip = (pad * 4 + 2) // 3 + 1  # drop characters mixed with the padding prefix
        forms.append(enc[skip:-2])
    return forms


def _scan(root: Path, canary: str = CANARY) -> list[str]:
    needles = [canary.encode(), canary.lower().encode(), *_b64_forms(canary)]
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.relative_to(root)}:{n!r}" for n in needles if n in data]
    return hits


@pytest.fixture(params=["encrypted", "plaintext"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data",
                    embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"),
                    privacy=PrivacySettings(encryption=request.param == "encrypted"))


def _stored(service: Any, user: str, canary: str = CANARY) -> bool:
    """The canary is in the vault, read back through its (decrypting) store."""
    rows = service.vaults.open(user).facts.read("SELECT text FROM records")
    return any(canary in r[0] for r in rows)


def _on_disk(service: Any, canary: str = CANARY) -> bool:
    """Plaintext mode: the scan sees the canary. Encrypted: nothing is in the clear."""
    hits = _scan(service.settings.data_dir, canary)
    return not hits if service.settings.privacy.encryption else bool(hits)


def _bundle(tmp: Path, name: str, marker: str) -> Path:
    note = f"Visit note. {marker} result discussed with the patient."
    resources = [
        {"resourceType": "Observation", "id": f"{name}-obs", "status": "final",
         "code": {"text": "Ferritin"}, "effectiveDateTime": "2025-01-01",
         "valueString": f"{marker} pattern"},
        {"resourceType": "DocumentReference", "id": f"{name}-doc", "status": "current",
         "content": [{"attachment": {"contentType": "text/plain",
                                     "data": base64.b64encode(note.encode()).decode()}}]},
    ]
    path = tmp / f"{name}.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": [{"resource": r} for r in resources]}))
    return path


def test_delete_me_leaves_no_trace(service: Any, tmp_path: Path) -> None:
    data_dir = service.settings.data_dir
    service.ensure_starter_knowledge()
    alice = service.tokens.create("alice")[0]
    bob = service.tokens.create("bob")[0]
    service.ingest("bob", [_bundle(tmp_path, "bob", "Bobmarker")])
    with TestClient(create_app(service.settings, service=service)) as client:
        h = {"Authorization": f"Bearer {alice}"}
        up = _bundle(tmp_path, "alice", CANARY)
        r = client.post("/v1/records", headers=h,
                        files=[("files", ("alice.json", up.read_bytes(), "application/json"))])
        assert r.status_code == 200
        assert _stored(service, "alice"), "the canary must be stored before deletion"
        assert _on_disk(service)
        ans = client.post("/v1/answer", headers=h, json={"question": f"What is {CANARY}?"})
        assert ans.status_code == 200
        client.post("/v1/chat/completions", headers=h, json={
            "model": "healthrag", "messages": [{"role": "user", "content": f"{CANARY}?"}]})
        receipt = client.delete("/v1/me", headers=h).json()
        assert receipt["records"] == 2 and receipt["remaining_files"] == 0
        assert _scan(data_dir) == []
        # Alice's token died with her data; a new account (a token issued on purpose)
        # finds nothing of the old one. Bob is untouched.
        stale = client.post("/v1/answer", headers=h, json={"question": "What is my ferritin?"})
        assert stale.status_code == 401
        h = {"Authorization": f"Bearer {service.tokens.create('alice')[0]}"}
        after = client.post("/v1/answer", headers=h, json={"question": "What is my ferritin?"})
        assert not [c for c in after.json()["citations"] if c["kind"] == "record"]
        hb = {"Authorization": f"Bearer {bob}"}
        docs = client.get("/v1/records", headers=hb).json()["documents"]
        assert [d["file"] for d in docs] == ["bob.json"]
    audit = (data_dir / "audit.jsonl").read_text()
    assert "forget" in audit and CANARY not in audit


def test_delete_one_document(service: Any, tmp_path: Path) -> None:
    data_dir = service.settings.data_dir
    service.ingest("alice", [_bundle(tmp_path, "keep", "Keepmarker"),
                             _bundle(tmp_path, "drop", CANARY)])
    token = service.tokens.create("alice")[0]
    with TestClient(create_app(service.settings, service=service)) as client:
        h = {"Authorization": f"Bearer {token}"}
        docs = {d["file"]: d["document_id"]
                for d in client.get("/v1/records", headers=h).json()["documents"]}
        assert _stored(service, "alice") and _on_disk(service)
        r = client.delete(f"/v1/records/{docs['drop.json']}", headers=h)
        assert r.status_code == 200 and r.json()["records"] == 2
        assert _scan(data_dir) == []
        assert not _stored(service, "alice")
        assert _stored(service, "alice", "Keepmarker"), "the other document stays"
        assert _on_disk(service, "Keepmarker")
        again = client.delete(f"/v1/records/{docs['drop.json']}", headers=h)
        assert again.status_code == 404
        other = service.tokens.create("mallory")[0]
        stolen = client.delete(f"/v1/records/{docs['keep.json']}",
                               headers={"Authorization": f"Bearer {other}"})
        assert stolen.status_code == 404
    vault = service.vaults.open("alice")
    assert vault.index.chunk_ids() == vault.facts.all_chunk_ids()
