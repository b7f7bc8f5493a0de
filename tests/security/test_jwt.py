"""OIDC/JWT bearer tokens, verified offline: each bad token is crafted and must get 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

jwt = pytest.importorskip("jwt")
pytest.importorskip("cryptography")

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from api.main import create_app  # noqa: E402
from rag.access.auth import JWTVerifier  # noqa: E402
from rag.core.errors import AuthError, ConfigError  # noqa: E402
from rag.core.settings import AuthSettings, Settings  # noqa: E402

ISS = "https://idp.example.test/realms/health"
AUD = "healthrag"
SECRET = "s" * 40


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _pem(key: Any) -> bytes:
    return bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "rsa2": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ec": ec.generate_private_key(ec.SECP256R1())}


@pytest.fixture
def auth(tmp_path: Path, keys: dict[str, Any]) -> AuthSettings:
    pem = tmp_path / "idp.pem"
    pem.write_bytes(_pem(keys["rsa"]))
    return AuthSettings(jwt_issuer=ISS, jwt_audience=AUD, jwt_algorithms=["RS256", "HS256"],
                        jwt_shared_secret=SECRET, jwt_public_key_file=pem)


def _claims(**over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": ISS, "aud": AUD, "sub": "alice", "iat": now,
                              "nbf": now - 5, "exp": now + 300}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _rs(keys: dict[str, Any], **over: Any) -> str:
    return str(jwt.encode(_claims(**over), keys["rsa"], algorithm="RS256"))


def _raw(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    """A token built by hand, so that libraries' own refusals cannot hide a bug of ours."""
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + (_b64(sign(head.encode())) if sign else "")


def test_valid_tokens_give_subject_and_role(auth: AuthSettings, keys: dict[str, Any]) -> None:
    v = JWTVerifier(auth)
    p = v.verify(_rs(keys))
    assert (p.user_id, p.role) == ("alice", "patient") and p.token_id.startswith("jwt_")
    assert v.verify(_rs(keys, roles=["offline_access", "clinician"])).role == "clinician"
    assert v.verify(_rs(keys, role="curator")).role == "curator"
    hs = str(jwt.encode(_claims(sub="bob"), SECRET, algorithm="HS256"))
    assert v.verify(hs).user_id == "bob"
    # Within the leeway (30 s) an expired-by-10-s token still passes.
    assert v.verify(_rs(keys, exp=int(time.time()) - 10)).user_id == "alice"


def _bad_tokens(keys: dict[str, Any]) -> dict[str, str]:
    now = int(time.time())
    pem = _pem(keys["rsa"])
    return {
        "alg none": _raw({"alg": "none", "typ": "JWT"}, _claims()),
        "alg None": _raw({"alg": "None", "typ": "JWT"}, _claims()),
        "alg none with a signature": _raw({"alg": "none"}, _claims(), lambda m: b"x" * 32),
        # Algorithm confusion: HS256 with the RS256 public key as the HMAC secret.
        "HS256 signed with the public key": _raw(
            {"alg": "HS256", "typ": "JWT"}, _claims(),
            lambda m: hmac.new(pem, m, hashlib.sha256).digest()),
        "alg not allowed (RS384)": str(jwt.encode(_claims(), keys["rsa"], algorithm="RS384")),
        "alg not allowed (ES256)": str(jwt.encode(_claims(), keys["ec"], algorithm="ES256")),
        "expired": _rs(keys, exp=now - 120),
        "not yet valid": _rs(keys, nbf=now + 600),
        "wrong audience": _rs(keys, aud="another-app"),
        "wrong issuer": _rs(keys, iss="https://evil.example.test"),
        "missing sub": _rs(keys, sub=None),
        "empty sub": _rs(keys, sub=""),
        "missing exp": _rs(keys, exp=None),
        "missing aud": _rs(keys, aud=None),
        "other key": str(jwt.encode(_claims(), keys["rsa2"], algorithm="RS256")),
        "wrong HMAC secret": str(jwt.encode(_claims(), "t" * 40, algorithm="HS256")),
        "tampered payload": (lambda t: t.split(".")[0] + "." + _b64(json.dumps(
            _claims(sub="mallory")).encode()) + "." + t.split(".")[2])(_rs(keys)),
        "two healthrag roles": _rs(keys, roles=["patient", "admin"]),
        "garbage": "aaa.bbb.ccc",
    }


def test_every_bad_token_is_refused(auth: AuthSettings, keys: dict[str, Any]) -> None:
    v = JWTVerifier(auth)
    accepted = []
    for name, token in _bad_tokens(keys).items():
        try:
            v.verify(token)
            accepted.append(name)
        except AuthError as exc:
            assert exc.status == 401
    assert accepted == []


def test_jwks_file_selects_key_by_kid(tmp_path: Path, keys: dict[str, Any]) -> None:
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(keys["ec"].public_key()))
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys["rsa"].public_key()))
    jwks = {"keys": [{**ec_jwk, "kid": "ec1", "alg": "ES256"},
                     {**rsa_jwk, "kid": "rsa1", "alg": "RS256"},
                     {"kty": "oct", "kid": "sym", "k": _b64(SECRET.encode())}]}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks))
    v = JWTVerifier(AuthSettings(jwt_issuer=ISS, jwt_audience=AUD,
                                 jwt_algorithms=["ES256", "RS256"], jwt_jwks_file=path))
    es = str(jwt.encode(_claims(), keys["ec"], algorithm="ES256", headers={"kid": "ec1"}))
    assert v.verify(es).user_id == "alice"
    rs = str(jwt.encode(_claims(), keys["rsa"], algorithm="RS256", headers={"kid": "rsa1"}))
    assert v.verify(rs).user_id == "alice"
    refused = {
        "unknown kid": str(jwt.encode(_claims(), keys["ec"], algorithm="ES256",
                                      headers={"kid": "nope"})),
        "kid of the other key": str(jwt.encode(_claims(), keys["ec"], algorithm="ES256",
                                               headers={"kid": "rsa1"})),
        "symmetric JWK is never used": _raw(
            {"alg": "HS256", "kid": "sym"}, _claims(),
            lambda m: hmac.new(SECRET.encode(), m, hashlib.sha256).digest()),
        "no kid with several keys": str(jwt.encode(_claims(), keys["ec"], algorithm="ES256")),
    }
    for name, token in refused.items():
        with pytest.raises(AuthError):
            v.verify(token)
            pytest.fail(name)


def test_insecure_configurations_fail_at_startup(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        AuthSettings(jwt_issuer=ISS, jwt_audience=AUD,
                     jwt_algorithms=["none"])
    with pytest.raises(ConfigError):  # short HMAC secret
        JWTVerifier(AuthSettings(jwt_issuer=ISS, jwt_audience=AUD, jwt_algorithms=["HS256"],
                                 jwt_shared_secret="short"))
    with pytest.raises(ConfigError):  # asymmetric algorithm without a key
        JWTVerifier(AuthSettings(jwt_issuer=ISS, jwt_audience=AUD, jwt_algorithms=["RS256"]))
    with pytest.raises(ConfigError):  # no audience
        JWTVerifier(AuthSettings(jwt_issuer=ISS, jwt_algorithms=["HS256"],
                                 jwt_shared_secret=SECRET))


def test_api_accepts_jwt_and_refuses_bad_ones(settings: Settings, fake_embedder: Any,
                                              auth: AuthSettings, keys: dict[str, Any],
                                              tmp_path: Path) -> None:
    from rag.service import Service

    service = Service(settings.model_copy(update={"auth": auth}), embedder=fake_embedder)
    try:
        path = tmp_path / "obs.json"
        path.write_text(json.dumps({"resourceType": "Observation", "id": "o1",
                                    "status": "final", "code": {"text": "Ferritin"},
                                    "effectiveDateTime": "2025-01-01",
                                    "valueString": "Jwtcanary55 finding"}))
        assert service.ingest("alice", [path]).ok
        with TestClient(create_app(service.settings, service=service)) as client:
            r = client.get("/v1/records", headers={"Authorization": f"Bearer {_rs(keys)}"})
            assert r.status_code == 200 and r.json()["documents"]
            admin = _rs(keys, roles=["admin"])
            assert client.get("/v1/records", headers={
                "Authorization": f"Bearer {admin}"}).status_code == 403
            for name, token in _bad_tokens(keys).items():
                r = client.get("/v1/records", headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 401, name
                assert r.json()["error"]["code"] == "unauthorized"
                assert r.headers["www-authenticate"] == "Bearer"
            # The verification page's bearer path goes through the same verifier.
            cid = next(c.id for c in service.ask("alice", "ferritin").citations
                       if c.kind == "record")
            ok = client.get(f"/verify/{cid}", headers={"Authorization": f"Bearer {_rs(keys)}"})
            assert ok.status_code == 200 and "Jwtcanary55" in ok.text
            none = _bad_tokens(keys)["alg none"]
            assert client.get(f"/verify/{cid}", headers={
                "Authorization": f"Bearer {none}"}).status_code == 401
    finally:
        service.close()


def test_jwt_refused_when_not_configured(service: Any, keys: dict[str, Any]) -> None:
    with TestClient(create_app(service.settings, service=service)) as client:
        r = client.get("/v1/records", headers={"Authorization": f"Bearer {_rs(keys)}"})
        assert r.status_code == 401


def test_jwts_issued_before_a_deletion_are_refused(settings: Settings, fake_embedder: Any,
                                                   auth: AuthSettings, keys: dict[str, Any]
                                                   ) -> None:
    """Issue #22, D1: an IdP token cannot be revoked here, so a deletion refuses every JWT
    of the person issued until then (or without ``iat``); a later sign-in works."""
    from rag.service import Service

    service = Service(settings.model_copy(update={"auth": auth}), embedder=fake_embedder)
    try:
        before, no_iat = _rs(keys), _rs(keys, iat=None)
        with TestClient(create_app(service.settings, service=service)) as client:
            def status(token: str) -> int:
                return client.get("/v1/records",
                                  headers={"Authorization": f"Bearer {token}"}).status_code

            assert status(before) == 200 and status(no_iat) == 200
            assert client.delete("/v1/me", headers={
                "Authorization": f"Bearer {before}"}).status_code == 200
            assert status(before) == 401 and status(no_iat) == 401
            assert status(_rs(keys, iat=int(time.time()) + 2)) == 200  # signed in again
    finally:
        service.close()
