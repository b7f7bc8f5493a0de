"""Appointment packets through HTTP and the CLI: prepare, keep, list, show, edit the
questions, download PDF and IPS, delete, temporary packets, forget, and the 404 of an
unknown user or an empty vault."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from api.cli import main as cli_main
from api.main import create_app
from tests.tasks.prepare_support import DEMO_TODAY, load_alice


@pytest.fixture
def alice(service: Any, demo_bundle: Path) -> Any:
    return load_alice(service, demo_bundle)


@pytest.fixture
def client(alice: Any) -> Iterator[TestClient]:
    with TestClient(create_app(alice.settings, service=alice)) as c:
        yield c


def _auth(service: Any, user: str = "alice") -> dict[str, str]:
    return {"Authorization": f"Bearer {service.tokens.create(user, 'patient')[0]}"}


BODY = {"reason": "follow-up for diabetes", "date": DEMO_TODAY.isoformat()}


def test_prepare_keep_show_edit_download_delete(client: TestClient, alice: Any) -> None:
    h = _auth(alice)
    r = client.post("/v1/appointments/prepare", headers=h,
                    json={**BODY, "questions": ["Can I drink alcohol with metformin"]})
    assert r.status_code == 200, r.text
    packet = r.json()
    pid = packet["id"]
    assert pid.startswith("apt_") and packet["reason"] == BODY["reason"]
    assert {"generated_at", "sections", "questions", "citations"} <= set(packet)
    assert packet["questions"][-1] == "Can I drink alcohol with metformin?"
    listed = client.get("/v1/appointments", headers=h).json()["appointments"]
    assert [a["id"] for a in listed] == [pid] and listed[0]["date"] == BODY["date"]
    shown = client.get(f"/v1/appointments/{pid}", headers=h).json()
    assert shown["sections"] == packet["sections"] and shown["questions"] == packet["questions"]

    # Edit: keep the first generated question, reword nothing else, add one, drop the rest.
    first = packet["question_items"][0]
    mine = "Should I see an eye doctor this year?"
    r = client.put(f"/v1/appointments/{pid}/questions", headers=h,
                   json={"questions": [first["text"], mine]})
    assert r.status_code == 200, r.text
    edited = client.get(f"/v1/appointments/{pid}", headers=h).json()
    assert edited["questions"] == [first["text"], mine]
    assert edited["question_items"][0]["citations"] == first["citations"]  # evidence kept
    assert edited["question_items"][1]["kind"] == "person"
    assert client.put(f"/v1/appointments/{pid}/questions", headers=h,
                      json={"questions": []}).json()["questions"] == []

    pdf = client.get(f"/v1/appointments/{pid}.pdf", headers=h)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    ips = client.get(f"/v1/appointments/{pid}/ips", headers=h)
    assert ips.status_code == 200 and "fhir+json" in ips.headers["content-type"]
    Bundle.model_validate(ips.json())

    assert client.delete(f"/v1/appointments/{pid}", headers=h).json()["deleted"] is True
    for url in (f"/v1/appointments/{pid}", f"/v1/appointments/{pid}.pdf",
                f"/v1/appointments/{pid}/ips"):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", url
    assert client.delete(f"/v1/appointments/{pid}", headers=h).status_code == 404
    assert client.get("/v1/appointments", headers=h).json()["appointments"] == []


def test_temporary_keeps_nothing(client: TestClient, alice: Any) -> None:
    h = _auth(alice)
    r = client.post("/v1/appointments/prepare", headers=h, json={**BODY, "temporary": True})
    assert r.status_code == 200 and r.json()["id"] is None
    assert client.get("/v1/appointments", headers=h).json()["appointments"] == []
    assert alice.vaults.open("alice").facts.count("appointments") == 0


def test_unknown_user_or_empty_vault_is_a_404(client: TestClient, alice: Any) -> None:
    r = client.post("/v1/appointments/prepare", headers=_auth(alice, "nobody"), json=BODY)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "no_records" and r.json()["error"]["message"]
    assert client.get("/v1/appointments", headers=_auth(alice, "nobody")).json() == {
        "appointments": []}
    r = client.post("/v1/appointments/prepare", headers=_auth(alice),
                    json={"date": "1850-01-01"})
    assert r.status_code == 422


def test_one_person_never_reaches_another_s_packet(client: TestClient, alice: Any,
                                                   demo_bundle: Path) -> None:
    assert alice.ingest("bob", [demo_bundle]).ok
    pid = client.post("/v1/appointments/prepare", headers=_auth(alice), json=BODY).json()["id"]
    bob = _auth(alice, "bob")
    assert client.get(f"/v1/appointments/{pid}", headers=bob).status_code == 404
    assert client.delete(f"/v1/appointments/{pid}", headers=bob).status_code == 404
    assert client.get("/v1/appointments", headers=bob).json()["appointments"] == []


def test_forget_removes_the_packets(client: TestClient, alice: Any) -> None:
    h = _auth(alice)
    client.post("/v1/appointments/prepare", headers=h, json=BODY)
    assert alice.vaults.open("alice").facts.count("appointments") == 1
    alice.forget("alice")
    assert not alice.vaults.open("alice").exists
    assert alice.appointments.list("alice") == []


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "audit.jsonl"}


def test_cli_prepare(alice: Any, tmp_path: Path, capsys: Any,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHRAG_EMBEDDING__BACKEND", "fake")
    monkeypatch.setenv("HEALTHRAG_EMBEDDING__MODEL_ID", "fake-hash-bow")
    data = alice.settings.data_dir
    alice.close()
    base = ["--data-dir", str(data), "prepare", "--user", "alice", "--json",
            "--date", DEMO_TODAY.isoformat()]
    before = _digest(data)
    pdf, ips = tmp_path / "p.pdf", tmp_path / "ips.json"
    assert cli_main([*base, "--temporary", "--reason", "follow-up for diabetes",
                     "--question", "What about my feet?", "--question", "Mes yeux ?",
                     "--pdf", str(pdf), "--ips", str(ips)]) == 0
    packet = json.loads(capsys.readouterr().out)
    assert packet["id"] is None and packet["questions"][-2:] == ["What about my feet?",
                                                               "Mes yeux ?"]
    changed = {k for k, v in _digest(data).items() if before.get(k) != v}
    assert {k for k in changed if not k.endswith("shard/edge_config.json")} == set()
    assert pdf.read_bytes().startswith(b"%PDF-")
    Bundle.model_validate(json.loads(ips.read_text()))

    assert cli_main(base) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept["id"].startswith("apt_")
    assert cli_main(["--data-dir", str(data), "prepare", "--user", "nobody", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
