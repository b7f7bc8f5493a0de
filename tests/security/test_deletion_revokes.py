"""Deletion revokes, atomically (issue #22, D1 and R1).

D1: after ``DELETE /v1/me`` the same bearer token still worked (``GET /v1/records`` 200,
``POST /v1/answer`` kept as a conversation, ``POST /v1/records`` ingested) and a vault with
the same id came back with a new key. Now every token and signed link of the person is void
(401), nothing is re-created, and only a token issued on purpose opens a new account.

R1: ``DELETE /v1/me`` sent together with other requests of the same person gave 503
``decrypt_failed`` and writes into a vault re-created during the deletion. Now each request
either finishes before the deletion or gets 401/410, and no vault survives it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.live import LiveServer
from api.main import create_app

CANARY = "Revokequill"


def _bundle(marker: str, n: int = 3) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7",
                                           "display": "Body weight"}]},
                      "effectiveDateTime": f"2025-01-{i + 1:02d}",
                      "valueQuantity": {"value": 70 + i, "unit": "kg"},
                      "note": [{"text": f"{marker} weigh-in {i}"}]}}
        for i in range(n)]}).encode()


def _gone(service: Any, user: str) -> None:
    """Nothing of the person's vault is on disk: no folder, no key."""
    vid = service.vaults.vault_id(user)
    assert not (service.settings.data_dir / "vaults" / vid).exists(), "the vault came back"
    assert not (service.settings.data_dir / "keys" / f"{vid}.key").exists(), "a new key"


def test_a_deleted_persons_token_and_links_get_401(service: Any) -> None:
    token = service.tokens.create("alice")[0]
    h = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(service.settings, service=service)) as client:
        assert client.post("/v1/records?name=w.json", content=_bundle(CANARY),
                           headers=h).status_code == 200
        cid = next(c.id for c in service.ask("alice", "What is my weight?").citations
                   if c.kind == "record")
        link = service.links.url(service.vaults.vault_id("alice"), cid)
        assert client.get(link).status_code == 200
        assert client.delete("/v1/me", headers=h).status_code == 200

        stale = {
            "GET /v1/records": client.get("/v1/records", headers=h),
            "POST /v1/answer": client.post("/v1/answer", headers=h,
                                           json={"question": "What is my weight?"}),
            "POST /v1/records": client.post("/v1/records?name=x.json",
                                            content=_bundle("Again"), headers=h),
            "GET /v1/me/conversations": client.get("/v1/me/conversations", headers=h),
            "GET /v1/trends": client.get("/v1/trends?metric=weight", headers=h),
            "DELETE /v1/me": client.delete("/v1/me", headers=h),
        }
        for what, r in stale.items():
            assert r.status_code == 401, (what, r.status_code, r.text)
            assert r.json()["error"]["code"] == "unauthorized"
        _gone(service, "alice")
        assert client.get(link).status_code == 401

        # A new account needs a token issued on purpose; it finds nothing of the old one,
        # and the old link does not open the new vault, although its ids are the same.
        h = {"Authorization": f"Bearer {service.tokens.create('alice')[0]}"}
        assert client.get("/v1/records", headers=h).json() == {"documents": []}
        assert client.post("/v1/records?name=w.json", content=_bundle(CANARY),
                           headers=h).status_code == 200
        assert service.vaults.open("alice").facts.record_by_chunk(cid) is not None
        assert client.get(link).status_code == 401
        fresh = service.links.url(service.vaults.vault_id("alice"), cid)
        assert client.get(fresh).status_code == 200


def test_forget_from_the_cli_path_revokes_tokens(service: Any) -> None:
    token = service.tokens.create("bob")[0]
    service.ingest_bytes("bob", _bundle(CANARY), "w.json")
    service.forget("bob")  # what `healthrag forget` calls
    with TestClient(create_app(service.settings, service=service)) as client:
        r = client.get("/v1/records", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401
    _gone(service, "bob")


OTHERS: dict[str, Callable[[httpx.Client, dict[str, str]], httpx.Response]] = {
    "records": lambda c, h: c.get("/v1/records", headers=h),
    "answer": lambda c, h: c.post("/v1/answer", headers=h,
                                  json={"question": "What is my weight?"}),
    "upload": lambda c, h: c.post("/v1/records?name=late.json&background=false",
                                  content=_bundle("Latecomer", 5), headers=h),
    "history": lambda c, h: c.get("/v1/me/conversations", headers=h),
    "trends": lambda c, h: c.get("/v1/trends?metric=weight", headers=h),
}


def _race(c: httpx.Client, h: dict[str, str], delete_after: float) -> dict[str, int]:
    """Send ``DELETE /v1/me`` and the :data:`OTHERS` at once; their statuses."""
    start = threading.Barrier(len(OTHERS) + 1)
    results: dict[str, int] = {}

    def call(name: str, fn: Callable[[httpx.Client, dict[str, str]], httpx.Response],
             delay: float) -> None:
        start.wait()
        time.sleep(delay)
        results[name] = fn(c, h).status_code

    threads = [threading.Thread(target=call, args=(n, f, 0.01 * (i % 3)))
               for i, (n, f) in enumerate(OTHERS.items())]
    threads.append(threading.Thread(target=call, args=(
        "delete", lambda c, h: c.delete("/v1/me", headers=h), delete_after)))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return results


def test_deletion_racing_other_requests_never_500s_nor_recreates(service: Any) -> None:
    service.settings.server.rate_limit_per_minute = 0
    seen: dict[str, set[int]] = {name: set() for name in OTHERS}
    with LiveServer(service) as server, httpx.Client(base_url=server.url, timeout=120) as c:
        for round_ in range(6):
            h = {"Authorization": f"Bearer {service.tokens.create('carol')[0]}"}
            assert c.post("/v1/records?name=w.json", content=_bundle(CANARY),
                          headers=h).status_code == 200
            results = _race(c, h, delete_after=0.005 * round_)
            assert results.pop("delete") == 200
            for name, status in results.items():
                assert status in (200, 401, 410), (round_, name, status)
                seen[name].add(status)
            # After the deletion nothing of the vault is left, whatever finished first.
            _gone(service, "carol")
            assert c.post("/v1/records?name=x.json", content=_bundle("Stale"),
                          headers=h).status_code == 401
            _gone(service, "carol")
    assert all(seen.values())


def test_requests_in_flight_either_finish_first_or_get_410(service: Any, tmp_path: Path
                                                           ) -> None:
    """Deterministic: a request holds the vault while the deletion begins; the deletion
    waits for it, and a request arriving meanwhile gets 410."""
    token = service.tokens.create("dan")[0]
    h = {"Authorization": f"Bearer {token}"}
    service.ingest_bytes("dan", _bundle(CANARY), "w.json")
    vid = service.vaults.vault_id("dan")
    with TestClient(create_app(service.settings, service=service)) as client:
        receipt: dict[str, Any] = {}
        with service.vault_session("dan"):  # an upload in flight, say
            deleter = threading.Thread(target=lambda: receipt.update(
                client.delete("/v1/me", headers=h).json()))
            deleter.start()
            deadline = time.time() + 10
            while not service.tokens.list("dan")[0]["revoked_at"]:  # the deletion began
                assert time.time() < deadline
                time.sleep(0.01)
            r = client.get("/v1/records", headers=h)
            assert r.status_code in (401, 410)
            second = service.tokens.create("dan")[0]  # even a fresh token waits its turn
            r = client.get("/v1/records", headers={"Authorization": f"Bearer {second}"})
            assert r.status_code == 410 and r.json()["error"]["code"] == "vault_deleted"
            assert (service.settings.data_dir / "vaults" / vid).exists()  # still waiting
            assert not receipt
        deleter.join(timeout=60)
        assert receipt["records"] == 3 and receipt["key_destroyed"]
    _gone(service, "dan")
