"""The clinician verification page, ``GET /verify/{citation_id}``, through TestClient."""

from __future__ import annotations

import base64
import html
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.routes.verify
from api.main import create_app

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
XSS_TEXT = (
    "Knee visit. Patient reports knee pain after running. <script>alert(1)</script> "
    "Exam unremarkable. <img src=http://evil.example/x.png onerror=alert(2)> "
    "Plan: physiotherapy for six weeks."
)


def verify_app(service: Any) -> FastAPI:
    """The app, with the verify router added unless api/main.py already registers it."""
    app = create_app(service.settings, service=service)
    paths = {getattr(r, "path", None) for r in app.routes}
    if "/verify/{citation_id}" not in paths:
        app.include_router(api.routes.verify.router)
    return app


@pytest.fixture
def client(demo_service: Any) -> Iterator[TestClient]:
    with TestClient(verify_app(demo_service)) as c:
        yield c


def _auth(service: Any, user: str) -> dict[str, str]:
    token, _ = service.tokens.create(user, "patient")
    return {"Authorization": f"Bearer {token}"}


def _a1c(service: Any) -> Any:
    answer = service.ask("alice", "What was my last A1c?")
    return answer.citations


def _link(service: Any, user: str, cid: str, quote: str | None = None, **kw: Any) -> str:
    url: str = service.links.url(service.vaults.vault_id(user), cid, **kw)
    return url + (f"&q={urlquote(quote, safe='')}" if quote is not None else "")


def test_signed_link_shows_quote_in_source_with_fhir_and_provenance(
    client: TestClient, demo_service: Any
) -> None:
    c1 = _a1c(demo_service)[0]
    assert c1.kind == "record"
    r = client.get(_link(demo_service, "alice", c1.id, c1.quote))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["cache-control"] == "no-store"
    body = r.text
    assert body.startswith("<!DOCTYPE html>")
    assert body.count('<mark id="quote">') == 1
    assert f'<mark id="quote">{html.escape(c1.quote)}</mark>' in body
    assert "The quoted passage is highlighted below." in body
    rec = demo_service.vaults.open("alice").facts.record_by_chunk(c1.id)
    assert html.escape(json.dumps(rec.raw, indent=2, ensure_ascii=False)) in body
    assert '"resourceType": "Observation"' in html.unescape(body)
    assert c1.source.resource_id in body and c1.source.file_hash in body
    assert len(c1.source.file_hash) == 64
    assert "Ingested at" in body and html.escape(rec.source_file) in body
    # Self-contained: no scripts, external resources or links.
    for needle in ("<script", "<img", "<link", "<a ", "src=", "href=", "@import", "url("):
        assert needle not in body, needle


def test_quote_missing_or_not_exact_highlights_nothing_and_is_not_echoed(
    client: TestClient, demo_service: Any
) -> None:
    c1 = _a1c(demo_service)[0]
    r = client.get(_link(demo_service, "alice", c1.id))
    assert r.status_code == 200 and "<mark" not in r.text
    assert "No quote was given" in r.text
    forged = "Call 555-0100 now, your results are critical"
    r = client.get(_link(demo_service, "alice", c1.id, forged))
    assert r.status_code == 200 and "<mark" not in r.text
    assert "not an exact part of this source" in r.text
    assert "555-0100" not in r.text
    assert html.escape(c1.quote) in r.text  # the chunk itself is still shown


def test_owner_bearer_token_opens_without_a_signature(
    client: TestClient, demo_service: Any
) -> None:
    c1 = _a1c(demo_service)[0]
    r = client.get(f"/verify/{c1.id}?q={urlquote(c1.quote)}",
                   headers=_auth(demo_service, "alice"))
    assert r.status_code == 200
    assert f'<mark id="quote">{html.escape(c1.quote)}</mark>' in r.text


def _refused(r: Any, quote: str, status: int | tuple[int, ...]) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert r.status_code in statuses, r.status_code
    assert r.headers["content-security-policy"] == CSP
    assert quote not in r.text and html.escape(quote) not in r.text
    assert "<mark" not in r.text and "resourceType" not in r.text


def test_tampered_signature_is_401(client: TestClient, demo_service: Any) -> None:
    c1 = _a1c(demo_service)[0]
    url = _link(demo_service, "alice", c1.id, c1.quote)
    sig = url.split("sig=")[1].split("&")[0]
    bad = url.replace(f"sig={sig}", f"sig={'0' if sig[0] != '0' else '1'}{sig[1:]}")
    r = client.get(bad)
    _refused(r, c1.quote, 401)
    assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("drop", ["v", "exp", "sig"])
def test_incomplete_link_is_401(client: TestClient, demo_service: Any, drop: str) -> None:
    c1 = _a1c(demo_service)[0]
    base, _, query = _link(demo_service, "alice", c1.id).partition("?")
    kept = "&".join(p for p in query.split("&") if not p.startswith(f"{drop}="))
    _refused(client.get(f"{base}?{kept}"), c1.quote, 401)


def test_no_credentials_is_401(client: TestClient, demo_service: Any) -> None:
    c1 = _a1c(demo_service)[0]
    _refused(client.get(f"/verify/{c1.id}"), c1.quote, 401)
    _refused(client.get(f"/verify/{c1.id}", headers={"Authorization": "Bearer hr_nope"}),
             c1.quote, 401)


def test_expired_link_is_401(client: TestClient, demo_service: Any) -> None:
    c1 = _a1c(demo_service)[0]
    url = _link(demo_service, "alice", c1.id, c1.quote, now=time.time() - 30 * 86400)
    r = client.get(url)
    _refused(r, c1.quote, 401)
    assert "expired" in r.text


def test_signature_for_another_citation_or_vault_opens_nothing(
    client: TestClient, demo_service: Any
) -> None:
    c1, c2 = _a1c(demo_service)[:2]
    assert c1.id != c2.id
    # A valid signature for citation 2, presented for citation 1.
    query = _link(demo_service, "alice", c2.id).partition("?")[2]
    _refused(client.get(f"/verify/{c1.id}?{query}"), c1.quote, 401)
    # Alice's valid link with the vault swapped for bob's.
    url = _link(demo_service, "alice", c1.id, c1.quote)
    swapped = url.replace(demo_service.vaults.vault_id("alice"),
                          demo_service.vaults.vault_id("bob"))
    _refused(client.get(swapped), c1.quote, 401)
    # A genuinely signed link for bob's vault and alice's citation: not in that vault.
    demo_service.ingest_bytes("bob", json.dumps(docref("bob1", "Bob's note.")).encode(),
                              "bob.json")
    _refused(client.get(_link(demo_service, "bob", c1.id, c1.quote)), c1.quote, 404)
    # ... and the same for a vault that has never been created.
    _refused(client.get(_link(demo_service, "carol", c1.id, c1.quote)), c1.quote, 404)


def test_other_users_bearer_token_is_404(client: TestClient, demo_service: Any) -> None:
    c1 = _a1c(demo_service)[0]
    r = client.get(f"/verify/{c1.id}?q={urlquote(c1.quote)}", headers=_auth(demo_service, "bob"))
    _refused(r, c1.quote, 404)
    # Same answer as for a citation that exists nowhere.
    r2 = client.get("/verify/r_00000000000000000000", headers=_auth(demo_service, "alice"))
    assert r2.status_code == 404


def test_knowledge_citation_opens_with_any_token_or_signature(
    client: TestClient, demo_service: Any
) -> None:
    kc = next(c for c in _a1c(demo_service) if c.kind == "knowledge")
    assert kc.id.startswith("k_")
    r = client.get(f"/verify/{kc.id}?q={urlquote(kc.quote)}", headers=_auth(demo_service, "bob"))
    assert r.status_code == 200
    body = r.text
    assert f'<mark id="quote">{html.escape(kc.quote)}</mark>' in body
    assert html.escape(kc.source.url) in body and f'href="{kc.source.url}' not in body
    assert "<a " not in body and "not reviewed" in body
    r = client.get(_link(demo_service, "carol", kc.id, kc.quote))
    assert r.status_code == 200 and '<mark id="quote">' in r.text
    _refused(client.get(f"/verify/{kc.id}"), kc.quote, 401)


def test_malformed_citation_id_is_rejected(client: TestClient, demo_service: Any) -> None:
    headers = _auth(demo_service, "alice")
    assert client.get("/verify/r_" + "a" * 80, headers=headers).status_code == 422
    assert client.get("/verify/r_a.b", headers=headers).status_code == 422


def docref(rid: str, text: str, description: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resourceType": "DocumentReference", "id": rid, "status": "current",
        "type": {"text": "Progress note"}, "date": "2024-02-01T10:00:00Z",
        "content": [{"attachment": {"contentType": "text/plain", "title": "Knee visit",
                                    "data": base64.b64encode(text.encode()).decode()}}],
    }
    if description:
        doc["description"] = description
    return doc


def test_document_text_is_escaped_and_flagged(
    client: TestClient, demo_service: Any, tmp_path: Path
) -> None:
    path = tmp_path / "eve.json"
    path.write_text(json.dumps(docref("evil1", XSS_TEXT, "<script>alert('desc')</script>")))
    assert demo_service.ingest("eve", [path]).files[0].status == "ingested"
    answer = demo_service.ask("eve", "What documents do I have?")
    c1 = answer.citations[0]
    assert c1.kind == "record" and c1.source.resource_id == "evil1"
    r = client.get(_link(demo_service, "eve", c1.id, c1.quote))
    assert r.status_code == 200
    body = r.text
    assert "<script" not in body.lower() and "<img" not in body.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=http://evil.example/x.png onerror=alert(2)&gt;" in body
    assert "&lt;script&gt;alert(&#x27;desc&#x27;)&lt;/script&gt;" in body  # in the FHIR JSON
    assert f'<mark id="quote">{html.escape(c1.quote)}</mark>' in body
    assert 'id="quarantine"' in body
    assert "contains text that looks like instructions; shown as data" in body
    assert "Span in document" in body
    # A quote made of markup is matched as text and still escaped inside the mark.
    r = client.get(_link(demo_service, "eve", c1.id, "<script>alert(1)</script>"))
    assert '<mark id="quote">&lt;script&gt;alert(1)&lt;/script&gt;</mark>' in r.text
    assert "<script" not in r.text.lower()
