"""Roles: every route of the app x every role, enumerated from ``app.routes`` so that a new
route is covered without editing this file.

Design (``rag.access.auth.POLICY``): patient = own vault; clinician = shared vaults, read-only;
curator = knowledge only; admin = tokens only. A route not in ``ALLOWED`` must be patient-only
(the deny-by-default of ``PrincipalDep``); an anonymous call gets 401 everywhere except the
public routes. The subject whose data must never leak is alice, whose canary is only ever
readable by alice herself and by the clinician she shared with.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from rag.access.auth import POLICY, ROLES, Principal, authorize
from rag.core.errors import Forbidden

CANARY = "Zorblax731canary"
PUBLIC = {("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/docs"),
          ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc")}
# The verification page authenticates itself (signed link or bearer) and reaches only the
# caller's own vault, whatever the role: for alice's citation everyone but alice gets 404.
SELF_SCOPED = {("GET", "/verify/{citation_id}")}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("GET", "/v1/shared-with-me"): {"clinician"},
    ("POST", "/v1/patients/{patient_id}/answer"): {"clinician"},
    ("GET", "/v1/patients/{patient_id}/citations/{citation_id}"): {"clinician"},
    ("GET", "/v1/patients/{patient_id}/trends"): {"clinician"},
    ("GET", "/v1/patients/{patient_id}/verify/{citation_id}"): {"clinician"},
    ("POST", "/v1/knowledge"): {"curator"},
    ("POST", "/v1/admin/tokens"): {"admin"},
    ("GET", "/v1/admin/tokens"): {"admin"},
    ("DELETE", "/v1/admin/tokens/{token_id}"): {"admin"},
}
# What the allowed role gets, as designed, when it aims at alice's resources (the patient
# caller is bob, so alice's resources are 404 for him). Unlisted allowed calls must be 2xx.
DESIGNED: dict[tuple[str, str], int] = {
    ("GET", "/v1/citations/{citation_id}"): 404,
    ("DELETE", "/v1/records/{document_id}"): 404,
    ("GET", "/v1/jobs/{job_id}"): 404,
    ("GET", "/v1/me/conversations/{conversation_id}"): 404,
    ("DELETE", "/v1/me/conversations/{conversation_id}"): 404,
    ("GET", "/v1/records/{document_id}/original"): 404,
    ("DELETE", "/v1/shares/{share_id}"): 404,
    ("POST", "/v1/shares"): 201,
    ("POST", "/v1/admin/tokens"): 201,
    ("GET", "/v1/appointments/{appointment_id}"): 404,
    ("GET", "/v1/appointments/{appointment_id}.pdf"): 404,
    ("GET", "/v1/appointments/{appointment_id}/ips"): 404,
    ("PUT", "/v1/appointments/{appointment_id}/questions"): 404,
    ("DELETE", "/v1/appointments/{appointment_id}"): 404,
    ("POST", "/v1/insurance/compare"): 422,  # the body holds no plans
    ("GET", "/v1/insurance/spending"): 422,  # no year given
}
KNOWLEDGE_DOC = (b"---\ntitle: Roles test note\nsource: test\nlanguage: en\n---\n\n"
                 b"## About\n\nA short curated note used by the roles test.\n")


def _observation(rid: str, text: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "code": {"text": "Ferritin", "coding": [{"system": "http://loinc.org",
                                                    "code": "2276-4"}]},
            "effectiveDateTime": "2025-01-01", "valueQuantity": {"value": 40, "unit": "ng/mL"},
            "note": [{"text": text}]}


@pytest.fixture
def world(service: Any, tmp_path: Path) -> dict[str, Any]:
    """alice (with a canary) shares with drc; bob is another patient; drx an unshared
    clinician; plus a curator and an admin."""
    for user, text in (("alice", f"{CANARY} finding"), ("bob", "ordinary finding")):
        path = tmp_path / f"{user}.json"
        path.write_text(json.dumps(_observation(f"obs-{user}", text)))
        assert service.ingest(user, [path]).ok
    roles = {"alice": "patient", "bob": "patient", "drc": "clinician", "drx": "clinician",
             "cur": "curator", "adm": "admin"}
    tokens = {u: service.tokens.create(u, r)[0] for u, r in roles.items()}
    share = service.shares.create("alice", "drc", expires_in_days=7)
    alice_doc = service.documents("alice")[0]["document_id"]
    answer = service.ask("alice", "What is my ferritin?", temporary=False)
    cid = next(c.id for c in answer.citations if c.kind == "record")
    spare = service.tokens.create("spare", "patient")[1]
    appointment = service.appointments.prepare("alice")["id"]
    return {"tokens": tokens, "share": share.share_id, "doc": alice_doc, "cid": cid,
            "spare_token_id": spare, "conversation": answer.conversation_id,
            "appointment": appointment}


def _fill(path: str, world: dict[str, Any]) -> str:
    values = {"patient_id": "alice", "citation_id": world["cid"], "document_id": world["doc"],
              "job_id": "job_0123456789ab", "share_id": world["share"],
              "token_id": world["spare_token_id"], "conversation_id": world["conversation"],
              "appointment_id": world["appointment"]}
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


def _request(client: TestClient, method: str, template: str, world: dict[str, Any],
             token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = _fill(template, world)
    kwargs: dict[str, Any] = {"headers": headers}
    if template.endswith("/trends"):
        kwargs["params"] = {"metric": "ferritin"}
    bodies: dict[str, Any] = {
        "/v1/answer": {"question": "What is my ferritin?"},
        "/v1/patients/{patient_id}/answer": {"question": "What is my ferritin?"},
        "/v1/chat/completions": {"messages": [{"role": "user", "content": "my ferritin?"}]},
        "/v1/shares": {"clinician": "drz", "expires_in_days": 3},
        "/v1/admin/tokens": {"user": "newuser", "role": "patient"},
        "/v1/appointments/{appointment_id}/questions": {"questions": ["Is this right?"]},
    }
    if method == "POST" and template == "/v1/records":
        kwargs["content"] = json.dumps(_observation("obs-new", "uploaded finding")).encode()
        kwargs["params"] = {"name": "new.json"}
    elif method == "POST" and template == "/v1/knowledge":
        kwargs["content"] = KNOWLEDGE_DOC
        kwargs["params"] = {"name": "roles-test.md"}
    elif template in bodies and method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = bodies[template]
    elif method in {"POST", "PUT", "PATCH"}:
        kwargs["json"] = {}
    return client.request(method, url, **kwargs)


def _walk(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every route, through included routers (newer FastAPI wraps them)."""
    ops: set[tuple[str, str]] = set()
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            ctx = getattr(route, "include_context", None)
            ops |= _walk(inner.routes, prefix + str(getattr(ctx, "prefix", "") or ""))
            continue
        for method in getattr(route, "methods", None) or ():
            if method not in {"HEAD", "OPTIONS"}:
                ops.add((method, prefix + route.path))
    return ops


def _operations(app: Any) -> list[tuple[str, str]]:
    ops = _walk(app.routes)
    documented = {(m.upper(), p) for p, item in app.openapi()["paths"].items() for m in item}
    assert documented <= ops, documented - ops  # the walk misses nothing the schema shows
    # Destructive routes last, so the others see the data they aim at.
    return sorted(ops, key=lambda op: (op[0] == "DELETE", op[1] == "/v1/me", op))


def test_policy_is_disjoint_and_denies_by_default() -> None:
    """No capability is shared by two roles, and an unknown role has none."""
    caps = [c for r in ROLES for c in POLICY[r]]
    assert len(caps) == len(set(caps)) == 4
    with pytest.raises(Forbidden):
        authorize(Principal("u", "superuser", "t"), "own_vault")  # type: ignore[arg-type]
    for role in ROLES:
        for cap in {"own_vault", "shared_read", "knowledge_write", "tokens_manage"}:
            if cap in POLICY[role]:
                assert authorize(Principal("u", role, "t"), cap).role == role
            else:
                with pytest.raises(Forbidden):
                    authorize(Principal("u", role, "t"), cap)  # type: ignore[arg-type]


def test_every_route_times_every_role(service: Any, world: dict[str, Any]) -> None:
    app = create_app(service.settings, service=service)
    callers = {"patient": "bob", "clinician": "drc", "curator": "cur", "admin": "adm"}
    tokens = world["tokens"]
    ops = _operations(app)
    assert ("POST", "/v1/answer") in ops and len(ops) >= 25
    matrix: dict[tuple[str, str], dict[str, int]] = {}
    failures: list[str] = []
    with TestClient(app) as client:
        for method, template in ops:
            row = matrix.setdefault((method, template), {})
            anon = _request(client, method, template, world, None).status_code
            row["anonymous"] = anon
            if (method, template) in PUBLIC:
                if anon >= 400:
                    failures.append(f"{method} {template} anonymous -> {anon}")
                continue
            if anon != 401:
                failures.append(f"{method} {template} anonymous -> {anon}, expected 401")
            for role, user in callers.items():
                r = _request(client, method, template, world, tokens[user])
                row[role] = r.status_code
                body = r.text
                leaky = CANARY in body and not (role == "clinician" and "patients" in template)
                if leaky:
                    failures.append(f"{method} {template} as {role} leaked alice's canary")
                if r.status_code >= 500:
                    failures.append(f"{method} {template} as {role} -> {r.status_code}")
                    continue
                if (method, template) in SELF_SCOPED:
                    ok = r.status_code == 404
                elif role in ALLOWED.get((method, template), {"patient"}):
                    want = DESIGNED.get((method, template))
                    ok = (r.status_code == want) if want else 200 <= r.status_code < 300
                else:
                    ok = r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
                if not ok:
                    failures.append(f"{method} {template} as {role} -> {r.status_code}")
    print("\n" + "\n".join(f"{m:6} {t:55} {row}" for (m, t), row in sorted(matrix.items())))
    assert not failures, failures
    # The matrix really exercised every role: each got at least one 2xx and one 403.
    for role in callers:
        codes = [row[role] for row in matrix.values() if role in row]
        assert any(200 <= c < 300 for c in codes) and 403 in codes, role
    # Alice's data survived every other caller (bob's DELETE /v1/me erased only bob).
    assert service.documents("alice") and not service.documents("bob")


def test_alice_reads_her_own_data(service: Any, world: dict[str, Any]) -> None:
    """The positive control: the canary is reachable, so the leak checks above can fail."""
    with TestClient(create_app(service.settings, service=service)) as client:
        h = {"Authorization": f"Bearer {world['tokens']['alice']}"}
        r = client.get(f"/v1/citations/{world['cid']}", headers=h)
        assert r.status_code == 200 and CANARY in r.text
        r = client.get(f"/v1/patients/alice/citations/{world['cid']}",
                       headers={"Authorization": f"Bearer {world['tokens']['drc']}"})
        assert r.status_code == 200 and CANARY in r.text
