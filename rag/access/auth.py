"""Bearer tokens and roles. The user's identity comes from here only.

Two kinds of bearer token are accepted:

* opaque API keys ``hr_<random>``: only their SHA-256 is stored, with the user, role and
  expiry, and lookups compare digests, so a leaked database does not leak tokens;
* JWTs from a configured OIDC issuer (:class:`JWTVerifier`), verified offline against a key
  on disk. ``sub`` is the user, a ``roles``/``role`` claim the role (default patient).

What a role may do is the table :data:`POLICY` (deny by default); ``api/deps.py`` enforces it
with one dependency per capability, so a route cannot forget the check.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rag.core.errors import AuthError, ConfigError, Forbidden
from rag.core.settings import AuthSettings

Role = Literal["patient", "clinician", "curator", "admin"]
ROLES: tuple[Role, ...] = ("patient", "clinician", "curator", "admin")

Capability = Literal["own_vault", "shared_read", "knowledge_write", "tokens_manage"]
"""What a route needs. ``own_vault``: read, write and delete the caller's own vault and manage
its shares. ``shared_read``: read (never write) the vaults that patients shared with the
caller. ``knowledge_write``: add or update curated knowledge. ``tokens_manage``: issue, list
and revoke tokens (no health data)."""

POLICY: dict[Role, frozenset[Capability]] = {
    "patient": frozenset({"own_vault"}),
    "clinician": frozenset({"shared_read"}),
    "curator": frozenset({"knowledge_write"}),
    "admin": frozenset({"tokens_manage"}),
}
"""Role -> capabilities. Roles are disjoint on purpose: an admin or curator token reads no
health data, and a clinician token has no vault of its own to write."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    token_id: str
    issued_at: float | None = None  # a JWT's ``iat``; an opaque token's creation time


def authorize(principal: Principal, capability: Capability) -> Principal:
    """The principal, if its role grants ``capability``; otherwise :class:`Forbidden` (403)."""
    if capability not in POLICY.get(principal.role, frozenset()):
        raise Forbidden(f"the {principal.role} role may not do this ({capability})")
    return principal


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, path: Path, jwt: JWTVerifier | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.jwt = jwt
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS tokens (digest TEXT PRIMARY KEY, token_id TEXT UNIQUE, "
            "user_id TEXT NOT NULL, role TEXT NOT NULL, created_at REAL NOT NULL, "
            "expires_at REAL, revoked_at REAL)"
        )
        # People whose data was deleted: JWTs issued before then are refused (opaque tokens
        # are revoked outright). A token issued on purpose afterwards clears the row.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS forgotten (user_id TEXT PRIMARY KEY, at REAL NOT NULL)"
        )

    def create(
        self, user_id: str, role: Role = "patient", ttl_seconds: float | None = None
    ) -> tuple[str, str]:
        """Returns (token, token_id). The token is shown once and never stored."""
        if role not in ROLES:
            raise AuthError(f"unknown role {role!r}")
        if not user_id or len(user_id) > 256:
            raise AuthError("a user id is 1 to 256 characters")
        token = "hr_" + secrets.token_urlsafe(32)
        token_id = "tok_" + secrets.token_hex(6)
        now = time.time()
        with self._lock:
            # Issuing a token on purpose is what opens an account again after a deletion.
            self._db.execute("DELETE FROM forgotten WHERE user_id = ?", (user_id,))
            self._db.execute(
                "INSERT INTO tokens VALUES (?,?,?,?,?,?,NULL)",
                (
                    _digest(token),
                    token_id,
                    user_id,
                    role,
                    now,
                    now + ttl_seconds if ttl_seconds else None,
                ),
            )
        return token, token_id

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise AuthError("missing bearer token")
        if looks_like_jwt(token):
            if self.jwt is None:
                raise AuthError("unknown token")
            principal = self.jwt.verify(token)
            self._check_not_forgotten(principal)
            return principal
        with self._lock:
            row = self._db.execute(
                "SELECT token_id, user_id, role, created_at, expires_at, revoked_at FROM tokens "
                "WHERE digest = ?",
                (_digest(token),),
            ).fetchone()
        if row is None:
            raise AuthError("unknown token")
        token_id, user_id, role, created_at, expires_at, revoked_at = row
        if revoked_at is not None:
            raise AuthError("revoked token")
        if expires_at is not None and expires_at < time.time():
            raise AuthError("expired token")
        return Principal(user_id=user_id, role=role, token_id=token_id, issued_at=created_at)

    def _check_not_forgotten(self, principal: Principal) -> None:
        """A JWT issued before its subject's data was deleted (or without ``iat``, while the
        deletion stands) is refused: deletion must not be undone by a token in flight."""
        with self._lock:
            row = self._db.execute(
                "SELECT at FROM forgotten WHERE user_id = ?", (principal.user_id,)
            ).fetchone()
        if row is not None and (principal.issued_at is None or principal.issued_at <= row[0]):
            raise AuthError("this account's data was deleted; sign in again")

    def revoke(self, token_id: str) -> bool:
        with self._lock:
            cur = self._db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE token_id = ? AND revoked_at IS NULL",
                (time.time(), token_id),
            )
        return cur.rowcount > 0

    def list(self, user_id: str | None = None) -> list[dict[str, object]]:
        sql = "SELECT token_id, user_id, role, created_at, expires_at, revoked_at FROM tokens"
        args: tuple[str, ...] = ()
        if user_id:
            sql += " WHERE user_id = ?"
            args = (user_id,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY created_at", args).fetchall()
        keys = ("token_id", "user_id", "role", "created_at", "expires_at", "revoked_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def revoke_user(self, user_id: str) -> int:
        with self._lock:
            cur = self._db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (time.time(), user_id),
            )
        return cur.rowcount

    def forget_user(self, user_id: str) -> int:
        """The person's data is being deleted: revoke every token of theirs, and refuse JWTs
        issued until now. Returns how many opaque tokens were revoked."""
        now = time.time()
        with self._lock:
            cur = self._db.execute(
                "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (now, user_id),
            )
            self._db.execute(
                "INSERT INTO forgotten VALUES (?, ?) ON CONFLICT(user_id) DO UPDATE SET "
                "at = excluded.at", (user_id, now),
            )
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()


# ------------------------------------------------------------------ JWT (OIDC)

_HMAC = ("HS256", "HS384", "HS512")


def looks_like_jwt(token: str) -> bool:
    """Three dot-separated base64url segments, as every JWS compact token has."""
    return not token.startswith("hr_") and token.count(".") == 2


class JWTVerifier:
    """Verifies bearer JWTs offline: signature, ``iss``, ``aud``, ``exp``, ``nbf``, ``sub``.

    The header's ``alg`` must be in the allow-list, and it decides the key *family*: HS*
    verify with the shared secret only, every other algorithm with the public key (PEM or
    JWKS) only. An attacker who signs an HS256 token with the public key as the HMAC secret
    (algorithm confusion) therefore never gets the public key used as a secret; ``none`` is
    not in any allow-list (the settings type cannot hold it).
    """

    def __init__(self, settings: AuthSettings) -> None:
        try:
            import jwt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ConfigError("JWT bearer tokens need PyJWT: pip install 'pyjwt[crypto]'") from exc
        self._jwt = jwt
        self.settings = settings
        if not settings.jwt_audience:
            raise ConfigError("auth.jwt_audience is required when auth.jwt_issuer is set")
        algorithms = set(settings.jwt_algorithms)
        if not algorithms:
            raise ConfigError("auth.jwt_algorithms is empty")
        self._secret = settings.jwt_shared_secret.encode()
        if algorithms & set(_HMAC) and len(self._secret) < 32:
            raise ConfigError("HS* algorithms need auth.jwt_shared_secret of 32+ characters")
        self._public: Any = None
        self._jwks: dict[str, tuple[str | None, Any]] = {}  # kid -> (declared alg, key)
        if settings.jwt_public_key_file is not None:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            self._public = load_pem_public_key(settings.jwt_public_key_file.read_bytes())
        if settings.jwt_jwks_file is not None:
            data = json.loads(settings.jwt_jwks_file.read_text())
            for raw in data.get("keys", []) if isinstance(data, dict) else []:
                if isinstance(raw, dict) and raw.get("kty") != "oct":  # public keys only
                    key = jwt.PyJWK(raw).key
                    self._jwks[str(raw.get("kid", ""))] = (raw.get("alg"), key)
        if algorithms - set(_HMAC) and self._public is None and not self._jwks:
            raise ConfigError(
                "asymmetric JWT algorithms need auth.jwt_public_key_file or auth.jwt_jwks_file"
            )

    def _key(self, header: dict[str, Any]) -> Any:
        alg = header.get("alg")
        if alg not in self.settings.jwt_algorithms:
            raise AuthError("token algorithm not allowed")
        if alg in _HMAC:
            return self._secret
        if self._jwks:
            kid = header.get("kid")
            if kid is None and len(self._jwks) == 1:
                kid = next(iter(self._jwks))
            entry = self._jwks.get(str(kid))
            if entry is None:
                raise AuthError("unknown token key")
            declared, key = entry
            if declared is not None and declared != alg:
                raise AuthError("token algorithm does not match its key")
            return key
        return self._public

    def verify(self, token: str) -> Principal:
        """A :class:`Principal` for a valid token, else :class:`AuthError` (401)."""
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(header)
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=[header["alg"]], audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer, leeway=self.settings.jwt_leeway_s,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token ({type(exc).__name__})") from exc
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 256:
            raise AuthError("invalid token (sub)")
        subject = hashlib.sha256(f"{self.settings.jwt_issuer}|{sub}".encode()).hexdigest()
        iat = claims.get("iat")
        return Principal(user_id=sub, role=_role_of(claims), token_id="jwt_" + subject[:12],
                         issued_at=float(iat) if isinstance(iat, int | float) else None)


def _role_of(claims: dict[str, Any]) -> Role:
    """The healthrag role named by ``roles`` (list or string) or ``role``; other values (an
    IdP's unrelated roles) are ignored; none means patient, two healthrag roles are refused."""
    named: list[object] = []
    for claim in ("roles", "role"):
        value = claims.get(claim)
        named.extend(value if isinstance(value, list) else [value] if value is not None else [])
    found = {r for r in ROLES if r in named}
    if len(found) > 1:
        raise AuthError("invalid token (more than one healthrag role)")
    return found.pop() if found else "patient"
