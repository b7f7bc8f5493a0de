"""Bearer tokens (API keys), stored hashed. The user's identity comes from here only.

A token is ``hr_<random>``; only its SHA-256 is stored, with the user, role and
expiry. Lookups compare digests, so a leaked database does not leak tokens.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rag.errors import AuthError

Role = Literal["patient", "clinician", "curator", "admin"]
ROLES: tuple[Role, ...] = ("patient", "clinician", "curator", "admin")


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    token_id: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS tokens (digest TEXT PRIMARY KEY, token_id TEXT UNIQUE, "
            "user_id TEXT NOT NULL, role TEXT NOT NULL, created_at REAL NOT NULL, "
            "expires_at REAL, revoked_at REAL)"
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
        with self._lock:
            row = self._db.execute(
                "SELECT token_id, user_id, role, expires_at, revoked_at FROM tokens "
                "WHERE digest = ?",
                (_digest(token),),
            ).fetchone()
        if row is None:
            raise AuthError("unknown token")
        token_id, user_id, role, expires_at, revoked_at = row
        if revoked_at is not None:
            raise AuthError("revoked token")
        if expires_at is not None and expires_at < time.time():
            raise AuthError("expired token")
        return Principal(user_id=user_id, role=role, token_id=token_id)

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

    def close(self) -> None:
        with self._lock:
            self._db.close()
