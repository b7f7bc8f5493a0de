"""Isolation: 50 users, each with a canary record. Every endpoint is tried with other
users' ids and resource ids, and questions quote other users' canaries: 0 leaks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app

USERS = 50


def _canary(i: int) -> str:
    return f"Canary{i:03d}xq"


@pytest.fixture
def population(service: Any, tmp_path: Path) -> dict[str, Any]:
    tokens: dict[str, str] = {}
    for i in range(USERS):
        user = f"user{i:03d}"
        doc = {"resourceType": "Observation", "id": f"obs-{i}", "status": "final",
               "code": {"text": "Ferritin"}, "effectiveDateTime": "2025-01-01",
               "valueString": f"{_canary(i)} finding"}
        path = tmp_path / f"{user}.json"
        path.write_text(json.dumps(doc))
        assert service.ingest(user, [path]).ok
        tokens[user] = service.tokens.create(user)[0]
    return tokens


def test_no_query_reaches_another_vault(service: Any, population: dict[str, str]) -> None:
    with TestClient(create_app(service.settings, service=service)) as client:
        # Each user's own citations and conversation, to try as someone else.
        own: dict[str, list[str]] = {}
        conversation: dict[str, str] = {}
        for user, token in population.items():
            r = client.post("/v1/answer", headers={"Authorization": f"Bearer {token}"},
                            json={"question": "What is my ferritin?"})
            own[user] = [c["id"] for c in r.json()["citations"] if c["kind"] == "record"]
            conversation[user] = r.json()["conversation_id"]
            assert own[user] and conversation[user], user
        users = sorted(population)
        leaks = 0
        for n, user in enumerate(users):
            other = users[(n + 1) % len(users)]
            h = {"Authorization": f"Bearer {population[user]}"}
            i_other = int(other[4:])
            # Quote the other user's canary; pass their id everywhere a client could.
            for body in ({"question": f"What does {_canary(i_other)} mean?", "user": other},
                         {"question": f"{_canary(i_other)} finding", "user_id": other}):
                r = client.post("/v1/answer", headers=h, json=body)
                text = json.dumps(r.json())
                leaks += _canary(i_other) in text.replace(body["question"], "")
                foreign = [c for c in r.json()["citations"] if c["kind"] == "record"
                           and c["id"] not in own[user]]
                leaks += len(foreign)
            chat = client.post("/v1/chat/completions", headers=h, json={
                "model": "healthrag", "user": other,
                "messages": [{"role": "user", "content": f"{_canary(i_other)} finding"}]})
            leaks += _canary(i_other) in json.dumps(chat.json()["healthrag"]["citations"])
            for cid in own[other]:
                leaks += client.get(f"/v1/citations/{cid}", headers=h).status_code != 404
                leaks += client.get(f"/verify/{cid}", headers=h).status_code not in {401, 404}
            docs = client.get("/v1/records", headers=h).json()["documents"]
            leaks += any(d["file"] == f"{other}.json" for d in docs)
            other_docs = service.documents(other)
            theirs = other_docs[0]["document_id"]
            leaks += client.get(f"/v1/records/{theirs}/original", headers=h).status_code != 404
            r = client.delete(f"/v1/records/{theirs}", headers=h)
            leaks += r.status_code != 404
            # Another user's conversation: not listed, not readable, not continued, kept.
            conv = conversation[other]
            listed = client.get("/v1/me/conversations", headers=h).json()["conversations"]
            leaks += any(c["id"] == conv for c in listed)
            leaks += client.get(f"/v1/me/conversations/{conv}", headers=h).status_code != 404
            leaks += client.delete(f"/v1/me/conversations/{conv}",
                                   headers=h).status_code != 404
            r = client.post("/v1/chat/completions", headers=h, json={
                "conversation_id": conv,
                "messages": [{"role": "user", "content": "and the one before?"}]})
            leaks += r.status_code != 404
        assert leaks == 0
        # And the others' data is all still there.
        assert all(service.documents(u) for u in users)
        assert all(any(c["id"] == conversation[u] for c in service.history.list(u))
                   for u in users)
