"""The audit trail: every read, write and delete of health data, hash-chained, ids only;
tampering is detected; a crash during deletion is completed at the next start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from rag.access.audit import AuditLog
from rag.service import Service


def test_me_audit_shows_reads_writes_and_deletes(demo_service: Any, tmp_path: Path) -> None:
    token = demo_service.tokens.create("alice")[0]
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(demo_service.settings, service=demo_service)) as client:
        ans = client.post("/v1/answer", headers=h, json={"question": "What was my last A1c?"})
        cited = [c["id"] for c in ans.json()["citations"] if c["kind"] == "record"]
        client.get(f"/v1/citations/{cited[0]}", headers=h)
        docs = client.get("/v1/records", headers=h).json()["documents"]
        client.delete(f"/v1/records/{docs[0]['document_id']}", headers=h)
        audit = client.get("/v1/me/audit", headers=h).json()
        other = client.get("/v1/me/audit", headers={
            "Authorization": f"Bearer {demo_service.tokens.create('bob')[0]}"}).json()
    assert audit["chain_intact"] is True
    actions = [e["action"] for e in audit["entries"]]
    assert actions[0] == "write" and "read" in actions and actions[-1] == "delete_document"
    reads = [e for e in audit["entries"] if e["action"] == "read"]
    assert set(cited) <= {r for e in reads for r in e["resources"]}
    assert other["entries"] == []  # nobody sees another person's trail
    raw = (demo_service.settings.data_dir / "audit.jsonl").read_text()
    assert "hemoglobin" not in raw.lower() and "A1c" not in raw  # ids, never content


def test_tampering_is_detected(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(5):
        log.record("read", actor="owner", vault="v1", resources=[f"r_{i}"])
    assert log.verify() == (True, 5)
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    for tamper in (
        lambda ls: [ls[0], ls[2], ls[1], *ls[3:]],  # reorder
        lambda ls: [ls[0], *ls[2:]],  # remove
        lambda ls: [ls[0], ls[1].replace("r_1", "r_9"), *ls[2:]],  # edit
    ):
        (tmp_path / "audit.jsonl").write_text("\n".join(tamper(lines)) + "\n")
        assert AuditLog(tmp_path / "audit.jsonl").verify()[0] is False
    (tmp_path / "audit.jsonl").write_text("\n".join(lines) + "\n")
    again = AuditLog(tmp_path / "audit.jsonl")
    again.record("write", actor="owner", vault="v1")
    assert again.verify() == (True, 6)


def test_interrupted_deletion_completes_at_restart(service: Any, demo_bundle: Path) -> None:
    service.ingest("alice", [demo_bundle])
    vault = service.vaults.open("alice")
    path = vault.path
    service.close()
    # Simulate kill -9 after the tombstone was written but before the files were removed.
    tombs = service.settings.data_dir / "tombstones"
    tombs.mkdir(parents=True, exist_ok=True)
    (tombs / vault.vault_id).write_text("deleting\n")
    assert path.exists()
    restarted = Service(service.settings, embedder=service.embedder)
    try:
        assert not path.exists()
        assert not any(tombs.iterdir())
        assert restarted.documents("alice") == []
    finally:
        restarted.close()
