"""Conversation history: chats that are not temporary are kept in the person's own vault,
visible to them, deletable (one or all, leaving no bytes behind), and expired after the
retention TTL; temporary chats keep nothing."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.cli import main as cli_main
from api.main import create_app
from rag.core.settings import EmbeddingSettings, PrivacySettings, Settings
from rag.service import Service
from tests.security.test_deletion import _scan

CANARY = "Plumbrastic"


@pytest.fixture
def client(demo_service: Any) -> Any:
    with TestClient(create_app(demo_service.settings, service=demo_service)) as c:
        c.headers["Authorization"] = f"Bearer {demo_service.tokens.create('alice')[0]}"
        yield c


def _chat(client: Any, messages: list[str], **extra: Any) -> Any:
    turns: list[dict[str, str]] = []
    for i, m in enumerate(messages):
        turns.append({"role": "user", "content": m})
        if i < len(messages) - 1:
            turns.append({"role": "assistant", "content": "(earlier answer)"})
    return client.post("/v1/chat/completions", json={"model": "healthrag", "messages": turns,
                                                     **extra})


def test_chats_are_kept_and_followups_continue_them(client: Any) -> None:
    first = _chat(client, ["What was my last A1c?"])
    assert first.status_code == 200
    cid = first.json()["healthrag"]["conversation_id"]
    assert cid and cid.startswith("conv_")
    # An OpenAI client resends the whole conversation without an id: same conversation.
    second = _chat(client, ["What was my last A1c?", "and the one before?"])
    assert second.json()["healthrag"]["conversation_id"] == cid
    # A named id continues it too, even with a fresh message list.
    third = _chat(client, ["What am I allergic to?"], conversation_id=cid)
    assert third.json()["healthrag"]["conversation_id"] == cid
    # A new first message starts a new conversation.
    other = _chat(client, ["What medications am I taking?"])
    assert other.json()["healthrag"]["conversation_id"] != cid

    listed = client.get("/v1/me/conversations").json()
    assert [c["id"] for c in listed["conversations"]][-1] == cid
    assert listed["retention_days"] == 30
    shown = client.get(f"/v1/me/conversations/{cid}").json()
    assert shown["messages"] == 6 and shown["title"] == "What was my last A1c?"
    roles = [t["role"] for t in shown["turns"]]
    assert roles == ["user", "assistant"] * 3
    assert shown["turns"][1]["content"] == first.json()["choices"][0]["message"]["content"]
    cited = [c["id"] for c in first.json()["healthrag"]["citations"]]
    assert [c["id"] for c in shown["turns"][1]["citations"]] == cited
    assert shown["expires_at"] == pytest.approx(shown["updated_at"] + 30 * 86400)
    # Reading the history is itself in the audit trail.
    audit = client.get("/v1/me/audit").json()["entries"]
    assert any(e.get("what") == "conversation" and cid in e["resources"] for e in audit)


def test_answer_endpoint_keeps_history_unless_temporary(client: Any) -> None:
    kept = client.post("/v1/answer", json={"question": "What am I allergic to?"}).json()
    assert kept["conversation_id"]
    again = client.post("/v1/answer", json={"question": "And my medications?",
                                             "conversation_id": kept["conversation_id"]})
    assert again.json()["conversation_id"] == kept["conversation_id"]
    temp = client.post("/v1/answer", json={"question": "What am I allergic to?",
                                            "temporary": True}).json()
    assert temp["conversation_id"] is None
    assert len(client.get("/v1/me/conversations").json()["conversations"]) == 1


def test_unknown_or_malformed_conversation_ids(client: Any) -> None:
    unknown = "conv_" + "0" * 24
    assert _chat(client, ["hi, my A1c?"], conversation_id=unknown).status_code == 404
    assert client.get(f"/v1/me/conversations/{unknown}").status_code == 404
    assert client.delete(f"/v1/me/conversations/{unknown}").status_code == 404
    assert client.get("/v1/me/conversations/../../etc").status_code == 404
    assert client.get("/v1/me/conversations/conv_zz").status_code == 422
    r = client.post("/v1/chat/completions", headers={"X-Healthrag-Conversation": "x' OR 1"},
                    json={"messages": [{"role": "user", "content": "my A1c?"}]})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "audit.jsonl"}


def test_temporary_chats_keep_nothing(client: Any, demo_service: Any) -> None:
    _chat(client, ["What was my last A1c?"])  # the vault exists with a history already
    before = _digest(demo_service.settings.data_dir)
    r = _chat(client, [f"What about {CANARY}?"], temporary=True)
    assert r.json()["healthrag"]["conversation_id"] is None
    r = client.post("/v1/chat/completions", headers={"X-Healthrag-Temporary": "1"},
                    json={"messages": [{"role": "user", "content": f"{CANARY} again?"}]})
    assert r.status_code == 200
    client.post("/v1/answer", json={"question": f"{CANARY}?", "temporary": True})
    assert _digest(demo_service.settings.data_dir) == before
    assert len(client.get("/v1/me/conversations").json()["conversations"]) == 1


def test_cli_ask_temporary_keeps_nothing(demo_service: Any, capsys: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHRAG_EMBEDDING__BACKEND", "fake")
    monkeypatch.setenv("HEALTHRAG_EMBEDDING__MODEL_ID", "fake-hash-bow")
    data = demo_service.settings.data_dir
    demo_service.close()
    before = _digest(data)
    args = ["--data-dir", str(data), "ask", "--user", "alice", "--json"]
    assert cli_main([*args, "--temporary", "What am I allergic to?"]) == 0
    after = _digest(data)
    # Qdrant Edge rewrites its own edge_config.json (settings, no data) at every load.
    changed = {k for k in after if after[k] != before.get(k)}
    assert {k for k in changed if not k.endswith("shard/edge_config.json")} == set()
    assert cli_main([*args, "What am I allergic to?"]) == 0
    assert '"conversation_id": "conv_' in capsys.readouterr().out
    assert _digest(data) != before


@pytest.mark.parametrize("encryption", [False, True])
def test_deleted_history_leaves_no_bytes(tmp_path: Path, encryption: bool) -> None:
    settings = Settings(data_dir=tmp_path / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"),
                        privacy=PrivacySettings(encryption=encryption))
    service = Service(settings)
    try:
        service.chat("alice", [{"role": "user", "content": f"What is {CANARY}?"}])
        keep = service.chat("alice", [{"role": "user", "content": "Keepword question?"}])
        found = _scan(settings.data_dir, CANARY)
        assert bool(found) is not encryption  # plaintext: the scan sees it; encrypted: never
        assert len(service.history.list("alice")) == 2
        one = next(c["id"] for c in service.history.list("alice") if CANARY in c["title"])
        assert service.history.delete("alice", one) == {"conversations": 1, "messages": 2}
        assert _scan(settings.data_dir, CANARY) == []
        assert [c["id"] for c in service.history.list("alice")] == [keep.conversation_id]
        assert service.history.delete("alice") == {"conversations": 1, "messages": 2}
        assert service.history.list("alice") == []
    finally:
        service.close()


def test_retention_ttl_expires_old_conversations(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"),
                        privacy=PrivacySettings(history_ttl_days=7, encryption=False))
    service = Service(settings)
    store = service.vaults.open("alice").history
    now = time.time()
    store.append(None, [f"{CANARY} old question"], "old answer", [], now=now - 8 * 86400)
    store.append(None, ["recent question"], "recent answer", [], now=now - 6 * 86400)
    # Listing expires what is past the TTL, at once, and says so in the audit trail.
    assert [c["title"] for c in service.history.list("alice")] == ["recent question"]
    assert _scan(settings.data_dir, CANARY) == []
    assert any(e["action"] == "expire_history" for e in service.audit.for_vault(
        service.vaults.vault_id("alice")))
    # A vault nobody opens is swept at the next server start.
    store.append(None, ["stale question"], "stale answer", [], now=now - 30 * 86400)
    service.close()
    service = Service(settings)
    try:
        with TestClient(create_app(settings, service=service)):
            titles = [r[0] for r in service.vaults.open("alice").facts.read(
                "SELECT title FROM conversations")]
        assert titles == ["recent question"]
    finally:
        service.close()


def test_history_off_keeps_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data",
                        embedding=EmbeddingSettings(backend="fake", model_id="fake-hash-bow"),
                        privacy=PrivacySettings(history=False))
    service = Service(settings)
    try:
        result = service.chat("alice", [{"role": "user", "content": "my A1c?"}])
        assert result.conversation_id is None
        assert service.history.list("alice") == []
    finally:
        service.close()


def test_forget_counts_and_removes_history(demo_service: Any) -> None:
    demo_service.chat("alice", [{"role": "user", "content": f"{CANARY}?"}])
    receipt = demo_service.forget("alice")
    assert receipt.conversations == 1 and receipt.key_destroyed
    assert demo_service.history.list("alice") == []
    assert _scan(demo_service.settings.data_dir, CANARY) == []
